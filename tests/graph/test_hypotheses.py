"""The hypothesis ledger on the real demo garden (with vectors), and its LLM statements against
the scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import kg
from llm_server import TEST_API_KEY, ScriptedLLMServer, chat

from kgarden import Garden, load_settings
from kgarden.errors import NotFoundError, QueryError
from kgarden.graph.hypotheses import _best, _variants
from kgarden.settings import Settings


@pytest.fixture
def garden(embedded_demo: Path, tmp_path: Path, settings: Settings) -> Path:
    path = tmp_path / "garden.db"
    shutil.copy(embedded_demo, path)
    return path


def co_mentioned(g: Garden, hypothesis_id: int) -> int:
    """Papers mentioning both concepts of a hypothesis (by id: two concepts can share a
    display name, as the demo's two "AI research" do)."""
    return int(g.conn.execute(
        "SELECT count(*) FROM hypotheses h JOIN mentions m1 ON m1.concept_id = h.a_id"
        " JOIN mentions m2 ON m2.paper_pk = m1.paper_pk AND m2.concept_id = h.b_id"
        " WHERE h.id = ?", (hypothesis_id,)).fetchone()[0])


def test_hypotheses_are_new_pairs_with_real_evidence(garden: Path, settings: Settings) -> None:
    with Garden.open(garden, settings=settings) as g:
        found = g.hypotheses(n=6, use_llm=False)
        assert 1 <= len(found) <= 6
        assert [h.score for h in found] == sorted((h.score for h in found), reverse=True)
        for h in found:
            assert co_mentioned(g, h.id) == 0, (h.a, h.b)  # no paper mentions both
            assert not _variants(h.a, h.b), (h.a, h.b)
            assert 0 < h.signals["specificity"] <= 1 and h.signals["popularity"] >= 1
            assert h.status == "proposed" and h.paths
            assert h.components["ranker"] == "linkpred.v3"
            assert h.components["embedder"] == "minilm.v1"
            assert h.score == pytest.approx(h.plausibility * h.novelty * h.signals["specificity"]
                                            / h.signals["popularity"])
            for path in h.paths:
                assert path[0]["subject"] in (h.a, h.b) or path[0]["object"] in (h.a, h.b)
                for edge in path:
                    field = "abstract" if edge["field"] == "abstract" else "title"
                    text = g.conn.execute(f"SELECT {field} FROM papers WHERE id = ?",
                                          (edge["paper_id"],)).fetchone()[0]
                    assert text[edge["start"]:edge["end"]] == edge["sentence"]


def test_rerunning_never_duplicates_and_keeps_a_persons_decision(
        garden: Path, settings: Settings) -> None:
    with Garden.open(garden, settings=settings) as g:
        first = g.hypotheses(n=5, use_llm=False)
        decided = first[0]
        g.conn.execute("UPDATE hypotheses SET status = 'rejected', score = -1 WHERE id = ?",
                       (decided.id,))
        g.conn.commit()
        again = g.hypotheses(n=5, use_llm=False)
        assert {h.id for h in again} == {h.id for h in first}
        assert len(g.ledger()) == len(first)
        kept = g.hypothesis(decided.id)
        assert kept.status == "rejected" and kept.score == -1  # untouched by the re-run
        assert [h.id for h in g.ledger(status="rejected")] == [decided.id]


def test_about_one_concept_and_bad_input(garden: Path, settings: Settings) -> None:
    with Garden.open(garden, settings=settings) as g:
        found = g.hypotheses(about="knowledge distillation", n=4, use_llm=False)
        assert found and all("knowledge distillation" in (h.a, h.b) for h in found)
        with pytest.raises(NotFoundError):
            g.hypotheses(about="quantum gravity of sandwiches", use_llm=False)
        with pytest.raises(QueryError):
            g.hypotheses(n=0)
        with pytest.raises(NotFoundError):
            g.hypothesis(12345)
        with pytest.raises(QueryError):
            g.ledger(status="maybe")


def test_cli_proposes_lists_and_shows(garden: Path) -> None:
    code, out, err = kg("hypotheses", "--n", "3", "--no-llm", "--json", "-g", garden)
    assert code == 0, err
    entries = json.loads(out)
    assert 1 <= len(entries) <= 3
    assert {"id", "a", "b", "score", "plausibility", "novelty", "signals", "paths",
            "components", "status", "created_at"} <= set(entries[0])
    code, out, _ = kg("hypotheses", "show", str(entries[0]["id"]), "-g", garden)
    assert code == 0
    assert entries[0]["paths"][0][0]["sentence"][:40] in " ".join(out.split())
    code, out, _ = kg("hypotheses", "list", "--json", "-g", garden)
    assert [e["id"] for e in json.loads(out)] == [e["id"] for e in entries]
    code, out, err = kg("hypotheses", "show", "999", "-g", garden)
    assert code != 0 and "no hypothesis 999" in err and len(err.strip().splitlines()) == 1


def test_llm_statement_cites_only_the_evidence_it_was_given(
        garden: Path, llm_server: ScriptedLLMServer) -> None:
    claims = {"enough_evidence": True, "claims": [
        {"text": "Both appear in agentic research.", "cites": [1, 2]},
        {"text": "An invented claim.", "cites": [99]}]}
    llm_server.script([], then=chat(claims))
    settings = load_settings({
        "embed_on_ingest": False, "llm_base_url": llm_server.base_url,
        "llm_model": "local-model", "llm_api_key": TEST_API_KEY, "llm_timeout": 2.0,
        "llm_retries": 1}, env={})
    with Garden.open(garden, settings=settings) as g:
        found = g.hypotheses(n=2)
    assert found and all(h.statement for h in found)
    for h in found:
        assert "An invented claim" not in (h.statement or "")
        assert h.statement_by is not None and h.statement_by["prompt_id"] == "hypothesis.v1"
        assert h.statement_by["cited"] == [1, 2]
    assert "Evidence:" in llm_server.requests[0].message("user")


def test_best_keeps_the_order_of_a_full_stable_sort() -> None:
    score = np.array([0.5, 2.0, -np.inf, 2.0, 1.0, 0.5, 0.5])
    for n in range(1, 8):
        assert _best(score, n).tolist() == np.argsort(-score, kind="stable")[:n].tolist()


def test_names_sharing_a_word_are_variants_not_hypotheses() -> None:
    assert _variants("low-resource language", "low-resource dialect translation")
    assert _variants("medical imaging", "imaging information")
    assert _variants("language model", "large language models")  # plural, nested
    assert _variants("graph neural network", "Graph Neural Networks")
    assert not _variants("knowledge distillation", "medical image segmentation")
    assert not _variants("retrieval for tutoring", "distillation for tutors")  # function word
    assert _variants("AI agent", "AI safety")
    assert _variants("AI research", "artificial intelligence")  # an acronym of the other
    assert _variants("large language models", "LLMs")
    assert not _variants("AI research", "deep learning")
    assert not _variants("reinforcement learning", "federated learning")  # a generic head
    assert _variants("attention mechanism", "global attention")  # not the head of both
    assert not _variants("theory of mind", "graph neural network")  # "of" is no shared word


def test_web_address_share_finds_boilerplate(demo_garden: Garden) -> None:
    from kgarden.graph.hypotheses import web_address_share
    from kgarden.graph.linkpred import ConceptGraph
    from kgarden.models import make_paper

    papers = [make_paper(
        title=f"Sparse routing for knowledge distillation, part {i}",
        abstract=("We study knowledge distillation with sparse routing. "
                  f"Project page: https://example.org/routing-{i} and code at www.example.org."),
        source="test", id_hint=f"boilerplate-{i}") for i in range(3)]
    demo_garden.ingest_papers(papers, embed=False)
    conn = demo_garden.conn
    graph = ConceptGraph.build(conn, min_papers=2)
    share = web_address_share(conn, graph)
    # the obvious way: papers whose sentence naming the concept holds a web address
    beside: dict[int, set[int]] = {}
    for cid, pk, text in conn.execute(
            "SELECT m.concept_id, m.paper_pk, s.text FROM mentions m"
            " JOIN sentences s ON s.id = m.sentence_id"):
        if int(cid) in graph.index and ("http" in text or "www." in text):
            beside.setdefault(int(cid), set()).add(int(pk))
    expected = [len(beside.get(int(c), ())) / n for c, n in zip(graph.ids, graph.paper_counts,
                                                                 strict=True)]
    assert share.tolist() == pytest.approx(expected)
    page = graph.index[int(conn.execute(
        "SELECT id FROM concepts WHERE name = 'project page'").fetchone()[0])]
    distillation = graph.index[int(conn.execute(
        "SELECT id FROM concepts WHERE name = 'knowledge distillation'").fetchone()[0])]
    assert share[page] == 1.0  # in those three papers only, always beside the address
    assert share[distillation] == 0.0  # named in its own sentence, never beside one


def test_spread_lets_every_concept_have_its_turn() -> None:
    from kgarden.graph.hypotheses import per_concept_cap, spread

    found = [(1, 2, {}), (1, 3, {}), (1, 4, {}), (5, 6, {}), (4, 1, {}), (7, 8, {})]
    order = [(a, b) for a, b, _ in spread(found, 2)]
    assert order == [(1, 2), (1, 3), (5, 6), (7, 8), (1, 4), (4, 1)]
    assert per_concept_cap(20) == 3 and per_concept_cap(5) == 2


def test_no_concept_fills_the_list(garden: Path, settings: Settings) -> None:
    from collections import Counter

    from kgarden.graph.hypotheses import per_concept_cap

    with Garden.open(garden, settings=settings) as g:
        found = g.hypotheses(n=10, use_llm=False)
        pairs = [tuple(g.conn.execute("SELECT a_id, b_id FROM hypotheses WHERE id = ?",
                                      (h.id,)).fetchone()) for h in found]
    ends = Counter(end for pair in pairs for end in pair)
    assert per_concept_cap(10) == 2
    assert len(found) == 10 and max(ends.values()) <= 2
