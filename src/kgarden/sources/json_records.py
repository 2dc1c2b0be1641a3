"""JSON documents holding paper records: an array of objects, ``{"papers": [...]}``, or one object.

Also home of the JSON helpers the OpenAlex reader shares: loading with a line-accurate error and
finding the line where each record of the document starts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from kgarden.models import Paper
from kgarden.sources.base import SourceFile, register_reader
from kgarden.sources.fields import LineIndex, kind_of, paper_from_record

READER = "json.v1"

_DECODER = json.JSONDecoder()
_SPACE = " \t\r\n"


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _SPACE:
        pos += 1
    return pos


def _array_offsets(text: str, pos: int) -> list[int]:
    """Start offsets of the elements of the (already validated) array at ``text[pos]``."""
    offsets: list[int] = []
    pos = _skip(text, pos + 1)
    if text[pos] == "]":
        return offsets
    while True:
        offsets.append(pos)
        _, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] == "]":
            return offsets
        pos = _skip(text, pos + 1)  # past the comma


def _member_offset(text: str, pos: int, key: str) -> int:
    """Offset of the value of ``key`` in the object at ``text[pos]`` (the last, as json.loads)."""
    found = pos
    pos = _skip(text, pos + 1)
    while text[pos] != "}":
        name, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, _skip(text, pos) + 1)  # past the colon
        if name == key:
            found = pos
        _, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
    return found


def load_json(source: SourceFile) -> tuple[str, Any]:
    """The file's text and its parsed JSON; invalid JSON is a ParseError at json's line."""
    text = source.text()
    try:
        return text, json.loads(text)
    except json.JSONDecodeError as exc:
        line = LineIndex(text).line(exc.pos)
        raise source.error(f"invalid JSON: {exc.msg}", line) from None
    except RecursionError:
        raise source.error("JSON is nested too deeply") from None


def json_records(source: SourceFile, list_key: str, what: str = "papers") -> list[tuple[int, Any]]:
    """``(line, item)`` for each record: the elements of a top-level array or of the array under
    ``list_key`` in a top-level object; any other top-level object is a single record."""
    text, data = load_json(source)
    lines = LineIndex(text)
    start = _skip(text, 0)
    if isinstance(data, list):
        return list(zip((lines.line(o) for o in _array_offsets(text, start)), data, strict=True))
    if not isinstance(data, dict):
        message = f"expected a JSON array of {what} or an object, found {kind_of(data)}"
        raise source.error(message, lines.line(start))
    if list_key not in data:
        return [(lines.line(start), data)]
    items = data[list_key]
    at = _member_offset(text, start, list_key)
    if not isinstance(items, list):
        raise source.error(f"{list_key!r} should be a list, not {kind_of(items)}", lines.line(at))
    return list(zip((lines.line(o) for o in _array_offsets(text, at)), items, strict=True))


@register_reader(
    "json",
    suffixes=(".json",),
    description='JSON: an array of paper objects, {"papers": [...]}, or a single paper object',
)
def read_json(source: SourceFile) -> Iterator[Paper]:
    """Fields are mapped as in :mod:`fields` (title, abstract, authors, date, doi, ...)."""
    for line, item in json_records(source, "papers"):
        if not isinstance(item, dict):
            raise source.error(f"expected each paper to be an object, found {kind_of(item)}", line)
        yield paper_from_record(item, source=source, line=line, reader=READER)
