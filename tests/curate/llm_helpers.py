"""Shared by the LLM extractor tests: small gardens and extract.v1 replies made from a paper's
stored sentences, as a model would write them."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

# (span, type) to list wherever the sentence holds the span, and relations to state
CONCEPTS = [("knowledge distillation", "Method"), ("model compression", "Task"),
            ("teacher network", "Method"), ("KD", "Method"), ("ImageNet", "Material"),
            ("CIFAR-10", "Material"), ("tiny students", "OtherScientificTerm"),
            ("Pruning", "Method"), ("sparsity mask", "OtherScientificTerm"),
            ("language models", "Method")]
RELATIONS = [("knowledge distillation", "improves", "model compression"),
             ("KD", "uses", "teacher network"), ("this paper", "evaluates-on", "CIFAR-10"),
             ("Pruning", "uses", "sparsity mask")]



def sentences(conn: sqlite3.Connection, paper_id: str) -> list[tuple[str, str]]:
    """(field, text) of a paper's stored sentences, numbered as the extractor numbers them."""
    return [(str(f), str(t)) for f, t in conn.execute(
        "SELECT s.field, s.text FROM sentences s JOIN papers p ON p.pk = s.paper_pk"
        " WHERE p.id = ? ORDER BY s.field = 'abstract', s.idx", (paper_id,))]


def paper_ids(conn: sqlite3.Connection) -> list[str]:
    return [str(r[0]) for r in conn.execute("SELECT id FROM papers ORDER BY pk")]


def reply_for(conn: sqlite3.Connection, paper_id: str,
              concepts: Sequence[tuple[str, str]] = CONCEPTS,
              relations: Sequence[tuple[str, str, str]] = RELATIONS,
              *, negated: Sequence[str] = ("does not",)) -> dict[str, Any]:
    """An extract.v1 reply listing every given concept in every sentence holding it, and each
    relation in the first abstract sentence that holds both ends (negated when the sentence
    says one of ``negated``)."""
    out: dict[str, Any] = {"concepts": [], "relations": []}
    numbered = list(enumerate(sentences(conn, paper_id), 1))
    for n, (_field, text) in numbered:
        for span, kind in concepts:
            if span in text:
                out["concepts"].append({"sentence": n, "span": span, "name": span.lower(),
                                        "type": kind})
    for subject, predicate, obj in relations:
        for n, (field, text) in numbered:
            here = subject == "this paper" or subject in text
            if field == "abstract" and here and obj in text:
                out["relations"].append({
                    "subject": subject, "predicate": predicate, "object": obj, "sentence": n,
                    "negated": any(word in text for word in negated), "hedged": False})
                break
    return out


def reply_from_rules(conn: sqlite3.Connection, paper_id: str) -> dict[str, Any]:
    """The reply a model would give that found what the rules found in this paper: every
    mention's written form in its sentence, and every relation between two of them (the
    paper itself as "this paper")."""
    numbers = {int(sid): n for n, (sid,) in enumerate(conn.execute(
        "SELECT s.id FROM sentences s JOIN papers p ON p.pk = s.paper_pk WHERE p.id = ?"
        " ORDER BY s.field = 'abstract', s.idx", (paper_id,)), 1)}
    concepts = [{"sentence": numbers[int(sid)], "span": surface, "name": surface,
                 "type": "Method"} for sid, surface in conn.execute(
        "SELECT m.sentence_id, m.surface FROM mentions m JOIN papers p ON p.pk = m.paper_pk"
        " WHERE p.id = ? ORDER BY m.sentence_id, m.start_char", (paper_id,))]
    relations = []
    for sid, s_start, s_end, o_start, o_end, predicate, negated, hedged, text, start in (
            conn.execute(
                "SELECT e.sentence_id, e.subject_start, e.subject_end, e.object_start,"
                " e.object_end, r.predicate, r.negated, e.hedged, s.text, s.start_char"
                " FROM evidence e JOIN relations r ON r.id = e.relation_id JOIN sentences s"
                " ON s.id = e.sentence_id JOIN papers p ON p.pk = e.paper_pk WHERE p.id = ?"
                " ORDER BY e.id", (paper_id,))):
        subject = ("this paper" if s_start is None
                   else text[s_start - start:s_end - start])
        relations.append({"subject": subject, "predicate": predicate,
                          "object": text[o_start - start:o_end - start],
                          "sentence": numbers[int(sid)], "negated": bool(negated),
                          "hedged": bool(hedged)})
    return {"concepts": concepts, "relations": relations}
