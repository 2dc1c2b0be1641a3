"""Finding papers: BM25 over titles and abstracts (FTS5), dense cosine over paper vectors, and
their fusion. The default (setting ``search_fusion``) is the convex combination: 0.4 x BM25
over the query's idf mass + 0.6 x cosine, a missing score imputed with its list's lowest.
Reciprocal rank fusion (Cormack et al. 2009; ``rrf``) is the other choice. Convex scores higher
on SciFact (74.5 nDCG@10 against 71.9; BM25 alone 69.5), on SciFact sub-gardens of every size
from 30 papers (bench/fusion_by_size.py) and on 30 paraphrased queries over the demo garden
(84.2 against 77.9; bench/demo_paraphrases.py): rank fusion gives equal say to a paraphrase's
BM25 list, whose matches are on generic words. Convex trusts score magnitudes, though: a rare
word shared with one title can carry that title ("... in Big Educational Data" first for
"shrinking a big language model into a small one", the distillation paper TAID second, where
RRF puts TAID first). A garden with passage vectors
(``embed_passages``) scores each paper's cosine as the mean of its own and its best passage's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from kgarden.embed.base import Matrix, get_embedder
from kgarden.embed.index import PassageIndex
from kgarden.embed.vectors import check_embedder, garden_embedder
from kgarden.errors import ConfigError, KgardenError, QueryError
from kgarden.search.cache import IndexCache
from kgarden.search.filters import Filters
from kgarden.search.lexical import TermStats, bm25_top, term_stats
from kgarden.search.query import ParsedQuery, parse_query
from kgarden.settings import Settings

Mode = Literal["hybrid", "bm25", "dense"]
MODES: tuple[str, ...] = ("hybrid", "bm25", "dense")
FUSIONS: tuple[str, ...] = ("convex", "rrf")
RRF_K = 60  # the constant of reciprocal rank fusion; 60 is the usual choice
# weight of BM25 against dense in the convex fusion: chosen on half the SciFact training claims
# (those at even positions: 0.4 best, 0.3 to 0.4 within 0.5 nDCG) and reported on the other half
CONVEX_ALPHA = 0.4
# the same with passage vectors (embed_passages), whose blended cosine is the stronger list:
# 0.35 best on the even claims (77.3 against 77.1 at 0.4)
CONVEX_ALPHA_PASSAGES = 0.35
CANDIDATES = 100  # depth of each ranked list before fusion


@dataclass
class Ranked:
    """One paper's place in the lists that found it."""

    pk: int
    score: float = 0.0  # the fused score (or the single list's score)
    bm25_rank: int | None = None
    bm25: float | None = None
    dense_rank: int | None = None
    cosine: float | None = None


@dataclass
class Retrieval:
    query: ParsedQuery
    ranked: list[Ranked]
    mode: str
    notes: list[str] = field(default_factory=list)
    query_vector: Matrix | None = None
    stats: TermStats | None = None  # how many papers hold each query term
    passages: bool = False  # the dense list blended each paper's best passage in


def weighted_sum(scores: Sequence[Mapping[int, float]], weights: Sequence[float],
                 items: Iterable[int] | None = None) -> dict[int, float]:
    """Each item's sum of weight x score over ``scores``, where an item missing from one map
    gets that map's lowest score (0 for an empty map): its own is lower still, unknown, and zero
    would say more than the map does. ``items``: the maps' keys when None."""
    floors = [min(s.values(), default=0.0) for s in scores]
    keys = set().union(*scores) if items is None else items
    summed: dict[int, float] = {}
    for item in keys:
        total = 0.0
        for score, weight, floor in zip(scores, weights, floors, strict=True):
            total += weight * score.get(item, floor)
        summed[item] = total
    return summed


def convex(lexical: Sequence[tuple[int, float]], dense: Sequence[tuple[int, float]],
           idf_mass: float, alpha: float = CONVEX_ALPHA) -> dict[int, float]:
    """alpha * bm25 / idf mass + (1 - alpha) * cosine. BM25 is divided by the sum of the
    query terms' idf, not by the list's best score, so a weak lexical match (a paraphrase
    sharing two common words with a title) stays weak; an item missing from one list gets
    that list's lowest score (``weighted_sum``), not zero."""
    lex = {pk: score / max(idf_mass, 1e-9) for pk, score in lexical}
    return weighted_sum([lex, dict(dense)], [alpha, 1.0 - alpha])


def fuse(lists: Sequence[Sequence[int]], weights: Sequence[float] | None = None,
         k: int = RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion: sum of weight / (k + rank) over the lists an item is in."""
    weights = weights or [1.0] * len(lists)
    fused: dict[int, float] = {}
    for ranked, weight in zip(lists, weights, strict=True):
        for rank, item in enumerate(ranked, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


@cache
def _worker() -> ThreadPoolExecutor:
    """One thread for the process: query embeddings wait their turn there, in order."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="kgarden-embed")


class Retriever:
    def __init__(self, conn: sqlite3.Connection, settings: Settings, cache: IndexCache) -> None:
        self.conn = conn
        self.settings = settings
        self.cache = cache

    # -- the two lists ---------------------------------------------------------------------------
    def bm25(self, query: ParsedQuery, stats: TermStats, n: int, filters: Filters
             ) -> list[tuple[int, float]]:
        if not filters:
            # joining papers only to drop retracted ones doubles the cost; they are few
            retracted = {int(r[0]) for r in self.conn.execute(
                "SELECT pk FROM papers WHERE retracted = 1")}
            ranked = bm25_top(self.conn, "papers_fts", query, stats, n + len(retracted))
            return [(pk, score) for pk, score in ranked if pk not in retracted][:n]
        where, params = filters.sql(self.conn)
        return bm25_top(self.conn, "papers_fts", query, stats, n,
                        join="JOIN papers p ON p.pk = papers_fts.rowid", where=where,
                        params=params)

    def dense_ready(self) -> tuple[bool, str | None]:
        """Whether dense retrieval can run, and a note for the user when it cannot or is partial."""
        if garden_embedder(self.conn) is None:
            return False, "no vectors in this garden yet (run `kgarden embed`): BM25 only"
        check_embedder(self.conn, self.settings.embedder)
        index = self.cache.get(self.conn, "paper")
        memo = self.cache.memo.get(self.conn)
        if "live papers" not in memo:
            memo["live papers"] = int(self.conn.execute(  # index papers_retracted
                "SELECT count(*) FROM papers WHERE retracted = 0").fetchone()[0])
        live = int(memo["live papers"])
        if len(index) < live:
            return True, (f"{live - len(index)} of {live} papers have no vector yet"
                          " (run `kgarden embed`): they are found by BM25 only")
        return True, None

    def _dense_later(self, text: str, n: int, filters: Filters, passages: PassageIndex
                     ) -> Future[tuple[Matrix, list[tuple[int, float]]]]:
        """The query's vector and its dense list, computed on a worker thread while this one
        reads the BM25 list: torch, numpy and SQLite release the GIL, so the embedding and
        the product with the paper vectors (together ~25 ms on the 74,728-paper garden, one
        core) overlap the BM25 list (~25 ms) instead of adding to it. ``dense_ready`` has
        checked the embedder; what reads the garden stays on this thread."""
        index = self.cache.get(self.conn, "paper")
        allowed = filters.allowed_papers(self.conn)
        embedder = self.settings.embedder

        def work() -> tuple[Matrix, list[tuple[int, float]]]:
            vector: Matrix = get_embedder(embedder).embed([text], threads=1)[0]
            if len(passages):
                return vector, index.top(passages.blended(index, vector, allowed), n)
            return vector, index.search(vector, n, allowed)

        return _worker().submit(work)

    # -- together ----------------------------------------------------------------------------
    def retrieve(self, text: str, *, n: int = CANDIDATES, filters: Filters | None = None,
                 mode: str = "hybrid", fusion: str | None = None) -> Retrieval:
        """The ranked papers for ``text``; ``fusion`` None takes the ``search_fusion`` setting."""
        if mode not in MODES:
            raise QueryError(f"unknown search mode {mode!r}", hint="one of: " + ", ".join(MODES))
        from_setting = fusion is None
        fusion = str(self.settings.search_fusion) if fusion is None else fusion
        if fusion not in FUSIONS:
            if from_setting:
                raise ConfigError(f"setting 'search_fusion' must be one of {', '.join(FUSIONS)},"
                                  f" got {fusion!r}", path=self.settings.source("search_fusion"))
            raise QueryError(f"unknown fusion {fusion!r}", hint="one of: " + ", ".join(FUSIONS))
        filters = filters or Filters()
        query = parse_query(text)
        notes: list[str] = []
        use_dense = mode in ("hybrid", "dense")
        if use_dense:
            ready, note = self.dense_ready()
            if note:
                notes.append(note)
            if not ready:
                if mode == "dense":
                    raise KgardenError("dense search needs vectors", hint="run `kgarden embed`")
                use_dense = False
        if mode != "dense" and not query:
            notes.append("the query has only common words: no BM25 list")
        passages = self.cache.passages(self.conn) if use_dense else None
        with_passages = passages is not None and len(passages) > 0
        pending = (self._dense_later(query.text, n, filters, passages)
                   if passages is not None else None)
        stats = term_stats(self.conn, "papers_fts", query, self.cache.memo.get(self.conn))
        lexical = self.bm25(query, stats, n, filters) if mode != "dense" and query else []
        vector, dense = pending.result() if pending is not None else (None, [])

        ranked: dict[int, Ranked] = {}
        for rank, (pk, score) in enumerate(lexical, start=1):
            ranked[pk] = Ranked(pk, bm25_rank=rank, bm25=score)
        for rank, (pk, cosine) in enumerate(dense, start=1):
            entry = ranked.setdefault(pk, Ranked(pk))
            entry.dense_rank, entry.cosine = rank, cosine
        if mode == "bm25" or not use_dense:
            for entry in ranked.values():
                entry.score = entry.bm25 or 0.0
        elif mode == "dense":
            for entry in ranked.values():
                entry.score = entry.cosine or 0.0
        else:
            idf_mass = stats.idf_mass(query.terms)
            alpha = CONVEX_ALPHA_PASSAGES if with_passages else CONVEX_ALPHA
            fused = (convex(lexical, dense, idf_mass, alpha) if fusion == "convex"
                     else fuse([[pk for pk, _ in lexical], [pk for pk, _ in dense]]))
            for pk, score in fused.items():
                ranked[pk].score = score
        order = sorted(ranked.values(), key=lambda r: (-r.score, r.pk))
        return Retrieval(query, order, mode if use_dense or mode == "bm25" else "bm25",
                         notes, vector, stats, with_passages)
