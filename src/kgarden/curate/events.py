"""The curation log: append-only events and the decisions they set.

An event names one target by its stable key and sets properties of it: ``after`` holds the new
values, ``before`` the values they replaced (None: the machine's default). ``decisions`` holds
the current value of every property and the event that set it; it is derived, and ``replay``
rebuilds it from the events alone. An undo is one more event, setting ``before`` back.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

from kgarden.errors import NotFoundError, QueryError
from kgarden.store.db import now

MACHINE = "machine:"  # the prefix of a machine actor, e.g. machine:rules.v1
# one event for append_many: (actor, action, target kind, target, before, after, reason)
EventRow = tuple[str, str, str, str, dict[str, Any], dict[str, Any], str | None]


def human_actor(name: str | None = None) -> str:
    """``human:<name>``: the given name, else $KGARDEN_ACTOR, else the login name."""
    who = name or os.environ.get("KGARDEN_ACTOR") or _login()
    who = " ".join(who.split())
    if not who or len(who) > 80:
        raise QueryError(f"not an actor name: {name!r}")
    return who if who.startswith(("human:", MACHINE)) else f"human:{who}"


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        return "unknown"


@dataclass
class Event:
    id: int
    at: str
    actor: str
    action: str
    target_kind: str
    target: str
    reason: str | None
    before: dict[str, Any]
    after: dict[str, Any]
    undoes: int | None

    @property
    def by_machine(self) -> bool:
        return self.actor.startswith(MACHINE)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _event(row: sqlite3.Row | tuple[Any, ...]) -> Event:
    (id_, at, actor, action, kind, target, reason, before, after, undoes) = tuple(row)
    return Event(int(id_), at, actor, action, kind, target, reason,
                 json.loads(before or "{}"), json.loads(after or "{}"),
                 None if undoes is None else int(undoes))


_COLUMNS = "id, at, actor, action, target_kind, target, reason, before, after, undoes"


def next_event_id(conn: sqlite3.Connection) -> int:
    """The id the next event will get (the caller holds the write transaction)."""
    return int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM events").fetchone()[0])


def append(conn: sqlite3.Connection, *, actor: str, action: str, kind: str, target: str,
           before: dict[str, Any], after: dict[str, Any], reason: str | None = None,
           undoes: int | None = None) -> Event:
    """Record one event and set the decisions it makes. Runs in the caller's transaction."""
    event_id = next_event_id(conn)
    stamp = now()
    conn.execute(
        f"INSERT INTO events({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (event_id, stamp, actor, action, kind, target, reason,
         json.dumps(before, ensure_ascii=False, sort_keys=True),
         json.dumps(after, ensure_ascii=False, sort_keys=True), undoes))
    _decide(conn, kind, target, after, event_id, actor)
    return Event(event_id, stamp, actor, action, kind, target, reason, before, after, undoes)


def append_many(conn: sqlite3.Connection, rows: list[EventRow]) -> int:
    """Many events at once: (actor, action, kind, target, before, after, reason). Returns how
    many were written (machine decisions during ingest come by the thousand)."""
    first = next_event_id(conn)
    stamp = now()
    conn.executemany(
        f"INSERT INTO events({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        [(first + i, stamp, actor, action, kind, target, reason,
          json.dumps(before, ensure_ascii=False, sort_keys=True),
          json.dumps(after, ensure_ascii=False, sort_keys=True))
         for i, (actor, action, kind, target, before, after, reason) in enumerate(rows)])
    conn.executemany(
        "INSERT INTO decisions(target_kind, target, property, value, event_id, actor)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(target_kind, target, property) DO UPDATE SET"
        " value = excluded.value, event_id = excluded.event_id, actor = excluded.actor",
        [(kind, target, prop, json.dumps(value, ensure_ascii=False, sort_keys=True), first + i,
          actor)
         for i, (actor, _, kind, target, _, after, _) in enumerate(rows)
         for prop, value in after.items()])
    return len(rows)


def _decide(conn: sqlite3.Connection, kind: str, target: str, after: dict[str, Any],
            event_id: int, actor: str) -> None:
    # a value of None stays as a row: it records which event set the property back
    conn.executemany(
        "INSERT INTO decisions(target_kind, target, property, value, event_id, actor)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(target_kind, target, property) DO UPDATE SET"
        " value = excluded.value, event_id = excluded.event_id, actor = excluded.actor",
        [(kind, target, prop, json.dumps(value, ensure_ascii=False, sort_keys=True), event_id,
          actor) for prop, value in after.items()])


def replay(conn: sqlite3.Connection) -> None:
    """Rebuild ``decisions`` from the events alone (they are the truth; decisions a cache)."""
    conn.execute("DELETE FROM decisions")
    for row in conn.execute(f"SELECT {_COLUMNS} FROM events ORDER BY id").fetchall():
        event = _event(row)
        _decide(conn, event.target_kind, event.target, event.after, event.id, event.actor)


def get(conn: sqlite3.Connection, event_id: int) -> Event:
    row = conn.execute(f"SELECT {_COLUMNS} FROM events WHERE id = ?", (event_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no event #{event_id} in this garden's log")
    return _event(row)


def current(conn: sqlite3.Connection, kind: str, target: str
            ) -> dict[str, tuple[Any, int]]:
    """property -> (value, event id that set it) for one target."""
    return {prop: (json.loads(value), int(event_id)) for prop, value, event_id in conn.execute(
        "SELECT property, value, event_id FROM decisions WHERE target_kind = ? AND target = ?",
        (kind, target))}


def in_effect(conn: sqlite3.Connection, event: Event) -> bool:
    """Whether every property the event set holds the value it set (set by it, or set back
    to it by the undo of a later event)."""
    return bool(event.after) and superseding(conn, event) is None


def superseding(conn: sqlite3.Connection, event: Event) -> int | None:
    """The later event that changed one of ``event``'s properties to another value, if any."""
    now_ = current(conn, event.target_kind, event.target)
    later = [now_.get(p, (None, 0))[1] for p, value in event.after.items()
             if now_.get(p, (None, 0))[0] != value]
    return max(later) if later else None


def log(conn: sqlite3.Connection, *, limit: int | None = None, actor: str | None = None,
        kind: str | None = None, target: str | None = None, action: str | None = None
        ) -> list[Event]:
    """Events, newest first, optionally only those of an actor ('human', 'machine' or a full
    actor name), a target kind, a target, an action."""
    where, params = [], []
    if actor in ("human", "machine"):
        where.append("actor LIKE ?")
        params.append(f"{actor}:%")
    elif actor:
        where.append("actor = ?")
        params.append(actor)
    for column, value in (("target_kind", kind), ("target", target), ("action", action)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    sql = f"SELECT {_COLUMNS} FROM events"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC LIMIT ?"
    return [_event(r) for r in conn.execute(sql, [*params, -1 if limit is None else limit])]
