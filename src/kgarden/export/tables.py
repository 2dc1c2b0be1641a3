"""JSON (node-link, every relation with all its evidence) and CSV tables."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from kgarden import __version__
from kgarden.export.graph import ExportGraph
from kgarden.registry import registry

JSON_FORMAT_VERSION = 1


@registry.register("exporter", "json", 1, suffix=".json")
def write_json(graph: ExportGraph, target: Path) -> list[Path]:
    document = {
        "format": "kgarden-graph",
        "format_version": JSON_FORMAT_VERSION,
        "kgarden_version": __version__,
        "directed": True,
        "nodes": graph.nodes,
        "relations": graph.relations,
        "cooccurrences": graph.cooccurrences,
    }
    target.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return [target]


def _write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@registry.register("exporter", "csv", 1, suffix="")
def write_csv_tables(graph: ExportGraph, target: Path) -> list[Path]:
    """A folder with nodes.csv, relations.csv, evidence.csv and cooccurrences.csv."""
    target.mkdir(parents=True, exist_ok=True)
    node_cols = ["id", "label", "kind", "key", "papers", "mentions"]
    rel_cols = ["id", "source", "target", "predicate", "status", "negated", "hedged",
                "evidence_count"]
    ev_cols = ["paper_id", "title", "sentence", "start", "end", "trigger", "hedged",
               "confidence", "extractor"]
    co_cols = ["source", "target", "sentences", "papers", "pmi", "npmi"]
    return [
        _write_csv(target / "nodes.csv", node_cols,
                   [[n[c] for c in node_cols] for n in graph.nodes]),
        _write_csv(target / "relations.csv", rel_cols,
                   [[r[c] for c in rel_cols] for r in graph.relations]),
        _write_csv(target / "evidence.csv", ["relation_id", *ev_cols],
                   [[r["id"], *(e[c] for c in ev_cols)] for r in graph.relations
                    for e in r["evidence"]]),
        _write_csv(target / "cooccurrences.csv", co_cols,
                   [[x[c] for c in co_cols] for x in graph.cooccurrences]),
    ]
