"""Applying decisions to the fact tables.

Decisions that move mentions or evidence (merge, split, relabel, retract, and their undos)
derive the facts of the papers they touch again: each paper's facts are taken out with the
writer's exact bookkeeping and written again from its extraction record, through the current
decisions. Decisions on statuses and names are set on the rows directly. What a person or a
model asserted (``assertions``) is few rows, rebuilt whole after any decision.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kgarden.curate import records
from kgarden.curate.keys import FACT, HYPOTHESIS, RelationKey
from kgarden.curate.state import Curation
from kgarden.embed.vectors import bump_vectors_version
from kgarden.extract.rules import PaperText
from kgarden.settings import Settings
from kgarden.store.db import chunks, now
from kgarden.store.writer import GardenWriter

PROPOSED, ACCEPTED, REJECTED = "proposed", "accepted", "rejected"


@dataclass(frozen=True)
class _Texts:
    id: str
    title: str
    abstract: str


def rows_in(conn: sqlite3.Connection, sql: str, ids: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (holding one ``{marks}``) for ``ids``, in chunks."""
    out: list[tuple[Any, ...]] = []
    for part in chunks(list(ids)):
        out += conn.execute(sql.format(marks=",".join("?" * len(part))), list(part)).fetchall()
    return out


def concept_ids(conn: sqlite3.Connection, keys: Iterable[str]) -> dict[str, int]:
    return {str(k): int(i) for k, i in rows_in(conn, "SELECT key, id FROM concepts WHERE key IN"
                                                  " ({marks})", sorted(set(keys)))}


def papers_of_concepts(conn: sqlite3.Connection, moved: Iterable[str],
                       related: Iterable[str] = (), *, surfaces: Collection[str] | None = None,
                       papers: Collection[str] = ()) -> set[int]:
    """Papers whose facts a decision on concepts can change: those that mention the ``moved``
    concepts (only as one of ``surfaces``, or in ``papers``, when a split says which), and
    those with mentions a decision already moved out of or into them or the ``related`` ones
    (a merge's target: its own mentions stay where they are)."""
    ids = list(concept_ids(conn, moved).values())
    pks: set[int] = set()
    if surfaces is None and ids:
        pks |= {int(r[0]) for r in rows_in(conn, "SELECT DISTINCT paper_pk FROM mentions"
                                           " WHERE concept_id IN ({marks})", ids)}
    elif ids and surfaces is not None:
        folded = {s.casefold() for s in surfaces}
        pks |= {int(pk) for pk, surface in rows_in(
            conn, "SELECT DISTINCT paper_pk, surface FROM mentions WHERE concept_id IN"
                  " ({marks})", ids) if str(surface).casefold() in folded}
        pks |= {int(r[0]) for r in rows_in(conn, "SELECT pk FROM papers WHERE id IN ({marks})",
                                           sorted(papers))}
    # the partial index mentions_curated holds only the mentions that decisions moved
    wanted = set(ids) | set(concept_ids(conn, related).values())
    pks |= {int(pk) for pk, extracted, concept in conn.execute(
        "SELECT paper_pk, extracted_id, concept_id FROM mentions"
        " WHERE extracted_id != concept_id") if extracted in wanted or concept in wanted}
    return pks


def papers_of_relations(conn: sqlite3.Connection, curation: Curation,
                        keys: Iterable[RelationKey]) -> set[int]:
    """Papers with evidence on these relations (keys resolved through merges)."""
    pks: set[int] = set()
    for key in keys:
        rid = relation_id(conn, curation.final_relation(key))
        if rid is not None:
            pks |= {int(r[0]) for r in conn.execute(
                "SELECT DISTINCT paper_pk FROM evidence WHERE relation_id = ?", (rid,))}
    return pks


def relation_id(conn: sqlite3.Connection, key: RelationKey) -> int | None:
    row = conn.execute(
        "SELECT r.id FROM relations r JOIN concepts s ON s.id = r.subject_id"
        " JOIN concepts o ON o.id = r.object_id WHERE s.key = ? AND r.predicate = ?"
        " AND o.key = ? AND r.negated = ?",
        (key.subject, key.predicate, key.object, int(key.negated))).fetchone()
    return None if row is None else int(row[0])


def relation_key(conn: sqlite3.Connection, rid: int) -> RelationKey | None:
    row = conn.execute(
        "SELECT s.key, r.predicate, o.key, r.negated FROM relations r"
        " JOIN concepts s ON s.id = r.subject_id JOIN concepts o ON o.id = r.object_id"
        " WHERE r.id = ?", (rid,)).fetchone()
    return None if row is None else RelationKey(row[0], row[1], row[2], bool(row[3]))


def rederive(conn: sqlite3.Connection, settings: Settings, pks: Iterable[int]) -> set[int]:
    """Derive the facts of these papers again through the current decisions; returns the
    relations whose evidence changed. Papers without a record (a garden from before records
    were kept) are extracted again now."""
    wanted = sorted(set(pks))
    if not wanted:
        return set()
    writer = GardenWriter(conn)
    texts: dict[str, _Texts] = {}
    pk_of: dict[str, int] = {}
    for pk, pid, title, abstract in rows_in(
            conn, "SELECT pk, id, title, abstract FROM papers WHERE pk IN ({marks})", wanted):
        texts[pid] = _Texts(pid, title, abstract)
        pk_of[pid] = int(pk)
    stored = records.load(conn, wanted)
    missing = [pid for pid, pk in pk_of.items() if pk not in stored]
    touched = set(writer.remove_facts(wanted, prune=False))
    writer.write_facts([ex for _, ex in stored.values()], pk_of, texts,
                       {ex.paper_id: run for run, ex in stored.values()}, save_records=False)
    if missing:
        _extract_again(conn, writer, settings, [texts[p] for p in missing], pk_of)
    # relations left without evidence are kept (hidden: views need evidence or an assertion),
    # so undoing the act gives the evidence back to the same rows, ids and all
    touched |= {int(r[0]) for r in rows_in(
        conn, "SELECT DISTINCT relation_id FROM evidence WHERE paper_pk IN ({marks})", wanted)}
    sync_statuses(conn, writer.curation, touched)
    bump_vectors_version(conn)  # concepts moved: cached concept indexes must reload
    return touched


def _extract_again(conn: sqlite3.Connection, writer: GardenWriter, settings: Settings,
                   papers: Sequence[_Texts], pk_of: dict[str, int]) -> None:
    from kgarden.pipeline.executors import ExtractionFailure, extract_chunk, make_extractor
    from kgarden.registry import registry

    component = registry.get("extractor", settings.extractor)
    stamp = component.factory.describe(settings.spacy_model)  # type: ignore[attr-defined]
    run_id = writer.start_run(stamp)
    hashes = dict(rows_in(conn, "SELECT id, content_hash FROM papers WHERE id IN ({marks})",
                      [p.id for p in papers]))
    results = extract_chunk(make_extractor(component.name, settings.spacy_model),
                            [PaperText(p.id, p.title, p.abstract, hashes[p.id]) for p in papers])
    good = [r for r in results if not isinstance(r, ExtractionFailure)]
    writer.write_facts(good, pk_of, {p.id: p for p in papers}, run_id)
    for failure in (r for r in results if isinstance(r, ExtractionFailure)):
        writer.record_error(pk_of[failure.paper_id], run_id, failure.message)
    writer.finish_run(run_id, len(good))


def default_status(has_human_assertion: bool) -> str:
    return ACCEPTED if has_human_assertion else PROPOSED


def sync_statuses(conn: sqlite3.Connection, curation: Curation,
                  relation_ids: Iterable[int] | None = None) -> int:
    """Set each relation's status from the decisions (a person's assertion accepts; else
    proposed); None: every relation. Returns how many changed."""
    sql = ("SELECT r.id, s.key, r.predicate, o.key, r.negated, r.status,"
           " EXISTS (SELECT 1 FROM assertions a WHERE a.relation_id = r.id AND a.kind = 'human')"
           " FROM relations r JOIN concepts s ON s.id = r.subject_id"
           " JOIN concepts o ON o.id = r.object_id")
    rows = (conn.execute(sql).fetchall() if relation_ids is None
            else rows_in(conn, sql + " WHERE r.id IN ({marks})", sorted(set(relation_ids))))
    updates = []
    for rid, s, p, o, negated, status, human in rows:
        decided = curation.statuses.get(RelationKey(s, p, o, bool(negated)))
        wanted = decided[0] if decided is not None else default_status(bool(human))
        if wanted != status:
            updates.append((wanted, rid))
    conn.executemany("UPDATE relations SET status = ? WHERE id = ?", updates)
    return len(updates)


def apply_name(conn: sqlite3.Connection, curation: Curation, key: str) -> None:
    """A concept's name: the one a person gave, else the one its usage gives."""
    row = conn.execute("SELECT id FROM concepts WHERE key = ?", (curation.final(key),)).fetchone()
    if row is None:
        return
    name = curation.names.get(curation.final(key))
    if name is not None:
        conn.execute("UPDATE concepts SET name = ? WHERE id = ?", (name, int(row[0])))
    else:
        writer = GardenWriter(conn)
        writer._curation = curation
        writer._rename([int(row[0])])
    bump_vectors_version(conn)  # a concept's vector is current only under its name


def retract(conn: sqlite3.Connection, pk: int, paper_id: str) -> None:
    """The paper and every fact only it supported leave every view; facts with other support
    lose its evidence; hypotheses resting on it are flagged."""
    writer = GardenWriter(conn)
    touched = writer.remove_facts([pk], prune=False)  # kept for a restore, as in rederive
    conn.execute("UPDATE papers SET retracted = 1 WHERE pk = ?", (pk,))
    sync_statuses(conn, writer.curation, touched)
    flag = {"paper_id": paper_id, "reason": "retracted"}
    for hid, flags in conn.execute(
            "SELECT id, flags FROM hypotheses WHERE instr(paths, ?) > 0",
            (json.dumps(paper_id),)).fetchall():
        current = json.loads(flags)
        if flag not in current:
            conn.execute("UPDATE hypotheses SET flags = ? WHERE id = ?",
                         (json.dumps([*current, flag]), hid))
    bump_vectors_version(conn)


def restore(conn: sqlite3.Connection, settings: Settings, pk: int, paper_id: str) -> None:
    """Undo a retraction: the paper's facts come back from its record."""
    conn.execute("UPDATE papers SET retracted = 0 WHERE pk = ?", (pk,))
    rederive(conn, settings, [pk])
    for hid, flags in conn.execute("SELECT id, flags FROM hypotheses WHERE flags != '[]'"
                                   ).fetchall():
        kept = [f for f in json.loads(flags) if f.get("paper_id") != paper_id]
        conn.execute("UPDATE hypotheses SET flags = ? WHERE id = ?", (json.dumps(kept), hid))


def rebuild_assertions(conn: sqlite3.Connection, curation: Curation) -> None:
    """What people and models asserted, as relations with their support (few rows: rebuilt
    whole, so merges and relabels reach them like everything else)."""
    before = {int(r[0]) for r in conn.execute("SELECT DISTINCT relation_id FROM assertions")}
    conn.execute("DELETE FROM assertions")
    writer = GardenWriter(conn)
    writer._curation = curation
    after: set[int] = set()
    for target, raw, event_id, actor in conn.execute(
            "SELECT target, value, event_id, actor FROM decisions WHERE target_kind = ?"
            " AND property = 'asserted' ORDER BY event_id", (FACT,)).fetchall():
        fact = json.loads(raw)
        if fact is None:
            continue
        after.add(_assert(conn, writer, curation, target, fact, int(event_id), str(actor)))
    writer.prune_relations(sorted(before - after))  # held by nothing now: gone
    sync_statuses(conn, curation, before | after)


def _assert(conn: sqlite3.Connection, writer: GardenWriter, curation: Curation, target: str,
            fact: dict[str, Any], event_id: int, actor: str) -> int:
    subject = curation.final(fact["subject"])
    obj = curation.final(fact["object"])
    ids = writer._concept_ids([subject, obj], {subject: fact["subject_name"],
                                               obj: fact["object_name"]})
    key = RelationKey(subject, fact["predicate"], obj, bool(fact.get("negated", False)))
    predicate = curation.predicate(key)
    origin = "human" if fact["kind"] == "human" else "harvested"
    row = conn.execute(
        "INSERT INTO relations(subject_id, predicate, object_id, negated, origin, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(subject_id, predicate, object_id, negated)"
        " DO UPDATE SET negated = excluded.negated RETURNING id",
        (ids[subject], predicate, ids[obj], int(key.negated), origin, now())).fetchone()
    rid = int(row[0])
    paper_pk = None
    if fact.get("paper_id"):
        found = conn.execute("SELECT pk FROM papers WHERE id = ? AND retracted = 0",
                             (fact["paper_id"],)).fetchone()
        if found is not None:  # else the paper was retracted: the person's word remains
            paper_pk = int(found[0])
    conn.execute(
        "INSERT INTO assertions(relation_id, kind, fact, actor, note, paper_pk, field,"
        " start_char, model, prompt_id, score, event_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (rid, fact["kind"], target, actor, fact.get("note"), paper_pk,
         fact.get("field") if paper_pk else None, fact.get("start") if paper_pk else None,
         fact.get("model"), fact.get("prompt_id"), fact.get("score"), event_id))
    return rid


def rebuild(conn: sqlite3.Connection, settings: Settings) -> None:
    """Everything curation derives, derived again from the events and the extraction records
    alone: the decisions, every paper's facts, statuses, names, assertions. A garden kept up
    to date act by act must come out of this unchanged (tests check it)."""
    from kgarden.curate import events

    events.replay(conn)
    curation = Curation.load(conn)
    for pid, pk, retracted in conn.execute("SELECT id, pk, retracted FROM papers").fetchall():
        should = pid in curation.retracted
        if should and not retracted:
            retract(conn, int(pk), pid)
        elif retracted and not should:
            conn.execute("UPDATE papers SET retracted = 0 WHERE pk = ?", (pk,))
    pks = [int(r[0]) for r in conn.execute("SELECT pk FROM papers WHERE retracted = 0 AND"
                                           " extracted_hash IS NOT NULL")]
    for part in chunks(pks):
        rederive(conn, settings, part)
    rebuild_assertions(conn, curation)
    sync_statuses(conn, curation)
    for key in curation.names:
        apply_name(conn, curation, key)
    for target, raw in conn.execute("SELECT target, value FROM decisions WHERE target_kind = ?"
                                    " AND property = 'status'", (HYPOTHESIS,)).fetchall():
        set_hypothesis_status(conn, target, json.loads(raw) or "proposed")


def set_hypothesis_status(conn: sqlite3.Connection, target: str, status: str) -> None:
    a_key, b_key = json.loads(target)
    ids = concept_ids(conn, [a_key, b_key])
    if a_key in ids and b_key in ids:
        a, b = sorted([ids[a_key], ids[b_key]])
        conn.execute("UPDATE hypotheses SET status = ?, updated_at = ? WHERE a_id = ? AND"
                     " b_id = ? AND status != ?", (status, now(), a, b, status))
