"""Fuzzy concept lookup: the nearest concepts to a name by meaning (concept vectors) and by
spelling (character similarity among concepts that share a word or a prefix with it).
"""

from __future__ import annotations

import difflib
import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

from kgarden.embed.base import get_embedder
from kgarden.embed.vectors import check_embedder, garden_embedder
from kgarden.extract.keys import concept_key
from kgarden.search.cache import IndexCache
from kgarden.settings import Settings

SAME_BY_SPELLING = 0.9  # a name this close in spelling is taken as a typo of the concept
SAME_BY_MEANING = 0.9  # ... and this close in meaning as another way to say it
MIN_MEANING = 0.45  # below this a "nearest by meaning" suggestion is noise
MIN_SPELLING = 0.6  # ... and below this one by spelling


@dataclass
class NearConcept:
    id: int
    name: str
    papers: int
    score: float
    by: str  # 'meaning' or 'spelling'

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def by_spelling(conn: sqlite3.Connection, name: str, k: int = 5) -> list[NearConcept]:
    key = concept_key(name)
    words = [w for w in name.casefold().replace("-", " ").split() if len(w) > 2]
    if not key:
        return []
    clauses = ["key LIKE ?"] + ["lower(name) LIKE ?" for _ in words]
    params = [key[:3] + "%"] + [f"%{w[:max(3, len(w) - 2)]}%" for w in words]
    rows = conn.execute(
        f"SELECT id, name, key, paper_count FROM concepts WHERE kind = 'concept'"
        f" AND paper_count > 0 AND ({' OR '.join(clauses)})"
        f" ORDER BY paper_count DESC LIMIT 2000", params).fetchall()
    scored = [NearConcept(int(r[0]), r[1], int(r[3]),
                          round(difflib.SequenceMatcher(None, key, r[2]).ratio(), 4), "spelling")
              for r in rows]
    scored = [c for c in scored if c.score >= MIN_SPELLING]
    scored.sort(key=lambda c: (-c.score, -c.papers, c.name))
    return scored[:k]


def by_meaning(conn: sqlite3.Connection, settings: Settings, cache: IndexCache, name: str,
               k: int = 5) -> list[NearConcept]:
    if garden_embedder(conn) is None:
        return []
    check_embedder(conn, settings.embedder)
    index = cache.get(conn, "concept")
    if not len(index):
        return []
    vector = get_embedder(settings.embedder).embed([name])[0]
    hits = [(cid, score) for cid, score in index.search(vector, k) if score >= MIN_MEANING]
    if not hits:
        return []
    rows = {int(r[0]): r for r in conn.execute(
        f"SELECT id, name, paper_count FROM concepts WHERE id IN ({','.join('?' * len(hits))})",
        [cid for cid, _ in hits])}
    return [NearConcept(cid, rows[cid][1], int(rows[cid][2]), round(score, 4), "meaning")
            for cid, score in hits]


def _strength(near: NearConcept) -> float:
    return near.score / (SAME_BY_MEANING if near.by == "meaning" else SAME_BY_SPELLING)


def nearest(conn: sqlite3.Connection, settings: Settings, cache: IndexCache, name: str,
            k: int = 5) -> list[NearConcept]:
    """Up to ``k`` by meaning and up to ``k`` by spelling, each concept once (under the
    measure by which it is closest), strongest first."""
    best: dict[int, NearConcept] = {}
    for near in by_meaning(conn, settings, cache, name, k) + by_spelling(conn, name, k):
        if near.id not in best or _strength(near) > _strength(best[near.id]):
            best[near.id] = near
    return sorted(best.values(), key=lambda c: (-_strength(c), c.name))


def same_concept(candidates: list[NearConcept]) -> NearConcept | None:
    """The candidate close enough to be what the user meant, if one is."""
    strongest = max(candidates, key=_strength, default=None)
    return strongest if strongest is not None and _strength(strongest) >= 1.0 else None
