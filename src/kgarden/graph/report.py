"""``kgarden report``: the structure of a garden's concept graph, for a researcher.

Importing this module is cheap; igraph, powerlaw and matplotlib load when a report is built.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kgarden.errors import InputError
from kgarden.graph.document import Document
from kgarden.graph.writeup import write_document
from kgarden.settings import Settings

SMALL_GARDEN = 2000  # below this many live papers, one shared sentence makes an edge


@dataclass
class ReportOptions:
    min_papers: int = 2  # structure: concepts in at least this many live papers
    min_sentences: int | None = None  # co-occurrence edges; None: 1 in a small garden, else 2
    seed: int = 0  # Leiden, sampled betweenness and the community map layout
    exact_betweenness_max: int = 5000  # nodes; beyond, betweenness is estimated
    betweenness_work: float = 2e8  # sampled sources x (nodes + edges) at most...
    betweenness_samples: tuple[int, int] = (64, 500)  # ...within these bounds
    # until stable (-1) took 36 s on a 1M-edge graph, 10 iterations 6 s for the same modularity
    leiden_iterations: int = 10
    top: int = 10


@dataclass
class Report:
    garden: dict[str, Any]
    views: dict[str, Any]
    structure: dict[str, Any]
    components: dict[str, Any]
    degrees: dict[str, Any]
    clustering: dict[str, float]
    communities: dict[str, Any]
    centrality: dict[str, Any]
    bridges: list[dict[str, Any]]
    emergence: dict[str, Any]
    parameters: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def document(self) -> Document:
        return write_document(self)


def prepare_out_dir(path: Path) -> Path:
    """The report folder, created if missing; a clear InputError if it cannot be one."""
    if path.exists() and not path.is_dir():
        raise InputError(f"the report folder {path} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the report folder {path}: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError(f"cannot write to the report folder {path}")
    return path


class _Clock:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._last, 3)
        self._last = now


def build_report(conn: sqlite3.Connection, settings: Settings, *, out_dir: Path | None = None,
                 options: ReportOptions | None = None) -> Report:
    """Measure the garden's concept graph; with ``out_dir``, write report.md, report.html
    and the PNG plots there. ``settings`` are the garden's; no setting concerns the report
    yet, its knobs are in ``options``."""
    if out_dir is not None:  # a bad folder fails now, not after the analysis
        out_dir = prepare_out_dir(out_dir)
    import igraph
    import powerlaw

    from kgarden.graph import analytics as an
    from kgarden.graph.emergence import emergence
    from kgarden.graph.views import bipartite_graph, citation_graph, concept_graph

    opts = options or ReportOptions()
    clock = _Clock()
    live_papers = int(conn.execute("SELECT count(*) FROM papers WHERE retracted = 0")
                      .fetchone()[0])
    min_sentences = opts.min_sentences or (1 if live_papers < SMALL_GARDEN else 2)
    cg = concept_graph(conn, min_papers=opts.min_papers, min_sentences=min_sentences)
    clock.lap("concept graph")
    bp = bipartite_graph(conn)
    clock.lap("paper-concept graph")
    cites = citation_graph(conn)
    clock.lap("citation graph")
    g = an.structure_graph(cg)
    clock.lap("structure graph")

    comps = an.components(g)
    degrees = g.degree()
    fit = an.fit_degrees(degrees)
    clock.lap("degree fit")
    clust = an.clustering(g)
    clock.lap("clustering")
    comms = an.communities(g, seed=opts.seed, iterations=opts.leiden_iterations)
    clock.lap("communities")
    n, m = g.vcount(), g.ecount()
    lo, hi = opts.betweenness_samples
    samples = min(n, max(lo, min(hi, int(opts.betweenness_work / max(1, n + m)))))
    cent = an.centrality(g, exact_max=opts.exact_betweenness_max, samples=samples,
                         seed=opts.seed)
    clock.lap("centrality")
    found_bridges = an.bridges(g, comms, cent, top=opts.top)
    clock.lap("bridges")
    em = emergence(bp, top=opts.top)
    clock.lap("emergence")

    names = g.vs["name"]
    report = Report(
        garden={"papers": live_papers, "retracted_papers": cg.retracted_papers,
                "sentences": cg.live_sentences, "concepts": cg.live_concepts},
        views={
            "concept_graph": {
                "concepts": cg.concepts, "min_papers": cg.min_papers,
                "relations": {"edges": int(cg.relations.ecount()),
                              "note": "typed relations with live evidence, not rejected"},
                "cooccurrence": {"edges": int(cg.cooccurrence.ecount()),
                                 "min_sentences": cg.min_sentences},
            },
            "paper_concept": {"papers": bp.papers, "concepts": bp.concepts,
                              "edges": bp.edges},
            "citation": {"papers": 0 if cites.graph is None else int(cites.graph.vcount()),
                         "papers_with_references": cites.papers_with_references,
                         "references": cites.references, "edges": cites.resolved,
                         "note": cites.note},
        },
        structure={
            "layers": "co-occurrence + typed relations, merged undirected",
            "weight": "shared sentences + typed-relation evidence sentences",
            "min_papers": cg.min_papers, "min_sentences": cg.min_sentences,
            "nodes": n, "edges": m, "left_out": cg.concepts - n,
            "density": round(2 * m / (n * (n - 1)), 6) if n > 1 else 0.0,
        },
        components=asdict(comps),
        degrees={**fit.to_dict(), "max": max(degrees, default=0),
                 "mean": round(2 * m / n, 3) if n else 0.0},
        clustering=clust,
        communities={
            "method": "Leiden (igraph), modularity objective, edge weights",
            "seed": comms.seed, "iterations": comms.iterations,
            "count": len(comms.communities), "modularity": comms.modularity,
            "list": [c.to_dict() for c in comms.communities],
        },
        centrality={
            "betweenness_method": cent.betweenness_method, "exact": cent.exact,
            "degree": [{"name": k, "value": v}
                       for k, v in an.top_by(cent.degree, names, opts.top)],
            "pagerank": [{"name": k, "value": v}
                         for k, v in an.top_by(cent.pagerank, names, opts.top)],
            "betweenness": [{"name": k, "value": v}
                            for k, v in an.top_by(cent.betweenness, names, opts.top)],
        },
        bridges=[b.to_dict() for b in found_bridges],
        emergence=em.to_dict(),
        parameters={**asdict(opts), "min_sentences": min_sentences,
                    "betweenness_samples": None if cent.exact else samples,
                    "igraph": igraph.__version__, "powerlaw": powerlaw.__version__},
        timings=clock.timings,
    )
    if out_dir is not None:
        _write(report, out_dir, g, degrees, fit, comms, em, opts, clock)
    report.timings["total"] = round(sum(report.timings.values()), 3)
    return report


def _write(report: Report, out_dir: Path, g: Any, degrees: list[int], fit: Any, comms: Any,
           em: Any, opts: ReportOptions, clock: _Clock) -> None:
    from kgarden.graph import plots

    images = {"degree-distribution.png": plots.degree_plot(
        degrees, fit, out_dir / "degree-distribution.png")}
    if comms.communities:
        images["communities.png"] = plots.community_plot(
            g, comms, out_dir / "communities.png")
    if em.computed and em.concepts:
        images["emergence.png"] = plots.emergence_plot(em, out_dir / "emergence.png")
    clock.lap("plots")
    report.files = [str(p) for p in images.values()]
    md, page = out_dir / "report.md", out_dir / "report.html"
    report.files = [str(md), str(page), *report.files]
    doc = report.document()
    md.write_text(doc.markdown(), encoding="utf-8")
    page.write_text(doc.html({name: path.read_bytes() for name, path in images.items()}),
                    encoding="utf-8")
    clock.lap("writing")
