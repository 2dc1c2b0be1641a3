"""Search filters (date range, author, concept) as one parameterised SQL condition on papers."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from kgarden.errors import QueryError
from kgarden.store.queries import find_concept

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _check_date(value: str, flag: str) -> str:
    if not _DATE.match(value):
        raise QueryError(f"{flag} must be YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")
    return value


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Filters:
    since: str | None = None  # inclusive, compared at the precision given ("2025" = from 2025)
    until: str | None = None  # inclusive, same
    author: str | None = None  # part of an author's name, case-insensitive
    concept: str | None = None  # a concept of the garden (name, written form or acronym)

    def __bool__(self) -> bool:
        return any((self.since, self.until, self.author, self.concept))

    def sql(self, conn: sqlite3.Connection, alias: str = "p") -> tuple[str, list[Any]]:
        """A condition on ``papers`` (as ``alias``) and its parameters; raises QueryError."""
        clauses = [f"{alias}.retracted = 0"]
        params: list[Any] = []
        if self.since:
            since = _check_date(self.since, "--since")
            clauses.append(f"substr({alias}.date, 1, ?) >= ?")
            params += [len(since), since]
        if self.until:
            until = _check_date(self.until, "--until")
            clauses.append(f"substr({alias}.date, 1, ?) <= ?")
            params += [len(until), until]
        if self.since and self.until and self.since[:4] > self.until[:4]:
            raise QueryError(f"--since {self.since} is after --until {self.until}")
        if self.author:
            if not self.author.strip():
                raise QueryError("--author is empty")
            clauses.append(f"{alias}.authors LIKE ? ESCAPE '\\'")
            params.append(f"%{_like_escape(self.author.strip())}%")
        if self.concept:
            concept_id = int(find_concept(conn, self.concept)["id"])
            clauses.append(
                f"{alias}.pk IN (SELECT paper_pk FROM mentions WHERE concept_id = ?)")
            params.append(concept_id)
        return " AND ".join(clauses), params

    def allowed_papers(self, conn: sqlite3.Connection) -> set[int] | None:
        """The pks of papers passing the filters; None when there are no filters."""
        if not self:
            return None
        where, params = self.sql(conn)
        return {int(r[0]) for r in conn.execute(f"SELECT p.pk FROM papers p WHERE {where}",
                                                 params)}
