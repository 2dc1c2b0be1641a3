"""Link prediction between concepts: which pairs that no paper yet mentions together are likely
to meet. Neighbourhood measures (common neighbours, Adamic-Adar, preferential attachment) on the
sentence co-occurrence graph, a walk over the paper-concept graph (and, for the benchmark,
neighbourhoods of the paper co-mention graph), cosine of the concepts' name embeddings, cosine
of their contexts (the mean vector of the papers that mention each), each concept's growth, and
kgarden's combination of them.

Without a date the graph comes from the counts the writer keeps (the ``cooccurrences`` table)
and one pass over the covering index of mentions; with ``until`` it is re-derived from the
mentions of papers dated up to that day, so the discovery benchmark (bench/discovery.py) can
hide the future from the ranking it measures.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from kgarden.embed.index import VectorIndex

Array = np.ndarray[Any, Any]

# kgarden's plausibility: a log-linear combination of the features below (``plausibility``).
# The weights were chosen by bench/discovery.py --fit on the validation split of the arXiv
# listing (graph from papers to 2025-09-30, pairs first co-mentioned in 2025-10..12), never on
# the 2026 test pairs. With the contexts (v3) the names' cosine fitted to weight 1 and moved
# validation MRR by 0.3 %: it is left out, which spares loading every concept vector.
WEIGHTS = {"paper_walk": 1.0, "context": 4.5, "growth": 0.75}
NO_VECTOR_COSINE = 0.2  # a concept without a vector: about the cosine of unrelated concepts
NO_VECTOR_CONTEXT = 0.5  # no paper of the concept has a vector: about the median (0.53)
KEY_RANGE = 25_000  # concepts whose rows are read at a time
PACK = 2 ** 32  # two ids read as one integer: a * PACK + b
RECENT_DAYS = 60  # growth: the share of a concept's papers dated in the garden's last 60 days


@dataclass
class ConceptGraph:
    """Concepts (nodes) in at least ``min_papers`` live papers, joined when a sentence holds
    both; ``incidence`` says which papers mention which nodes."""

    ids: Array  # concept id of each node, ascending
    index: dict[int, int]  # concept id -> node
    sentences: sparse.csr_matrix  # node x node: sentences holding both
    incidence: sparse.csr_matrix  # paper x node, 1 where the paper mentions the node
    paper_pks: Array  # the paper of each incidence row, ascending
    paper_days: Array  # its date as a day number (Julian), -1 when undated
    degree: Array  # sentence-graph neighbours of each node
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, conn: sqlite3.Connection, *, min_papers: int = 3,
              until: str | None = None) -> ConceptGraph:
        """From live papers (dated up to ``until``, YYYY-MM-DD, when given). Without ``until``
        the sentence links come from the store's co-occurrence counts (``from_counts``), else
        they are re-derived from the mentions of the papers up to that day."""
        if until is None:
            return cls.from_counts(conn, min_papers=min_papers)
        return cls.from_mentions(conn, min_papers=min_papers, until=until)

    @classmethod
    def from_mentions(cls, conn: sqlite3.Connection, *, min_papers: int = 3,
                      until: str | None = None) -> ConceptGraph:
        """Everything from the mentions: (paper, sentence, concept) per mention."""
        where = "p.retracted = 0" + (" AND p.date IS NOT NULL AND p.date <= ?" if until else "")
        rows = np.array(conn.execute(
            "SELECT m.paper_pk, m.sentence_id, m.concept_id FROM mentions m"
            " JOIN papers p ON p.pk = m.paper_pk JOIN concepts c ON c.id = m.concept_id"
            f" WHERE {where} AND c.kind = 'concept'", [until] if until else []).fetchall(),
            dtype=np.int64).reshape(-1, 3)
        pair_papers = np.unique(rows[:, [0, 2]], axis=0)
        concepts, papers_per = np.unique(pair_papers[:, 1], return_counts=True)
        ids = concepts[papers_per >= min_papers]
        rows = rows[np.isin(rows[:, 2], ids)]
        node = np.searchsorted(ids, rows[:, 2])
        sentences = _co(rows[:, 1], node, len(ids))
        return cls._make(conn, ids, sentences, *_incidence(rows[:, 0], node, len(ids)))

    @classmethod
    def from_counts(cls, conn: sqlite3.Connection, *, min_papers: int = 3) -> ConceptGraph:
        """Sentence links from the ``cooccurrences`` table the writer keeps, paper incidence
        from one pass over the covering index ``mentions_concept(concept_id, paper_pk)``: no
        pass over every mention's sentence. (A retracted paper has no facts left to count.)"""
        wanted = "SELECT id FROM concepts WHERE kind = 'concept' AND paper_count >= :min"
        in_range = f"{wanted} AND id >= :low AND id < :high"
        (packed,) = _ints(conn, [f"concept_id * {PACK} + paper_pk"], "mentions",
                          f"concept_id IN ({in_range})", min_papers)
        packed = np.sort(packed)  # one per (concept, paper), ordered by concept
        packed = packed[np.r_[True, packed[1:] != packed[:-1]]] if len(packed) else packed
        concept, paper = packed // PACK, packed % PACK
        concepts, papers_per = np.unique(concept, return_counts=True)
        ids = concepts[papers_per >= min_papers]
        ab, count = _ints(conn, [f"a * {PACK} + b", "sentences"], "cooccurrences",
                          f"a IN ({in_range})", min_papers)
        a, b = ab // PACK, ab % PACK
        top = max([int(x.max()) for x in (concept, a, b) if len(x)], default=0)
        node_of = np.full(top + 1, -1, dtype=np.int64)  # concept id -> node, -1: not a node
        node_of[ids] = np.arange(len(ids))
        node = node_of[concept]
        incidence, paper_pks = _incidence(paper[node >= 0], node[node >= 0], len(ids))
        keep = (node_of[a] >= 0) & (node_of[b] >= 0)
        a, b, count = a[keep], b[keep], count[keep]
        na, nb, weight = node_of[a], node_of[b], count.astype(np.float32)
        sentences = sparse.coo_matrix(
            (np.r_[weight, weight], (np.r_[na, nb], np.r_[nb, na])),
            shape=(len(ids), len(ids))).tocsr()
        return cls._make(conn, ids, sentences, incidence, paper_pks)

    @classmethod
    def _make(cls, conn: sqlite3.Connection, ids: Array, sentences: sparse.csr_matrix,
              incidence: sparse.csr_matrix, paper_pks: Array) -> ConceptGraph:
        sentences.sort_indices()
        # YYYY and YYYY-MM count from their first day; julianday() is NULL for a bad date
        pks, julian = conn.execute(
            "SELECT group_concat(pk), group_concat(coalesce(CAST(julianday(substr(date"
            " || '-01-01', 1, 10)) AS INTEGER), -1)) FROM papers WHERE retracted = 0"
        ).fetchone()
        days = np.full(len(paper_pks), -1, dtype=np.int64)
        if pks:
            pk, day = (np.fromstring(t, dtype=np.int64, sep=",") for t in (pks, julian))
            order = np.argsort(pk)
            where = np.minimum(np.searchsorted(pk[order], paper_pks), len(pk) - 1)
            days = np.where(pk[order][where] == paper_pks, day[order][where], -1)
        return cls(ids, {int(c): i for i, c in enumerate(ids)}, sentences, incidence,
                   paper_pks, days, np.diff(sentences.indptr))

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def binary_sentences(self) -> sparse.csr_matrix:
        """node x node, 1 where a sentence holds both (computed once)."""
        if "binary_sentences" not in self._cache:
            binary = self.sentences.copy()
            binary.data[:] = 1.0
            self._cache["binary_sentences"] = binary
        out: sparse.csr_matrix = self._cache["binary_sentences"]
        return out

    def binary_comentions(self) -> sparse.csr_matrix:
        """node x node, 1 where a paper mentions both (computed once: 26M entries, 1.6 s on
        the 74,728-paper garden)."""
        if "binary_comentions" not in self._cache:
            co = self.comentions()
            co.data[:] = 1.0
            self._cache["binary_comentions"] = co
        out: sparse.csr_matrix = self._cache["binary_comentions"]
        return out

    def growth(self) -> Array:
        """Per node: ln((papers dated in the last RECENT_DAYS + 1) / (papers + 1)), the last
        day being the latest paper's; 0 for every node when no paper has a date."""
        if "growth" not in self._cache:
            dated = self.paper_days >= 0
            out = np.zeros(len(self), dtype=np.float32)
            if dated.any():
                recent = self.paper_days > self.paper_days[dated].max() - RECENT_DAYS
                counts = np.asarray(self.incidence[recent].sum(axis=0)).ravel()
                out = np.log((counts + 1.0) / (self.paper_counts + 1.0)).astype(np.float32)
            self._cache["growth"] = out
        growth: Array = self._cache["growth"]
        return growth

    def vector_rows(self, vectors: VectorIndex) -> tuple[Array, Array]:
        """(node x dims matrix of the concepts' vectors, whether each node has one)."""
        key = ("vectors", id(vectors))
        if key not in self._cache:
            rows = np.minimum(np.searchsorted(vectors.ids, self.ids), len(vectors) - 1)
            has = vectors.ids[rows] == self.ids
            matrix = np.zeros((len(self), vectors.matrix.shape[1]), dtype=np.float32)
            matrix[has] = vectors.matrix[rows[has]]
            self._cache[key] = (matrix, has)
        out: tuple[Array, Array] = self._cache[key]
        return out

    def context_rows(self, papers: VectorIndex) -> tuple[Array, Array]:
        """(node x dims matrix: the normalised mean vector of the graph's papers that mention
        each node, whether each node has one). Only the graph's papers count, so with
        ``until`` a context holds nothing written later."""
        key = ("context", id(papers))
        if key not in self._cache:
            rows = np.minimum(np.searchsorted(papers.ids, self.paper_pks), len(papers) - 1)
            has_paper = papers.ids[rows] == self.paper_pks
            by_paper = np.zeros((len(self.paper_pks), papers.matrix.shape[1]), dtype=np.float32)
            by_paper[has_paper] = papers.matrix[rows[has_paper]]
            summed = np.asarray(self.incidence_by_node().T @ by_paper, dtype=np.float32)
            norms = np.sqrt(np.einsum("ij,ij->i", summed, summed))  # 30x linalg.norm's speed
            has = norms > 0
            summed[has] /= norms[has, None]
            self._cache[key] = (summed, has)
        out: tuple[Array, Array] = self._cache[key]
        return out

    def incidence_by_node(self) -> sparse.csc_matrix:
        """``incidence`` in columns (computed once)."""
        if "incidence_csc" not in self._cache:
            self._cache["incidence_csc"] = self.incidence.tocsc()
        out: sparse.csc_matrix = self._cache["incidence_csc"]
        return out

    @property
    def paper_counts(self) -> Array:
        """Live papers mentioning each node."""
        return np.diff(self.incidence_by_node().indptr)

    def comentions(self, sources: Sequence[int] | None = None) -> sparse.csr_matrix:
        """sources (default: every node) x node: papers mentioning both; zero diagonal
        for the full matrix. One row costs the papers of that source, so ask for the rows
        you need: every row of a large garden is tens of millions of entries."""
        if sources is None:
            co = (self.incidence.T @ self.incidence).tocsr()
            co.setdiag(0)
            co.eliminate_zeros()
            return co
        columns = self.incidence_by_node()[:, list(sources)]
        return (columns.T @ self.incidence).tocsr()


def _ints(conn: sqlite3.Connection, columns: Sequence[str], table: str, where: str,
          min_papers: int) -> list[Array]:
    """The integer ``columns`` (SQL expressions) of every row of ``table`` meeting ``where``
    (which holds the concept id range ``:low``-``:high`` and ``:min``), one int64 array per
    column. Read as comma-joined text, the rows of KEY_RANGE concepts at a time: a Python
    tuple per row costs 4x the time at millions of rows, and joining integers packed into one
    (``a * PACK + b``) is cheaper for SQLite than joining texts."""
    wanted = np.array([r[0] for r in conn.execute(
        "SELECT id FROM concepts WHERE kind = 'concept' AND paper_count >= ? ORDER BY id",
        (min_papers,))], dtype=np.int64)
    chunks: list[list[Array]] = [[np.zeros(0, dtype=np.int64) for _ in columns]]
    select = ", ".join(f"group_concat({c})" for c in columns)
    for start in range(0, len(wanted), KEY_RANGE):
        high = int(wanted[start + KEY_RANGE]) if start + KEY_RANGE < len(wanted) else 2 ** 62
        texts = conn.execute(f"SELECT {select} FROM {table} WHERE {where}",
                             {"low": int(wanted[start]), "high": high, "min": min_papers}
                             ).fetchone()
        if texts[0]:  # the aggregates of one query see the rows in the same order
            # text mode of fromstring (not deprecated, unlike its binary mode): 7x str.split
            chunks.append([np.fromstring(t, dtype=np.int64, sep=",") for t in texts])
    return [np.concatenate(column) for column in zip(*chunks, strict=True)]


def _incidence(paper: Array, node: Array, n: int) -> tuple[sparse.csr_matrix, Array]:
    """paper x node, 1 where the paper mentions the node, and the paper of each row."""
    papers, row = np.unique(paper, return_inverse=True)
    incidence = sparse.coo_matrix(
        (np.ones(len(node), dtype=np.float32), (row, node)),
        shape=(int(row.max()) + 1 if len(row) else 0, n)).tocsr()
    incidence.data[:] = 1.0  # a concept twice in one paper counts once
    return incidence, papers


def _co(unit: Array, node: Array, n: int) -> sparse.csr_matrix:
    """node x node: how many units (sentences or papers) hold both; zero diagonal."""
    incidence, _ = _incidence(unit, node, n)
    co = (incidence.T @ incidence).tocsr()
    co.setdiag(0)
    co.eliminate_zeros()
    return co


@dataclass
class Features:
    """Scores of every node as a partner of each source (rows: sources)."""

    common: Array  # sentence graph: shared neighbours
    adamic_adar: Array  # sentence graph
    preferential: Array  # sentence graph: degree product
    paper_walk: Array  # two steps concept -> paper -> concept: the chance of ending there
    cosine: Array
    context: Array  # cosine of the mean vectors of the two concepts' papers
    growth: Array  # of the partner: log share of its papers dated in the last RECENT_DAYS
    linked: Array  # bool: already mentioned together in a paper (or the source itself)
    paper_common: Array | None = None  # paper co-mention graph (``paper_graph=True``)
    paper_adamic_adar: Array | None = None


def features(graph: ConceptGraph, sources: list[int], vectors: VectorIndex | None, *,
             papers: VectorIndex | None = None, paper_graph: bool = False) -> Features:
    """``sources`` are nodes (indexes into ``graph.ids``); ``vectors`` are the concepts' and
    ``papers`` the papers' (for the contexts; without them every context is the same, so it
    does not change a source's order). ``paper_graph`` adds common
    neighbours and Adamic-Adar over the paper co-mention graph: as good as ``paper_walk``
    alone, and 5 s more on the 74,728-paper garden (the whole graph is 26M links)."""
    binary = graph.binary_sentences()
    rows = binary[sources].toarray()
    common = _times(binary, rows)
    inverse_log = 1.0 / np.log(np.maximum(graph.degree, 2)).astype(np.float32)
    adamic_adar = _times(binary, rows * inverse_log[None, :])
    degree = graph.degree.astype(np.float32)
    preferential = np.outer(degree[sources], degree)
    linked = (graph.comentions(sources) > 0).toarray()
    linked[np.arange(len(sources)), sources] = True
    growth = np.broadcast_to(graph.growth(), linked.shape)
    out = Features(common, adamic_adar, preferential, _walk(graph, sources),
                   _cosines(graph, sources, vectors), _contexts(graph, sources, papers),
                   growth, linked)
    if paper_graph:
        comentioned = graph.binary_comentions()
        dense = linked.astype(np.float32)
        dense[np.arange(len(sources)), sources] = 0.0
        out.paper_common = _times(comentioned, dense)
        inverse = 1.0 / np.log(np.maximum(np.diff(comentioned.indptr), 2)).astype(np.float32)
        out.paper_adamic_adar = _times(comentioned, dense * inverse[None, :])
    return out


def _walk(graph: ConceptGraph, sources: list[int]) -> Array:
    """Mass diffusion over the paper-concept graph (Zhou et al. 2007): from each source, to
    one of its papers, to one of that paper's concepts, twice; each step uniform. The chance
    of ending at each node, times the number of nodes (1: as likely as a random node)."""
    by_paper = graph.incidence  # paper x node
    by_node = graph.incidence_by_node()
    node_papers = np.maximum(graph.paper_counts, 1).astype(np.float32)
    paper_nodes = np.maximum(np.diff(by_paper.indptr), 1).astype(np.float32)
    start = np.zeros((len(sources), by_paper.shape[0]), dtype=np.float32)
    for row, s in enumerate(sources):  # step 1: a source's papers, uniformly
        lo, hi = by_node.indptr[s], by_node.indptr[s + 1]
        start[row, by_node.indices[lo:hi]] = 1.0 / node_papers[s]
    # rows @ incidence as incidence.T @ rows.T (by_node is incidence in columns, so .T is rows)
    mass = np.asarray(by_node.T @ np.ascontiguousarray((start / paper_nodes[None, :]).T)).T
    back = np.asarray(by_paper @ np.ascontiguousarray((mass / node_papers[None, :]).T)).T
    mass = np.asarray(by_node.T @ np.ascontiguousarray((back / paper_nodes[None, :]).T)).T
    return np.asarray(mass * len(graph), dtype=np.float32)


def _times(symmetric: sparse.csr_matrix, rows: Array) -> Array:
    """``rows @ symmetric`` for dense rows, as symmetric @ rows.T: one pass over the matrix
    for the whole batch (a sparse x sparse product of rows of frequent concepts is slower)."""
    return np.asarray(symmetric @ np.ascontiguousarray(rows.T)).T


def _cosines(graph: ConceptGraph, sources: list[int], vectors: VectorIndex | None) -> Array:
    out = np.full((len(sources), len(graph)), NO_VECTOR_COSINE, dtype=np.float32)
    if vectors is None or not len(vectors):
        return out
    matrix, has = graph.vector_rows(vectors)
    source_has = has[sources]
    cos = matrix[sources] @ matrix.T
    both = source_has[:, None] & has[None, :]
    out[both] = cos[both]
    return out


def _contexts(graph: ConceptGraph, sources: list[int], papers: VectorIndex | None) -> Array:
    out = np.full((len(sources), len(graph)), NO_VECTOR_CONTEXT, dtype=np.float32)
    if papers is None or not len(papers):
        return out
    matrix, has = graph.context_rows(papers)
    cos = matrix[sources] @ matrix.T
    both = has[sources][:, None] & has[None, :]
    out[both] = cos[both]
    return out


def plausibility(f: Features, weights: dict[str, float] | None = None) -> Array:
    """kgarden's score: a log-linear combination (monotone, so only the order matters) of
    log paper walk, the contexts' cosine and the partner's growth (and, with other
    ``weights``, the names' cosine or log of the other features); ``weights`` default to
    WEIGHTS."""
    w = WEIGHTS if weights is None else weights
    score: Array = np.zeros(f.linked.shape, dtype=np.float32)
    for name, value in (("paper_walk", f.paper_walk), ("paper_common", f.paper_common),
                        ("paper_adamic_adar", f.paper_adamic_adar),
                        ("adamic_adar", f.adamic_adar), ("preferential", f.preferential)):
        if w.get(name) and value is not None:
            score = score + np.float32(w[name]) * np.log1p(value)
    for name, value in (("cosine", f.cosine), ("context", f.context), ("growth", f.growth)):
        if w.get(name):
            score = score + np.float32(w[name]) * value
    return score
