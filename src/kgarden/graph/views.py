"""igraph views of a garden, each built from one pass over its table.

Retracted papers never contribute: retraction (curate/apply.py) takes a paper's facts out of
the store with the writer's exact bookkeeping, so every stored count is a live count.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import igraph as ig

from kgarden.store.queries import pmi

NO_CITATIONS = "no citation data in this garden"


def salience(papers: int, specificity: float, words: int, total_papers: int) -> float:
    """The garden ranking of queries.SALIENCE_SQL, computed on live counts."""
    multi = 1.5 if words > 1 else 1.0
    return papers * specificity * multi * (1.0 - 0.5 * papers / max(1, total_papers))


@dataclass
class ConceptGraph:
    """Concept nodes with two separate edge layers over the same vertex ids.

    ``relations``: directed typed relations (attrs predicate, evidence, negated, status).
    ``cooccurrence``: undirected sentence co-occurrence (attrs sentences, papers, pmi, npmi).
    Vertex attrs on both: concept_id, name, papers, salience, specificity.
    """

    relations: Any  # ig.Graph
    cooccurrence: Any  # ig.Graph
    live_papers: int
    live_sentences: int
    live_concepts: int  # concepts in at least one live paper (before min_papers)
    min_papers: int
    min_sentences: int
    retracted_papers: int

    @property
    def concepts(self) -> int:
        return int(self.cooccurrence.vcount())


def live_totals(conn: sqlite3.Connection) -> tuple[int, int]:
    """(live papers, live sentences): a retracted paper keeps no sentences."""
    papers = int(conn.execute("SELECT count(*) FROM papers WHERE retracted = 0").fetchone()[0])
    sentences = int(conn.execute("SELECT count(*) FROM sentences").fetchone()[0])
    return papers, sentences


def concept_graph(conn: sqlite3.Connection, *, min_papers: int = 1,
                  min_sentences: int = 2) -> ConceptGraph:
    """Concepts in at least ``min_papers`` live papers; co-occurrence edges seen in at least
    ``min_sentences`` live sentences (the layer of a large garden stays tractable); typed
    relations with live evidence, not rejected."""
    total_papers, total_sentences = live_totals(conn)
    index: dict[int, int] = {}
    ids: list[int] = []
    names: list[str] = []
    papers: list[int] = []
    sal: list[float] = []
    specificity: list[float] = []
    sentence_counts: list[int] = []
    live_concepts = 0
    for cid, name, n_papers, n_sentences, spec, words in conn.execute(
        "SELECT id, name, paper_count, sentence_count, specificity, words FROM concepts"
        " WHERE kind = 'concept' AND paper_count > 0 ORDER BY id"
    ):
        live_concepts += 1
        if n_papers < min_papers:
            continue
        index[cid] = len(ids)
        ids.append(cid)
        names.append(name)
        papers.append(n_papers)
        sal.append(round(salience(n_papers, spec, words, total_papers), 6))
        specificity.append(spec)
        sentence_counts.append(n_sentences)

    co_edges: list[tuple[int, int]] = []
    co_attrs: dict[str, list[Any]] = {"sentences": [], "papers": [], "pmi": [], "npmi": []}
    for a, b, n_ab, n_papers in conn.execute(
        "SELECT a, b, sentences, papers FROM cooccurrences WHERE sentences >= ?",
        (min_sentences,),
    ):
        ia, ib = index.get(a), index.get(b)
        if ia is None or ib is None:
            continue
        value, normalised = pmi(n_ab, sentence_counts[ia], sentence_counts[ib],
                                max(1, total_sentences))
        co_edges.append((ia, ib))
        co_attrs["sentences"].append(n_ab)
        co_attrs["papers"].append(n_papers)
        co_attrs["pmi"].append(round(value, 4))
        co_attrs["npmi"].append(round(normalised, 4))

    rel_edges: list[tuple[int, int]] = []
    rel_attrs: dict[str, list[Any]] = {"predicate": [], "evidence": [], "negated": [],
                                       "status": [], "relation_id": []}
    for rid, subject, obj, predicate, negated, status, evidence in conn.execute(
        "SELECT id, subject_id, object_id, predicate, negated, status, evidence_count"
        " FROM relations WHERE evidence_count > 0 AND status != 'rejected'"
    ):
        isub, iobj = index.get(subject), index.get(obj)
        if isub is None or iobj is None or isub == iobj:
            continue
        rel_edges.append((isub, iobj))
        for key, value in (("predicate", predicate), ("evidence", evidence),
                           ("negated", bool(negated)), ("status", status),
                           ("relation_id", rid)):
            rel_attrs[key].append(value)

    def vertex_attrs() -> dict[str, list[Any]]:  # a copy per graph: igraph keeps the lists
        return {"concept_id": list(ids), "name": list(names), "papers": list(papers),
                "salience": list(sal), "specificity": list(specificity)}

    relations = ig.Graph(n=len(ids), edges=rel_edges, directed=True,
                         vertex_attrs=vertex_attrs(), edge_attrs=rel_attrs)
    cooccurrence = ig.Graph(n=len(ids), edges=co_edges, directed=False,
                            vertex_attrs=vertex_attrs(), edge_attrs=co_attrs)
    return ConceptGraph(relations, cooccurrence, total_papers, total_sentences, live_concepts,
                        min_papers, min_sentences, int(conn.execute(
                            "SELECT count(*) FROM papers WHERE retracted = 1").fetchone()[0]))


@dataclass
class BipartiteGraph:
    """Papers (vertex attr type False) then concepts (type True); an edge per distinct
    (paper, concept) mention. Paper vertices carry paper_id and date, concepts concept_id and
    specificity."""

    graph: Any  # ig.Graph
    papers: int
    concepts: int

    @property
    def edges(self) -> int:
        return int(self.graph.ecount())


def bipartite_graph(conn: sqlite3.Connection) -> BipartiteGraph:
    live = conn.execute("SELECT pk, id, date FROM papers WHERE retracted = 0 ORDER BY pk")
    paper_index: dict[int, int] = {}
    paper_ids: list[str] = []
    dates: list[str | None] = []
    for pk, pid, date in live:
        paper_index[pk] = len(paper_ids)
        paper_ids.append(pid)
        dates.append(date)
    kinds = {cid: (name, spec) for cid, name, spec in conn.execute(
        "SELECT id, name, specificity FROM concepts WHERE kind = 'concept' AND paper_count > 0")}
    concept_index: dict[int, int] = {}
    concept_ids: list[int] = []
    names: list[str] = []
    specificity: list[float] = []
    edges: list[tuple[int, int]] = []
    n_papers = len(paper_ids)
    # DISTINCT over the covering index mentions_concept(concept_id, paper_pk): no sort needed
    for cid, pk in conn.execute("SELECT DISTINCT concept_id, paper_pk FROM mentions"):
        ip = paper_index.get(pk)
        if ip is None or cid not in kinds:
            continue
        ic = concept_index.get(cid)
        if ic is None:
            ic = concept_index[cid] = len(concept_ids)
            concept_ids.append(cid)
            names.append(kinds[cid][0])
            specificity.append(kinds[cid][1])
        edges.append((ip, n_papers + ic))
    n = n_papers + len(concept_ids)
    graph = ig.Graph(n=n, edges=edges, directed=False)
    graph.vs["type"] = [False] * n_papers + [True] * len(concept_ids)
    graph.vs["name"] = paper_ids + names
    graph.vs["paper_id"] = paper_ids + [None] * len(concept_ids)
    graph.vs["date"] = dates + [None] * len(concept_ids)
    graph.vs["concept_id"] = [None] * n_papers + concept_ids
    graph.vs["specificity"] = [None] * n_papers + specificity
    return BipartiteGraph(graph, n_papers, len(concept_ids))


@dataclass
class CitationGraph:
    """Live papers that list references or can be cited (an OpenAlex id); an edge citing →
    cited where both are in the garden. ``graph`` is None when no paper lists references."""

    graph: Any  # ig.Graph | None
    papers_with_references: int
    references: int  # references listed by live papers
    resolved: int  # of those, references to a live paper of this garden
    note: str | None = None


def _json_list(text: str | None) -> list[str]:
    if not text:
        return []
    value = json.loads(text)
    return [str(v) for v in value] if isinstance(value, list) else []


def citation_graph(conn: sqlite3.Connection) -> CitationGraph:
    """From OpenAlex ``referenced_works`` (kept in papers.extra by the openalex reader)."""
    rows = conn.execute(
        "SELECT id, json_extract(extra, '$.openalex_id'), json_extract(extra,"
        " '$.referenced_works') FROM papers WHERE retracted = 0 AND (json_extract(extra,"
        " '$.openalex_id') IS NOT NULL OR json_extract(extra, '$.referenced_works') IS NOT NULL)"
        " ORDER BY pk"
    ).fetchall()
    cites: list[tuple[str, list[str]]] = [(pid, _json_list(refs)) for pid, _, refs in rows]
    with_refs = sum(1 for _, refs in cites if refs)
    if with_refs == 0:
        return CitationGraph(None, 0, 0, 0, NO_CITATIONS)
    index = {pid: i for i, (pid, _, _) in enumerate(rows)}
    by_openalex = {oa: index[pid] for pid, oa, _ in rows if oa}
    edges: list[tuple[int, int]] = []
    references = 0
    for pid, refs in cites:
        references += len(refs)
        edges.extend((index[pid], by_openalex[r]) for r in refs if r in by_openalex)
    graph = ig.Graph(n=len(rows), edges=edges, directed=True)
    graph.vs["name"] = [pid for pid, _, _ in rows]
    return CitationGraph(graph, with_refs, references, len(edges))


def layer_sizes(graphs: Iterable[tuple[str, Any]]) -> dict[str, dict[str, int]]:
    return {name: {"nodes": int(g.vcount()), "edges": int(g.ecount())} for name, g in graphs}
