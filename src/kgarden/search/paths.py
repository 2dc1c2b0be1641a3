"""The concepts a question names, and the evidence-backed path between two of them.

A path is searched breadth-first from both ends at once over typed relations held in memory
(graph/relation_graph.py; rejected ones excluded); when typed relations do not connect the two,
a direct sentence co-occurrence or one intermediate concept co-occurring with both is used,
each edge shown with a sentence that holds both concepts.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from kgarden.extract.keys import concept_key, key_variants
from kgarden.graph.relation_graph import RelationGraph
from kgarden.search.query import STOPWORDS
from kgarden.store.queries import list_relations

_WORD = re.compile(r"[\w][\w\-]*", re.UNICODE)
MAX_NGRAM = 6


@dataclass
class NamedConcept:
    id: int
    name: str
    start: int  # where the question names it
    end: int
    specificity: float


@dataclass
class PathEdge:
    subject: str
    predicate: str  # a relation type, or 'co-occurs-with'
    object: str
    paper_id: str
    title: str
    sentence: str
    start: int  # offsets of the sentence in the paper's field
    end: int
    field: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def concepts_in(conn: sqlite3.Connection, question: str) -> list[NamedConcept]:
    """Concepts of the garden the question names, longest first, not overlapping."""
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(question)]
    spans: dict[str, list[tuple[int, int]]] = {}
    for i in range(len(words)):
        for j in range(i + 1, min(i + MAX_NGRAM, len(words)) + 1):
            chunk = [w for _, _, w in words[i:j]]
            if j - i == 1 and (chunk[0].casefold() in STOPWORDS or len(chunk[0]) < 2):
                continue
            key = concept_key(" ".join(chunk))
            for variant in key_variants(key):
                spans.setdefault(variant, []).append((words[i][0], words[j - 1][1]))
    if not spans:
        return []
    keys = list(spans)
    marks = ",".join("?" * len(keys))
    # an everyday word that one paper happened to use as a noun ("hold") is not a concept the
    # question names: such words count only once several papers use them
    # (the unary + keeps SQLite on the key index: on the paper_count index it scanned 170k
    # concepts, 430 ms at 75k papers)
    rows = conn.execute(
        f"SELECT c.id, c.name, c.specificity, c.key AS matched FROM concepts c"
        f" WHERE +c.kind = 'concept' AND c.key IN ({marks})"
        f" AND (+c.paper_count >= 2 OR (+c.paper_count > 0 AND c.specificity >= 0.5))"
        f" UNION SELECT c.id, c.name, c.specificity, a.alias FROM aliases a"
        f" JOIN concepts c ON c.id = a.concept_id"
        f" WHERE c.paper_count > 0 AND a.alias IN ({marks})", keys + keys,
    ).fetchall()
    found: list[NamedConcept] = []
    for cid, name, specificity, matched in rows:
        for start, end in spans[matched]:
            found.append(NamedConcept(int(cid), name, start, end, float(specificity)))
    found.sort(key=lambda c: (-(c.end - c.start), c.start))
    chosen: list[NamedConcept] = []
    for concept in found:
        if all(concept.end <= c.start or concept.start >= c.end for c in chosen) and \
                all(concept.id != c.id for c in chosen):
            chosen.append(concept)
    return sorted(chosen, key=lambda c: c.start)


def _cooccurrence_steps(conn: sqlite3.Connection, a: int, b: int
                        ) -> list[tuple[int, int, int | None]] | None:
    """A direct co-occurrence, else the concept most often in sentences with both (two hops).

    Co-occurrence is dense around frequent concepts, so a breadth-first search over it would
    visit much of the garden; one join of the two neighbourhoods answers the same question.
    """
    lo, hi = min(a, b), max(a, b)
    if conn.execute("SELECT 1 FROM cooccurrences WHERE a = ? AND b = ?", (lo, hi)).fetchone():
        return [(a, b, None)]
    row = conn.execute(
        "WITH na AS (SELECT b AS x, sentences FROM cooccurrences WHERE a = :a"
        " UNION ALL SELECT a, sentences FROM cooccurrences WHERE b = :a),"
        " nb AS (SELECT b AS x, sentences FROM cooccurrences WHERE a = :b"
        " UNION ALL SELECT a, sentences FROM cooccurrences WHERE b = :b)"
        " SELECT na.x FROM na JOIN nb ON nb.x = na.x JOIN concepts c ON c.id = na.x"
        " WHERE c.kind = 'concept' AND c.paper_count > 0"
        " ORDER BY min(na.sentences, nb.sentences) DESC, c.specificity DESC, na.x LIMIT 1",
        {"a": a, "b": b}).fetchone()
    return None if row is None else [(a, int(row[0]), None), (int(row[0]), b, None)]


def _cooccurrence_edge(conn: sqlite3.Connection, a: int, b: int) -> PathEdge | None:
    """The shortest sentence holding both. The papers mentioning both come first, from the
    covering index mentions_concept alone; only their mentions of ``a`` are read (joining
    every mention of a frequent concept by sentence took 56 ms a pair, this 5 ms)."""
    row = conn.execute(
        "WITH shared(pk) AS (SELECT paper_pk FROM mentions WHERE concept_id = :a"
        " INTERSECT SELECT paper_pk FROM mentions WHERE concept_id = :b)"
        " SELECT ca.name, cb.name, p.id, p.title, s.text, s.start_char, s.end_char, s.field"
        " FROM shared JOIN mentions m1 ON m1.concept_id = :a AND m1.paper_pk = shared.pk"
        " JOIN mentions m2 ON m2.sentence_id = m1.sentence_id AND m2.concept_id = :b"
        " JOIN sentences s ON s.id = m1.sentence_id JOIN papers p ON p.pk = m1.paper_pk"
        " JOIN concepts ca ON ca.id = m1.concept_id JOIN concepts cb ON cb.id = m2.concept_id"
        " WHERE p.retracted = 0 ORDER BY length(s.text), s.id LIMIT 1",
        {"a": a, "b": b}).fetchone()
    if row is None:
        return None
    return PathEdge(row[0], "co-occurs-with", row[1], row[2], row[3], row[4], row[5], row[6],
                    row[7])


def relation_path(conn: sqlite3.Connection, source: int, target: int, *,
                  graph: RelationGraph | None = None, max_hops: int = 4) -> list[PathEdge]:
    """The shortest evidence-backed path from ``source`` to ``target`` (concept ids), or []."""
    if source == target:
        return []
    graph = graph if graph is not None else RelationGraph.load(conn)
    steps: list[tuple[int, int, int | None]] | None = list(
        graph.shortest(source, target, max_hops) or []) or None
    if steps is None:
        steps = _cooccurrence_steps(conn, source, target)
    return path_edges(conn, steps) if steps is not None else []


def path_edges(conn: sqlite3.Connection, steps: Sequence[tuple[int, int, int | None]]
               ) -> list[PathEdge]:
    """Each step with its evidence sentence (relation id None: a co-occurrence); [] if any
    step has lost its evidence."""
    edges: list[PathEdge] = []
    for a, b, rid in steps:
        if rid is None:
            edge = _cooccurrence_edge(conn, a, b)
            if edge is None:
                return []
            edges.append(edge)
            continue
        relations = list_relations(conn, relation_id=rid, evidence_per_relation=1)
        if not relations:
            return []
        relation, ev = relations[0], relations[0].evidence[0]
        fld = conn.execute("SELECT field FROM sentences WHERE id = ?",
                           (ev.sentence_id,)).fetchone()[0]
        predicate = f"not {relation.predicate}" if relation.negated else relation.predicate
        edges.append(PathEdge(relation.subject, predicate, relation.object, ev.paper_id,
                              ev.title, ev.sentence, ev.start, ev.end, fld))
    return edges
