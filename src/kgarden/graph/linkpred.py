"""Link prediction between concepts: which pairs that no paper yet mentions together are likely
to meet. Neighbourhood measures (common neighbours, Adamic-Adar, preferential attachment) on the
sentence co-occurrence graph, cosine of the concepts' embeddings, and kgarden's combination.

The graph is built from mentions, optionally only those of papers dated up to a day, so the
discovery benchmark (bench/discovery.py) can hide the future from the ranking it measures.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from kgarden.embed.index import VectorIndex

Array = np.ndarray[Any, Any]

# kgarden's plausibility: a logistic combination of the features below. The weights were fitted
# by bench/discovery.py --fit on the validation split of the arXiv listing (graph from papers to
# 2025-09-30, pairs first co-mentioned in 2025-10..12), never on the 2026 test pairs.
WEIGHTS = {"adamic_adar": 1.0, "cosine": 1.0, "preferential": 0.3}
NO_VECTOR_COSINE = 0.2  # a concept without a vector: about the cosine of unrelated concepts


@dataclass
class ConceptGraph:
    """Concepts (nodes) in at least ``min_papers`` papers, joined when a sentence holds both;
    ``papers`` joins those a paper mentions together."""

    ids: Array  # concept id of each node
    index: dict[int, int]  # concept id -> node
    sentences: sparse.csr_matrix  # node x node: sentences holding both
    papers: sparse.csr_matrix  # node x node: papers mentioning both
    degree: Array  # sentence-graph neighbours of each node

    @classmethod
    def build(cls, conn: sqlite3.Connection, *, min_papers: int = 3,
              until: str | None = None) -> ConceptGraph:
        """From live papers (dated up to ``until``, YYYY-MM-DD, when given)."""
        where = "p.retracted = 0" + (" AND p.date IS NOT NULL AND p.date <= ?" if until else "")
        rows = np.array(conn.execute(
            "SELECT m.paper_pk, m.sentence_id, m.concept_id FROM mentions m"
            " JOIN papers p ON p.pk = m.paper_pk JOIN concepts c ON c.id = m.concept_id"
            f" WHERE {where} AND c.kind = 'concept'", [until] if until else []).fetchall(),
            dtype=np.int64).reshape(-1, 3)
        pair_papers = np.unique(rows[:, [0, 2]], axis=0)
        concepts, papers_per = np.unique(pair_papers[:, 1], return_counts=True)
        ids = concepts[papers_per >= min_papers]
        index = {int(c): i for i, c in enumerate(ids)}
        keep = np.isin(rows[:, 2], ids)
        rows = rows[keep]
        node = np.searchsorted(ids, rows[:, 2])
        sentences = _co(rows[:, 1], node, len(ids))
        return cls(ids, index, sentences, _co(rows[:, 0], node, len(ids)),
                   np.diff(sentences.indptr))

    def __len__(self) -> int:
        return int(self.ids.shape[0])


def _co(unit: Array, node: Array, n: int) -> sparse.csr_matrix:
    """node x node: how many units (sentences or papers) hold both; zero diagonal."""
    _, unit_row = np.unique(unit, return_inverse=True)
    incidence = sparse.coo_matrix(
        (np.ones(len(node), dtype=np.float32), (unit_row, node)),
        shape=(int(unit_row.max()) + 1 if len(unit_row) else 0, n)).tocsr()
    incidence.data[:] = 1.0  # a concept twice in one sentence counts once
    co = (incidence.T @ incidence).tocsr()
    co.setdiag(0)
    co.eliminate_zeros()
    return co


@dataclass
class Features:
    """Scores of every node as a partner of each source (rows: sources)."""

    common: Array
    adamic_adar: Array
    preferential: Array
    cosine: Array
    linked: Array  # bool: already mentioned together in a paper (or the source itself)


def features(graph: ConceptGraph, sources: list[int], vectors: VectorIndex | None
             ) -> Features:
    """``sources`` are nodes (indexes into ``graph.ids``)."""
    binary = graph.sentences.copy()
    binary.data[:] = 1.0
    rows = binary[sources]
    common = (rows @ binary).toarray()
    inverse_log = sparse.diags(1.0 / np.log(np.maximum(graph.degree, 2)).astype(np.float32))
    adamic_adar = (rows @ inverse_log @ binary).toarray()
    degree = graph.degree.astype(np.float32)
    preferential = np.outer(degree[sources], degree)
    linked = (graph.papers[sources] > 0).toarray()
    linked[np.arange(len(sources)), sources] = True
    return Features(common, adamic_adar, preferential, _cosines(graph, sources, vectors), linked)


def _cosines(graph: ConceptGraph, sources: list[int], vectors: VectorIndex | None) -> Array:
    out = np.full((len(sources), len(graph)), NO_VECTOR_COSINE, dtype=np.float32)
    if vectors is None or not len(vectors):
        return out
    rows = np.searchsorted(vectors.ids, graph.ids)
    rows = np.minimum(rows, len(vectors) - 1)
    has = vectors.ids[rows] == graph.ids
    matrix = np.zeros((len(graph), vectors.matrix.shape[1]), dtype=np.float32)
    matrix[has] = vectors.matrix[rows[has]]
    source_has = has[sources]
    cos = matrix[sources] @ matrix.T
    both = source_has[:, None] & has[None, :]
    out[both] = cos[both]
    return out


def plausibility(f: Features) -> Array:
    """kgarden's score: a logistic combination of log Adamic-Adar, cosine and log degree
    product (monotone, so only the order matters)."""
    return (WEIGHTS["adamic_adar"] * np.log1p(f.adamic_adar)
            + WEIGHTS["cosine"] * f.cosine
            + WEIGHTS["preferential"] * np.log1p(f.preferential))
