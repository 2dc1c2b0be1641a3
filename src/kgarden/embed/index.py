"""The vector index: exact cosine search over a float32 matrix held in memory.

Exact search is one matrix-vector product over the garden's vectors (74,628 papers x 384
dimensions: 115 MB): 3.3-4.2 ms a query on two cores, 11.5 ms over 249k paper and concept
vectors. HNSW (hnswlib, usearch) answers in 0.1 ms but finds only 90-96 % of the exact top 10
(bench/search_latency.py), so exact stays while it is not the bottleneck.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import Any, Protocol

import numpy as np

from kgarden.embed.base import Matrix
from kgarden.embed.passages import BLEND_DEPTH, WHOLE_WEIGHT
from kgarden.embed.vectors import concept_vectors, load_vectors

SPLIT_ROWS = 20_000  # rows per block, at least, when a product is cut across the cores


@cache
def _cores() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=max(1, _cores() - 1),
                              thread_name_prefix="kgarden-vectors")


def only(ids: np.ndarray[Any, Any], scores: Matrix, allowed: Collection[int] | None) -> Matrix:
    """``scores`` with -inf for the rows whose id is not ``allowed`` (all kept when None)."""
    if allowed is None:
        return scores
    mask = np.isin(ids, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
    return np.where(mask, scores, -np.inf).astype(np.float32)


class Similarities(Protocol):
    def similarities(self, query: Matrix, item_ids: Collection[int]) -> dict[int, float]:
        """Cosine with ``query`` of those of ``item_ids`` that have a vector."""
        ...


@dataclass
class ConceptsByKey:
    """Concept cosines from the vectors of just the concepts asked about, read by key, for a
    process that scores a few hundred of them once: loading the whole index reads every
    concept vector (``IndexCache.concepts``)."""

    conn: sqlite3.Connection

    def similarities(self, query: Matrix, item_ids: Collection[int]) -> dict[int, float]:
        """Cosine with ``query`` of those of ``item_ids`` that have a vector."""
        if not item_ids:
            return {}
        found = concept_vectors(self.conn, sorted(item_ids))
        if not found:
            return {}
        ids = sorted(found)
        scores = np.stack([found[i] for i in ids]) @ query.reshape(-1)
        return {i: float(s) for i, s in zip(ids, scores, strict=True)}


@dataclass
class VectorIndex:
    ids: np.ndarray[Any, Any]  # item ids (papers.pk or concepts.id), one per row
    matrix: Matrix

    @classmethod
    def load(cls, conn: sqlite3.Connection, kind: str) -> VectorIndex:
        ids, matrix = load_vectors(conn, kind)
        return cls(ids, matrix)

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def scores(self, query: Matrix) -> Matrix:
        """Cosine similarity of every row with ``query`` (both normalised)."""
        if not len(self):
            return np.zeros(0, dtype=np.float32)
        query = query.reshape(-1)
        parts = min(_cores(), len(self) // SPLIT_ROWS)
        if parts < 2:
            return self.matrix @ query
        # one BLAS thread reads memory at about half the speed two cores do (74,728 rows:
        # 7.4 ms against 3.4), and BLAS is held to one thread beside torch (minilm.py):
        # so big products are cut in row blocks, one per core, ours rather than BLAS's
        bounds = np.linspace(0, len(self), parts + 1).astype(int)
        out = np.empty(len(self), dtype=np.float32)

        def block(first: int, last: int) -> None:
            np.matmul(self.matrix[first:last], query, out=out[first:last])

        blocks = [(int(a), int(b)) for a, b in pairwise(bounds)]
        pending = [_pool().submit(block, *rows) for rows in blocks[1:]]
        block(*blocks[0])
        for job in pending:
            job.result()
        return out

    def search(self, query: Matrix, k: int,
               allowed: Collection[int] | None = None) -> list[tuple[int, float]]:
        """The ``k`` nearest items as (id, cosine), best first; ``allowed`` restricts ids."""
        return self.top(self.scores(query), k, allowed)

    def top(self, scores: Matrix, k: int, allowed: Collection[int] | None = None
            ) -> list[tuple[int, float]]:
        """The ``k`` best items by ``scores`` (one per row) as (id, score), best first."""
        scores = only(self.ids, scores, allowed)
        k = min(k, int(np.isfinite(scores).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.ids[i]), float(scores[i])) for i in top]

    def similarities(self, query: Matrix, item_ids: Collection[int]) -> dict[int, float]:
        """Cosine with ``query`` of those of ``item_ids`` that have a vector."""
        if not len(self) or not item_ids:
            return {}
        wanted = np.fromiter(item_ids, dtype=np.int64, count=len(item_ids))
        rows = np.searchsorted(self.ids, wanted)  # ids are sorted (loaded ORDER BY item_id)
        rows = np.minimum(rows, len(self) - 1)
        found = self.ids[rows] == wanted
        scores = self.matrix[rows[found]] @ query.reshape(-1)
        return {int(i): float(s) for i, s in zip(wanted[found], scores, strict=True)}

    def vector(self, item_id: int) -> Matrix | None:
        """The vector of ``item_id``, or None when it has none."""
        if not len(self):
            return None
        row = int(np.searchsorted(self.ids, item_id))
        if row >= len(self) or int(self.ids[row]) != item_id:
            return None
        vector: Matrix = self.matrix[row]
        return vector


@dataclass
class PassageIndex:
    """Passage vectors (``embed_passages``) and the paper each row belongs to."""

    matrix: Matrix  # one row per passage, a paper's rows together, papers by pk
    starts: np.ndarray[Any, Any]  # the first row of each paper
    papers: np.ndarray[Any, Any]  # the paper pk of each run of rows

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> PassageIndex:
        ids, matrix = load_vectors(conn, "passage")
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else ids
        return cls(matrix, starts, ids[starts])

    def __len__(self) -> int:
        return int(self.matrix.shape[0])

    def blended(self, papers: VectorIndex, query: Matrix,
                allowed: Collection[int] | None = None, depth: int = BLEND_DEPTH) -> Matrix:
        """Scores of the rows of ``papers``: for the ``depth`` best by their own cosine
        (among ``allowed``), ``WHOLE_WEIGHT`` x that cosine + the rest x their best passage's
        (a paper without passages keeps its own cosine); -inf for the others. Only the
        candidates' passages are read: a product over all of a large garden's passages
        (224,000 at 75k papers) took 30 ms a query, the candidates' 1.4 ms."""
        scores = only(papers.ids, papers.scores(query), allowed)
        if not len(self) or not len(papers):
            return scores
        depth = min(depth, len(papers))
        candidates = np.argpartition(-scores, depth - 1)[:depth]
        candidates = candidates[np.isfinite(scores[candidates])]
        out = np.full_like(scores, -np.inf)
        out[candidates] = scores[candidates]
        runs = np.minimum(np.searchsorted(self.papers, papers.ids[candidates]),
                          len(self.papers) - 1)
        found = self.papers[runs] == papers.ids[candidates]
        runs, rows = runs[found], candidates[found]
        if not len(runs):
            return out
        first = self.starts[runs]
        lengths = np.append(self.starts, len(self))[runs + 1] - first
        offsets = np.cumsum(lengths) - lengths  # where each paper's passages start in `taken`
        taken = np.repeat(first - offsets, lengths) + np.arange(int(lengths.sum()))
        best = np.maximum.reduceat(self.matrix[taken] @ query.reshape(-1), offsets)
        out[rows] = WHOLE_WEIGHT * scores[rows] + (1.0 - WHOLE_WEIGHT) * best
        return out
