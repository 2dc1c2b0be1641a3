"""Paths between two concepts: the shortest evidence-backed one and sampled alternatives.

The shortest path is searched over typed relations (up to ``max_hops``, default 6: on the
74,628-paper garden six hops reach every concept of the typed graph's giant component), else
through sentence co-occurrence, directly or through one concept (search/paths.py).

Alternatives are randomised walks from A (RelationGraph.walks): each step goes to an unvisited
neighbour drawn with probability proportional to exp(cos(neighbour, B) / 0.1), so walks drift
toward B's meaning while still exploring; a neighbour that is B is always taken. The cosine is
between concept vectors (B without one: its name embedded); neighbours without a vector count
as a typical concept (B's mean cosine with a fixed spread sample of about 300 concept
vectors; every one in a small garden). A garden without vectors walks
uniformly at random, and says so.

Walks go over typed relations first. When those give fewer paths than asked (a small garden's
typed relations are fragments: 75 papers give 309 concepts in components of at most 13), the
rest walk typed relations plus sentence co-occurrences: all co-occurring pairs in a garden of
at most ALL_COOCCURRENCES pairs, else pairs seen in at least two sentences (the 74,628-paper
garden has 6.6 million pairs, 295,130 of them in two sentences or more).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kgarden.embed.base import Matrix, get_embedder
from kgarden.embed.vectors import (
    check_embedder,
    concept_sample,
    concept_vectors,
    garden_embedder,
)
from kgarden.errors import NotFoundError, QueryError
from kgarden.graph.relation_graph import (
    LIVE_CONCEPT,
    GraphCache,
    RelationGraph,
    Step,
    is_live,
)
from kgarden.search import concepts as fuzzy
from kgarden.search.cache import IndexCache
from kgarden.search.paths import PathEdge, path_edges, relation_path
from kgarden.settings import Settings
from kgarden.store import queries

MAX_SAMPLES = 50
MAX_HOPS = 10
ALL_COOCCURRENCES = 200_000
COOCCURRENCE = -1  # the relation id of a co-occurrence step in a walk graph


@dataclass
class PathResult:
    source: str
    target: str
    shortest: list[PathEdge]
    samples: list[list[PathEdge]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seed: int = 0
    max_hops: int = 6

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "shortest": [e.to_dict() for e in self.shortest],
            "samples": [[e.to_dict() for e in path] for path in self.samples],
            "notes": list(self.notes),
            "seed": self.seed,
            "max_hops": self.max_hops,
        }


def concept_chain(start: str, edges: Sequence[PathEdge]) -> list[str]:
    """The concepts a path passes, from ``start``: an edge states its relation's own direction,
    which may run against the path's."""
    names = [start]
    for edge in edges:
        names.append(edge.object if edge.subject == names[-1] else edge.subject)
    return names


def find_paths(conn: sqlite3.Connection, settings: Settings, indexes: IndexCache,
               graphs: GraphCache, source_name: str, target_name: str, *, samples: int = 5,
               seed: int = 0, max_hops: int = 6) -> PathResult:
    """The shortest evidence-backed path from ``source_name`` to ``target_name`` and up to
    ``samples`` other paths (distinct, simple, no longer than ``max_hops``); the same ``seed``
    gives the same paths. Names resolve like ``Garden.concept``; an unknown one raises
    NotFoundError with the nearest concepts. ``conn`` must return sqlite3.Row rows."""
    if not 0 <= samples <= MAX_SAMPLES:
        raise QueryError(f"samples must be between 0 and {MAX_SAMPLES}, not {samples}")
    if not 1 <= max_hops <= MAX_HOPS:
        raise QueryError(f"max_hops must be between 1 and {MAX_HOPS}, not {max_hops}")
    notes: list[str] = []
    source = _resolve(conn, settings, indexes, source_name, notes)
    target = _resolve(conn, settings, indexes, target_name, notes)
    if source[0] == target[0]:
        raise QueryError(f"{source_name!r} and {target_name!r} are the same concept"
                         f" ({source[1]!r}): name two different ones")
    typed = graphs.get(conn)
    shortest = relation_path(conn, source[0], target[0], graph=typed, max_hops=max_hops)
    if not shortest:
        mixed = graphs.derived(conn, "cooccurrences", with_cooccurrences)
        shortest = _edges(conn, mixed.shortest(source[0], target[0], max_hops) or [])
    result = PathResult(source[1], target[1], shortest, [], notes, seed, max_hops)
    if samples:
        _sample(conn, settings, graphs, result, source[0], target[0], samples)
    if not result.shortest and not result.samples:
        notes.append(f"{source[1]!r} and {target[1]!r} are not connected within {max_hops}"
                     " hops, by typed relations or by sentences naming both")
    return result


def _resolve(conn: sqlite3.Connection, settings: Settings, indexes: IndexCache, name: str,
             notes: list[str]) -> tuple[int, str]:
    try:
        row = queries.find_concept(conn, name)
        return int(row["id"]), str(row["name"])
    except NotFoundError:
        pass
    near = fuzzy.nearest(conn, settings, indexes, name)
    same = fuzzy.same_concept(near)
    if same is None:
        raise NotFoundError(f"no concept {name!r} in this garden",
                            suggestions=[f"{c.name} ({c.by})" for c in near[:8]])
    notes.append(f"{name!r} taken as {same.name!r} (nearest by {same.by}, {same.score:.2f})")
    return same.id, same.name


def _sample(conn: sqlite3.Connection, settings: Settings,
            graphs: GraphCache, result: PathResult, source: int, target: int,
            samples: int) -> None:
    closeness = _closeness(conn, settings, target, result.target, result.notes)
    seen = {tuple(concept_chain(result.source, result.shortest))}
    for graph_kind in ("typed", "mixed"):
        if len(result.samples) >= samples:
            break
        graph = _without_edge(graphs.get(conn) if graph_kind == "typed" else
                              graphs.derived(conn, "cooccurrences", with_cooccurrences),
                              source, target)
        before = len(result.samples)
        # one more than asked: a walk may retrace the shortest path (or, over the graph with
        # co-occurrences, one found over typed relations alone)
        walks = graph.walks(source, target, samples + 1, closeness=closeness,
                            max_hops=result.max_hops, seed=result.seed)
        for steps in walks:
            edges = _edges(conn, steps)
            key = tuple(concept_chain(result.source, edges))
            if not edges or key in seen or len(result.samples) >= samples:
                continue  # evidence gone since the graph was loaded, or already shown
            seen.add(key)
            result.samples.append(edges)
        if graph_kind == "mixed" and len(result.samples) > before:
            result.notes.append(
                f"{'no' if not before else f'only {before}'} alternative path(s) run over"
                " typed relations alone; the others also step between concepts named in one"
                " sentence (co-occurs-with)")
    result.samples.sort(key=len)  # stable: walks of one length stay in the order drawn
    if len(result.samples) < samples and (result.shortest or result.samples):
        result.notes.append(f"found {len(result.samples)} of {samples} alternative paths"
                            f" within {result.max_hops} hops")


class _Closeness:
    """Cosine of concepts with the target, their vectors read as the walks reach them (a few
    hundred; loading all 174,555 of the 74,728-paper garden took 1.8 s of a 4 s `path`).
    Concepts without a vector get ``neutral``."""

    def __init__(self, conn: sqlite3.Connection | None, target: Matrix | None,
                 neutral: float, min_papers: int = 1) -> None:
        self.conn = conn
        self.target = target
        self.neutral = neutral
        self.min_papers = min_papers

    def __call__(self, ids: list[int]) -> list[float]:
        if self.conn is None or self.target is None:
            return [0.0] * len(ids)
        found = concept_vectors(self.conn, ids, min_papers=self.min_papers)
        return [float(found[i] @ self.target) if i in found else self.neutral for i in ids]


NO_VECTORS = ("this garden has no concept vectors (`kgarden embed` makes them): the alternative"
              " paths are uniform random walks, not drawn toward the target")
# about this many concept vectors give the neutral (mean) cosine: its standard error is then
# about 0.006 (cosines of concept names spread by about 0.1), small beside the walk's
# temperature of 0.1; reading 300 takes about 10 ms, 2,000 took a tenth of a second
NEUTRAL_SAMPLE = 300


def _closeness(conn: sqlite3.Connection, settings: Settings, target: int, target_name: str,
               notes: list[str]) -> _Closeness:
    if garden_embedder(conn) is None:
        notes.append(NO_VECTORS)
        return _Closeness(None, None, 0.0)
    vector = concept_vectors(conn, [target]).get(target)
    if vector is None:
        check_embedder(conn, settings.embedder)
        vector = get_embedder(settings.embedder).embed([target_name])[0]
    sample = concept_vectors(conn, concept_sample(conn, NEUTRAL_SAMPLE,
                                                  settings.embed_concept_min_papers))
    if not sample:
        notes.append(NO_VECTORS)
        return _Closeness(None, None, 0.0)
    neutral = float(np.mean(np.stack(list(sample.values())) @ vector))
    return _Closeness(conn, vector, neutral, settings.embed_concept_min_papers)


def _without_edge(graph: RelationGraph, a: int, b: int) -> RelationGraph:
    """``graph`` without edges between ``a`` and ``b``: a walk takes a step to the target
    whenever it can, so from a neighbour of it every walk would be the one-step path."""
    if all(n != b for n, _ in graph.adjacent(a)):
        return graph
    return graph.without(a, b)


def _edges(conn: sqlite3.Connection, steps: Sequence[Step]) -> list[PathEdge]:
    return path_edges(conn, [(a, b, None if rid == COOCCURRENCE else rid)
                             for a, b, rid in steps])


_COOCCURRING = (
    "SELECT co.b FROM cooccurrences co CROSS JOIN concepts c ON c.id = co.b"
    f" WHERE co.a = :n AND co.sentences >= :min AND {LIVE_CONCEPT}"
    " UNION ALL"
    " SELECT co.a FROM cooccurrences co CROSS JOIN concepts c ON c.id = co.a"
    f" WHERE co.b = :n AND co.sentences >= :min AND {LIVE_CONCEPT}"
)


def with_cooccurrences(conn: sqlite3.Connection, typed: RelationGraph) -> RelationGraph:
    """``typed`` plus a COOCCURRENCE edge between concepts named in one sentence (in at least
    two sentences when the garden has more than ALL_COOCCURRENCES pairs) and not related;
    read node by node, like ``typed``."""
    pairs = int(conn.execute("SELECT count(*) FROM (SELECT 1 FROM cooccurrences LIMIT ?)",
                             (ALL_COOCCURRENCES + 1,)).fetchone()[0])
    min_sentences = 1 if pairs <= ALL_COOCCURRENCES else 2

    def fetch(node: int) -> list[tuple[int, int]]:
        own = typed.adjacent(node)
        if not own and not is_live(conn, node):
            return []
        related = {n for n, _ in own}
        partners = sorted(int(r[0]) for r in conn.execute(
            _COOCCURRING, {"n": node, "min": min_sentences}))
        return own + [(p, COOCCURRENCE) for p in partners if p not in related]

    return RelationGraph(fetch=fetch)
