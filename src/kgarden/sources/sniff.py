"""Guess a file's format from its first 64 KB, for when the suffix does not decide."""

from __future__ import annotations

import codecs
import csv
import json
import re

from kgarden.errors import KgardenError
from kgarden.sources.base import SourceFile, split_lines
from kgarden.sources.csv_reader import DELIMITERS, header_has_text_column
from kgarden.sources.listing import blocks, first_paper

SAMPLE_BYTES = 65536  # several records of any format; JSON Lines records can be long
ALL_FORMATS = ("openalex-json", "json", "jsonl", "arxiv-atom", "bibtex", "ris", "csv", "listing")
_BIBTEX = re.compile(r"^\s*@[A-Za-z]+\s*[{(]", re.MULTILINE)
_RIS = re.compile(r"^TY  - ", re.MULTILINE)
_OPENALEX_MARKERS = ("abstract_inverted_index", "openalex.org")
# Control characters no text format here contains: the file is binary.
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f]")


def _sample(source: SourceFile) -> str:
    """The start of the file as text; bad bytes are replaced (the reader will report them)."""
    data = source.read_bytes()[:SAMPLE_BYTES]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data[: len(data) // 2 * 2].decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def _is_json_lines(sample: str) -> bool:
    """The first line is a whole JSON object and another object line follows it."""
    lines = [line for line in split_lines(sample) if line.strip()]
    if len(lines) < 2 or not lines[1].lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(lines[0]), dict)
    except (ValueError, RecursionError):
        return False


def _is_openalex(sample: str) -> bool:
    if any(marker in sample for marker in _OPENALEX_MARKERS):
        return True
    has = {key: f'"{key}"' in sample for key in ("display_name", "authorships", "meta", "results")}
    return (has["display_name"] and has["authorships"]) or (has["meta"] and has["results"])


def _is_csv(sample: str) -> bool:
    """The first line, split on a delimiter it contains, names a title or abstract column."""
    header = next((line for line in split_lines(sample) if line.strip()), "")
    for delimiter in [d for d in DELIMITERS if d in header] or [","]:
        try:
            names = next(csv.reader([header], delimiter=delimiter), [])
        except csv.Error:
            continue
        if header_has_text_column(names):
            return True
    return False


def guess(sample: str) -> list[str]:
    """Formats the sample looks like, most likely first."""
    head = sample.lstrip()
    if head.startswith(("{", "[")):
        if _is_json_lines(sample):
            return ["jsonl", "json"]
        return ["openalex-json", "json"] if _is_openalex(sample) else ["json", "jsonl"]
    if head.startswith("<"):
        atom = "<feed" in sample or "<entry" in sample
        return ["arxiv-atom"] if atom and "http://www.w3.org/2005/Atom" in sample else []
    if _RIS.search(sample):
        return ["ris"]
    if _BIBTEX.search(sample):
        return ["bibtex"]
    if _is_csv(sample):
        return ["csv"]
    return ["listing"] if first_paper(blocks(sample)) is not None else []


def sniff_format(source: SourceFile, candidates: list[str] | None) -> str | None:
    """The first guessed format that is among ``candidates`` (any format when None), or None.

    A file that cannot be read at all (missing, empty) gets the first allowed format: every
    reader reports that problem the same way, so the reader is left to raise. Never raises.
    """
    allowed = list(candidates) if candidates else list(ALL_FORMATS)
    try:
        sample = _sample(source)
    except KgardenError:
        return allowed[0]
    if not sample.strip():
        return allowed[0]
    if _BINARY.search(sample):
        return None
    return next((name for name in guess(sample) if name in allowed), None)
