"""``search``: ranked papers, each with a score and its best-matching sentence."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Any

from kgarden.errors import QueryError
from kgarden.search.cache import IndexCache
from kgarden.search.filters import Filters
from kgarden.search.retrieve import Retriever
from kgarden.search.snippets import best_sentences
from kgarden.settings import Settings


@dataclass
class SearchHit:
    paper_id: str
    title: str
    score: float
    snippet: str  # the best-matching sentence
    field: str  # where the sentence is: 'abstract' or 'title'
    start: int  # offsets of the sentence in that field
    end: int
    highlights: list[tuple[int, int]]  # matching words, as offsets within ``snippet``
    date: str | None
    authors: list[str]
    bm25_rank: int | None
    dense_rank: int | None
    cosine: float | None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["highlights"] = [list(span) for span in self.highlights]
        return data


@dataclass
class SearchResult:
    query: str
    mode: str
    hits: list[SearchHit]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "mode": self.mode, "notes": self.notes,
                "hits": [h.to_dict() for h in self.hits]}


def search_papers(conn: sqlite3.Connection, settings: Settings, cache: IndexCache, text: str,
                  *, k: int = 10, filters: Filters | None = None,
                  mode: str = "hybrid", fusion: str | None = None) -> SearchResult:
    if k < 1 or k > 1000:
        raise QueryError(f"--k must be between 1 and 1000, got {k}")
    retriever = Retriever(conn, settings, cache)
    found = retriever.retrieve(text, n=max(100, k), filters=filters, mode=mode, fusion=fusion)
    top = found.ranked[:k]
    concepts = cache.concepts(conn) if found.query_vector is not None else None
    rows = {
        int(r["pk"]): r for r in conn.execute(
            "SELECT pk, id, title, date, authors FROM papers WHERE pk IN"
            f" ({','.join('?' * len(top))})", [r.pk for r in top])
    } if top else {}
    snippets = best_sentences(conn, [r.pk for r in top], found.query, found.query_vector,
                              concepts, cache.tokens, found.stats)
    hits = []
    for ranked in top:
        row = rows[ranked.pk]
        snippet = snippets.get(ranked.pk)
        hits.append(SearchHit(
            paper_id=row["id"], title=row["title"], score=round(ranked.score, 6),
            snippet=snippet.text if snippet else "", field=snippet.field if snippet else "title",
            start=snippet.start if snippet else 0, end=snippet.end if snippet else 0,
            highlights=snippet.highlights if snippet else [],
            date=row["date"], authors=json.loads(row["authors"]),
            bm25_rank=ranked.bm25_rank, dense_rank=ranked.dense_rank,
            cosine=None if ranked.cosine is None else round(ranked.cosine, 4),
        ))
    return SearchResult(found.query.text, found.mode, hits, found.notes)
