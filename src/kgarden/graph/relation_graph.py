"""The typed-relation graph in memory, for paths: shortest (bidirectional breadth-first) and
sampled (randomised walks drawn toward the target by embedding similarity).

Searching breadth-first with one SQL query per frontier took 200-350 ms on the 74,628-paper
garden (353k relations); the adjacency lists load once per open garden (reloaded after any
write) and a search is then a few milliseconds.
"""

from __future__ import annotations

import math
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

Step = tuple[int, int, int]  # (from concept, to concept, relation id)
FRONTIER_CAP = 2000  # nodes expanded per side and step: bounds a search between two hubs


@dataclass
class RelationGraph:
    """Live typed relations (not rejected, with evidence) between concepts, both directions."""

    neighbours: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> RelationGraph:
        graph = cls()
        adjacency = graph.neighbours
        # paper nodes (the subjects of 'proposes') and concepts left without live papers are no
        # steps of a path; filtering them here is five times faster than joining concepts
        excluded = {int(r[0]) for r in conn.execute(
            "SELECT id FROM concepts WHERE kind = 'paper'"
            " UNION ALL SELECT id FROM concepts WHERE kind = 'concept' AND paper_count = 0")}
        for a, b, rid in conn.execute(
                "SELECT subject_id, object_id, id FROM relations"
                " WHERE evidence_count > 0 AND status != 'rejected' ORDER BY id"):
            if a == b or a in excluded or b in excluded:
                continue
            adjacency.setdefault(a, []).append((b, rid))
            adjacency.setdefault(b, []).append((a, rid))
        return graph

    def __contains__(self, node: int) -> bool:
        return node in self.neighbours

    def degree(self, node: int) -> int:
        return len(self.neighbours.get(node, ()))

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
                for neighbour, rid in self.neighbours.get(node, ()):
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
        while still exploring; a neighbour that is the target is always taken.
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
            options = [(n, rid) for n, rid in self.neighbours.get(node, ()) if n not in visited]
            if not options:
                return None
            direct = [o for o in options if o[0] == target]
            if direct:
                path.append((node, target, direct[0][1]))
                return path
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
    """The relation graph of an open garden, reloaded when the garden has changed since.

    ``PRAGMA data_version`` moves when another connection commits, ``total_changes`` when this
    one writes: together they notice any change, at no cost.
    """

    def __init__(self) -> None:
        self._graph: tuple[tuple[int, int], RelationGraph] | None = None
        self._derived: dict[str, tuple[RelationGraph, RelationGraph]] = {}

    def get(self, conn: sqlite3.Connection) -> RelationGraph:
        version = (int(conn.execute("PRAGMA data_version").fetchone()[0]), conn.total_changes)
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
