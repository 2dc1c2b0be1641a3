"""BibTeX and BibLaTeX files (Zotero, JabRef, Google Scholar, arXiv exports).

Parsed with bibtexparser 2; LaTeX accents and commands are decoded to Unicode with pylatexenc.
``@comment``, ``@string`` and ``@preamble`` blocks are not papers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bibtexparser.entrypoint import parse_string
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ImplicitComment,
    ParsingFailedBlock,
)
from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexwalker import LatexWalkerError

from kgarden.errors import ParseError
from kgarden.models import Paper, make_paper, normalize_arxiv_id
from kgarden.sources.base import SourceFile, register_reader
from kgarden.sources.fields import person_name, split_terms

READER = "bibtex.v1"
_LATEX = LatexNodes2Text()
_LATEX_MARKS = re.compile(r"[\\{}$~]|--|``")
_UNESCAPED_PERCENT = re.compile(r"(?<!\\)%")  # a bare % would start a LaTeX comment
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_STRAY_FIELD = re.compile(r"^\s*[A-Za-z][\w-]*\s*=", re.MULTILINE)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


@contextmanager
def _quiet_parser() -> Iterator[None]:
    """bibtexparser logs each failed block as a warning; we raise a ParseError instead."""
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def latex_text(value: str) -> str:
    """``{\\"u}ber {GPT}`` -> ``über GPT``."""
    if not _LATEX_MARKS.search(value):
        return value
    try:
        return str(_LATEX.latex_to_text(_UNESCAPED_PERCENT.sub(r"\\%", value)))
    except LatexWalkerError:
        return value.replace("{", "").replace("}", "")


def _plain(value: str) -> str:
    """DOIs and URLs are not LaTeX: only drop braces and backslash escapes."""
    return re.sub(r"\\([_%&#$])", r"\1", value.replace("{", "").replace("}", "")).strip()


def _split_names(value: str) -> list[str]:
    """Split on ``and`` outside braces (``{Barnes and Noble}`` is one name)."""
    names, depth, last = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", value, re.IGNORECASE):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            names.append(value[last : match.start()])
            last = match.end()
    names.append(value[last:])
    return [n.strip() for n in names if n.strip() and n.strip().lower() != "others"]


def _date(fields: dict[str, str]) -> str | None:
    if fields.get("date"):
        return fields["date"]
    year = fields.get("year", "").strip()
    month = fields.get("month", "").strip().lower()
    number = _MONTHS.get(month[:3]) or (int(month) if month.isdigit() else None)
    return f"{year}-{number:02d}" if year and number else (year or None)


def _failure(block: Any, source: SourceFile) -> ParseError:
    line = (block.start_line or 0) + 1  # bibtexparser counts lines from 0
    if isinstance(block, DuplicateBlockKeyBlock):
        return source.error(f"duplicate entry key {block.key!r}", line)
    if isinstance(block, DuplicateFieldKeyBlock):
        names = ", ".join(repr(k) for k in sorted(block.duplicate_keys))
        key = getattr(block.ignore_error_block, "key", "")
        return source.error(f"entry {key!r} repeats field {names}", line)
    reason = getattr(getattr(block, "error", None), "abort_reason", None) or str(block.error)
    reason = reason.strip().splitlines()[0] if reason.strip() else "syntax error"
    return source.error(f"malformed entry: {reason}", line)


def _check_fields(entry: Entry, source: SourceFile) -> dict[str, str]:
    fields: dict[str, str] = {}
    for key, field in entry.fields_dict.items():
        value = str(field.value)
        # A bare value with spaces ran into the next field: a comma is missing after it.
        if field.enclosing == "no-enclosing" and re.search(r"\s", value) and "#" not in value:
            line = (field.start_line or entry.start_line or 0) + 1
            raise source.error(f"missing comma after the value of field {key!r}", line)
        fields[key.lower()] = value
    return fields


def entry_to_paper(entry: Entry, source: SourceFile) -> Paper:
    fields = _check_fields(entry, source)
    line = (entry.start_line or 0) + 1
    title = latex_text(fields.get("title", ""))
    abstract = latex_text(fields.get("abstract", ""))
    if not title.strip() and not abstract.strip():
        raise source.error(f"entry {entry.key!r} has neither a title nor an abstract", line)
    venue = fields.get("journal") or fields.get("journaltitle") or fields.get("booktitle") or ""
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    if "arxiv" in prefix:
        arxiv_id = normalize_arxiv_id(_plain(fields.get("eprint", "")))
    else:  # Google Scholar: journal = {arXiv preprint arXiv:2106.09685}
        arxiv_id = normalize_arxiv_id(venue) if "arxiv" in venue.lower() else None
    keywords = split_terms(latex_text(fields.get("keywords", "")))
    extra: dict[str, Any] = {
        "bibtex_key": entry.key,
        "entry_type": entry.entry_type.lower(),
        "keywords": keywords,
        "language": latex_text(fields.get("language", "")).strip(),
    }
    return make_paper(
        title=title,
        abstract=abstract,
        authors=[person_name(latex_text(n)) for n in _split_names(fields.get("author", ""))],
        date=_date(fields),
        venue=latex_text(venue) or None,
        doi=_plain(fields.get("doi", "")) or None,
        arxiv_id=arxiv_id,
        url=_plain(fields.get("url", "")) or None,
        source=READER,
        origin=source.origin(line),
        extra={k: v for k, v in extra.items() if v},
        id_hint=entry.key,
    )


@register_reader(
    "bibtex",
    suffixes=(".bib", ".bibtex"),
    description="BibTeX/BibLaTeX (Zotero, JabRef, Google Scholar, arXiv exports)",
)
def read_bibtex(source: SourceFile) -> Iterator[Paper]:
    """Every entry (@article, @inproceedings, @misc, @book, ...) with LaTeX decoded."""
    text = source.text()
    with _quiet_parser():
        try:
            library = parse_string(text)
        except Exception as exc:  # the parser has no error hierarchy of its own
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise source.error(f"BibTeX could not be parsed: {message}") from None
    blocks = sorted(library.blocks, key=lambda b: b.start_line or 0)
    for block in blocks:
        if isinstance(block, ParsingFailedBlock | DuplicateBlockKeyBlock | DuplicateFieldKeyBlock):
            raise _failure(block, source)
        if isinstance(block, ImplicitComment):
            # Text between entries that looks like "field = value" was cut off from its entry,
            # usually by a closing brace too many.
            stray = _STRAY_FIELD.search(block.comment)
            if stray:
                line = (block.start_line or 0) + 1 + block.comment.count("\n", 0, stray.start())
                raise source.error("field outside any entry (a closing brace too many?)", line)
        if isinstance(block, Entry):
            yield entry_to_paper(block, source)
