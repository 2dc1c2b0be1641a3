"""Reading the garden: plain records for papers, concepts, relations and their evidence.

Views hide what is not live: retracted papers, concepts no live paper mentions, relations with
no evidence left. Everything a view returns can be traced to a paper and a sentence.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Any

from kgarden.errors import NotFoundError, QueryError
from kgarden.extract.keys import concept_key, key_variants
from kgarden.extract.types import PREDICATES
from kgarden.store.db import chunks

# Concepts rank by salience: papers mentioning them, times specificity (everyday single words
# such as "development" or "aspects" score low), favouring multi-word terms, which name
# specific ideas, and discounted for being in nearly every paper.
SALIENCE_SQL = (
    "(c.paper_count * c.specificity * (CASE WHEN c.words > 1 THEN 1.5 ELSE 1.0 END)"
    " * (1.0 - 0.5 * c.paper_count * 1.0 / :papers))"
)


@dataclass
class PaperRecord:
    id: str
    title: str
    abstract: str
    authors: list[str]
    date: str | None
    source: str
    venue: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    url: str | None = None
    origin: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ConceptRecord:
    id: int
    name: str
    aliases: list[str]
    papers: int
    mentions: int
    salience: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Evidence:
    paper_id: str
    title: str
    sentence: str
    start: int  # offsets of the sentence in the paper's abstract
    end: int
    sentence_id: int
    trigger: str
    hedged: bool
    confidence: float
    extractor: str
    subject_span: tuple[int, int] | None  # offsets in the abstract; None: the paper itself
    object_span: tuple[int, int]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Assertion:
    """Support for a relation that is not an extracted sentence: a person said so (with a note
    or a sentence they chose), or a model answered so (harvest)."""

    kind: str  # 'human' or 'model'
    actor: str
    note: str | None
    paper_id: str | None
    title: str | None
    sentence: str | None
    model: str | None
    prompt_id: str | None
    score: float | None
    event_id: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RelationRecord:
    id: int
    subject_id: int
    object_id: int
    subject: str
    predicate: str
    object: str
    status: str
    negated: bool
    hedged: bool  # every piece of evidence hedges it
    confidence: float  # of its best evidence
    subject_kind: str
    evidence: list[Evidence]
    assertions: list[Assertion] = field(default_factory=list)
    origin: str = "extracted"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CooccurrenceRecord:
    a: str
    b: str
    sentences: int
    papers: int
    pmi: float
    npmi: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ConceptDetail:
    concept: ConceptRecord
    papers: list[PaperRecord]
    relations: list[RelationRecord]
    cooccurring: list[CooccurrenceRecord]
    matched: str | None = None  # set when a fuzzy lookup chose this concept

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.concept.to_dict(),
            "matched": self.matched,
            "paper_list": [{"id": p.id, "title": p.title, "date": p.date} for p in self.papers],
            "relations": [r.to_dict() for r in self.relations],
            "cooccurring": [c.to_dict() for c in self.cooccurring],
        }


def _paper(row: sqlite3.Row) -> PaperRecord:
    return PaperRecord(
        id=row["id"], title=row["title"], abstract=row["abstract"],
        authors=json.loads(row["authors"]), date=row["date"], source=row["source"],
        venue=row["venue"], doi=row["doi"], arxiv_id=row["arxiv_id"], url=row["url"],
        origin=row["origin"], extra=json.loads(row["extra"]),
    )


def live_paper_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM papers WHERE retracted = 0").fetchone()[0])


def list_papers(
    conn: sqlite3.Connection, limit: int | None = None, offset: int = 0
) -> list[PaperRecord]:
    rows = conn.execute(
        "SELECT * FROM papers WHERE retracted = 0 ORDER BY pk LIMIT ? OFFSET ?",
        (-1 if limit is None else limit, offset),
    )
    return [_paper(r) for r in rows]


def _aliases(conn: sqlite3.Connection, concept_id: int, name: str, limit: int = 8) -> list[str]:
    seen = {name.casefold()}
    out: list[str] = []
    rows = conn.execute(
        "SELECT surface FROM concept_surfaces WHERE concept_id = ? AND count > 0"
        " GROUP BY surface ORDER BY sum(count) DESC, surface",
        (concept_id,),
    ).fetchall()
    rows += conn.execute(
        "SELECT surface FROM aliases WHERE concept_id = ? GROUP BY surface"
        " ORDER BY count(*) DESC, surface", (concept_id,),
    ).fetchall()
    for (surface,) in rows:
        if surface.casefold() not in seen:
            seen.add(surface.casefold())
            out.append(surface)
        if len(out) >= limit:
            break
    return out


def _concept(conn: sqlite3.Connection, row: sqlite3.Row) -> ConceptRecord:
    return ConceptRecord(
        id=row["id"], name=row["name"], aliases=_aliases(conn, row["id"], row["name"]),
        papers=row["paper_count"], mentions=row["mention_count"],
        salience=round(float(row["salience"]), 3),
    )


def top_concepts(conn: sqlite3.Connection, top: int | None = 20) -> list[ConceptRecord]:
    rows = conn.execute(
        f"SELECT c.*, {SALIENCE_SQL} AS salience FROM concepts c"
        " WHERE c.kind = 'concept' AND c.paper_count > 0"
        " ORDER BY salience DESC, c.mention_count DESC, c.name LIMIT :limit",
        {"papers": max(1, live_paper_count(conn)), "limit": -1 if top is None else top},
    ).fetchall()
    return [_concept(conn, r) for r in rows]


def find_concept(conn: sqlite3.Connection, name: str) -> sqlite3.Row:
    """A concept by name, written form, acronym or key; else NotFoundError with suggestions."""
    key = concept_key(name)
    if not key:
        raise QueryError(f"not a concept name: {name!r}")
    papers = max(1, live_paper_count(conn))
    select = f"SELECT c.*, {SALIENCE_SQL} AS salience FROM concepts c"
    candidates = key_variants(key)
    for k in candidates:
        row = conn.execute(f"{select} WHERE c.key = :key AND c.kind = 'concept'",
                           {"key": k, "papers": papers}).fetchone()
        if row is not None and row["paper_count"] > 0:
            return row  # type: ignore[no-any-return]
    merged = _merged_into(conn, candidates)
    if merged is not None:
        row = conn.execute(f"{select} WHERE c.key = :key", {"key": merged, "papers": papers}
                           ).fetchone()
        if row is not None and row["paper_count"] > 0:
            return row  # type: ignore[no-any-return]
    row = conn.execute(
        f"{select} JOIN aliases a ON a.concept_id = c.id WHERE a.alias IN (:k1, :k2)"
        " AND c.paper_count > 0 GROUP BY c.id ORDER BY count(*) DESC LIMIT 1",
        {"k1": candidates[0], "k2": candidates[-1], "papers": papers},
    ).fetchone()
    if row is not None:
        return row  # type: ignore[no-any-return]
    raise NotFoundError(f"no concept {name!r} in this garden", suggestions=suggest(conn, name))


def _merged_into(conn: sqlite3.Connection, keys: list[str]) -> str | None:
    """The concept a person merged one of these keys into (following later merges)."""
    found = None
    for key in keys:
        for _ in range(64):
            row = conn.execute("SELECT value FROM decisions WHERE target_kind = 'concept'"
                               " AND target = ? AND property = 'into'", (key,)).fetchone()
            into = json.loads(row[0]) if row is not None else None
            if not into:
                break
            key = found = str(into["into"])
        if found is not None:
            return found
    return None


def suggest(conn: sqlite3.Connection, name: str, limit: int = 5) -> list[str]:
    """Concepts whose names share words with ``name``, most used first."""
    words = [w for w in name.casefold().replace("-", " ").split() if len(w) > 2]
    if not words:
        return []
    clauses = " OR ".join("lower(name) LIKE ?" for _ in words)
    rows = conn.execute(
        f"SELECT name FROM concepts WHERE kind = 'concept' AND paper_count > 0 AND ({clauses})"
        " ORDER BY paper_count DESC LIMIT ?",
        [f"%{w}%" for w in words] + [limit],
    ).fetchall()
    return [r[0] for r in rows]


def _evidence(conn: sqlite3.Connection, relation_ids: list[int], per_relation: int | None
              ) -> dict[int, list[Evidence]]:
    out: dict[int, list[Evidence]] = {rid: [] for rid in relation_ids}
    if not relation_ids:
        return out
    marks = ",".join("?" * len(relation_ids))
    rows = conn.execute(
        f"SELECT e.relation_id, e.trigger, e.hedged, e.confidence, p.id AS paper_id, p.title,"
        f" e.subject_start, e.subject_end, e.object_start, e.object_end,"
        f" s.id AS sentence_id, s.text, s.start_char, s.end_char, r.component"
        f" FROM evidence e JOIN papers p ON p.pk = e.paper_pk AND p.retracted = 0"
        f" JOIN sentences s ON s.id = e.sentence_id"
        f" JOIN extraction_runs r ON r.id = e.run_id"
        f" WHERE e.relation_id IN ({marks}) ORDER BY e.relation_id, e.confidence DESC, e.id",
        relation_ids,
    )
    for row in rows:
        bucket = out[row["relation_id"]]
        if per_relation is None or len(bucket) < per_relation:
            bucket.append(Evidence(
                paper_id=row["paper_id"], title=row["title"], sentence=row["text"],
                start=row["start_char"], end=row["end_char"], sentence_id=row["sentence_id"],
                trigger=row["trigger"], hedged=bool(row["hedged"]),
                confidence=row["confidence"], extractor=row["component"],
                subject_span=(None if row["subject_start"] is None
                              else (row["subject_start"], row["subject_end"])),
                object_span=(row["object_start"], row["object_end"]),
            ))
    return out


def _assertions(conn: sqlite3.Connection, relation_ids: list[int]) -> dict[int, list[Assertion]]:
    out: dict[int, list[Assertion]] = {rid: [] for rid in relation_ids}
    for ids in chunks(relation_ids):
        for row in conn.execute(
            f"SELECT a.relation_id, a.kind, a.actor, a.note, p.id, p.title, s.text, a.model,"
            f" a.prompt_id, a.score, a.event_id FROM assertions a"
            f" LEFT JOIN papers p ON p.pk = a.paper_pk AND p.retracted = 0"
            f" LEFT JOIN sentences s ON s.paper_pk = a.paper_pk AND s.field = a.field"
            f" AND s.start_char = a.start_char"
            f" WHERE a.relation_id IN ({','.join('?' * len(ids))})"
            f" ORDER BY a.event_id", list(ids),
        ):
            out[row[0]].append(Assertion(*row[1:]))
    return out


STATUSES = ("proposed", "accepted", "rejected")


def list_relations(
    conn: sqlite3.Connection,
    *,
    predicate: str | None = None,
    status: str | None = None,
    concept_id: int | None = None,
    relation_id: int | None = None,
    limit: int | None = None,
    include_paper_subjects: bool = True,
    evidence_per_relation: int | None = None,
) -> list[RelationRecord]:
    """Live relations (with evidence from a live paper, or an assertion), best supported first.
    ``status``: only that one; by default every status but rejected."""
    if predicate is not None and predicate not in PREDICATES and not conn.execute(
            "SELECT 1 FROM relations WHERE predicate = ? LIMIT 1", (predicate,)).fetchone():
        raise QueryError(f"unknown relation type {predicate!r}",
                         hint="one of: " + ", ".join(PREDICATES))
    if status is not None and status not in STATUSES:
        raise QueryError(f"unknown status {status!r}", hint="one of: " + ", ".join(STATUSES))
    where = ["(r.evidence_count > 0 OR EXISTS (SELECT 1 FROM assertions a"
             " WHERE a.relation_id = r.id))",
             "r.status = ?" if status is not None else "r.status != 'rejected'"]
    params: list[Any] = [status] if status is not None else []
    if predicate is not None:
        where.append("r.predicate = ?")
        params.append(predicate)
    if concept_id is not None:
        where.append("(r.subject_id = ? OR r.object_id = ?)")
        params += [concept_id, concept_id]
    if relation_id is not None:
        where.append("r.id = ?")
        params.append(relation_id)
    if not include_paper_subjects:
        where.append("s.kind = 'concept'")
    rows = conn.execute(
        "SELECT r.id, r.subject_id, r.object_id, r.predicate, r.status, r.negated, r.origin,"
        " s.name AS subject, s.kind AS subject_kind,"
        " o.name AS object FROM relations r JOIN concepts s ON s.id = r.subject_id"
        " JOIN concepts o ON o.id = r.object_id WHERE " + " AND ".join(where) +
        " ORDER BY r.evidence_count DESC,"
        " (SELECT max(confidence) FROM evidence e WHERE e.relation_id = r.id) DESC, r.id LIMIT ?",
        [*params, -1 if limit is None else limit],
    ).fetchall()
    ids = [r["id"] for r in rows]
    evidence = _evidence(conn, ids, evidence_per_relation)
    asserted = _assertions(conn, ids)
    out = []
    for r in rows:
        ev, said = evidence[r["id"]], asserted[r["id"]]
        if not ev and not said:  # all of its evidence came from retracted papers
            continue
        out.append(RelationRecord(
            id=r["id"], subject_id=r["subject_id"], object_id=r["object_id"],
            subject=r["subject"], predicate=r["predicate"], object=r["object"],
            status=r["status"], negated=bool(r["negated"]),
            hedged=bool(ev) and all(e.hedged for e in ev),
            confidence=max([e.confidence for e in ev] + [a.score or 0.0 for a in said
                                                         if a.kind == "model"]
                           + [1.0 for a in said if a.kind == "human"]),
            subject_kind=r["subject_kind"], evidence=ev, assertions=said, origin=r["origin"],
        ))
    return out


def pmi(n_ab: int, n_a: int, n_b: int, total: int) -> tuple[float, float]:
    """(PMI, normalised PMI) of two concepts over ``total`` sentences."""
    value = math.log(n_ab * total / max(1, n_a * n_b))
    p_ab = n_ab / total
    return value, (value / -math.log(p_ab) if p_ab < 1 else 1.0)


def cooccurring(conn: sqlite3.Connection, concept_id: int | None = None, *, min_sentences: int = 1,
                limit: int | None = 20) -> list[CooccurrenceRecord]:
    """Co-occurrence edges with PMI = log(n_ab * N / (n_a * n_b)) over sentences."""
    total = int(conn.execute("SELECT count(*) FROM sentences").fetchone()[0]) or 1
    where = "x.sentences >= ?"
    params: list[Any] = [min_sentences]
    if concept_id is not None:
        where += " AND (x.a = ? OR x.b = ?)"
        params += [concept_id, concept_id]
    rows = conn.execute(
        "SELECT ca.name AS a, cb.name AS b, x.sentences, x.papers, ca.sentence_count AS na,"
        " cb.sentence_count AS nb FROM cooccurrences x JOIN concepts ca ON ca.id = x.a"
        f" JOIN concepts cb ON cb.id = x.b WHERE {where}", params,
    ).fetchall()
    out = []
    for r in rows:
        value, normalised = pmi(r["sentences"], r["na"], r["nb"], total)
        out.append(CooccurrenceRecord(r["a"], r["b"], r["sentences"], r["papers"],
                                      round(value, 4), round(normalised, 4)))
    out.sort(key=lambda c: (-c.sentences * max(c.npmi, 0.0), -c.npmi, c.a, c.b))
    return out if limit is None else out[:limit]


def concept_detail(conn: sqlite3.Connection, name: str, *, paper_limit: int = 50) -> ConceptDetail:
    row = find_concept(conn, name)
    papers = conn.execute(
        "SELECT p.* FROM papers p WHERE p.retracted = 0 AND p.pk IN"
        " (SELECT paper_pk FROM mentions WHERE concept_id = ?) ORDER BY p.date DESC, p.pk LIMIT ?",
        (row["id"], paper_limit),
    ).fetchall()
    return ConceptDetail(
        concept=_concept(conn, row),
        papers=[_paper(p) for p in papers],
        relations=list_relations(conn, concept_id=row["id"], evidence_per_relation=3),
        cooccurring=cooccurring(conn, row["id"], limit=10),
    )
