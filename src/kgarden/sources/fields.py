"""What the record-shaped readers (JSON, JSON Lines, CSV) share: one field mapping, author
splitting, and line bookkeeping that agrees with what an editor shows."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from kgarden.models import Paper, clean_text, make_paper, normalize_doi
from kgarden.sources.base import SourceFile

# Each Paper slot and the input names that fill it, best first (matched case-insensitively).
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "abstract": ("abstract", "summary", "description"),
    "authors": ("authors", "author"),
    "date": ("publication_date", "published", "date", "listing_date", "year"),
    "doi": ("doi",),
    "url": ("url", "link"),
    "id": ("id",),
    "arxiv_id": ("arxiv_id", "arxiv"),
    "venue": ("venue", "journal"),
    "categories": ("categories",),
    "keywords": ("keywords",),
}

# A bare id that is an arXiv identifier and nothing else (a generic "id" column may be anything).
_ARXIV_ONLY = re.compile(
    r"(?:arxiv:)?(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?", re.IGNORECASE
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_AND = re.compile(r"\s+and\s+|\s*&\s*", re.IGNORECASE)
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}


def split_lines_keepends(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=\n)|(?<=\r)(?!\n)", text) if part]


class LineIndex:
    """Maps character offsets in ``text`` to 1-based line numbers."""

    def __init__(self, text: str) -> None:
        self._starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]

    def line(self, offset: int) -> int:
        return bisect_right(self._starts, offset)


def _is_initials(part: str) -> bool:
    letters = [t.replace(".", "").replace("-", "") for t in part.split()]
    return bool(letters) and all(len(t) <= 2 and t.isupper() for t in letters)


def person_name(name: str) -> str:
    """``Last, First`` (or ``Last, Jr, First``) becomes ``First Last``; other names are kept."""
    parts = [p.strip() for p in name.strip(" ,").split(",")]
    if len(parts) == 2 and all(parts):
        return clean_text(f"{parts[1]} {parts[0]}")
    if len(parts) == 3 and all(parts):
        last, middle, end = parts
        if end.lower() in _SUFFIXES:  # "King, Martin, Jr."
            return clean_text(f"{middle} {last} {end}")
        return clean_text(f"{end} {last} {middle}")
    return clean_text(name.strip(" ,"))


def _split_commas(chunk: str) -> list[str]:
    pieces = [p.strip() for p in chunk.split(",") if p.strip()]
    if len(pieces) < 2:
        return pieces
    if len(pieces) == 2 and (
        " " not in pieces[0] or " " not in pieces[1] or _is_initials(pieces[1])
    ):
        return [f"{pieces[1]} {pieces[0]}"]  # "Whistler, R. L." is one person
    if len(pieces) == 3 and {pieces[1].lower(), pieces[2].lower()} & _SUFFIXES:
        return [person_name(chunk)]  # "King, Jr., Martin" or "King, Martin, Jr."
    if len(pieces) % 2 == 0 and all(_is_initials(p) for p in pieces[1::2]):
        return [f"{given} {last}" for last, given in zip(pieces[::2], pieces[1::2], strict=True)]
    return pieces  # "D. Pavlinac, R. Langer, L. Lenhard"


def split_authors(text: str) -> list[str]:
    """Split ``A; B``, ``A and B`` or ``A, B`` into names, turning ``Last, First`` around."""
    if ";" in text:
        names = [person_name(p) for p in text.split(";")]
    else:
        names = [n for chunk in _AND.split(text) for n in _split_commas(chunk.strip().rstrip(","))]
    return [clean_text(n) for n in names if clean_text(n) and n.lower() != "others"]


def split_terms(text: str, *, on_spaces: bool = False) -> list[str]:
    """Keywords or categories: ``a; b``, ``a, b`` or (for category codes) ``cs.CL cs.AI``."""
    for sep in (";", ","):
        if sep in text:
            return [clean_text(t) for t in text.split(sep) if clean_text(t)]
    return text.split() if on_spaces else ([clean_text(text)] if clean_text(text) else [])


def kind_of(value: Any) -> str:
    """How a JSON value is named in messages."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "text"
    return "null" if value is None else "a number"


def _as_text(value: Any, key: str, fail: Callable[[str], NoReturn]) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return " ".join(value)  # an abstract given as a list of sentences
    fail(f"field {key!r} should be text, not {kind_of(value)}")


def _as_authors(value: Any, key: str, fail: Callable[[str], NoReturn]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return split_authors(value)
    if not isinstance(value, list):
        fail(f"field {key!r} should be a list of names or text, not {kind_of(value)}")
    names: list[str] = []
    for item in value:
        if isinstance(item, str):
            names.append(person_name(item))
        elif isinstance(item, dict):
            low = {str(k).lower(): v for k, v in item.items()}
            name = low.get("name") or low.get("display_name")
            if name is None and (low.get("given") or low.get("family")):
                name = f"{low.get('given') or ''} {low.get('family') or ''}"
            if not isinstance(name, str):
                fail(f'an author in {key!r} has no "name"')
            names.append(name)
        else:
            fail(f"authors in {key!r} should be names or objects, not {kind_of(item)}")
    return names


def _as_terms(value: Any, key: str, fail: Callable[[str], NoReturn]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return split_terms(value, on_spaces=key.lower() == "categories")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [clean_text(v) for v in value if clean_text(v)]
    fail(f"field {key!r} should be a list of text, not {kind_of(value)}")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def paper_from_record(
    record: Mapping[str, Any], *, source: SourceFile, line: int, reader: str
) -> Paper:
    """Map one record (JSON object or CSV row) onto a Paper; unmapped fields go to ``extra``."""

    def fail(message: str) -> NoReturn:
        raise source.error(message, line)

    by_name: dict[str, str] = {}  # lower-case name -> the key as written (first one wins)
    for written in record:
        by_name.setdefault(str(written).strip().lower(), written)
    chosen: dict[str, tuple[str, Any]] = {}
    for slot, names in FIELD_NAMES.items():
        for name in names:
            key = by_name.get(name)
            if key is not None and not _empty(record[key]):
                chosen[slot] = (key, record[key])
                break
    used = {key for key, _ in chosen.values()}
    extra = {
        str(k): v for k, v in record.items() if k not in used and str(k).strip() and not _empty(v)
    }

    def text(slot: str) -> str | None:
        key, value = chosen.get(slot, (slot, None))
        return _as_text(value, key, fail)

    title, abstract = text("title"), text("abstract")
    if not clean_text(title) and not clean_text(abstract):
        fail("record has neither a title nor an abstract")
    ident, doi, arxiv = text("id"), text("doi"), text("arxiv_id")
    if ident and doi is None and ident.lower().startswith(("10.", "doi:", "https://doi.org/")):
        doi = ident if normalize_doi(ident) else None
    if ident and arxiv is None and _ARXIV_ONLY.fullmatch(ident.strip()):
        arxiv = ident
    elif ident:
        extra.setdefault("id", ident)
    for slot in ("categories", "keywords"):
        if slot in chosen:
            key, value = chosen[slot]
            extra[slot] = _as_terms(value, key, fail)
    authors_key, authors_value = chosen.get("authors", ("authors", None))
    return make_paper(
        title=title,
        abstract=abstract,
        authors=_as_authors(authors_value, authors_key, fail),
        date=text("date"),
        venue=text("venue"),
        doi=doi,
        arxiv_id=arxiv,
        url=text("url"),
        source=reader,
        origin=source.origin(line),
        extra=extra,
        id_hint=ident,
    )
