"""Export the garden as a graph file: GraphML, GEXF, JSON (node-link) or CSV tables.

Exporters register under the ``exporter`` kind; each takes an ``ExportGraph`` and a target path
and returns the files it wrote.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kgarden.export import tables, xml_formats  # noqa: F401  (importing registers exporters)
from kgarden.export.graph import ExportGraph, build_export_graph
from kgarden.registry import registry


def export_formats() -> list[str]:
    return [c.name for c in registry.latest("exporter")]


def default_target(garden_path: Path, format: str) -> Path:
    """``garden.db`` -> ``garden.graphml`` (``garden-csv/`` for CSV tables)."""
    component = registry.get("exporter", format)
    suffix: str = component.meta["suffix"]
    if not suffix:
        return garden_path.with_name(f"{garden_path.stem}-{component.name}")
    return garden_path.with_suffix(suffix)


def export_garden(
    conn: sqlite3.Connection, format: str, target: Path, *, min_cooccurrence: int = 2,
    accepted_only: bool = False,
) -> list[Path]:
    exporter = registry.get("exporter", format)
    graph = build_export_graph(conn, min_cooccurrence=min_cooccurrence,
                               accepted_only=accepted_only)
    written: list[Path] = exporter.factory(graph, target)
    return written


__all__ = ["ExportGraph", "default_target", "export_formats", "export_garden"]
