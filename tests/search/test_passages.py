"""Passage vectors (embed_passages) on a real demo garden with the real MiniLM embedder."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import kg
from judgements import DISTILLATION, DISTILLATION_QUERIES

from kgarden import Garden
from kgarden.embed.base import get_embedder
from kgarden.embed.passages import PASSAGE_TOKENS, WHOLE_WEIGHT, cut_passages
from kgarden.models import make_paper
from kgarden.search.retrieve import Retriever
from kgarden.settings import Settings


def with_passages(settings: Settings) -> Settings:
    return Settings({**settings.as_dict(), "embed_passages": True},
                    {k: "test" for k in settings.as_dict()})


@pytest.fixture(scope="module")
def passage_garden(embedded_demo: Path, tmp_path_factory: pytest.TempPathFactory,
                   settings: Settings) -> Iterator[Garden]:
    """The embedded demo garden given passage vectors (read-only for tests: copy to change)."""
    path = tmp_path_factory.mktemp("passages") / "garden.db"
    shutil.copy(embedded_demo, path)
    with Garden.open(path, settings=with_passages(settings)) as garden:
        report = garden.embed()
        assert report.papers == 0 and report.concepts == 0 and report.passages > 75
        yield garden


def test_sentences_are_grouped_while_they_fit_and_the_title_leads() -> None:
    sentences = [(0, 10, "A" * 10), (11, 20, "B" * 9), (21, 30, "C" * 9), (31, 40, "D" * 9)]
    passages = cut_passages("T", sentences, [50, 60, 200, 10], title_tokens=10)
    assert [(p.start, p.end) for p in passages] == [(0, 20), (21, 30), (31, 40)]
    assert passages[0].text == "T. " + "A" * 10 + " " + "B" * 9
    assert passages[1].text == "C" * 9  # longer than the limit: a passage of its own
    one = cut_passages("T", sentences[:1], [200], title_tokens=10)
    assert [(p.start, p.end, p.text) for p in one] == [(0, 10, "T. " + "A" * 10)]


def test_only_the_best_papers_by_their_own_vector_are_blended_with_their_passages() -> None:
    from kgarden.embed.index import PassageIndex, VectorIndex

    rng = np.random.default_rng(7)

    def unit(rows: int) -> np.ndarray:
        m = rng.standard_normal((rows, 8)).astype(np.float32)
        return m / np.linalg.norm(m, axis=1, keepdims=True)

    papers = VectorIndex(np.array([2, 4, 6, 8, 10, 12], dtype=np.int64), unit(6))
    owner = np.array([2, 2, 4, 6, 6, 6, 10, 12, 12], dtype=np.int64)  # paper 8: no passages
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    passages = PassageIndex(unit(9), starts, owner[starts])
    query = unit(1)[0]
    own = papers.matrix @ query
    best = {pk: float((passages.matrix[owner == pk] @ query).max()) for pk in set(owner)}

    def expected(row: int) -> float:
        pk = int(papers.ids[row])
        if pk not in best:
            return float(own[row])
        return WHOLE_WEIGHT * float(own[row]) + (1 - WHOLE_WEIGHT) * best[pk]

    everything = passages.blended(papers, query, depth=100)
    assert everything == pytest.approx([expected(r) for r in range(6)], abs=1e-6)
    some = passages.blended(papers, query, depth=3)
    chosen = set(np.argsort(-own)[:3])
    for row in range(6):
        assert some[row] == (pytest.approx(expected(row), abs=1e-6) if row in chosen
                             else -np.inf)
    allowed = passages.blended(papers, query, allowed={4, 8}, depth=3)
    assert [r for r in range(6) if np.isfinite(allowed[r])] == [1, 3]
    assert allowed[1] == pytest.approx(expected(1)) and allowed[3] == pytest.approx(own[3])


def test_every_abstract_is_covered_by_passages_that_fit(passage_garden: Garden) -> None:
    conn = passage_garden.conn
    embedder = get_embedder("minilm")
    status = passage_garden.vectors()
    assert status.papers_with_passages == status.papers_for_passages == 75
    for pk, title, abstract in conn.execute("SELECT pk, title, abstract FROM papers"):
        rows = conn.execute("SELECT start_char, end_char, vector FROM passage_vectors"
                            " WHERE paper_pk = ? ORDER BY idx", (pk,)).fetchall()
        sentences = conn.execute("SELECT start_char, end_char FROM sentences WHERE paper_pk"
                                 " = ? AND field = 'abstract' ORDER BY idx", (pk,)).fetchall()
        assert rows[0][0] == sentences[0][0] and rows[-1][1] == sentences[-1][1]
        for (_, end, _), (start, _, _) in itertools.pairwise(rows):
            assert start > end  # in order, no overlap, no sentence lost between them
        for start, end, blob in rows:
            vector = np.frombuffer(blob, dtype=np.float32)
            assert vector.shape == (384,) and abs(float(vector @ vector) - 1.0) < 1e-4
            inside = [s for s in sentences if start <= s[0] and s[1] <= end]
            if len(inside) > 1:  # a lone sentence may be longer than the limit
                text = " ".join(abstract[a:b] for a, b in inside)
                if start == sentences[0][0]:
                    text = f"{title}. {text}"
                assert embedder.count_tokens([text])[0] <= PASSAGE_TOKENS + 1


def test_dense_scores_blend_the_whole_vector_and_the_best_passage(
        passage_garden: Garden) -> None:
    retriever = Retriever(passage_garden.conn, passage_garden.settings, passage_garden._indexes)
    query = "shrinking a big language model into a small one"
    found = retriever.retrieve(query, n=10, mode="dense")
    assert found.passages and found.query_vector is not None
    top = found.ranked[0]
    whole = passage_garden._indexes.get(passage_garden.conn, "paper").vector(top.pk)
    assert whole is not None
    blobs = passage_garden.conn.execute(
        "SELECT vector FROM passage_vectors WHERE paper_pk = ?", (top.pk,)).fetchall()
    best = max(float(np.frombuffer(b[0], dtype=np.float32) @ found.query_vector)
               for b in blobs)
    expected = WHOLE_WEIGHT * float(whole @ found.query_vector) + (1 - WHOLE_WEIGHT) * best
    assert top.score == pytest.approx(expected, abs=1e-5)
    teacher = "teacher network transfers what it learned to a compact student"
    dense = [h.title for h in passage_garden.search(teacher, k=5, mode="dense").hits]
    assert sum("Distill" in t for t in dense) >= 3, dense
    # each distillation paraphrase has a distillation paper in its top 2 (the headline: TAID
    # second, after "... Big Educational Data"), and 9 of the 15 places of the top 5s
    found = 0
    for paraphrase in DISTILLATION_QUERIES:
        hits = [h.title.startswith(DISTILLATION)
                for h in passage_garden.search(paraphrase, k=5).hits]
        assert any(hits[:2]), paraphrase
        found += sum(hits)
    assert found >= 9


def test_a_changed_paper_gets_new_passages_and_rebuild_drops_them(
        passage_garden: Garden, tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    passage_garden.conn.execute("PRAGMA wal_checkpoint(FULL)")
    shutil.copy(passage_garden.path, path)
    with Garden.open(path, settings=passage_garden.settings) as garden:
        assert garden.embed().passages == 0  # all current
        paper = garden.papers(limit=1)[0]
        changed = make_paper(title=paper.title, abstract=paper.abstract + " A new sentence.",
                             source="test", id_hint=paper.id)
        garden.ingest_papers([changed], embed=False)
        assert garden.vectors().papers_with_passages == 74
        report = garden.embed()
        assert report.papers == 1 and report.passages >= 1
        assert garden.vectors().papers_with_passages == 75
        pk = garden.conn.execute("SELECT pk FROM papers WHERE id = ?", (paper.id,)).fetchone()[0]
        last = garden.conn.execute("SELECT max(end_char) FROM passage_vectors WHERE paper_pk"
                                   " = ?", (pk,)).fetchone()[0]
        assert last == len(changed.abstract)
        garden.embed(rebuild=True)  # the setting is on: they are made again
        assert garden.vectors().papers_with_passages == 75
    code, out, err = kg("status", "--garden", path)
    assert code == 0 and "passages    75 of 75 papers" in out, out + err
    code, out, err = kg("embed", "--rebuild", "--no-passages", "--json", "--garden", path)
    assert code == 0, err
    assert '"passages": 0' in out
    with Garden.open(path, settings=passage_garden.settings) as garden:
        assert garden.vectors().papers_with_passages == 0
        retriever = Retriever(garden.conn, garden.settings, garden._indexes)
        assert not retriever.retrieve("knowledge distillation", n=5).passages
