"""GraphML and GEXF: XML graph formats read by Gephi, Cytoscape, yEd, igraph and networkx.

Typed relations are directed edges; co-occurrence edges are undirected and carry their PMI as
``weight``, with ``layer`` telling the two apart.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from kgarden.export.graph import ExportGraph
from kgarden.registry import registry

_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def _first_evidence(edge: dict[str, Any]) -> str:
    if not edge["evidence"]:
        return ""
    ev = edge["evidence"][0]
    return f"{ev['sentence']} [{ev['paper_id']}]"


_GRAPHML_NODE_KEYS = (("label", "string"), ("kind", "string"), ("papers", "int"),
                      ("mentions", "int"))
_GRAPHML_EDGE_KEYS = (("layer", "string"), ("predicate", "string"), ("status", "string"),
                      ("negated", "boolean"), ("hedged", "boolean"), ("evidence_count", "int"),
                      ("evidence", "string"), ("sentences", "int"), ("papers", "int"),
                      ("weight", "double"))


def _write(root: ET.Element, target: Path) -> list[Path]:
    ET.indent(root)
    ET.ElementTree(root).write(target, encoding="utf-8", xml_declaration=True)
    return [target]


@registry.register("exporter", "graphml", 1, suffix=".graphml")
def write_graphml(graph: ExportGraph, target: Path) -> list[Path]:
    root = ET.Element("graphml", xmlns="http://graphml.graphdrawing.org/xmlns")
    for name, kind in _GRAPHML_NODE_KEYS:
        ET.SubElement(root, "key", {"id": f"n_{name}", "for": "node", "attr.name": name,
                                    "attr.type": kind})
    for name, kind in _GRAPHML_EDGE_KEYS:
        ET.SubElement(root, "key", {"id": f"e_{name}", "for": "edge", "attr.name": name,
                                    "attr.type": kind})
    g = ET.SubElement(root, "graph", id="kgarden", edgedefault="directed")
    for node in graph.nodes:
        el = ET.SubElement(g, "node", id=node["id"])
        for name, _ in _GRAPHML_NODE_KEYS:
            ET.SubElement(el, "data", key=f"n_{name}").text = _text(node[name])
    for edge in graph.relations:
        el = ET.SubElement(g, "edge", id=edge["id"], source=edge["source"], target=edge["target"])
        values = {"layer": "relation", "evidence": _first_evidence(edge), **edge}
        for name in ("layer", "predicate", "status", "negated", "hedged", "evidence_count",
                     "evidence"):
            ET.SubElement(el, "data", key=f"e_{name}").text = _text(values[name])
    for i, edge in enumerate(graph.cooccurrences):
        el = ET.SubElement(g, "edge", id=f"x{i}", source=edge["source"], target=edge["target"],
                           directed="false")
        values = {"layer": "cooccurrence", "weight": edge["pmi"], **edge}
        for name in ("layer", "sentences", "papers", "weight"):
            ET.SubElement(el, "data", key=f"e_{name}").text = _text(values[name])
    return _write(root, target)


@registry.register("exporter", "gexf", 1, suffix=".gexf")
def write_gexf(graph: ExportGraph, target: Path) -> list[Path]:
    root = ET.Element("gexf", xmlns="http://gexf.net/1.3", version="1.3")
    meta = ET.SubElement(root, "meta")
    ET.SubElement(meta, "creator").text = "kgarden"
    g = ET.SubElement(root, "graph", defaultedgetype="directed", mode="static")
    node_attrs = ET.SubElement(g, "attributes", {"class": "node"})
    for i, (name, kind) in enumerate((("kind", "string"), ("papers", "integer"),
                                      ("mentions", "integer"))):
        ET.SubElement(node_attrs, "attribute", id=str(i), title=name, type=kind)
    edge_fields = (("layer", "string"), ("predicate", "string"), ("status", "string"),
                   ("negated", "boolean"), ("hedged", "boolean"), ("evidence", "string"),
                   ("sentences", "integer"))
    edge_attrs = ET.SubElement(g, "attributes", {"class": "edge"})
    for i, (name, kind) in enumerate(edge_fields):
        ET.SubElement(edge_attrs, "attribute", id=str(i), title=name, type=kind)
    nodes = ET.SubElement(g, "nodes")
    for node in graph.nodes:
        el = ET.SubElement(nodes, "node", id=node["id"], label=_text(node["label"]))
        values = ET.SubElement(el, "attvalues")
        for i, name in enumerate(("kind", "papers", "mentions")):
            ET.SubElement(values, "attvalue", {"for": str(i), "value": _text(node[name])})
    edges = ET.SubElement(g, "edges")
    for edge in graph.relations:
        el = ET.SubElement(edges, "edge", id=edge["id"], source=edge["source"],
                           target=edge["target"], label=edge["predicate"],
                           weight=str(edge["evidence_count"]))
        data = {"layer": "relation", "evidence": _first_evidence(edge), **edge}
        values = ET.SubElement(el, "attvalues")
        for i, (name, _) in enumerate(edge_fields[:6]):
            ET.SubElement(values, "attvalue", {"for": str(i), "value": _text(data[name])})
    for j, edge in enumerate(graph.cooccurrences):
        el = ET.SubElement(edges, "edge", id=f"x{j}", source=edge["source"],
                           target=edge["target"], type="undirected", weight=str(edge["pmi"]))
        values = ET.SubElement(el, "attvalues")
        ET.SubElement(values, "attvalue", {"for": "0", "value": "cooccurrence"})
        ET.SubElement(values, "attvalue", {"for": "6", "value": str(edge["sentences"])})
    return _write(root, target)
