"""Agency modes: how far the machine may decide on its own, set per garden.

- ``directed``: machine output stays "proposed" until a person accepts it.
- ``contributory``: a relation whose best evidence has at least the threshold's confidence is
  accepted as soon as it is extracted, each acceptance an event of the machine actor that made
  the evidence (``machine:rules.v1``), which a person can see in the log and undo.
- ``partnership``: contributory, and the machine also proposes merges of concepts and
  rejections of contradicted facts into the review queue (curate/review.py).

The machine never decides where anyone decided before: a relation with any status decision
in its history, a person's or an undone one, is left alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from kgarden.curate import events
from kgarden.curate.apply import ACCEPTED, PROPOSED
from kgarden.curate.keys import RELATION, RelationKey
from kgarden.curate.state import Curation
from kgarden.store.db import chunks

ACCEPT = "accept"


def machine_accept(conn: sqlite3.Connection, curation: Curation,
                   relation_ids: Iterable[int] | None = None) -> int:
    """Accept, as machine decisions, the proposed relations (of ``relation_ids``; None: all)
    whose best evidence reaches the threshold. Returns how many."""
    agency = curation.agency
    if not agency.machine_accepts:
        return 0
    sql = ("SELECT r.id, s.key, r.predicate, o.key, r.negated, max(e.confidence),"
           " (SELECT x.component FROM evidence e2 JOIN extraction_runs x ON x.id = e2.run_id"
           "  WHERE e2.relation_id = r.id ORDER BY e2.confidence DESC, e2.id LIMIT 1)"
           " FROM relations r JOIN concepts s ON s.id = r.subject_id"
           " JOIN concepts o ON o.id = r.object_id JOIN evidence e ON e.relation_id = r.id"
           " JOIN papers p ON p.pk = e.paper_pk AND p.retracted = 0"
           f" WHERE r.status = '{PROPOSED}'")
    group = " GROUP BY r.id HAVING max(e.confidence) >= ?"
    if relation_ids is None:
        rows = conn.execute(sql + group, (agency.threshold,)).fetchall()
    else:
        rows = []
        for part in chunks(sorted(set(relation_ids))):
            rows += conn.execute(sql + f" AND r.id IN ({','.join('?' * len(part))})" + group,
                                 [*part, agency.threshold]).fetchall()
    todo: list[tuple[int, RelationKey, float, str]] = []
    for rid, s, p, o, negated, confidence, component in rows:
        key = RelationKey(s, p, o, bool(negated))
        if not curation.status_decided(key):
            todo.append((int(rid), key, float(confidence), str(component)))
    if not todo:
        return 0
    rows_out: list[events.EventRow] = [
        (f"{events.MACHINE}{component}", ACCEPT, RELATION, key.target(), {"status": None},
         {"status": ACCEPTED},
         f"confidence {confidence:.2f} >= threshold {agency.threshold:.2f} ({agency.mode})")
        for _, key, confidence, component in todo]
    events.append_many(conn, rows_out)
    conn.executemany("UPDATE relations SET status = ? WHERE id = ?",
                     [(ACCEPTED, rid) for rid, *_ in todo])
    for _, key, _, component in todo:
        curation.statuses[key] = (ACCEPTED, f"{events.MACHINE}{component}")
    return len(todo)
