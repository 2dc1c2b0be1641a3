"""CSV and TSV tables with a header row (e.g. ASReview screening sets, spreadsheet exports)."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from kgarden.errors import ParseError
from kgarden.models import Paper
from kgarden.sources.base import SourceFile, register_reader
from kgarden.sources.fields import FIELD_NAMES, paper_from_record, split_lines_keepends

READER = "csv.v1"
DELIMITERS = ",;\t"
_TEXT_COLUMNS = {*FIELD_NAMES["title"], *FIELD_NAMES["abstract"]}


def _delimiter(source: SourceFile, lines: list[str]) -> str:
    """Tab for .tsv; else the one of , ; tab the header uses (csv.Sniffer breaks ties)."""
    if source.suffixes == [".tsv"]:
        return "\t"
    header = next((line for line in lines if line.strip()), "")
    present = [d for d in DELIMITERS if d in header]
    if len(present) == 1:
        return present[0]
    if not present:
        return ","  # a single column
    try:
        sniffed = csv.Sniffer().sniff("".join(lines[:50])[:16384], delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    return sniffed if sniffed in present else max(present, key=header.count)


def _csv_error(source: SourceFile, exc: csv.Error, start: int, line: int) -> ParseError:
    message = str(exc)
    if "unexpected end of data" in message:
        return source.error('a quoted field never closes (unbalanced ")', start)
    return source.error(f"malformed CSV: {message}", line)


def header_has_text_column(names: list[str]) -> bool:
    return any(name.strip().lower() in _TEXT_COLUMNS for name in names)


@register_reader(
    "csv",
    suffixes=(".csv", ".tsv"),
    description="CSV/TSV with a header row: title, abstract, authors, year/date, doi, url, ...",
)
def read_csv(source: SourceFile) -> Iterator[Paper]:
    """Delimiter: comma, semicolon or tab. Columns are mapped as in :mod:`fields`; any other
    column (``label_included``, ``record_id``, ...) is kept in ``extra``."""
    lines = split_lines_keepends(source.text())
    reader = csv.reader(iter(lines), delimiter=_delimiter(source, lines), strict=True)
    header: list[str] | None = None
    header_line = end = 0
    while True:
        start = end + 1  # one past the last line the previous row used
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _csv_error(source, exc, start, reader.line_num) from None
        end = reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # blank lines and rows of empty cells (spreadsheets leave them)
        if header is None:
            header, header_line = [cell.strip() for cell in row], start
            if not header_has_text_column(header):
                found = ", ".join(repr(h) for h in header)
                message = f"no title or abstract column in the header (found {found})"
                raise source.error(message, start)
            continue
        if len(row) != len(header):
            raise source.error(
                f"expected {len(header)} fields as in the header (line {header_line}), "
                f"found {len(row)}",
                start,
            )
        record: dict[str, str] = {}
        for name, cell in zip(header, row, strict=True):
            record.setdefault(name, cell.strip())
        yield paper_from_record(record, source=source, line=start, reader=READER)
