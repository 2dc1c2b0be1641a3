"""BM25 that stays fast on large gardens, and the query's matches in a sentence marked.

An FTS5 OR-query scores every row that holds any of its terms, and the score needs each phrase's
positions: a title-length query whose words include "model" or "language" scores tens of
thousands of rows of a 75k-paper garden (85 ms). BM25 is a sum over terms, so the query is cut
in two by document frequency: the rarer terms, whose postings together stay under a budget, and
the common rest. Then

* ``rare``: the rows holding a rare term, scored on the rare terms alone;
* ``rare AND common``: the rows holding both, scored on all terms (FTS5 reports the phrases of
  both sides, and its AND only seeks into the long common lists at the rare rows).

A row's score is the second where it has one, else the first: exactly the BM25 of the whole
query, for every row holding a rare term. Only rows made of common terms alone are left out; on
the 74,628-paper garden, over 200 title queries, the top 10 always matched the plain OR-query's
and the top 100 did for 99 % of their rows, at 2.6x less time (bench/search_latency.py). A
query whose terms all fit the budget runs the plain query.

A common term held by half the rows or more is left out of ``rare AND common``: FTS5's BM25
gives it an idf of 1e-6 (its idf, log((N - n + 0.5) / (n + 0.5)), is clamped there), so it
changes no score beyond the sixth decimal, yet scoring its positions in every row cost most of
a query ("model" is in 82 % of the 74,728 arXiv papers: adding it took a query from 3.5 to
16.8 ms).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kgarden.search.query import ParsedQuery

POSTINGS_BUDGET = 10_000  # postings of the rare side; below 5,000 the top 100 start to differ
# the two FTS tables and their BM25 column weights (a title match counts twice an abstract's)
TABLES = {"papers_fts": "bm25(papers_fts, 2.0, 1.0)", "sentences_fts": "bm25(sentences_fts)"}


def _phrase(term: str) -> str:
    return f'"{term}"'  # terms hold only word characters and spaces (ParsedQuery)


@dataclass(frozen=True)
class TermStats:
    """How many rows of an FTS table hold each query term."""

    rows: int
    frequency: dict[str, int]

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency in Lucene's form, log(1 + (N - n + 0.5) / (n +
        0.5)), never negative. FTS5 scores with log((N - n + 0.5) / (n + 0.5)) clamped at
        1e-6 instead (``weighed``); the two differ little for rare terms."""
        n = self.frequency.get(term, 0)
        return math.log(1.0 + (self.rows - n + 0.5) / (n + 0.5))

    def idf_mass(self, terms: Sequence[str]) -> float:
        """The sum of the terms' idf: the BM25 a row would score holding each term once, up to
        BM25's length and saturation factors. Scores divided by it compare across queries."""
        return sum(self.idf(t) for t in terms)

    def weighed(self, terms: Sequence[str]) -> list[str]:
        """The terms FTS5's BM25 weighs: those in fewer than half the rows, whose idf it does
        not clamp to 1e-6."""
        return [t for t in terms if 2 * self.frequency.get(t, 0) < self.rows]

    def split(self, terms: Sequence[str], budget: int = POSTINGS_BUDGET
              ) -> tuple[list[str], list[str]]:
        """(rare, common): the rarest terms while their postings fit ``budget``, and the rest."""
        rare: list[str] = []
        postings = 0
        for term in sorted(terms, key=lambda t: (self.frequency.get(t, 0), t)):
            if rare and postings + self.frequency.get(term, 0) > budget:
                break
            rare.append(term)
            postings += self.frequency.get(term, 0)
        return rare, [t for t in terms if t not in rare]


def term_stats(conn: sqlite3.Connection, table: str, query: ParsedQuery,
               memo: dict[Any, Any] | None = None) -> TermStats:
    """The rows of ``table`` and how many hold each query term. ``memo`` (``Memo.get``) keeps
    the counts while the garden is unchanged: counting a common term's rows costs
    milliseconds, and queries share their common terms."""
    if table not in TABLES:
        raise ValueError(table)
    memo = {} if memo is None else memo

    def counted(key: tuple[str, str], sql: str, params: tuple[str, ...] = ()) -> int:
        if key not in memo:
            memo[key] = int(conn.execute(sql, params).fetchone()[0])
        return int(memo[key])

    frequency = {term: counted((table, term), f"SELECT count(*) FROM {table} WHERE {table}"
                               " MATCH ?", (_phrase(term),))
                 for term in query.terms}
    source = "papers" if table == "papers_fts" else "sentences"
    rows = counted((table, ""), f"SELECT count(*) FROM {source}")
    return TermStats(rows, frequency)


def _ranked(conn: sqlite3.Connection, table: str, expression: str, join: str, where: str,
            params: list[Any], n: int) -> list[tuple[int, float]]:
    rows = conn.execute(
        f"SELECT {table}.rowid, {TABLES[table]} AS s FROM {table} {join}"
        f" WHERE {table} MATCH ? AND {where} ORDER BY s LIMIT ?",
        [expression, *params, n],
    ).fetchall()
    return [(int(r[0]), -float(r[1])) for r in rows]  # FTS5's bm25 is negated


def bm25_top(conn: sqlite3.Connection, table: str, query: ParsedQuery, stats: TermStats,
             n: int, *, join: str = "", where: str = "1", params: list[Any] | None = None,
             budget: int = POSTINGS_BUDGET) -> list[tuple[int, float]]:
    """The ``n`` best rows of ``table`` for ``query`` as (rowid, BM25), best first.

    ``join`` and ``where`` (with ``params``) restrict the rows, e.g. to live papers; ``budget``
    bounds the postings of the rare side.
    """
    if not query:
        return []
    params = params or []
    rare, common = stats.split(query.terms, budget)
    # rows holding common terms alone are left out already; the common terms FTS5 weighs at
    # 1e-6 would only cost time (a query whose terms fit the budget keeps them all, since
    # there they are what finds some rows)
    common = stats.weighed(common)
    either = " OR ".join(_phrase(t) for t in rare)
    if not common:
        return _ranked(conn, table, either, join, where, params, n)
    both = f"({either}) AND ({' OR '.join(_phrase(t) for t in common)})"
    scores = dict(_ranked(conn, table, either, join, where, params, n))
    scores.update(_ranked(conn, table, both, join, where, params, n))
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:n]


def highlighted(conn: sqlite3.Connection, terms: Sequence[str], sentence_id: int,
                open_mark: str, close_mark: str) -> str | None:
    """The sentence's text with the matches of ``terms`` (query terms) between the marks."""
    if not terms:
        return None
    row = conn.execute(
        "SELECT highlight(sentences_fts, 0, ?, ?) FROM sentences_fts"
        " WHERE sentences_fts MATCH ? AND rowid = ?",
        (open_mark, close_mark, " OR ".join(_phrase(t) for t in terms), sentence_id)).fetchone()
    return None if row is None else str(row[0])
