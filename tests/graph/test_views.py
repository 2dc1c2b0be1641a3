"""Graph views: counts recomputed independently from the live rows, retraction, citations."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES

from kgarden.garden import Garden
from kgarden.graph.views import (
    NO_CITATIONS,
    bipartite_graph,
    citation_graph,
    concept_graph,
)
from kgarden.models import Paper, make_paper
from kgarden.settings import Settings
from kgarden.store.queries import top_concepts


def live_counts(garden: Garden) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Papers per concept and sentences per concept pair, counted from live mentions."""
    conn = garden.conn
    papers = dict(conn.execute(
        "SELECT c.name || '#' || c.id, count(DISTINCT m.paper_pk) FROM mentions m"
        " JOIN papers p ON p.pk = m.paper_pk AND p.retracted = 0"
        " JOIN concepts c ON c.id = m.concept_id AND c.kind = 'concept' GROUP BY c.id"
    ).fetchall())
    pairs = {(a, b): n for a, b, n in conn.execute(
        "SELECT ca.name || '#' || ca.id, cb.name || '#' || cb.id,"
        " count(DISTINCT m1.sentence_id) FROM mentions m1"
        " JOIN mentions m2 ON m2.sentence_id = m1.sentence_id AND m1.concept_id < m2.concept_id"
        " JOIN papers p ON p.pk = m1.paper_pk AND p.retracted = 0"
        " JOIN concepts ca ON ca.id = m1.concept_id AND ca.kind = 'concept'"
        " JOIN concepts cb ON cb.id = m2.concept_id AND cb.kind = 'concept'"
        " GROUP BY m1.concept_id, m2.concept_id")}
    return papers, pairs


def graph_counts(garden: Garden) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    cg = concept_graph(garden.conn, min_papers=1, min_sentences=1)
    co = cg.cooccurrence
    label = [f"{n}#{i}" for n, i in zip(co.vs["name"], co.vs["concept_id"], strict=True)]
    papers = dict(zip(label, co.vs["papers"], strict=True))
    pairs = {}
    for e in co.es:
        a, b = sorted((e.source, e.target), key=lambda v: co.vs[v]["concept_id"])
        pairs[(label[a], label[b])] = e["sentences"]
    return papers, pairs


def test_concept_graph_layers_match_the_live_rows(demo_garden: Garden) -> None:
    assert graph_counts(demo_garden) == live_counts(demo_garden)
    cg = concept_graph(demo_garden.conn)  # defaults: co-occurrence in >= 2 sentences
    assert cg.min_sentences == 2 and min(cg.cooccurrence.es["sentences"]) >= 2
    assert all(-1.0 <= x <= 1.0 for x in cg.cooccurrence.es["npmi"])
    rel = cg.relations
    assert rel.is_directed() and rel.ecount() > 0 and rel.vcount() == cg.cooccurrence.vcount()
    assert set(rel.es["status"]) <= {"proposed", "accepted"}
    assert min(rel.es["evidence"]) >= 1
    # salience computed on live counts agrees with the garden's own ranking
    ranked = {c.id: c.salience for c in top_concepts(demo_garden.conn, 30)}
    ours = dict(zip(cg.cooccurrence.vs["concept_id"], cg.cooccurrence.vs["salience"],
                    strict=True))
    for cid, value in ranked.items():
        assert abs(ours[cid] - value) < 1e-3, cid


def test_rejected_relations_are_not_edges(demo_garden: Garden) -> None:
    before = concept_graph(demo_garden.conn, min_papers=1).relations.ecount()
    demo_garden.conn.execute(
        "UPDATE relations SET status = 'rejected' WHERE id IN (SELECT r.id FROM relations r"
        " JOIN concepts s ON s.id = r.subject_id AND s.kind = 'concept' LIMIT 3)")
    assert concept_graph(demo_garden.conn, min_papers=1).relations.ecount() == before - 3


def test_a_retracted_paper_contributes_nothing(demo_garden: Garden) -> None:
    conn = demo_garden.conn
    # the paper with the most concepts of its own
    pk, own = conn.execute(
        "SELECT m.paper_pk, count(DISTINCT m.concept_id) FROM mentions m"
        " JOIN concepts c ON c.id = m.concept_id AND c.kind = 'concept' AND c.paper_count = 1"
        " GROUP BY m.paper_pk ORDER BY 2 DESC, 1 LIMIT 1").fetchone()
    only = {r[0] for r in conn.execute(
        "SELECT c.name FROM mentions m JOIN concepts c ON c.id = m.concept_id"
        " WHERE m.paper_pk = ? AND c.paper_count = 1 AND c.kind = 'concept'", (pk,))}
    assert own >= 10
    before_nodes = set(concept_graph(conn, min_papers=1, min_sentences=1).cooccurrence.vs["name"])
    assert only <= before_nodes
    rel_before = concept_graph(conn, min_papers=1).relations.ecount()

    demo_garden.retract(conn.execute("SELECT id FROM papers WHERE pk = ?", (pk,)).fetchone()[0])
    after = concept_graph(conn, min_papers=1, min_sentences=1)
    assert not only & set(after.cooccurrence.vs["name"])
    assert after.retracted_papers == 1 and after.live_papers == 74
    # every count is what the live rows say, shared concepts and pairs included
    assert graph_counts(demo_garden) == live_counts(demo_garden)
    assert after.relations.ecount() < rel_before
    bp = bipartite_graph(conn)
    assert bp.papers == 74 and not only & set(bp.graph.vs["name"])
    report = demo_garden.report()
    assert report.garden["papers"] == 74 and report.garden["retracted_papers"] == 1
    assert not only & {n for c in report.communities["list"] for n in c["labels"]}


def test_bipartite_graph(demo_garden: Garden) -> None:
    bp = bipartite_graph(demo_garden.conn)
    g = bp.graph
    assert bp.papers == 75 and g.vcount() == bp.papers + bp.concepts
    assert g.is_bipartite()
    assert all(g.vs[e.source]["type"] != g.vs[e.target]["type"] for e in g.es)
    distinct = demo_garden.conn.execute(
        "SELECT count(*) FROM (SELECT DISTINCT m.paper_pk, m.concept_id FROM mentions m"
        " JOIN concepts c ON c.id = m.concept_id AND c.kind = 'concept')").fetchone()[0]
    assert bp.edges == distinct


def test_no_citation_data_is_said_not_invented(demo_garden: Garden) -> None:
    cites = citation_graph(demo_garden.conn)
    assert cites.graph is None and cites.note == NO_CITATIONS and cites.resolved == 0


def test_citations_from_openalex_references(tmp_path: Path, settings: Settings) -> None:
    with Garden.create(tmp_path / "oa.db", settings=settings) as garden:
        garden.ingest([FIXTURES / "sources" / "openalex_page.json"])
        cites = citation_graph(garden.conn)
    # the fixture's one work with references cites two works outside the garden
    assert cites.papers_with_references == 1 and cites.references == 2
    assert cites.resolved == 0 and cites.note is None and cites.graph.vcount() == 3


def test_citations_between_papers_of_the_garden(tmp_path: Path, settings: Settings) -> None:
    def paper(wid: str, refs: list[str]) -> Paper:
        return make_paper(title=f"Paper {wid} on graph neural networks",
                          abstract="We study graph neural networks for molecules.",
                          extra={"openalex_id": wid, "referenced_works": refs}, source="test")

    papers = [paper("W1", ["W2", "W99"]), paper("W2", []), paper("W3", ["W1", "W2"])]
    with Garden.create(tmp_path / "c.db", settings=settings) as garden:
        garden.ingest_papers(papers)
        cites = citation_graph(garden.conn)
        assert (cites.papers_with_references, cites.references, cites.resolved) == (2, 4, 3)
        g = cites.graph
        edges = {(g.vs[e.source]["name"], g.vs[e.target]["name"]) for e in g.es}
        ids = {p.extra["openalex_id"]: p.id for p in papers}
        assert edges == {(ids["W1"], ids["W2"]), (ids["W3"], ids["W1"]), (ids["W3"], ids["W2"])}
        garden.retract(ids["W3"])
        after = citation_graph(garden.conn)
        assert (after.resolved, after.graph.vcount()) == (1, 2)
        report = garden.report()
        assert report.views["citation"]["edges"] == 1
