"""JSON Lines: one JSON object per line (blank lines allowed), e.g. an arXiv metadata dump."""

from __future__ import annotations

import json
from collections.abc import Iterator

from kgarden.models import Paper
from kgarden.sources.base import SourceFile, register_reader, split_lines
from kgarden.sources.fields import kind_of, paper_from_record
from kgarden.sources.openalex import is_openalex_work, work_to_paper

READER = "jsonl.v1"


@register_reader(
    "jsonl",
    suffixes=(".jsonl", ".ndjson"),
    description="JSON Lines: one paper object per line (title, abstract, authors, ...)",
)
def read_jsonl(source: SourceFile) -> Iterator[Paper]:
    """Each non-blank line is an object; fields are mapped as in :mod:`fields`, and OpenAlex
    works (as in an OpenAlex snapshot) are read as the openalex-json reader reads them."""
    for number, line in enumerate(split_lines(source.text()), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise source.error(f"invalid JSON: {exc.msg} (column {exc.colno})", number) from None
        except RecursionError:
            raise source.error("JSON is nested too deeply", number) from None
        if not isinstance(record, dict):
            found = kind_of(record)
            raise source.error(f"expected a JSON object on each line, found {found}", number)
        if is_openalex_work(record):  # an OpenAlex snapshot file: one work per line
            yield work_to_paper(record, source, number)
        else:
            yield paper_from_record(record, source=source, line=number, reader=READER)
