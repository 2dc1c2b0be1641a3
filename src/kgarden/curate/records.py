"""Extraction records: what an extractor found in one paper, kept in the garden.

The fact tables hold extraction with human decisions applied. Keeping each paper's record lets
a decision (merge, split, relabel, retract) or its undo derive that paper's facts again through
the writer's exact bookkeeping, without parsing the paper again. A record is compact JSON
(arrays, not objects), zlib-compressed: about 1 KB for an abstract.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

from kgarden.extract.types import Acronym, Mention, PaperExtraction, Relation, SentenceSpan
from kgarden.store.db import chunks

FORMAT = 1


def encode(ex: PaperExtraction) -> bytes:
    data: dict[str, Any] = {
        "v": FORMAT,
        "paper_id": ex.paper_id,
        "content_hash": ex.content_hash,
        "s": [[s.field, s.index, s.start, s.end] for s in ex.sentences],
        "m": [[m.sentence, m.start, m.end, m.key, m.surface, m.display, int(m.case_known),
               int(m.acronym)] for m in ex.mentions],
        "r": [[r.subject, r.predicate, r.object, r.sentence, int(r.negated), int(r.hedged),
               r.trigger, r.confidence] for r in ex.relations],
        "a": [[a.short, a.key, a.long_form] for a in ex.acronyms],
    }
    return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())


def decode(blob: bytes) -> PaperExtraction:
    data = json.loads(zlib.decompress(blob))
    if data.get("v") != FORMAT:
        raise ValueError(f"extraction record format {data.get('v')!r} is not {FORMAT}")
    return PaperExtraction(
        paper_id=data["paper_id"],
        content_hash=data["content_hash"],
        sentences=[SentenceSpan(f, i, s, e) for f, i, s, e in data["s"]],
        mentions=[Mention(sent, s, e, key, surface, display, bool(ck), bool(ac))
                  for sent, s, e, key, surface, display, ck, ac in data["m"]],
        relations=[Relation(subj, pred, obj, sent, bool(neg), bool(hedge), trigger, conf)
                   for subj, pred, obj, sent, neg, hedge, trigger, conf in data["r"]],
        acronyms=[Acronym(short, key, long_form) for short, key, long_form in data["a"]],
    )


def save(conn: sqlite3.Connection, rows: Iterable[tuple[int, int, PaperExtraction]]) -> None:
    """(paper pk, run id, record): each becomes that paper's active record."""
    conn.executemany(
        "INSERT INTO extractions(paper_pk, run_id, record) VALUES (?, ?, ?)"
        " ON CONFLICT(paper_pk) DO UPDATE SET run_id = excluded.run_id,"
        " record = excluded.record",
        [(pk, run_id, encode(ex)) for pk, run_id, ex in rows])


def load(conn: sqlite3.Connection, pks: Sequence[int]
         ) -> dict[int, tuple[int, PaperExtraction]]:
    """pk -> (run id, record) for the papers that have one."""
    out: dict[int, tuple[int, PaperExtraction]] = {}
    for part in chunks(list(pks)):
        marks = ",".join("?" * len(part))
        for pk, run_id, blob in conn.execute(
                f"SELECT paper_pk, run_id, record FROM extractions WHERE paper_pk IN ({marks})",
                list(part)):
            out[int(pk)] = (int(run_id), decode(blob))
    return out
