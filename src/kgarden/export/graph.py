"""The garden as a graph for export: concept (and paper) nodes, typed relation edges with their
evidence, and co-occurrence edges with PMI weights as a separate layer."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from kgarden.store.queries import list_relations, pmi


@dataclass
class ExportGraph:
    nodes: list[dict[str, Any]] = field(default_factory=list)
    relations: list[dict[str, Any]] = field(default_factory=list)
    cooccurrences: list[dict[str, Any]] = field(default_factory=list)


def node_id(concept_id: int) -> str:
    return f"c{concept_id}"


def build_export_graph(conn: sqlite3.Connection, *, min_cooccurrence: int = 2,
                       accepted_only: bool = False) -> ExportGraph:
    """Live concepts, paper nodes that are the subject of a relation, and both edge layers;
    typed relations are all but the rejected ones, or only the accepted ones."""
    graph = ExportGraph()
    relations = list_relations(conn, status="accepted" if accepted_only else None)
    paper_subjects = {r.subject_id for r in relations if r.subject_kind == "paper"}
    for row in conn.execute(
        "SELECT id, key, name, kind, paper_count, mention_count FROM concepts"
        " WHERE (kind = 'concept' AND paper_count > 0) OR kind = 'paper' ORDER BY id"
    ):
        if row["kind"] == "paper" and row["id"] not in paper_subjects:
            continue
        graph.nodes.append({
            "id": node_id(row["id"]), "label": row["name"], "kind": row["kind"],
            "key": row["key"], "papers": row["paper_count"], "mentions": row["mention_count"],
        })
    present = {n["id"] for n in graph.nodes}
    for rel in relations:
        source, target = node_id(rel.subject_id), node_id(rel.object_id)
        if source in present and target in present:
            graph.relations.append({
                "id": f"r{rel.id}", "source": source, "target": target,
                "predicate": rel.predicate, "status": rel.status, "negated": rel.negated,
                "hedged": rel.hedged, "evidence_count": len(rel.evidence),
                "evidence": [e.to_dict() for e in rel.evidence],
            })
    total = int(conn.execute("SELECT count(*) FROM sentences").fetchone()[0]) or 1
    for row in conn.execute(
        "SELECT x.a, x.b, x.sentences, x.papers, ca.sentence_count AS na,"
        " cb.sentence_count AS nb FROM cooccurrences x JOIN concepts ca ON ca.id = x.a"
        " JOIN concepts cb ON cb.id = x.b WHERE x.sentences >= ? ORDER BY x.a, x.b",
        (min_cooccurrence,),
    ):
        source, target = node_id(row["a"]), node_id(row["b"])
        if source in present and target in present:
            value, normalised = pmi(row["sentences"], row["na"], row["nb"], total)
            graph.cooccurrences.append({
                "source": source, "target": target, "sentences": row["sentences"],
                "papers": row["papers"], "pmi": round(value, 4), "npmi": round(normalised, 4),
            })
    return graph
