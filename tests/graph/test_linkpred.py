"""The link-prediction graph: built from the store's counts it equals the graph re-derived from
the mentions, retraction included; its features checked against plain counts."""

from __future__ import annotations

import math
import sqlite3
from collections import defaultdict

import numpy as np
import pytest

from kgarden.embed.index import VectorIndex
from kgarden.garden import Garden
from kgarden.graph.linkpred import ConceptGraph, features, plausibility


def same(a: ConceptGraph, b: ConceptGraph) -> None:
    assert a.ids.tolist() == b.ids.tolist()
    assert (a.sentences != b.sentences).nnz == 0
    assert (a.comentions() != b.comentions()).nnz == 0
    assert a.degree.tolist() == b.degree.tolist()
    assert a.paper_counts.tolist() == b.paper_counts.tolist()


def plain(conn: sqlite3.Connection, min_papers: int) -> tuple[dict[int, set[int]],
                                                            dict[tuple[int, int], int]]:
    """concept -> live papers, and (a, b) -> sentences holding both, the obvious way."""
    papers: dict[int, set[int]] = defaultdict(set)
    by_sentence: dict[int, set[int]] = defaultdict(set)
    for pk, sid, cid in conn.execute(
            "SELECT m.paper_pk, m.sentence_id, m.concept_id FROM mentions m"
            " JOIN papers p ON p.pk = m.paper_pk JOIN concepts c ON c.id = m.concept_id"
            " WHERE p.retracted = 0 AND c.kind = 'concept'"):
        papers[cid].add(pk)
        by_sentence[sid].add(cid)
    kept = {c: ps for c, ps in papers.items() if len(ps) >= min_papers}
    pairs: dict[tuple[int, int], int] = defaultdict(int)
    for concepts in by_sentence.values():
        inside = sorted(c for c in concepts if c in kept)
        for i, a in enumerate(inside):
            for b in inside[i + 1:]:
                pairs[(a, b)] += 1
    return kept, pairs


@pytest.mark.parametrize("min_papers", [2, 3])
def test_counts_and_mentions_give_the_same_graph(demo_garden: Garden, min_papers: int) -> None:
    conn = demo_garden.conn
    graph = ConceptGraph.build(conn, min_papers=min_papers)
    same(graph, ConceptGraph.from_mentions(conn, min_papers=min_papers))
    kept, pairs = plain(conn, min_papers)
    assert graph.ids.tolist() == sorted(kept)
    assert graph.paper_counts.tolist() == [len(kept[int(c)]) for c in graph.ids]
    coo = graph.sentences.tocoo()
    found = {(int(graph.ids[a]), int(graph.ids[b])): int(v)
             for a, b, v in zip(coo.row, coo.col, coo.data, strict=True) if a < b}
    assert found == dict(pairs)


def test_a_retracted_paper_leaves_both_graphs_alike(demo_garden: Garden) -> None:
    conn = demo_garden.conn
    before = ConceptGraph.build(conn, min_papers=2)
    paper = conn.execute("SELECT p.id FROM mentions m JOIN papers p ON p.pk = m.paper_pk"
                         " GROUP BY m.paper_pk ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    demo_garden.retract(paper)
    after = ConceptGraph.build(conn, min_papers=2)
    same(after, ConceptGraph.from_mentions(conn, min_papers=2))
    assert after.sentences.sum() < before.sentences.sum()
    kept, pairs = plain(conn, 2)
    assert after.ids.tolist() == sorted(kept)
    assert int(after.sentences.sum()) == 2 * sum(pairs.values())


def test_until_keeps_only_earlier_papers(demo_garden: Garden) -> None:
    conn = demo_garden.conn  # the demo listing has no dates: give half the papers an early one
    pks = [r[0] for r in conn.execute("SELECT pk FROM papers ORDER BY pk")]
    early_pks = set(pks[: len(pks) // 2])
    conn.executemany("UPDATE papers SET date = ? WHERE pk = ?",
                     [("2025-01-15" if pk in early_pks else "2025-06-15", pk) for pk in pks])
    conn.commit()
    early = ConceptGraph.build(conn, min_papers=2, until="2025-03-31")
    whole = ConceptGraph.build(conn, min_papers=2)
    assert 0 < len(early) < len(whole)
    assert early.incidence.shape[0] <= len(early_pks)
    papers: dict[int, set[int]] = defaultdict(set)
    for pk, cid in conn.execute("SELECT paper_pk, concept_id FROM mentions"):
        if pk in early_pks:
            papers[cid].add(pk)
    assert early.ids.tolist() == sorted(c for c, ps in papers.items() if len(ps) >= 2)
    assert early.paper_counts.tolist() == [len(papers[int(c)]) for c in early.ids]
    # growth: the share of a concept's papers in the last 60 days (here: the June papers)
    late = np.asarray(whole.incidence[np.isin(whole.paper_pks, list(early_pks), invert=True)]
                      .sum(axis=0)).ravel()
    assert whole.growth() == pytest.approx(np.log((late + 1) / (whole.paper_counts + 1)))
    assert np.all(early.growth() == 0.0)  # every early paper is in its own last 60 days


def test_features_match_their_definitions(demo_garden: Garden) -> None:
    graph = ConceptGraph.build(demo_garden.conn, min_papers=2)
    binary = (graph.sentences > 0).toarray()
    source = int(np.argmax(graph.degree))
    f = features(graph, [source], None)
    neighbours = set(np.flatnonzero(binary[source]))
    for b in range(len(graph)):
        shared = neighbours & set(np.flatnonzero(binary[b]))
        assert f.common[0, b] == len(shared)
        assert f.adamic_adar[0, b] == pytest.approx(
            sum(1 / math.log(max(graph.degree[x], 2)) for x in shared), rel=1e-5)
        assert f.preferential[0, b] == graph.degree[source] * graph.degree[b]
    comention = graph.comentions([source]).toarray()[0]
    assert f.linked[0].tolist() == [(comention[b] > 0) or b == source
                                    for b in range(len(graph))]
    dense = graph.incidence.toarray()  # paper x node
    to_paper = (dense / dense.sum(axis=0, keepdims=True)).T
    to_node = dense / dense.sum(axis=1, keepdims=True)
    walk = to_paper @ to_node @ to_paper @ to_node
    assert f.paper_walk[0] == pytest.approx(walk[source] * len(graph), rel=1e-4, abs=1e-6)
    assert walk[source].sum() == pytest.approx(1.0)


def test_paper_graph_features_on_request(demo_garden: Garden) -> None:
    graph = ConceptGraph.build(demo_garden.conn, min_papers=2)
    sources = [0, int(np.argmax(graph.paper_counts))]
    plain_f = features(graph, sources, None)
    assert plain_f.paper_common is None and plain_f.paper_adamic_adar is None
    f = features(graph, sources, None, paper_graph=True)
    assert f.paper_common is not None and f.paper_adamic_adar is not None
    papers = (graph.comentions() > 0).toarray()
    degree = papers.sum(axis=1)
    for row, a in enumerate(sources):
        shared = papers[a][None, :] & papers
        assert f.paper_common[row].tolist() == shared.sum(axis=1).tolist()
        weight = 1 / np.log(np.maximum(degree, 2))
        assert f.paper_adamic_adar[row] == pytest.approx((shared * weight).sum(axis=1),
                                                         rel=1e-5)
    # the default combination reads only the walk, the contexts and growth
    assert np.array_equal(plausibility(plain_f), plausibility(f))



def test_context_is_the_cosine_of_the_mean_vectors_of_the_graphs_papers(
        demo_garden: Garden) -> None:
    conn = demo_garden.conn
    pks = [int(r[0]) for r in conn.execute("SELECT pk FROM papers ORDER BY pk")]
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(len(pks), 8)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    # the last paper has no vector yet (embedding still running): it adds nothing
    papers = VectorIndex(np.array(pks[:-1], dtype=np.int64), matrix[:-1])
    graph = ConceptGraph.build(conn, min_papers=2)
    sources = [0, int(np.argmax(graph.paper_counts))]
    f = features(graph, sources, None, papers=papers)
    vector_of = {pk: matrix[i] for i, pk in enumerate(pks[:-1])}
    members: dict[int, list[int]] = defaultdict(list)
    for pk, cid in conn.execute("SELECT DISTINCT paper_pk, concept_id FROM mentions"):
        members[int(cid)].append(int(pk))

    def mean(node: int) -> np.ndarray:
        total = sum((vector_of[p] for p in members[int(graph.ids[node])] if p in vector_of),
                    np.zeros(8, dtype=np.float32))
        return total / np.linalg.norm(total)

    for row, a in enumerate(sources):
        expected = [float(mean(a) @ mean(b)) for b in range(len(graph))]
        assert f.context[row] == pytest.approx(expected, abs=1e-5)
    # without paper vectors every context is one constant: it changes no source's order
    assert np.unique(features(graph, sources, None).context).size == 1
    # and with them the combination reads it
    assert not np.array_equal(plausibility(f), plausibility(features(graph, sources, None)))
