"""The typed-relation graph, for paths: shortest (bidirectional breadth-first) and sampled
(randomised walks drawn toward the target by embedding similarity).

A node's neighbours are read from SQLite the first time a search reaches it (two index
lookups) and kept for the life of the graph (one open garden, until it changes). Loading all
353k relations of the 74,628-paper garden first took about 1 s of a cold `kgarden path`,
which reaches a few thousand of its 170k concepts.
"""

from __future__ import annotations

import math
import random
import sqlite3
from collections.abc import Callable

from kgarden.store.db import change_stamp

Step = tuple[int, int, int]  # (from concept, to concept, relation id)
Adjacency = list[tuple[int, int]]  # (neighbour, relation id), in relation-id order
FRONTIER_CAP = 2000  # nodes expanded per side and step: bounds a search between two hubs
# A walk at a hub weighs a random sample of this many of its neighbours, not all (as GraphSAGE
# samples neighbourhoods): each weight needs the neighbour's vector, and a hub of the
# 74,728-paper garden has thousands of neighbours, each vector one random read.
STEP_OPTIONS = 128

# Paper nodes (the subjects of 'proposes') and concepts left without live papers are no steps
# of a path. CROSS JOIN keeps SQLite from starting at the concepts' index on kind.
LIVE_CONCEPT = "c.kind = 'concept' AND c.paper_count > 0"  # c: the neighbour's concepts row
_TYPED = (
    "SELECT r.object_id, r.id FROM relations r CROSS JOIN concepts c ON c.id = r.object_id"
    " WHERE r.subject_id = :n AND r.object_id != :n AND r.evidence_count > 0"
    f" AND r.status != 'rejected' AND {LIVE_CONCEPT}"
    " UNION ALL"
    " SELECT r.subject_id, r.id FROM relations r CROSS JOIN concepts c ON c.id = r.subject_id"
    " WHERE r.object_id = :n AND r.subject_id != :n AND r.evidence_count > 0"
    f" AND r.status != 'rejected' AND {LIVE_CONCEPT}"
)


class RelationGraph:
    """Live typed relations (not rejected, with evidence) between concepts, both directions.

    ``neighbours`` holds the adjacency lists known so far; ``fetch`` gives those of a node not
    yet known (without it, a node not in ``neighbours`` has none)."""

    def __init__(self, neighbours: dict[int, Adjacency] | None = None,
                 fetch: Callable[[int], Adjacency] | None = None) -> None:
        self.neighbours: dict[int, Adjacency] = {} if neighbours is None else neighbours
        self._fetch = fetch

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> RelationGraph:
        """The garden's typed relations, read node by node as a search reaches them."""
        def fetch(node: int) -> Adjacency:
            if not is_live(conn, node):
                return []
            return sorted(((int(n), int(rid)) for n, rid in conn.execute(_TYPED, {"n": node})),
                          key=lambda item: item[1])
        return cls(fetch=fetch)

    def adjacent(self, node: int) -> Adjacency:
        known = self.neighbours.get(node)
        if known is None:
            known = self._fetch(node) if self._fetch is not None else []
            self.neighbours[node] = known
        return known

    def without(self, a: int, b: int) -> RelationGraph:
        """This graph without its edges between ``a`` and ``b``."""
        def fetch(node: int) -> Adjacency:
            known = self.adjacent(node)
            other = b if node == a else a if node == b else None
            return known if other is None else [item for item in known if item[0] != other]
        return RelationGraph(fetch=fetch)

    def __contains__(self, node: int) -> bool:
        return bool(self.adjacent(node))

    def degree(self, node: int) -> int:
        return len(self.adjacent(node))

    def shortest(self, source: int, target: int, max_hops: int = 6) -> list[Step] | None:
        """A shortest path as steps, or None when none within ``max_hops``."""
        if source == target or source not in self or target not in self:
            return None
        parents: list[dict[int, tuple[int, int] | None]] = [{source: None}, {target: None}]
        frontiers = [[source], [target]]
        for _ in range(max_hops):
            side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
            frontier = frontiers[side][:FRONTIER_CAP]
            if not frontier:
                return None
            seen, other_side = parents[side], parents[1 - side]
            nxt: list[int] = []
            for node in frontier:
                for neighbour, rid in self.adjacent(node):
                    if neighbour in seen:
                        continue
                    seen[neighbour] = (node, rid)
                    if neighbour in other_side:
                        return _join(parents, neighbour)
                    nxt.append(neighbour)
            frontiers[side] = nxt
        return None

    def walks(self, source: int, target: int, samples: int, *,
              closeness: Callable[[list[int]], list[float]], max_hops: int = 6,
              temperature: float = 0.1, seed: int = 0, tries: int = 20) -> list[list[Step]]:
        """Up to ``samples`` distinct simple paths from ``source`` to ``target``.

        Each walk steps to an unvisited neighbour drawn with probability proportional to
        exp(closeness to the target / temperature), so it drifts toward the target's meaning
        while still exploring; a neighbour that is the target is always taken. From a node with
        more than STEP_OPTIONS unvisited neighbours, the draw is among a random STEP_OPTIONS.
        """
        if source not in self or target not in self or source == target:
            return []
        rng = random.Random(seed)
        found: list[list[Step]] = []
        keys: set[tuple[int, ...]] = set()
        cache: dict[int, float] = {}
        for _ in range(samples * tries):
            if len(found) >= samples:
                break
            path = self._walk(source, target, rng, closeness, cache, max_hops, temperature)
            if path is None:
                continue
            key = tuple(step[1] for step in path)
            if key not in keys:
                keys.add(key)
                found.append(path)
        return found

    def _walk(self, source: int, target: int, rng: random.Random,
              closeness: Callable[[list[int]], list[float]], cache: dict[int, float],
              max_hops: int, temperature: float) -> list[Step] | None:
        node, visited, path = source, {source}, []
        for _ in range(max_hops):
            options = [(n, rid) for n, rid in self.adjacent(node) if n not in visited]
            if not options:
                return None
            direct = [o for o in options if o[0] == target]
            if direct:
                path.append((node, target, direct[0][1]))
                return path
            if len(options) > STEP_OPTIONS:
                options = rng.sample(options, STEP_OPTIONS)
            missing = list({n for n, _ in options if n not in cache})
            if missing:
                cache.update(zip(missing, closeness(missing), strict=True))
            best = max(cache[n] for n, _ in options)
            weights = [math.exp((cache[n] - best) / temperature) for n, _ in options]
            nxt, rid = rng.choices(options, weights=weights)[0]
            path.append((node, nxt, rid))
            visited.add(nxt)
            node = nxt
        return None


def is_live(conn: sqlite3.Connection, node: int) -> bool:
    """Whether ``node`` is a concept with live papers (a node paths may pass)."""
    row = conn.execute("SELECT kind, paper_count FROM concepts WHERE id = ?", (node,)).fetchone()
    return row is not None and row[0] == "concept" and int(row[1]) > 0


def _join(parents: list[dict[int, tuple[int, int] | None]], meet: int) -> list[Step]:
    left: list[Step] = []
    node = meet
    while (step := parents[0][node]) is not None:
        left.append((step[0], node, step[1]))
        node = step[0]
    right: list[Step] = []
    node = meet
    while (step := parents[1][node]) is not None:
        right.append((node, step[0], step[1]))
        node = step[0]
    return left[::-1] + right


class GraphCache:
    """The relation graph of an open garden, reloaded when the garden has changed since
    (``change_stamp``)."""

    def __init__(self) -> None:
        self._graph: tuple[tuple[int, int], RelationGraph] | None = None
        self._derived: dict[str, tuple[RelationGraph, RelationGraph]] = {}

    def get(self, conn: sqlite3.Connection) -> RelationGraph:
        version = change_stamp(conn)
        if self._graph is not None and self._graph[0] == version:
            return self._graph[1]
        graph = RelationGraph.load(conn)
        self._graph = (version, graph)
        return graph

    def derived(self, conn: sqlite3.Connection, name: str,
                build: Callable[[sqlite3.Connection, RelationGraph], RelationGraph]
                ) -> RelationGraph:
        """The graph ``build`` makes from the relation graph (and the garden), kept under
        ``name`` until the relation graph is reloaded."""
        base = self.get(conn)
        cached = self._derived.get(name)
        if cached is not None and cached[0] is base:
            return cached[1]
        graph = build(conn, base)
        self._derived[name] = (base, graph)
        return graph
