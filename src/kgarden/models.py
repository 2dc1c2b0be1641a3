"""Plain records that flow between stages. No behaviour beyond normalisation of identifiers."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

_WS = re.compile(r"\s+")
_DOI = re.compile(r"(10\.\d{4,9}/\S+)", re.IGNORECASE)
# New-style (2503.11731, optional version) and old-style (hep-th/9901001) arXiv identifiers.
_ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")
_ARXIV_OLD = re.compile(r"([a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?")
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def clean_text(text: str | None) -> str:
    """Collapse whitespace runs to single spaces and NFC-normalise, so offsets are stable."""
    if not text:
        return ""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def normalize_doi(value: str | None) -> str | None:
    """``https://doi.org/10.1/X`` and ``doi:10.1/X`` become ``10.1/x`` (case-insensitive)."""
    if not value:
        return None
    match = _DOI.search(value.strip())
    if not match:
        return None
    return match.group(1).rstrip(".,;").lower()


def normalize_arxiv_id(value: str | None) -> str | None:
    """``arXiv:2503.11731v2`` or an abs/pdf URL become ``2503.11731``; old ids keep archive."""
    if not value:
        return None
    text = value.strip()
    match = _ARXIV_NEW.search(text)
    if match:
        return match.group(1)
    match = _ARXIV_OLD.search(text)
    return match.group(1) if match else None


def normalize_date(value: str | int | None) -> str | None:
    """Keep the precision we were given: ``2025``, ``2025-03`` or ``2025-03-18``."""
    if value is None:
        return None
    text = str(value).strip()
    match = _DATE.match(text)
    if not match:
        return None
    year, month, day = match.groups()
    if not 1000 <= int(year) <= 2999:
        return None
    if month is None or not 1 <= int(month) <= 12:
        return year
    try:
        datetime.date(int(year), int(month), int(day or 1))
    except ValueError:  # 2024-02-30: keep what is certain
        return f"{year}-{int(month):02d}"
    if day is None:
        return f"{year}-{int(month):02d}"
    return f"{year}-{int(month):02d}-{int(day):02d}"


def title_key(title: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a title, for identity and dedup."""
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    letters = "".join(ch for ch in decomposed if ch.isalnum() or ch.isspace())
    return " ".join(letters.split())


def _short_hash(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:16]


@dataclass(frozen=True)
class Paper:
    """One paper as a reader produced it. ``id`` is stable: DOI > arXiv id > title hash.

    ``origin`` is where it was read (``file:line``); ``source`` the reader's versioned name.
    """

    id: str
    title: str
    abstract: str
    authors: tuple[str, ...] = ()
    date: str | None = None
    venue: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    url: str | None = None
    source: str = ""
    origin: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None

    @property
    def content_hash(self) -> str:
        """Changes exactly when the text we extract from changes."""
        return _short_hash(self.title, self.abstract)

    @property
    def record_hash(self) -> str:
        """Changes when any field changes (where it was read from does not count)."""
        fields = [self.title, self.abstract, list(self.authors), self.date, self.venue, self.doi,
                  self.arxiv_id, self.url, self.extra]
        return _short_hash(json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str))


def make_paper(
    *,
    title: str | None,
    abstract: str | None,
    authors: list[str] | tuple[str, ...] = (),
    date: str | int | None = None,
    venue: str | None = None,
    doi: str | None = None,
    arxiv_id: str | None = None,
    url: str | None = None,
    source: str = "",
    origin: str = "",
    extra: dict[str, Any] | None = None,
    id_hint: str | None = None,
) -> Paper:
    """Build a Paper with normalised fields and its stable id.

    ``id_hint`` is whatever identifier the source had (an OpenAlex id, a BibTeX key); it only
    decides the id when there is no DOI, no arXiv id and no title to hash.
    """
    clean_title = clean_text(title)
    clean_abstract = clean_text(abstract)
    norm_doi = normalize_doi(doi)
    norm_arxiv = normalize_arxiv_id(arxiv_id)
    if norm_doi is None and norm_arxiv is None and norm_doi_from_url(url):
        norm_doi = norm_doi_from_url(url)
    if norm_arxiv is None and url and "arxiv.org" in url:
        norm_arxiv = normalize_arxiv_id(url)
    if norm_doi:
        paper_id = f"doi:{norm_doi}"
    elif norm_arxiv:
        paper_id = f"arxiv:{norm_arxiv}"
    elif clean_title:
        paper_id = f"title:{_short_hash(title_key(clean_title))}"
    elif id_hint:
        paper_id = f"id:{clean_text(id_hint)}"
    else:
        paper_id = f"text:{_short_hash(clean_abstract)}"
    return Paper(
        id=paper_id,
        title=clean_title,
        abstract=clean_abstract,
        authors=tuple(a for a in (clean_text(x) for x in authors) if a),
        date=normalize_date(date),
        venue=clean_text(venue) or None,
        doi=norm_doi,
        arxiv_id=norm_arxiv,
        url=(url or "").strip() or None,
        source=source,
        origin=origin,
        extra=dict(extra or {}),
    )


def norm_doi_from_url(url: str | None) -> str | None:
    if url and "doi.org/" in url:
        return normalize_doi(url)
    return None
