"""Sources: turn any input file into Paper records.

``read_files`` is what ingest calls: it reads *every* file completely before anything is
written, so a malformed file anywhere leaves the garden exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kgarden.errors import UnknownFormatError
from kgarden.models import Paper
from kgarden.registry import Component, registry
from kgarden.sources import (  # noqa: F401  (importing registers each reader)
    arxiv_atom,
    bibtex,
    csv_reader,
    json_records,
    jsonl,
    listing,
    openalex,
    ris,
)
from kgarden.sources.base import SourceFile, require_papers
from kgarden.sources.sniff import sniff_format


def reader_formats() -> list[Component]:
    """The newest version of every registered reader."""
    return registry.latest("reader")


def detect_format(source: SourceFile) -> Component:
    """Pick a reader by suffix; when several claim it (or none), look at the content."""
    suffixes = source.suffixes
    candidates = [c for c in reader_formats() if set(suffixes) & set(c.meta["suffixes"])]
    if len(candidates) == 1:
        return candidates[0]
    sniffed = sniff_format(source, [c.name for c in candidates] or None)
    if sniffed is not None:
        return registry.get("reader", sniffed)
    known = ", ".join(sorted(c.name for c in reader_formats()))
    raise UnknownFormatError(
        "cannot tell the format of this file",
        path=source.name,
        hint=f"pass --format, one of: {known}",
    )


def read_file(path: str | Path, format: str | None = None) -> list[Paper]:
    """All papers in one file. Raises a ParseError (with file:line) on malformed content."""
    source = SourceFile.of(path)
    reader = registry.get("reader", format) if format else detect_format(source)
    return require_papers(list(reader.factory(source)), source)


def read_files(paths: Iterable[str | Path], format: str | None = None) -> list[Paper]:
    """Read every file fully (validating all of them) before returning any paper."""
    papers: list[Paper] = []
    for path in paths:
        papers.extend(read_file(path, format))
    return papers


__all__ = ["SourceFile", "detect_format", "read_file", "read_files", "reader_formats"]
