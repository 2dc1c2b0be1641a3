"""Shared by the curation tests: small papers, and a full snapshot of a garden's facts."""

from __future__ import annotations

import sqlite3
from typing import Any

from kgarden.models import Paper, make_paper

PAPERS = [
    ("Distilling language models", "We show that knowledge distillation improves model"
     " compression. Knowledge distillation (KD) uses a teacher network."),
    ("Compression by distillation", "Our results confirm that knowledge distillation improves"
     " model compression on ImageNet. We evaluate KD on CIFAR-10."),
    ("A negative result", "We find that knowledge distillation does not improve model"
     " compression for tiny students. Pruning uses a sparsity mask."),
]


def small_papers() -> list[Paper]:
    """Three papers that agree (twice) and disagree (once) that distillation improves
    compression."""
    return [make_paper(title=t, abstract=a, date=f"2025-0{i + 1}-01", source="test")
            for i, (t, a) in enumerate(PAPERS)]


def snapshot(conn: sqlite3.Connection) -> dict[str, Any]:
    """Every derived fact, by stable keys (not row ids), so two gardens compare as sets."""
    def q(sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in conn.execute(sql)]

    return {
        "concepts": sorted(q(
            "SELECT key, name, paper_count, mention_count, sentence_count FROM concepts"
            " WHERE paper_count > 0")),
        "mentions": sorted(q(
            "SELECT p.id, s.field, s.idx, m.start_char, m.end_char, c.key, m.surface"
            " FROM mentions m JOIN papers p ON p.pk = m.paper_pk JOIN sentences s"
            " ON s.id = m.sentence_id JOIN concepts c ON c.id = m.concept_id")),
        "relations": sorted(q(
            "SELECT s.key, r.predicate, o.key, r.negated, r.status, r.evidence_count"
            " FROM relations r JOIN concepts s ON s.id = r.subject_id JOIN concepts o"
            " ON o.id = r.object_id WHERE r.evidence_count > 0 OR r.id IN"
            " (SELECT relation_id FROM assertions)")),
        "evidence": sorted(q(
            "SELECT cs.key, r.predicate, co.key, p.id, s.idx, e.object_start, e.object_end,"
            " e.trigger FROM evidence e JOIN relations r ON r.id = e.relation_id"
            " JOIN concepts cs ON cs.id = r.subject_id JOIN concepts co ON co.id = r.object_id"
            " JOIN papers p ON p.pk = e.paper_pk JOIN sentences s ON s.id = e.sentence_id"
        )),
        "cooccurrences": sorted(q(
            "SELECT ca.key, cb.key, x.sentences, x.papers FROM cooccurrences x"
            " JOIN concepts ca ON ca.id = x.a JOIN concepts cb ON cb.id = x.b"
            " WHERE x.sentences > 0")),
        "surfaces": sorted(q(
            "SELECT c.key, s.surface, s.case_known, s.acronym, s.count FROM concept_surfaces s"
            " JOIN concepts c ON c.id = s.concept_id WHERE s.count > 0")),
        "aliases": sorted(q(
            "SELECT a.alias, c.key, p.id FROM aliases a JOIN concepts c ON c.id = a.concept_id"
            " JOIN papers p ON p.pk = a.paper_pk")),
        "retracted": sorted(q("SELECT id FROM papers WHERE retracted = 1")),
    }


def concept_row(conn: sqlite3.Connection, key: str) -> tuple[Any, ...] | None:
    row = conn.execute("SELECT name, paper_count, mention_count FROM concepts WHERE key = ?",
                       (key,)).fetchone()
    return None if row is None else tuple(row)
