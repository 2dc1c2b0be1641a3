"""RIS files as Zotero, EndNote, Mendeley and publishers export them.

A record runs from ``TY  - JOUR`` to ``ER  -``; a tag line is two characters, two spaces, a
hyphen and a space. A line without a tag continues the field above it. A publisher's download
header (``Provider: ...``) before the first record is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from kgarden.models import Paper, make_paper, normalize_date
from kgarden.sources.base import SourceFile, register_reader, split_lines
from kgarden.sources.fields import person_name

READER = "ris.v1"
_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_NEAR_TAG = re.compile(r"^([A-Z][A-Z0-9])\s*-")
_HEADER = re.compile(r"^[A-Za-z][\w -]*: ")
# The tags of the RIS specification, so a malformed tag line is told apart from a continuation.
_TAG_TABLE = """
TY ER A1 A2 A3 A4 AB AD AN AU AV BT C1 C2 C3 C4 C5 C6 C7 C8 CA CN CP CT CY DA DB DI DO DP
ED EP ET ID IS J1 J2 JA JF JO KW L1 L2 L3 L4 LA LB LK M1 M2 M3 N1 N2 NV OP PB PP PY RI RN
RP SE SN SP ST T1 T2 T3 TA TI TT U1 U2 U3 U4 U5 UR VL VO Y1 Y2
"""
KNOWN_TAGS = frozenset(_TAG_TABLE.split())


@dataclass
class _Record:
    line: int
    fields: dict[str, list[str]] = field(default_factory=dict)

    def first(self, *tags: str) -> str | None:
        for tag in tags:
            for value in self.fields.get(tag, []):
                if value.strip():
                    return value.strip()
        return None


def ris_date(value: str) -> str | None:
    """``2023/05/01/``, ``2023///`` or ``2023-05-01`` with the precision given."""
    parts = [p.strip() for p in re.split(r"[/-]", value.strip())]
    numbers: list[str] = []
    for part in parts[:3]:
        if not part.isdigit():
            break
        numbers.append(part)
    return normalize_date("-".join(numbers)) if numbers else None


def _date(record: _Record) -> str | None:
    dates = [ris_date(v) for tag in ("DA", "PY", "Y1") for v in record.fields.get(tag, [])]
    return max((d for d in dates if d), key=len, default=None)  # the most precise one


def record_to_paper(record: _Record, source: SourceFile) -> Paper:
    title = record.first("TI", "T1")
    abstract = record.first("AB", "N2")
    if not title and not abstract:
        raise source.error("record has neither a title (TI) nor an abstract (AB)", record.line)
    authors = [person_name(a) for tag in ("AU", "A1") for a in record.fields.get(tag, [])]
    extra = {
        "type": record.first("TY"),
        "keywords": [k.strip() for k in record.fields.get("KW", []) if k.strip()],
        "language": record.first("LA"),
        "ris_id": record.first("ID"),
    }
    return make_paper(
        title=title,
        abstract=abstract,
        authors=authors,
        date=_date(record),
        venue=record.first("JF", "T2", "JO", "BT"),
        doi=record.first("DO"),
        url=record.first("UR"),
        source=READER,
        origin=source.origin(record.line),
        extra={k: v for k, v in extra.items() if v},
        id_hint=record.first("ID"),
    )


@register_reader(
    "ris",
    suffixes=(".ris",),
    description="RIS (Zotero, EndNote, Mendeley, publisher exports)",
)
def read_ris(source: SourceFile) -> Iterator[Paper]:
    """Title, abstract, authors, date, DOI, URL, venue and keywords of each record."""
    record: _Record | None = None
    last_tag = ""
    seen_record = False
    for number, raw in enumerate(split_lines(source.text()), start=1):
        line = raw.rstrip()
        if not line.strip():
            continue
        match = _TAG_LINE.match(line)
        if match is None:
            near = _NEAR_TAG.match(line)
            if near and near.group(1) in KNOWN_TAGS:
                raise source.error(
                    f"malformed tag line: expected '{near.group(1)}  - value' "
                    "(two spaces, a hyphen, a space)",
                    number,
                )
            if record is not None:  # a continuation line
                values = record.fields[last_tag]
                values[-1] = f"{values[-1]} {line.strip()}".strip()
            elif seen_record or not _HEADER.match(line):
                raise source.error("text outside a record (records start with 'TY  - ')", number)
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            if record is not None:
                raise source.error(
                    f"a new record starts before the one at line {record.line} ended "
                    "(missing 'ER  -')",
                    number,
                )
            record, last_tag, seen_record = _Record(number), tag, True
            record.fields["TY"] = [value]
        elif record is None:
            message = f"'{tag}' tag outside a record (records start with 'TY  - ')"
            raise source.error(message, number)
        elif tag == "ER":
            yield record_to_paper(record, source)
            record = None
        else:
            record.fields.setdefault(tag, []).append(value)
            last_tag = tag
    if record is not None:
        raise source.error("the file ends inside this record (missing 'ER  -')", record.line)
