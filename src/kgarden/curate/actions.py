"""What a person (or, in its modes, the machine) can do to the garden: accept, reject, relabel,
merge, split, rename, add a fact, retract a paper, note, set the agency mode, undo.

Every act is one event in one transaction with its effect on the facts: if applying it fails,
neither the event nor any change is left behind.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Any

from kgarden.curate import apply, events
from kgarden.curate.agency import machine_accept
from kgarden.curate.keys import (
    CONCEPT,
    FACT,
    GARDEN,
    GARDEN_TARGET,
    HYPOTHESIS,
    PAPER,
    RELATION,
    RelationKey,
    hypothesis_target,
)
from kgarden.curate.state import AGENCY_MODES, Curation, agency
from kgarden.errors import CurationError, NotFoundError, QueryError
from kgarden.extract.keys import concept_key
from kgarden.extract.types import PREDICATES
from kgarden.settings import Settings
from kgarden.store import queries
from kgarden.store.db import transaction

RELATION_STATUSES = ("accepted", "rejected", "proposed")
HYPOTHESIS_STATUSES = ("proposed", "accepted", "rejected", "tested")
_REF = re.compile(r"^(?P<kind>[RrHhPp]?)(?P<id>\d+)$")


@dataclass
class Outcome:
    """What one act did: its event and what changed because of it."""

    event: events.Event
    summary: str
    papers_rederived: int = 0
    relations_changed: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "event": self.event.to_dict()}


@dataclass(frozen=True)
class Target:
    kind: str
    key: str
    label: str  # how to show it to a person
    row_id: int | None = None  # relation or hypothesis id, where there is one


class Curator:
    """Curation acts on one garden, by one actor."""

    def __init__(self, conn: sqlite3.Connection, settings: Settings, actor: str) -> None:
        self.conn = conn
        self.settings = settings
        self.actor = actor

    # -- targets -------------------------------------------------------------------------------
    def relation(self, rid: int) -> Target:
        key = apply.relation_key(self.conn, rid)
        if key is None:
            raise NotFoundError(f"no relation R{rid} in this garden")
        return Target(RELATION, key.target(), _relation_label(self.conn, rid), rid)

    def hypothesis(self, hid: int) -> Target:
        row = self.conn.execute(
            "SELECT ca.key, cb.key, ca.name, cb.name FROM hypotheses h"
            " JOIN concepts ca ON ca.id = h.a_id JOIN concepts cb ON cb.id = h.b_id"
            " WHERE h.id = ?", (hid,)).fetchone()
        if row is None:
            raise NotFoundError(f"no hypothesis H{hid} in this garden")
        return Target(HYPOTHESIS, hypothesis_target(row[0], row[1]),
                      f"H{hid} {row[2]} <-> {row[3]}", hid)

    def concept(self, name: str, *, by_key: bool = False) -> Target:
        """A live concept by name (or written form, acronym; a merged name leads to where it
        went), or exactly by its key (names need not be unique)."""
        if by_key:
            row = self.conn.execute("SELECT id, key, name FROM concepts WHERE key = ? AND"
                                    " paper_count > 0", (name,)).fetchone()
            if row is None:
                raise NotFoundError(f"no concept with key {name!r} in this garden")
            return Target(CONCEPT, str(row[1]), str(row[2]), int(row[0]))
        row = queries.find_concept(self.conn, name)
        return Target(CONCEPT, str(row["key"]), str(row["name"]), int(row["id"]))

    def paper(self, paper_id: str) -> Target:
        row = self.conn.execute("SELECT pk, id, title FROM papers WHERE id = ?",
                                (paper_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no paper {paper_id!r} in this garden")
        return Target(PAPER, str(row[1]), f"{row[1]} {row[2]}", int(row[0]))

    def target(self, ref: str) -> Target:
        """R12 (or 12) a relation, H3 a hypothesis, a paper id, else a concept name."""
        match = _REF.match(ref.strip())
        if match:
            kind, number = match["kind"].upper(), int(match["id"])
            if kind == "H":
                return self.hypothesis(number)
            if kind == "P":
                raise QueryError(f"{ref} is a review proposal: decide it with"
                                 f" `kgarden review decide {ref} accept|reject`")
            return self.relation(number)
        if self.conn.execute("SELECT 1 FROM papers WHERE id = ?", (ref,)).fetchone():
            return self.paper(ref)
        return self.concept(ref)

    # -- the log -------------------------------------------------------------------------------
    def act(self, target: Target, action: str, after: dict[str, Any], reason: str | None,
             summary: str, *, undoes: int | None = None,
             before: dict[str, Any] | None = None) -> Outcome:
        """Record one event setting ``after`` on ``target`` and apply it, in one transaction
        (``before``: the values replaced, read from the decisions unless given)."""
        with transaction(self.conn):
            if before is None:
                current = events.current(self.conn, target.kind, target.key)
                before = {prop: current.get(prop, (None, 0))[0] for prop in after}
            if before == after:
                raise CurationError(f"{target.label}: nothing to change ({summary})")
            event = events.append(self.conn, actor=self.actor, action=action, kind=target.kind,
                                  target=target.key, before=before, after=after, reason=reason,
                                  undoes=undoes)
            outcome = Outcome(event, summary)
            self._materialize(event, outcome)
        return outcome

    def _materialize(self, event: events.Event, outcome: Outcome) -> None:
        conn, settings = self.conn, self.settings
        curation = Curation.load(conn)
        kind, key = event.target_kind, event.target
        for prop, value in event.after.items():
            old = event.before.get(prop)
            if kind == CONCEPT and (prop == "into" or prop.startswith("split:")):
                sides = [v for v in (old, value) if isinstance(v, dict)]
                related = {v["into"] for v in sides if "into" in v}
                if prop != "into":
                    related.add(prop.removeprefix("split:"))
                related |= {curation.final(k) for k in {key, *related}}
                keys = {key, *related}
                if prop == "into":
                    pks = apply.papers_of_concepts(conn, [key], related)
                else:  # only the papers holding the forms or named by the split change
                    pks = apply.papers_of_concepts(
                        conn, [key], related,
                        surfaces={f for v in sides for f in v.get("surfaces", [])},
                        papers={m[0] for v in sides for m in v.get("mentions", [])})
                outcome.relations_changed += len(apply.rederive(conn, settings, pks))
                outcome.papers_rederived += len(pks)
                apply.rebuild_assertions(conn, curation)
                for k in keys:
                    apply.apply_name(conn, curation, k)
            elif kind == CONCEPT and prop == "name":
                apply.apply_name(conn, curation, key)
            elif kind == RELATION and prop == "predicate":
                base = RelationKey.parse(key)
                variants = [base._replace(predicate=p) for p in {base.predicate, old, value}
                            if isinstance(p, str)]
                pks = apply.papers_of_relations(conn, curation, variants)
                outcome.relations_changed += len(apply.rederive(conn, settings, pks))
                outcome.papers_rederived += len(pks)
                apply.rebuild_assertions(conn, curation)
            elif kind == RELATION and prop == "status":
                rid = apply.relation_id(conn, curation.final_relation(RelationKey.parse(key)))
                if rid is not None:
                    outcome.relations_changed += apply.sync_statuses(conn, curation, [rid])
            elif kind == PAPER and prop == "retracted":
                row = conn.execute("SELECT pk, retracted FROM papers WHERE id = ?",
                                   (key,)).fetchone()
                if value and not row[1]:
                    apply.retract(conn, int(row[0]), key)
                elif not value and row[1]:
                    apply.restore(conn, settings, int(row[0]), key)
                outcome.papers_rederived += 1
                apply.rebuild_assertions(conn, curation)
            elif kind == FACT:
                apply.rebuild_assertions(conn, curation)
            elif kind == HYPOTHESIS and prop == "status":
                apply.set_hypothesis_status(conn, key, value or "proposed")
            elif kind == GARDEN and prop == "agency":
                outcome.relations_changed += machine_accept(conn, curation)

    # -- relations -----------------------------------------------------------------------------
    def set_status(self, ref: str, status: str, reason: str | None = None) -> Outcome:
        """Accept or reject (or set back to proposed) a relation or a hypothesis."""
        target = self.target(ref)
        if target.kind == RELATION:
            if status not in RELATION_STATUSES:
                raise QueryError(f"a relation is accepted, rejected or proposed, not {status!r}")
        elif target.kind == HYPOTHESIS:
            if status not in HYPOTHESIS_STATUSES:
                raise QueryError("a hypothesis is " + ", ".join(HYPOTHESIS_STATUSES) +
                                 f", not {status!r}")
        else:
            raise QueryError(f"only relations (R12) and hypotheses (H3) have a status; {ref!r}"
                             f" is a {target.kind}")
        value = None if status == "proposed" else status
        action = {"accepted": "accept", "rejected": "reject"}.get(status, "mark")
        return self.act(target, action, {"status": value}, reason,
                         f"{target.label}: {status}")

    def relabel(self, ref: str, predicate: str, reason: str | None = None, *,
                accept: bool = False) -> Outcome:
        """Give a relation another type; ``accept``: and accept it as relabelled (a review
        "edit")."""
        outcome = self._relabel(ref, predicate, reason)
        if accept:
            key = RelationKey.parse(outcome.event.target)._replace(predicate=predicate)
            rid = apply.relation_id(self.conn, Curation.load(self.conn).final_relation(key))
            if rid is not None:
                accepted = self.set_status(f"R{rid}", "accepted", reason)
                outcome.details["accepted"] = accepted.to_dict()
                outcome.summary += f"; accepted as R{rid}"
        return outcome

    def _relabel(self, ref: str, predicate: str, reason: str | None) -> Outcome:
        target = self.target(ref)
        if target.kind != RELATION:
            raise QueryError(f"only a relation can be relabelled; {ref!r} is a {target.kind}")
        if predicate not in PREDICATES:
            raise QueryError(f"unknown relation type {predicate!r}",
                             hint="one of: " + ", ".join(PREDICATES))
        key = RelationKey.parse(target.key)
        value = None if predicate == key.predicate else predicate
        return self.act(target, "relabel", {"predicate": value}, reason,
                         f"{target.label}: now {predicate}")

    def add_fact(self, subject: str, predicate: str, obj: str, *, note: str | None = None,
                 paper_id: str | None = None, sentence: str | None = None,
                 negated: bool = False, reason: str | None = None) -> Outcome:
        """A fact stated by a person, with a note or a sentence of a paper as its evidence."""
        if predicate not in PREDICATES:
            raise QueryError(f"unknown relation type {predicate!r}",
                             hint="one of: " + ", ".join(PREDICATES))
        if not (note and note.strip()) and not paper_id:
            raise QueryError("a fact needs evidence: --note TEXT, or --paper ID --sentence TEXT")
        s_key, s_name = self._concept_or_new(subject)
        o_key, o_name = self._concept_or_new(obj)
        if s_key == o_key:
            raise CurationError(f"{subject!r} and {obj!r} are the same concept")
        fact: dict[str, Any] = {"kind": "human", "subject": s_key, "subject_name": s_name,
                                "predicate": predicate, "object": o_key, "object_name": o_name,
                                "negated": negated, "note": note.strip() if note else None}
        if paper_id:
            fact.update(self._sentence(paper_id, sentence))
        key = RelationKey(s_key, predicate, o_key, negated)
        target = Target(FACT, key.target(), f"{s_name} {predicate} {o_name}")
        return self.act(target, "add", {"asserted": fact}, reason,
                         f"added: {s_name} {'not ' if negated else ''}{predicate} {o_name}")

    def _concept_or_new(self, name: str) -> tuple[str, str]:
        try:
            row = queries.find_concept(self.conn, name)
            return str(row["key"]), str(row["name"])
        except NotFoundError:
            key = concept_key(name)
            return key, " ".join(name.split())

    def _sentence(self, paper_id: str, text: str | None) -> dict[str, Any]:
        paper = self.paper(paper_id)
        if not text:
            raise QueryError("--paper needs --sentence TEXT: the sentence, or words of it")
        wanted = " ".join(text.split()).casefold()
        found = [r for r in self.conn.execute(
            "SELECT field, start_char, text FROM sentences WHERE paper_pk = ? ORDER BY"
            " field = 'abstract', idx", (paper.row_id,)) if wanted in " ".join(
                str(r[2]).split()).casefold()]
        if not found:
            raise NotFoundError(f"no sentence of {paper_id} holds {text!r}")
        if len(found) > 1:
            raise QueryError(f"{len(found)} sentences of {paper_id} hold {text!r}: give more"
                             " of the sentence")
        return {"paper_id": paper_id, "field": found[0][0], "start": int(found[0][1]),
                "sentence": found[0][2]}

    # -- concepts ------------------------------------------------------------------------------
    def merge(self, name: str, into: str, reason: str | None = None, *,
              by_key: bool = False) -> Outcome:
        """Concept ``name`` becomes part of concept ``into`` (which keeps its name)."""
        source = self.concept(name, by_key=by_key)
        dest = self.concept(into, by_key=by_key)
        if source.key == dest.key:
            raise CurationError(f"{name!r} and {into!r} are already one concept"
                                f" ({source.label!r})")
        if Curation.load(self.conn).final(dest.key) == source.key:
            raise CurationError(f"{dest.label!r} is merged into {source.label!r}: undo that"
                                " merge first")
        return self.act(source, "merge", {"into": {"into": dest.key, "name": dest.label}},
                         reason, f"merged {source.label!r} into {dest.label!r}")

    def split(self, name: str, new_name: str, *, forms: list[str] | None = None,
              papers: list[str] | None = None, reason: str | None = None) -> Outcome:
        """Part of a concept goes to ``new_name`` (a new concept, or one that exists): the
        mentions written in ``forms``, and every mention in ``papers``."""
        source = self.concept(name)
        if not forms and not papers:
            raise QueryError("say what goes: --form WRITTEN_FORM and/or --paper PAPER_ID")
        new_key = concept_key(new_name)
        if not new_key:
            raise QueryError(f"not a concept name: {new_name!r}")
        if new_key == source.key:
            raise CurationError(f"{new_name!r} is {source.label!r} itself: choose another name")
        have = {str(r[0]).casefold() for r in self.conn.execute(
            "SELECT surface FROM concept_surfaces WHERE concept_id = ? AND count > 0 UNION"
            " SELECT surface FROM aliases WHERE concept_id = ?", (source.row_id,) * 2)}
        unknown = [f for f in forms or [] if f.casefold() not in have]
        if unknown:
            raise QueryError(f"{source.label!r} is never written {unknown[0]!r}",
                             hint="its forms: " + ", ".join(sorted(have)[:12]))
        mentions: list[list[Any]] = []
        for pid in papers or []:
            paper = self.paper(pid)
            rows = self.conn.execute(
                "SELECT s.field, m.start_char, m.end_char FROM mentions m"
                " JOIN sentences s ON s.id = m.sentence_id WHERE m.paper_pk = ?"
                " AND m.concept_id = ?", (paper.row_id, source.row_id)).fetchall()
            if not rows:
                raise QueryError(f"{pid} does not mention {source.label!r}")
            mentions += [[pid, f, int(s), int(e)] for f, s, e in rows]
        prop = f"split:{new_key}"
        old = events.current(self.conn, CONCEPT, source.key).get(prop, (None, 0))[0] or {}
        existing = self.conn.execute("SELECT name FROM concepts WHERE key = ? AND"
                                     " paper_count > 0", (new_key,)).fetchone()
        value = {"name": existing[0] if existing else " ".join(new_name.split()),
                 "surfaces": sorted({*old.get("surfaces", []), *(f.casefold() for f in
                                                                 forms or [])}),
                 "mentions": sorted({tuple(m) for m in [*old.get("mentions", []), *mentions]})}
        value["mentions"] = [list(m) for m in value["mentions"]]
        return self.act(source, "split", {prop: value}, reason,
                         f"split {source.label!r}: {len(value['surfaces'])} form(s) and"
                         f" {len(value['mentions'])} mention(s) go to {value['name']!r}")

    def rename(self, name: str, new_name: str, reason: str | None = None) -> Outcome:
        target = self.concept(name)
        clean = " ".join(new_name.split())
        if not clean:
            raise QueryError("the new name is empty")
        return self.act(target, "rename", {"name": clean}, reason,
                         f"renamed {target.label!r} to {clean!r}")

    # -- papers, notes, modes ------------------------------------------------------------------
    def retract(self, paper_id: str, reason: str | None = None, *,
                restore: bool = False) -> Outcome:
        target = self.paper(paper_id)
        return self.act(target, "restore" if restore else "retract",
                         {"retracted": None if restore else True}, reason,
                         f"{'restored' if restore else 'retracted'} {target.label}")

    def note(self, ref: str, text: str) -> Outcome:
        target = self.target(ref)
        if not text.strip():
            raise QueryError("the note is empty")
        prop = f"note:{events.next_event_id(self.conn)}"
        return self.act(target, "note", {prop: text.strip()}, None,
                         f"noted on {target.label}")

    def set_agency(self, mode: str, threshold: float | None = None,
                   reason: str | None = None) -> Outcome:
        if mode not in AGENCY_MODES:
            raise QueryError(f"unknown agency mode {mode!r}", hint="one of: " +
                             ", ".join(AGENCY_MODES))
        level = agency(self.conn).threshold if threshold is None else float(threshold)
        if not 0.0 <= level <= 1.0:
            raise QueryError("the threshold is a confidence between 0 and 1")
        return self.act(Target(GARDEN, GARDEN_TARGET, "garden"), "agency",
                         {"agency": {"mode": mode, "threshold": level}}, reason,
                         f"agency: {mode} (threshold {level:.2f})")

    # -- undo ----------------------------------------------------------------------------------
    def undo(self, event_id: int | None = None) -> Outcome:
        """Revert one event by appending its inverse; without an id, the newest act of a
        person that still holds."""
        event = self._last_undoable() if event_id is None else events.get(self.conn, event_id)
        if not event.after:
            raise CurationError(f"event #{event.id} changed nothing to undo")
        later = events.superseding(self.conn, event)
        if later is not None:
            raise CurationError(f"event #{event.id} was changed since by event #{later}:"
                                f" undo #{later} first")
        target = Target(event.target_kind, event.target, f"event #{event.id} ({event.action})")
        return self.act(target, event.action, dict(event.before), f"undo of #{event.id}",
                         f"undid #{event.id} ({event.action} on {_short(event.target)})",
                         undoes=event.id, before=dict(event.after))

    def _last_undoable(self) -> events.Event:
        for row in self.conn.execute("SELECT id FROM events WHERE actor NOT LIKE ? AND"
                                     " undoes IS NULL ORDER BY id DESC", (f"{events.MACHINE}%",)):
            event = events.get(self.conn, int(row[0]))
            if events.in_effect(self.conn, event):
                return event
        raise CurationError("nothing to undo: no act of a person still holds")


def _short(target: str, width: int = 60) -> str:
    return target if len(target) <= width else target[:width - 1] + "…"


def _relation_label(conn: sqlite3.Connection, rid: int) -> str:
    row = conn.execute(
        "SELECT s.name, r.predicate, o.name, r.negated FROM relations r"
        " JOIN concepts s ON s.id = r.subject_id JOIN concepts o ON o.id = r.object_id"
        " WHERE r.id = ?", (rid,)).fetchone()
    return f"R{rid} {row[0]} {'not ' if row[3] else ''}{row[1]} {row[2]}"
