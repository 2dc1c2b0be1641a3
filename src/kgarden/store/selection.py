"""``--where``: which papers a command works on, in a small language of terms, all of which
must hold. Every value becomes a bound SQL parameter, never SQL text.

    year>=2024  year=2025  date<2025-07  author:hinton  concept:"knowledge distillation"
    id:arxiv:2401.00001  text:distillation  extractor:rules.v1  source:listing.v1  failed
"""

from __future__ import annotations

import re
import shlex
import sqlite3
from typing import Any

from kgarden.errors import QueryError
from kgarden.extract.keys import concept_key
from kgarden.search.query import parse_query

_COMPARE = re.compile(r"^(year|date)(>=|<=|=|>|<)(.+)$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_FIELDS = ("author", "concept", "id", "text", "extractor", "source")
HELP = ("terms, all of which must hold: year>=2024, date<2025-07, author:NAME, "
        "concept:NAME, id:PAPER_ID, text:WORDS, extractor:rules.v1, source:listing.v1, failed")


def _term(term: str) -> tuple[str, list[Any]]:
    match = _COMPARE.match(term)
    if match:
        column, op, value = match.groups()
        if column == "year":
            if not value.isdigit():
                raise QueryError(f"--where {term!r}: a year is a number")
            return f"p.year {op} ?", [int(value)]
        if not _DATE.match(value):
            raise QueryError(f"--where {term!r}: a date is YYYY, YYYY-MM or YYYY-MM-DD")
        # dates are stored at the precision the source gave: compare on the common prefix
        return f"substr(p.date, 1, {len(value)}) {op} ?", [value]
    if term == "failed":
        return "p.pk IN (SELECT paper_pk FROM extraction_errors)", []
    name, sep, value = term.partition(":")
    if not sep or name not in _FIELDS or not value:
        raise QueryError(f"--where: cannot read {term!r}", hint=HELP)
    if name == "author":
        return "p.authors LIKE ? ESCAPE '\\'", [f"%{_like(value)}%"]
    if name == "id":
        return "p.id = ?", [value]
    if name == "source":
        return "p.source = ?", [value]
    if name == "extractor":
        return "p.run_id IN (SELECT id FROM extraction_runs WHERE component = ?)", [value]
    if name == "concept":
        return ("p.pk IN (SELECT m.paper_pk FROM mentions m JOIN concepts c ON"
                " c.id = m.concept_id WHERE c.key = ?)", [concept_key(value)])
    query = parse_query(value)
    if not query:
        raise QueryError(f"--where {term!r}: no searchable words")
    return "p.pk IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?)", [query.fts]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def select_papers(conn: sqlite3.Connection, where: str | None, *,
                  include_retracted: bool = False) -> list[int]:
    """The pks of the papers ``where`` selects (all papers when it is empty), in pk order."""
    try:
        terms = shlex.split(where or "")
    except ValueError as exc:
        raise QueryError(f"--where: {exc}") from None
    clauses, params = ["1 = 1" if include_retracted else "p.retracted = 0"], []
    for term in terms:
        clause, values = _term(term)
        clauses.append(clause)
        params += values
    sql = f"SELECT p.pk FROM papers p WHERE {' AND '.join(clauses)} ORDER BY p.pk"
    return [int(r[0]) for r in conn.execute(sql, params)]
