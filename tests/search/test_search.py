"""Search over real gardens with the real MiniLM embedder: meaning, words, filters, snippets."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from judgements import DISTILLATION, DISTILLATION_QUERIES

from kgarden import Garden
from kgarden.embed.index import ConceptsByKey
from kgarden.errors import (
    ConfigError,
    EmbedderMismatchError,
    KgardenError,
    NotFoundError,
    QueryError,
)
from kgarden.models import make_paper
from kgarden.search.filters import Filters
from kgarden.search.query import parse_query
from kgarden.settings import Settings, load_settings


def test_paraphrase_finds_the_distillation_papers(search_demo: Garden) -> None:
    found = 0
    for query in DISTILLATION_QUERIES:
        result = search_demo.search(query, k=5)
        assert result.mode == "hybrid" and result.notes == []
        hits = [h.title.startswith(DISTILLATION) for h in result.hits]
        assert any(hits[:3]), (query, [h.title for h in result.hits])
        found += sum(hits)
    assert found >= 9  # of 15 places; BM25 alone and dense alone find 8 each


def test_paraphrase_without_shared_words_needs_the_dense_list(search_demo: Garden) -> None:
    query = "teacher network transfers what it learned to a compact student"
    dense = [h.title for h in search_demo.search(query, k=5, mode="dense").hits]
    assert sum("Distill" in t for t in dense[:4]) >= 3, dense
    fused = search_demo.search(query, k=5).hits
    assert any(h.dense_rank is not None for h in fused)
    assert [h.score for h in fused] == sorted((h.score for h in fused), reverse=True)


def test_best_sentence_is_the_one_with_the_rare_words_and_is_highlighted(
        search_demo: Garden) -> None:
    hit = search_demo.search("bilingual problems benchmark", k=3).hits[0]
    assert hit.title.startswith("OlympicArena")
    assert "11,163 bilingual problems" in hit.snippet
    marked = {hit.snippet[s:e].casefold() for s, e in hit.highlights}
    assert {"bilingual", "problems"} <= marked
    abstract = search_demo.conn.execute(
        "SELECT abstract FROM papers WHERE id = ?", (hit.paper_id,)).fetchone()[0]
    assert abstract[hit.start:hit.end] == hit.snippet  # offsets index the abstract


def test_bm25_mode_and_numbers_as_phrases(search_demo: Garden) -> None:
    hits = search_demo.search("11,163", k=3, mode="bm25").hits
    assert len(hits) == 1 and hits[0].title.startswith("OlympicArena")
    assert hits[0].bm25_rank == 1 and hits[0].dense_rank is None


def test_query_syntax_is_never_fts_syntax() -> None:
    parsed = parse_query('distillation" OR title:* NEAR( "knowledge transfer" -x')
    assert parsed.terms and all(re.fullmatch(r"\w+( \w+)*", t) for t in parsed.terms)
    assert parsed.fts == " OR ".join(f'"{t}"' for t in parsed.terms)
    assert parse_query('"knowledge transfer" of 11,163 items').terms == (
        "knowledge transfer", "11 163", "items")
    with pytest.raises(QueryError):
        parse_query("   ")


def test_hostile_queries_do_not_break_the_search(search_demo: Garden) -> None:
    for query in ['"unbalanced', "a AND OR NOT", "col:value*", "the of and", "😀 ^^ --"]:
        result = search_demo.search(query, k=3)
        assert isinstance(result.hits, list)


def test_unknown_mode_and_bad_k_are_query_errors(search_demo: Garden) -> None:
    with pytest.raises(QueryError):
        search_demo.search("distillation", mode="fuzzy")
    with pytest.raises(QueryError):
        search_demo.search("distillation", k=0)


def test_without_vectors_search_falls_back_to_bm25_and_says_so(built_demo: Path,
                                                                settings: Settings) -> None:
    with Garden.open(built_demo, settings=settings) as garden:
        result = garden.search("knowledge distillation", k=3)
        assert result.mode == "bm25" and result.hits
        assert "kgarden embed" in result.notes[0]
        with pytest.raises(KgardenError, match="needs vectors"):
            garden.search("knowledge distillation", mode="dense")


def test_a_garden_refuses_queries_from_another_embedder(embedded_demo: Path, tmp_path: Path,
                                                        settings: Settings) -> None:
    path = tmp_path / "g.db"
    shutil.copy(embedded_demo, path)
    with Garden.open(path, settings=settings) as garden:
        garden.conn.execute("UPDATE meta SET value = 'other.v2' WHERE key = 'embedder'")
        with pytest.raises(EmbedderMismatchError, match=r"made by other\.v2, not minilm\.v1"):
            garden.search("knowledge distillation")
        with pytest.raises(EmbedderMismatchError):
            garden.embed()
        report = garden.embed(rebuild=True)  # the way out the message names
        assert report.papers == 75 and garden.vectors().embedder == "minilm.v1"


PAPERS = [
    ("Knowledge distillation for tiny students", "We distill a large teacher network into a "
     "small student network with knowledge distillation.", ["Ada Lovelace"], "2023-05-01"),
    ("Distilling transformers in 2024", "Knowledge distillation compresses transformers. "
     "Students match teachers.", ["Alan Turing", "Ada Lovelace"], "2024-02-10"),
    ("Graph neural networks for molecules", "Graph neural networks predict molecular "
     "properties.", ["Grace Hopper"], "2025-01-03"),
    ("Undated knowledge distillation note", "Knowledge distillation again, with no date.",
     ["Émile Zola"], None),
]


@pytest.fixture(scope="module")
def dated_garden(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Path:
    path = tmp_path_factory.mktemp("dated") / "g.db"
    papers = [make_paper(title=t, abstract=a, authors=au, date=d, source="test")
              for t, a, au, d in PAPERS]
    with Garden.create(path, settings=settings) as garden:
        garden.ingest_papers(papers, embed=True)
    return path


def titles(garden: Garden, query: str, **filters: str) -> list[str]:
    return [h.title for h in garden.search(query, k=10, filters=Filters(**filters)).hits]


def test_filters_by_date_author_and_concept(dated_garden: Path, settings: Settings) -> None:
    with Garden.open(dated_garden, settings=settings) as g:
        recent = titles(g, "knowledge distillation", since="2024")
        assert "Distilling transformers in 2024" in recent
        assert set(recent) <= {"Distilling transformers in 2024",
                               "Graph neural networks for molecules"}
        assert titles(g, "distillation", since="2023-05", until="2023-05") == [
            "Knowledge distillation for tiny students"]
        assert set(titles(g, "distillation", author="lovelace")) == {
            "Knowledge distillation for tiny students", "Distilling transformers in 2024"}
        assert titles(g, "distillation", author="zola") == [
            "Undated knowledge distillation note"]
        assert set(titles(g, "networks", concept="graph neural network")) == {
            "Graph neural networks for molecules"}
        assert titles(g, "distillation", author="100%_") == []
        with pytest.raises(QueryError, match="YYYY"):
            g.search("x", filters=Filters(since="last year"))
        with pytest.raises(NotFoundError):
            g.search("x", filters=Filters(concept="quantum gravity"))


def test_embedding_resumes_after_an_interruption_and_is_incremental(
        built_demo: Path, tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "g.db"
    shutil.copy(built_demo, path)
    small_batches = Settings({**settings.as_dict(), "embed_batch_size": 10},
                             {k: "test" for k in settings.as_dict()})

    def stop_after_two_batches(done: int, total: int) -> None:
        if done >= 20:
            raise KeyboardInterrupt

    with Garden.open(path, settings=small_batches) as garden:
        with pytest.raises(KeyboardInterrupt):
            garden.embed(progress=stop_after_two_batches)
        assert garden.vectors().papers == 20  # whole batches were kept
        report = garden.embed()
        assert report.papers == 55 and report.papers_missing == 0
        assert garden.embed().papers == 0  # nothing left to do
        paper = garden.papers(limit=1)[0]
        changed = make_paper(title=paper.title, abstract=paper.abstract + " A new sentence.",
                             source="test", id_hint=paper.id)
        assert changed.id == paper.id
        garden.ingest_papers([changed], embed=False)
        assert garden.vectors().papers == 74  # the changed paper's vector is stale
        assert garden.embed().papers == 1


def test_convex_fusion_divides_bm25_by_the_query_idf_and_imputes_missing_scores() -> None:
    from kgarden.search.retrieve import convex

    lexical = [(1, 6.0), (2, 3.0)]  # BM25 of items 1 and 2; the query's idf mass is 10
    dense = [(2, 0.5), (3, 0.6)]  # cosines of items 2 and 3
    fused = convex(lexical, dense, idf_mass=10.0, alpha=0.5)
    assert fused[1] == pytest.approx(0.5 * 0.6 + 0.5 * 0.5)  # no cosine: the list's lowest
    assert fused[2] == pytest.approx(0.5 * 0.3 + 0.5 * 0.5)
    assert fused[3] == pytest.approx(0.5 * 0.3 + 0.5 * 0.6)  # no BM25: the list's lowest
    assert convex([], dense, idf_mass=0.0) == {2: pytest.approx(0.6 * 0.5),
                                               3: pytest.approx(0.6 * 0.6)}


def test_fusion_is_a_setting_an_argument_and_checked(search_demo: Garden,
                                                    embedded_demo: Path) -> None:
    query = "shrinking a big language model into a small one"
    scores = {f: [h.score for h in search_demo.search(query, k=3, fusion=f).hits]
              for f in ("convex", "rrf")}
    assert [h.score for h in search_demo.search(query, k=3).hits] == scores["convex"]
    assert all(s < 0.04 for s in scores["rrf"]) and scores["convex"][0] > 0.3  # 1/(60+rank)
    with pytest.raises(QueryError, match="unknown fusion"):
        search_demo.search("knowledge distillation", fusion="max")
    rrf = load_settings({"search_fusion": "rrf", "embed_on_ingest": False}, env={})
    with Garden.open(embedded_demo, settings=rrf) as garden:
        assert [h.score for h in garden.search(query, k=3).hits] == scores["rrf"]
    bad = load_settings({"embed_on_ingest": False}, env={"KGARDEN_SEARCH_FUSION": "max"})
    with Garden.open(embedded_demo, settings=bad) as garden, \
            pytest.raises(ConfigError, match=r"search_fusion.*'max'") as caught:
        garden.search(query)
    assert caught.value.path == "KGARDEN_SEARCH_FUSION"


def test_bfloat16_embedding_gives_the_float32_vectors_and_bad_precision_is_refused() -> None:
    import numpy as np

    from kgarden.embed.base import get_embedder
    from kgarden.embed.minilm import resolve_precision
    from kgarden.errors import ConfigError

    model = get_embedder("minilm")
    texts = ["Knowledge distillation trains a small student model from a large teacher.",
             "A tutoring system helps students learn algebra.", "graph neural network"]
    full = model.embed(texts, precision="float32")
    half = model.embed(texts, precision="bfloat16")
    assert full.shape == half.shape == (3, 384)
    assert not np.array_equal(full, half)  # the arithmetic did change
    assert float((full * half).sum(axis=1).min()) > 0.999
    assert resolve_precision("auto") in ("float32", "bfloat16")
    with pytest.raises(ConfigError, match="embed_precision"):
        model.embed(texts, precision="float8")


def test_a_first_search_reads_only_the_concept_vectors_it_needs(embedded_demo: Path,
                                                                 settings: Settings) -> None:
    # a command searches once: its hits' concepts are read by key, not the whole index;
    # the second search loads the index, and both give the same snippets
    query = "a teacher network transfers what it learned to a compact student"
    with Garden.open(embedded_demo, settings=settings) as garden:
        cache = garden._indexes
        first = garden.search(query, k=10)
        assert "concept" not in cache._cache
        second = garden.search(query, k=10)
        assert "concept" in cache._cache
        assert [h.to_dict() for h in first.hits] == [h.to_dict() for h in second.hits]
        # the two give the same cosines for the concepts the hits mention
        mentioned = {int(r[0]) for r in garden.conn.execute("SELECT concept_id FROM mentions")}
        vector = garden._indexes.get(garden.conn, "paper").matrix[0]
        by_key = ConceptsByKey(garden.conn).similarities(vector, mentioned)
        loaded = cache.concepts(garden.conn).similarities(vector, mentioned)
        assert len(by_key) > 100 and by_key.keys() == loaded.keys()
        assert max(abs(by_key[c] - loaded[c]) for c in by_key) < 1e-6
