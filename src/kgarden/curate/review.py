"""The review queue: what the machine proposed and no one has decided yet.

Items, each with a stable id: ``R12`` a proposed relation (best supported first), ``H3`` a
proposed hypothesis, and in partnership mode ``P40`` a proposal the machine made itself (merge
two concepts, reject a fact a negated one contradicts), kept as the machine's event #40.
Deciding an item is an act of the person deciding (curate/actions.py).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from kgarden.curate import events
from kgarden.curate.actions import Curator, Outcome, Target
from kgarden.curate.keys import CONCEPT, RELATION, RelationKey
from kgarden.curate.state import PARTNERSHIP, Curation
from kgarden.embed.vectors import garden_embedder
from kgarden.errors import NotFoundError, QueryError
from kgarden.search.cache import IndexCache
from kgarden.store.queries import SALIENCE_SQL, list_relations, live_paper_count

DECISIONS: tuple[str, ...] = ("accept", "reject")
KINDS: tuple[str, ...] = ("relation", "hypothesis", "proposal")
MERGE_COSINE = 0.9  # concept names this close in meaning may be one concept
MERGE_SOURCES = 300  # the most salient concepts looked at for merges
OPEN = "open"


@dataclass
class ReviewItem:
    id: str
    kind: str  # relation, hypothesis, merge, contradiction
    title: str
    score: float
    proposed_by: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def queue(conn: sqlite3.Connection, *, kinds: tuple[str, ...] = KINDS,
          limit: int | None = 50) -> list[ReviewItem]:
    for kind in kinds:
        if kind not in KINDS:
            raise QueryError(f"unknown review item kind {kind!r}", hint="one of: " +
                             ", ".join(KINDS))
    items: list[ReviewItem] = []
    if "proposal" in kinds:
        items += _proposals(conn)
    if "relation" in kinds:
        for r in list_relations(conn, status="proposed", limit=limit, evidence_per_relation=2):
            items.append(ReviewItem(
                f"R{r.id}", "relation",
                f"{r.subject} {'not ' if r.negated else ''}{r.predicate} {r.object}",
                round(r.confidence, 3),
                r.evidence[0].extractor if r.evidence else "harvest",
                [{"paper_id": e.paper_id, "title": e.title, "sentence": e.sentence,
                  "subject_span": e.subject_span, "object_span": e.object_span,
                  "start": e.start, "hedged": e.hedged} for e in r.evidence],
                {"relation_id": r.id, "predicate": r.predicate,
                 "support": len(r.evidence) + len(r.assertions),
                 "assertions": [a.to_dict() for a in r.assertions]}))
    if "hypothesis" in kinds:
        for hid, a, b, score, paths, components in conn.execute(
                "SELECT h.id, ca.name, cb.name, h.score, h.paths, h.components FROM hypotheses h"
                " JOIN concepts ca ON ca.id = h.a_id JOIN concepts cb ON cb.id = h.b_id"
                " WHERE h.status = 'proposed' ORDER BY h.score DESC, h.id LIMIT ?",
                (-1 if limit is None else limit,)):
            edges = [e for p in json.loads(paths) for e in p][:4]
            items.append(ReviewItem(
                f"H{hid}", "hypothesis", f"{a} <-> {b}", round(float(score), 3),
                str(json.loads(components).get("ranker", "linkpred")),
                [{"paper_id": e["paper_id"], "title": e["title"], "sentence": e["sentence"]}
                 for e in edges], {"hypothesis_id": hid}))
    return items if limit is None else items[:limit]


def _proposals(conn: sqlite3.Connection) -> list[ReviewItem]:
    out = []
    for _kind, target, prop, raw, event_id, actor in conn.execute(
            "SELECT target_kind, target, property, value, event_id, actor FROM decisions"
            " WHERE property LIKE 'proposal:%' ORDER BY event_id"):
        value = json.loads(raw)
        if not value or value.get("status") != OPEN:
            continue
        if prop.startswith("proposal:merge:"):
            out.append(ReviewItem(
                f"P{event_id}", "merge", f"merge {value['name']!r} into {value['into_name']!r}",
                float(value["score"]), actor, [], {"target": target, **value}))
        elif prop == "proposal:reject":
            out.append(ReviewItem(
                f"P{event_id}", "contradiction", f"reject {value['label']}",
                float(value["score"]), actor, value.get("evidence", []),
                {"target": target, **value}))
    return out


def decide(curator: Curator, item_id: str, decision: str, reason: str | None = None
           ) -> list[Outcome]:
    """Accept or reject one queue item; returns the acts it took."""
    if decision not in DECISIONS:
        raise QueryError(f"decide accept or reject, not {decision!r}")
    ref = item_id.strip().upper()
    if ref[:1] not in ("R", "H", "P") or not ref[1:].isdigit():
        raise QueryError(f"not a review item id: {item_id!r} (R12, H3 or P40)")
    status = "accepted" if decision == "accept" else "rejected"
    if ref[0] in ("R", "H"):
        return [curator.set_status(ref, status, reason)]
    return _decide_proposal(curator, int(ref[1:]), decision, reason)


def _decide_proposal(curator: Curator, event_id: int, decision: str, reason: str | None
                     ) -> list[Outcome]:
    conn = curator.conn
    row = conn.execute("SELECT target_kind, target, property, value FROM decisions"
                       " WHERE event_id = ? AND property LIKE 'proposal:%'",
                       (event_id,)).fetchone()
    value = json.loads(row[3]) if row is not None else None
    if row is None or not value or value.get("status") != OPEN:
        raise NotFoundError(f"no open proposal P{event_id}")
    kind, target, prop = str(row[0]), str(row[1]), str(row[2])
    done: list[Outcome] = []
    if decision == "accept":
        if prop.startswith("proposal:merge:"):
            done.append(curator.merge(target, value["into"], reason, by_key=True))
        else:
            rid = value["relation_id"]
            done.append(curator.set_status(f"R{rid}", "rejected", reason))
    marked = {**value, "status": "accepted" if decision == "accept" else "rejected"}
    done.append(curator.act(Target(kind, target, f"P{event_id}"), decision, {prop: marked},
                             reason, f"P{event_id} {marked['status']}"))
    return done


def propose(conn: sqlite3.Connection, cache: IndexCache, actor_suffix: str = "partnership"
            ) -> int:
    """In partnership mode, the machine's own proposals: merges of concepts whose names mean
    the same, and rejections of facts a negated twin contradicts with more support. Each is a
    machine event, proposed once (a pair decided either way is not proposed again)."""
    if Curation.load(conn).agency.mode != PARTNERSHIP:
        return 0
    rows: list[events.EventRow] = []
    rows += _merge_proposals(conn, cache)
    rows += _contradictions(conn)
    if rows:
        events.append_many(conn, rows)
    return len(rows)


def _proposed_before(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    out = set()
    for target, prop in conn.execute("SELECT target, property FROM decisions WHERE"
                                     " property LIKE 'proposal:merge:%'"):
        other = str(prop).removeprefix("proposal:merge:")
        out |= {(str(target), other), (other, str(target))}
    return out


def _merge_proposals(conn: sqlite3.Connection, cache: IndexCache
                     ) -> list[events.EventRow]:
    embedder = garden_embedder(conn)
    if embedder is None:
        return []
    index = cache.get(conn, "concept")
    if not len(index):
        return []
    concepts = conn.execute(
        f"SELECT c.id, c.key, c.name, {SALIENCE_SQL} AS s FROM concepts c"
        " WHERE c.kind = 'concept' AND c.paper_count >= 2 ORDER BY s DESC LIMIT :n",
        {"papers": max(1, live_paper_count(conn)), "n": MERGE_SOURCES}).fetchall()
    info = {int(r[0]): (str(r[1]), str(r[2]), float(r[3])) for r in concepts}
    seen = _proposed_before(conn)
    out: list[events.EventRow] = []
    for cid, (key, name, salience) in info.items():
        vector = index.vector(cid)
        if vector is None:
            continue
        for other, cosine in index.search(vector, 4):
            if other == cid or cosine < MERGE_COSINE:
                continue
            row = conn.execute(f"SELECT c.key, c.name, {SALIENCE_SQL} FROM concepts c"
                               " WHERE c.id = :id", {"id": other,
                                                     "papers": max(1, live_paper_count(conn))}
                               ).fetchone()
            o_key, o_name, o_salience = str(row[0]), str(row[1]), float(row[2])
            # the less salient goes into the more salient
            src, dst = ((key, name), (o_key, o_name)) if salience < o_salience else \
                ((o_key, o_name), (key, name))
            if (src[0], dst[0]) in seen:
                continue
            seen |= {(src[0], dst[0]), (dst[0], src[0])}
            value = {"status": OPEN, "name": src[1], "into": dst[0], "into_name": dst[1],
                     "score": round(float(np.float32(cosine)), 4)}
            out.append((f"{events.MACHINE}{embedder}", "propose", CONCEPT, src[0],
                        {f"proposal:merge:{dst[0]}": None}, {f"proposal:merge:{dst[0]}": value},
                        f"names mean the same (cosine {cosine:.2f})"))
    return out


def _contradictions(conn: sqlite3.Connection
                    ) -> list[events.EventRow]:
    """Live pairs (A p B) and (A not p B): the one with less support is proposed rejected."""
    decided = {str(r[0]) for r in conn.execute(
        "SELECT target FROM decisions WHERE target_kind = ? AND property IN"
        " ('status', 'proposal:reject')", (RELATION,))}
    out: list[events.EventRow] = []
    for rid, s_key, s, p, o_key, o, negated, n, other, m in conn.execute(
            "SELECT r.id, cs.key, cs.name, r.predicate, co.key, co.name, r.negated,"
            " r.evidence_count, t.id, t.evidence_count FROM relations r"
            " JOIN relations t ON t.subject_id = r.subject_id AND t.object_id = r.object_id"
            " AND t.predicate = r.predicate AND t.negated != r.negated"
            " JOIN concepts cs ON cs.id = r.subject_id JOIN concepts co ON co.id = r.object_id"
            " WHERE r.evidence_count > 0 AND t.evidence_count > 0 AND r.status = 'proposed'"
            " AND (r.evidence_count < t.evidence_count OR (r.evidence_count = t.evidence_count"
            " AND r.negated = 1))"):
        key = RelationKey(s_key, p, o_key, bool(negated))
        if key.target() in decided:
            continue
        label = f"R{rid} {s} {'not ' if negated else ''}{p} {o}"
        value = {"status": OPEN, "relation_id": int(rid), "label": label,
                 "contradicted_by": int(other), "score": round(m / (n + m), 3)}
        out.append((f"{events.MACHINE}partnership", "propose", RELATION, key.target(),
                    {"proposal:reject": None}, {"proposal:reject": value},
                    f"contradicted by R{other} ({m} against {n} sentences)"))
    return out
