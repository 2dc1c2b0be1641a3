"""The curation state: every current decision, read from the ``decisions`` table, and the
resolution it implies for the writer (which concept a mention belongs to, which type a
relation has, which status it holds).

Decisions are stored under the keys their targets had when the decision was made. A later
merge can move a concept, so keys are resolved here, through the merges, at the time of use:
a relation rejected as (A, uses, X) stays rejected once A is merged into B, as (B, uses, X).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from kgarden.curate.keys import CONCEPT, GARDEN, GARDEN_TARGET, PAPER, RELATION, RelationKey

MAX_CHAIN = 64  # merges followed per key: far more than any real chain, and ends a cycle

# agency modes: how far the machine may decide on its own
DIRECTED = "directed"  # machine output stays proposed until a person accepts it
CONTRIBUTORY = "contributory"  # output above the threshold is accepted, as a machine decision
PARTNERSHIP = "partnership"  # contributory, and the machine proposes merges and rejections
AGENCY_MODES = (DIRECTED, CONTRIBUTORY, PARTNERSHIP)
DEFAULT_THRESHOLD = 0.8  # rules.v1 gives 0.8 to direct statements, 0.6 to inherited ones


@dataclass(frozen=True)
class Split:
    """Part of a concept moved to a concept of its own: by written form or by mention."""

    key: str  # the new concept's key
    name: str
    surfaces: frozenset[str]  # written forms (case-folded) that go
    mentions: frozenset[tuple[str, str, int, int]]  # (paper id, field, start, end) that go


@dataclass(frozen=True)
class Agency:
    mode: str = DIRECTED
    threshold: float = DEFAULT_THRESHOLD

    @classmethod
    def parse(cls, value: Any) -> Agency:
        """From a decision's value; None (never set, or undone): the default."""
        if value is None:
            return cls()
        return cls(str(value["mode"]), float(value.get("threshold", DEFAULT_THRESHOLD)))

    @property
    def machine_accepts(self) -> bool:
        return self.mode in (CONTRIBUTORY, PARTNERSHIP)


@dataclass
class Curation:
    redirects: dict[str, str] = field(default_factory=dict)  # merged key -> key it went into
    splits: dict[str, list[Split]] = field(default_factory=dict)  # concept key -> its splits
    mention_moves: dict[tuple[str, str, int, int], str] = field(default_factory=dict)
    # final keys -> (predicate, event id)
    relabels: dict[RelationKey, tuple[str, int]] = field(default_factory=dict)
    statuses: dict[RelationKey, tuple[str, str]] = field(default_factory=dict)  # (status, actor)
    status_touched: set[RelationKey] = field(default_factory=set)  # decided, then set back
    names: dict[str, str] = field(default_factory=dict)  # concept key -> name a person gave
    retracted: set[str] = field(default_factory=set)  # paper ids
    agency: Agency = field(default_factory=Agency)

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> Curation:
        out = cls()
        relabels: list[tuple[RelationKey, str, int]] = []
        statuses: list[tuple[RelationKey, str, str]] = []
        names: list[tuple[str, str]] = []  # in event order: a merge keeps its target's name
        undone: list[RelationKey] = []
        for kind, target, prop, raw, actor, event_id in conn.execute(
                "SELECT target_kind, target, property, value, actor, event_id FROM decisions"
                " ORDER BY event_id"):
            value = json.loads(raw)
            if value is None:  # set back to the machine's default (an undo)
                if kind == RELATION and prop == "status":
                    undone.append(RelationKey.parse(target))
                continue
            if kind == CONCEPT and prop == "into":
                out.redirects[target] = str(value["into"])
                names.append((str(value["into"]), str(value["name"])))
            elif kind == CONCEPT and prop.startswith("split:"):
                split = Split(prop.removeprefix("split:"), str(value["name"]),
                              frozenset(s.casefold() for s in value.get("surfaces", [])),
                              frozenset(tuple(m) for m in value.get("mentions", [])))
                out.splits.setdefault(target, []).append(split)
                for mention in split.mentions:
                    out.mention_moves[mention] = split.key
                names.append((split.key, split.name))
            elif kind == CONCEPT and prop == "name":
                names.append((target, str(value)))
            elif kind == RELATION and prop == "predicate":
                relabels.append((RelationKey.parse(target), str(value), int(event_id)))
            elif kind == RELATION and prop == "status":
                statuses.append((RelationKey.parse(target), str(value), str(actor)))
            elif kind == PAPER and prop == "retracted" and value:
                out.retracted.add(target)
            elif kind == GARDEN and target == GARDEN_TARGET and prop == "agency":
                out.agency = Agency.parse(value)
        for concept, name in names:
            out.names[out.final(concept)] = name
        # in event order: where a merge made two decided relations one, the later decision wins
        for key, predicate, event_id in relabels:
            out.relabels[out.final_relation(key)] = (predicate, event_id)
        for key, status, actor in statuses:
            out.statuses[out.final_relation(key)] = (status, actor)
        out.status_touched = {out.final_relation(key) for key in undone}
        return out

    def status_decided(self, key: RelationKey) -> bool:
        """Whether anyone ever decided this relation's status (the machine then stays out)."""
        return key in self.statuses or key in self.status_touched

    @property
    def moves_concepts(self) -> bool:
        """Whether any decision puts a mention elsewhere than the extractor did."""
        return bool(self.redirects or self.splits)

    def final(self, key: str) -> str:
        """The key a concept ends up under after merges."""
        for _ in range(MAX_CHAIN):
            nxt = self.redirects.get(key)
            if nxt is None:
                return key
            key = nxt
        return key

    def resolve(self, key: str, surface: str, mention: tuple[str, str, int, int]) -> str:
        """The concept a mention belongs to: moved by a split, else through merges, and a
        merged concept's splits apply to what arrives in it."""
        key = self.mention_moves.get(mention, key)
        folded = surface.casefold()
        for _ in range(MAX_CHAIN):
            nxt = self.redirects.get(key)
            if nxt is None:
                nxt = next((s.key for s in self.splits.get(key, ())
                            if folded in s.surfaces and s.key != key), None)
            if nxt is None:
                return key
            key = nxt
        return key

    def final_relation(self, key: RelationKey) -> RelationKey:
        return RelationKey(self.final(key.subject), key.predicate, self.final(key.object),
                           key.negated)

    def predicate(self, key: RelationKey) -> str:
        """The type a relation (under final keys) has after relabelling. Relabels chain
        (uses -> improves -> outperforms); where they come back round (a relation relabelled,
        then the result relabelled back), the latest relabel in the round decides."""
        seen: list[tuple[str, int]] = []
        predicate = key.predicate
        for _ in range(MAX_CHAIN):
            step = self.relabels.get(key._replace(predicate=predicate))
            if step is None:
                return predicate
            if step in seen:
                return max(seen, key=lambda s: s[1])[0]
            seen.append(step)
            predicate = step[0]
        return predicate


def decision(conn: sqlite3.Connection, kind: str, target: str, prop: str) -> Any:
    """The current value of one decided property, or None."""
    row = conn.execute("SELECT value FROM decisions WHERE target_kind = ? AND target = ?"
                       " AND property = ?", (kind, target, prop)).fetchone()
    return None if row is None else json.loads(row[0])


def agency(conn: sqlite3.Connection) -> Agency:
    return Agency.parse(decision(conn, GARDEN, GARDEN_TARGET, "agency"))
