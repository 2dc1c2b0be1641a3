"""``path``: the shortest evidence-backed path and sampled walks toward the target, on the real
demo garden (with and without vectors), on a handmade graph, and through the command line."""

from __future__ import annotations

import json
import shutil
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import kg

from kgarden import Garden
from kgarden.errors import NotFoundError, QueryError
from kgarden.graph.path_finder import COOCCURRENCE, PathResult, concept_chain, with_cooccurrences
from kgarden.graph.relation_graph import RelationGraph
from kgarden.search.paths import PathEdge
from kgarden.settings import Settings

LLM, KD = "large language model", "knowledge distillation"


def field_text(garden: Garden, paper_id: str, field: str) -> str:
    column = "title" if field == "title" else "abstract"
    return str(garden.conn.execute(f"SELECT {column} FROM papers WHERE id = ?",
                                   (paper_id,)).fetchone()[0])


def assert_real_evidence(garden: Garden, edges: list[PathEdge]) -> None:
    for edge in edges:
        assert field_text(garden, edge.paper_id, edge.field)[edge.start:edge.end] == \
            edge.sentence, edge
        assert edge.title == field_text(garden, edge.paper_id, "title")


def assert_path(result: PathResult, edges: list[PathEdge]) -> list[str]:
    """A simple path from the source to the target; its concepts."""
    chain = concept_chain(result.source, edges)
    assert chain[0] == result.source and chain[-1] == result.target
    assert len(set(chain)) == len(chain), chain
    assert 1 <= len(edges) <= result.max_hops
    for edge, (a, b) in zip(edges, pairwise(chain), strict=True):
        assert {edge.subject, edge.object} == {a, b}
    return chain


def test_shortest_path_cites_real_sentences(search_demo: Garden) -> None:
    result = search_demo.paths(LLM, KD)
    assert (result.source, result.target) == (LLM, KD)
    assert result.shortest, result.notes
    assert_path(result, result.shortest)
    assert_real_evidence(search_demo, result.shortest)


def test_typed_relations_come_first(search_demo: Garden) -> None:
    result = search_demo.paths("BERT", "task selection", samples=0)
    assert result.shortest and result.samples == []
    assert all(e.predicate != "co-occurs-with" for e in result.shortest)
    assert_path(result, result.shortest)
    assert_real_evidence(search_demo, result.shortest)


def test_samples_are_distinct_simple_paths_to_the_target(search_demo: Garden) -> None:
    result = search_demo.paths(LLM, KD, samples=5)
    assert len(result.samples) >= 3, result.notes
    chains = [tuple(assert_path(result, path)) for path in result.samples]
    assert len(set(chains)) == len(chains)
    assert tuple(concept_chain(LLM, result.shortest)) not in chains
    assert [len(p) for p in result.samples] == sorted(len(p) for p in result.samples)
    for path in result.samples:
        assert_real_evidence(search_demo, path)


def test_same_seed_same_paths(search_demo: Garden, embedded_demo: Path,
                              settings: Settings) -> None:
    first = search_demo.paths(LLM, KD, samples=5, seed=7).to_dict()
    assert search_demo.paths(LLM, KD, samples=5, seed=7).to_dict() == first
    with Garden.open(embedded_demo, settings=settings) as fresh:  # nothing cached
        assert fresh.paths(LLM, KD, samples=5, seed=7).to_dict() == first
    seeds = {json.dumps(search_demo.paths(LLM, KD, samples=5, seed=s).to_dict()["samples"])
             for s in range(4)}
    assert len(seeds) > 1  # the walks really are random


def test_samples_zero_keeps_the_shortest(search_demo: Garden) -> None:
    none = search_demo.paths(LLM, KD, samples=0)
    assert none.samples == [] and none.shortest == search_demo.paths(LLM, KD).shortest


def test_names_resolve_like_concept(search_demo: Garden) -> None:
    result = search_demo.paths("LLMs", "knowlege distilation", samples=0)
    assert (result.source, result.target) == (LLM, KD)
    assert any("taken as 'knowledge distillation'" in note for note in result.notes)


def test_unknown_concept_suggests_the_nearest(search_demo: Garden) -> None:
    with pytest.raises(NotFoundError) as caught:
        search_demo.paths(LLM, "quantum learning")
    assert "'quantum learning'" in str(caught.value)
    assert caught.value.suggestions
    assert any("(meaning)" in s for s in caught.value.suggestions)
    assert all(s.endswith(("(meaning)", "(spelling)")) for s in caught.value.suggestions)


def test_bad_arguments_are_query_errors(search_demo: Garden) -> None:
    for samples in (-1, 51):
        with pytest.raises(QueryError, match="samples"):
            search_demo.paths(LLM, KD, samples=samples)
    with pytest.raises(QueryError, match="same concept"):
        search_demo.paths("LLM", "large language models")


def test_concepts_not_connected_get_a_note_and_nothing_made_up(search_demo: Garden) -> None:
    # 'intelligent tutoring' shares its sentences only with concepts of its one paper
    result = search_demo.paths("intelligent tutoring", KD)
    assert result.shortest == [] and result.samples == []
    assert any("not connected within 6 hops" in note for note in result.notes)


def test_a_garden_without_vectors_still_samples(demo_garden: Garden) -> None:
    assert demo_garden.vectors().concepts == 0
    result = demo_garden.paths(LLM, KD, samples=3)
    assert result.shortest and len(result.samples) == 3
    assert any("no concept vectors" in note for note in result.notes)
    for path in result.samples:
        assert_path(result, path)
        assert_real_evidence(demo_garden, path)


# -- the graph read node by node -------------------------------------------------------------

def test_the_graph_read_node_by_node_is_the_whole_graph(demo_garden: Garden) -> None:
    conn = demo_garden.conn
    rejected = conn.execute("SELECT id FROM relations WHERE evidence_count > 0 LIMIT 1"
                            ).fetchone()[0]
    demo_garden.reject(f"R{rejected}", reason="test")
    live = {int(r[0]) for r in conn.execute(
        "SELECT id FROM concepts WHERE kind = 'concept' AND paper_count > 0")}
    whole: dict[int, list[tuple[int, int]]] = {}
    for a, b, rid in conn.execute(
            "SELECT subject_id, object_id, id FROM relations WHERE evidence_count > 0"
            " AND status != 'rejected' ORDER BY id"):
        if a != b and a in live and b in live:
            whole.setdefault(a, []).append((b, rid))
            whole.setdefault(b, []).append((a, rid))
    assert whole and all(rid != rejected for adj in whole.values() for _, rid in adj)
    graph = RelationGraph.load(conn)
    every = [int(r[0]) for r in conn.execute("SELECT id FROM concepts")]
    assert {n: graph.adjacent(n) for n in every if graph.adjacent(n)} == whole
    paper = int(conn.execute("SELECT id FROM concepts WHERE kind = 'paper'").fetchone()[0])
    assert paper not in graph  # paper nodes are no steps of a path

    pairs = {(int(a), int(b)) for a, b in conn.execute("SELECT a, b FROM cooccurrences")}
    mixed = with_cooccurrences(conn, RelationGraph.load(conn))
    for node in every:
        typed = whole.get(node, [])
        related = {n for n, _ in typed}
        partners = sorted(b if a == node else a for a, b in pairs if node in (a, b))
        expected = typed + [(p, COOCCURRENCE) for p in partners
                            if p in live and p not in related]
        assert mixed.adjacent(node) == (expected if node in live else [])
    a, (b, _) = next(iter(whole.items()))[0], whole[next(iter(whole))][0]
    cut = graph.without(a, b)
    assert all(n != b for n, _ in cut.adjacent(a)) and all(n != a for n, _ in cut.adjacent(b))
    assert len(cut.adjacent(a)) == len(graph.adjacent(a)) - sum(
        1 for n, _ in graph.adjacent(a) if n == b)


# -- a handmade graph ------------------------------------------------------------------------

def ladder() -> RelationGraph:
    """Two rails 1-2-3-4 and 5-6-7-8 joined by rungs; relation ids are 10 * a + b."""
    edges = [(1, 2), (2, 3), (3, 4), (5, 6), (6, 7), (7, 8), (1, 5), (2, 6), (3, 7), (4, 8)]
    neighbours: dict[int, list[tuple[int, int]]] = {}
    for a, b in edges:
        neighbours.setdefault(a, []).append((b, 10 * a + b))
        neighbours.setdefault(b, []).append((a, 10 * a + b))
    return RelationGraph(neighbours=neighbours)


def test_walks_are_simple_paths_that_reach_the_target() -> None:
    graph = ladder()
    rids = {rid for adjacent in graph.neighbours.values() for _, rid in adjacent}
    walks = graph.walks(1, 8, 20, closeness=lambda ids: [0.0] * len(ids), max_hops=7, seed=3)
    assert len(walks) >= 4
    keys = set()
    for steps in walks:
        nodes = [steps[0][0]] + [b for _, b, _ in steps]
        assert nodes[0] == 1 and nodes[-1] == 8
        assert len(set(nodes)) == len(nodes)
        assert all(rid in rids and {a, b} == {rid // 10, rid % 10} for a, b, rid in steps)
        assert all(steps[i][1] == steps[i + 1][0] for i in range(len(steps) - 1))
        keys.add(tuple(nodes))
    assert len(keys) == len(walks)
    assert graph.walks(1, 8, 20, closeness=lambda ids: [0.0] * len(ids), max_hops=7,
                       seed=3) == walks


def test_walks_drift_toward_what_is_close() -> None:
    graph = ladder()
    # the lower rail is "close" to the target: walks from 1 step down first
    walks = graph.walks(1, 4, 3, closeness=lambda ids: [1.0 if i >= 5 else 0.0 for i in ids],
                        max_hops=7, seed=0)
    assert walks and all(steps[0][1] == 5 for steps in walks)
    assert graph.shortest(1, 4) == [(1, 2, 12), (2, 3, 23), (3, 4, 34)]


# -- the command -----------------------------------------------------------------------------

@pytest.fixture
def garden_file(embedded_demo: Path, tmp_path: Path) -> Path:
    path = tmp_path / "garden.db"
    shutil.copy(embedded_demo, path)
    return path


def test_cli_prints_each_step_with_its_sentence(garden_file: Path,
                                                search_demo: Garden) -> None:
    code, out, err = kg("path", LLM, KD, "--samples", "2", "-g", garden_file)
    assert code == 0, err
    text = " ".join(out.split())  # the terminal wraps long lines
    expected = search_demo.paths(LLM, KD, samples=2)
    assert "shortest path" in text and "alternative 2" in text
    for edge in expected.shortest + expected.samples[1]:
        assert f"{edge.subject} —{edge.predicate}→ {edge.object}" in text
        assert " ".join(edge.sentence.split()) in text and f"[{edge.paper_id}]" in text


def test_cli_json_is_the_result(garden_file: Path, search_demo: Garden) -> None:
    code, out, _ = kg("path", LLM, KD, "--samples", "3", "--seed", "5", "--json",
                      "-g", garden_file)
    data = json.loads(out)
    assert code == 0
    assert set(data) == {"source", "target", "shortest", "samples", "notes", "seed", "max_hops"}
    assert data == search_demo.paths(LLM, KD, samples=3, seed=5).to_dict()
    assert set(data["shortest"][0]) == {"subject", "predicate", "object", "paper_id", "title",
                                        "sentence", "start", "end", "field"}
    assert len(data["samples"]) == 3 and data["seed"] == 5


def test_cli_unknown_concept_is_one_line_with_suggestions(garden_file: Path) -> None:
    code, out, err = kg("path", "quantum learning", KD, "-g", garden_file)
    assert code == 1 and out == ""
    assert err.startswith("error: no concept 'quantum learning'") and "did you mean" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_bad_arguments_exit_2(garden_file: Path) -> None:
    for args in (["--samples", "51"], ["--samples", "-1"]):
        code, _, err = kg("path", LLM, KD, *args, "-g", garden_file)
        assert code == 2 and err.startswith("error:") and "Traceback" not in err
    code, _, err = kg("path", "LLM", "LLMs", "-g", garden_file)
    assert code == 2 and "same concept" in err


def test_a_walk_at_a_hub_weighs_a_sample_of_its_neighbours() -> None:
    from kgarden.graph.relation_graph import STEP_OPTIONS

    # 1 is a hub of 400 leaves (2..401); leaf 401 alone leads on to the target 0
    neighbours: dict[int, list[tuple[int, int]]] = {1: [(leaf, leaf) for leaf in range(2, 402)]}
    for leaf in range(2, 402):
        neighbours[leaf] = [(1, leaf)]
    neighbours[401].append((0, 1000))
    neighbours[0] = [(401, 1000)]
    graph = RelationGraph(neighbours=neighbours)
    asked: list[int] = []

    def closeness(ids: list[int]) -> list[float]:
        asked.extend(ids)
        return [1.0 if i == 401 else 0.0 for i in ids]

    walks = graph.walks(1, 0, 1, closeness=closeness, max_hops=2, seed=0, tries=50)
    assert walks == [[(1, 401, 401), (401, 0, 1000)]]
    assert len(asked) == len(set(asked)) < 400  # not every leaf's vector was needed
    first = graph.walks(1, 0, 1, closeness=lambda ids: [0.0] * len(ids), max_hops=2, seed=5,
                        tries=50)
    assert first == graph.walks(1, 0, 1, closeness=lambda ids: [0.0] * len(ids), max_hops=2,
                                seed=5, tries=50)  # the sample is drawn from the seed
    assert STEP_OPTIONS < 400
