"""The report's text: plain sentences and short tables from a Report's data.

Timings are left out, so the same garden gives the same report.md and report.html.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kgarden.graph.document import Document

if TYPE_CHECKING:
    from kgarden.graph.report import Report

TITLE = "Knowledge garden report"
SHOWN_COMMUNITIES = 12
_ALT_NAMES = {"exponential": "exponential", "lognormal": "lognormal",
              "truncated_power_law": "truncated power law"}


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _n(x: int) -> str:
    return f"{x:,}"


def _count(x: int, word: str) -> str:
    return f"{_n(x)} {word}" + ("" if x == 1 else "s")


def write_document(r: Report) -> Document:
    doc = Document(TITLE)
    g = r.garden
    retracted = (f" ({_n(g['retracted_papers'])} retracted papers are left out of everything"
                 " below)" if g["retracted_papers"] else "")
    doc.paragraph(f"The garden holds {_n(g['papers'])} papers{retracted},"
                  f" {_n(g['sentences'])} sentences and {_n(g['concepts'])} concepts.")
    _views(doc, r)
    _structure(doc, r)
    _degrees(doc, r)
    _communities(doc, r)
    _centrality(doc, r)
    _bridges(doc, r)
    _emergence(doc, r)
    p = r.parameters
    doc.heading("How this was made")
    doc.paragraph(f"igraph {p['igraph']}, powerlaw {p['powerlaw']}; seed {p['seed']}."
                  f" Concepts in at least {_count(p['min_papers'], 'paper')}; co-occurrence"
                  f" edges seen in at least {_count(p['min_sentences'], 'sentence')} (1 in"
                  " gardens under 2,000 papers, 2 above, so the graph of a large garden stays"
                  " tractable).")
    return doc


def _views(doc: Document, r: Report) -> None:
    v = r.views
    cg, bp, cit = v["concept_graph"], v["paper_concept"], v["citation"]
    doc.heading("Graph views")
    rows = [
        ["concepts: typed relations", _n(cg["concepts"]), _n(cg["relations"]["edges"]),
         f"concepts in ≥ {cg['min_papers']} papers; relations between concepts,"
         " with live evidence, not rejected"],
        ["concepts: co-occurrence", _n(cg["concepts"]), _n(cg["cooccurrence"]["edges"]),
         "pairs sharing ≥ " + _count(cg["cooccurrence"]["min_sentences"], "sentence")
         + " (PMI on each edge)"],
        ["papers–concepts", _n(bp["papers"] + bp["concepts"]), _n(bp["edges"]),
         f"{_n(bp['papers'])} papers, {_n(bp['concepts'])} concepts"],
    ]
    if cit["note"]:
        rows.append(["citations", "–", "–", cit["note"]])
    else:
        rows.append(["citations", _n(cit["papers"]), _n(cit["edges"]),
                     f"{_n(cit['papers_with_references'])} papers list"
                     f" {_n(cit['references'])} references; {_n(cit['edges'])} point to"
                     " papers in this garden"])
    doc.table(["view", "nodes", "edges", "what"], rows, numeric={1, 2})


def _structure(doc: Document, r: Report) -> None:
    s, c = r.structure, r.components
    doc.heading("The concept graph analysed")
    doc.paragraph(
        "Structure is measured on one undirected, weighted graph: the co-occurrence layer and"
        " the typed-relation layer merged, with weight = shared sentences + evidence sentences"
        f" of typed relations. It keeps concepts in at least {_count(s['min_papers'], 'paper')}"
        f" and co-occurrence seen in at least {_count(s['min_sentences'], 'sentence')};"
        f" of those, {_n(s['left_out'])} with no edge are left out."
        f" It has {_n(s['nodes'])} concepts and {_n(s['edges'])} edges"
        f" (density {s['density']:.4f}).")
    if s["nodes"]:
        doc.paragraph(
            f"It falls into {_n(c['count'])} connected components; the largest holds"
            f" {_n(c['largest'])} concepts ({_pct(c['largest_share'])}).")
    cl = r.clustering
    doc.paragraph(
        f"Clustering: global (transitivity) {cl['global']:.3f}, average local"
        f" {cl['average_local']:.3f} (0 for concepts with fewer than two neighbours);"
        f" a random graph of the same density would have about {cl['random_expectation']:.4f}.")


def _degrees(doc: Document, r: Report) -> None:
    d = r.degrees
    doc.heading("Degree distribution")
    doc.paragraph(f"Mean degree {d['mean']:.1f}, largest {_n(d['max'])}. {d['sentence']}")
    if d["comparisons"]:
        doc.paragraph(
            f"Discrete power-law fit (xmin estimated by the KS distance): α = {d['alpha']:.2f}"
            f" ± {d['sigma']:.2f} above degree {d['xmin']}, a tail of {_n(d['tail'])} concepts."
            " R is the log-likelihood ratio, power law against the alternative (positive:"
            " the power law fits better); p below 0.1 counts as significant.")
        rows = []
        for comp in d["comparisons"]:
            if comp["p"] >= 0.1:
                meaning = "no significant difference"
            else:
                meaning = "power law fits better" if comp["R"] > 0 else "alternative fits better"
            rows.append([_ALT_NAMES[comp["alternative"]], f"{comp['R']:.2f}",
                         f"{comp['p']:.3g}", meaning])
        doc.table(["alternative", "R", "p", "reading"], rows, numeric={1, 2})
    doc.paragraph(f"Verdict on scale-free: {d['verdict']}.")
    doc.image("degree-distribution.png", "Degree distribution, log-log CCDF, with fits")


def _communities(doc: Document, r: Report) -> None:
    c = r.communities
    doc.heading("Communities")
    listed = c["list"]
    if not listed:
        doc.paragraph("The graph has no edges, so there are no communities.")
        return
    small = sum(1 for x in listed if x["size"] <= 2)
    shown = listed[:SHOWN_COMMUNITIES]
    share = sum(x["size"] for x in shown) / max(1, r.structure["nodes"])
    doc.paragraph(
        f"Leiden (modularity objective, edge weights, {c['iterations']} iterations, seed"
        f" {c['seed']}) finds"
        f" {_n(c['count'])} communities with modularity Q = {c['modularity']:.2f}"
        f" ({small} are single concepts or pairs). The {len(shown)} largest hold"
        f" {_pct(share)} of the concepts; each is named by its most salient concepts"
        " (papers × specificity).")
    doc.table(["#", "concepts", "top concepts"],
              [[str(x["id"]), _n(x["size"]), ", ".join(x["labels"])] for x in shown],
              numeric={0, 1})
    doc.image("communities.png", "Community sizes and a map of their top concepts")


def _centrality(doc: Document, r: Report) -> None:
    c = r.centrality
    doc.heading("Central concepts")
    doc.paragraph("Degree counts neighbours; PageRank follows link weights; betweenness counts"
                  " shortest paths (in hops) through a concept, as a share of all pairs."
                  f" Betweenness here is {c['betweenness_method']}.")
    rows = []
    for i in range(max(len(c["degree"]), len(c["pagerank"]), len(c["betweenness"]))):
        row = [str(i + 1)]
        for key, fmt in (("degree", "{:,}"), ("pagerank", "{:.4f}"), ("betweenness", "{:.4f}")):
            items = c[key]
            row.append(f"{items[i]['name']} ({fmt.format(items[i]['value'])})"
                       if i < len(items) else "")
        rows.append(row)
    doc.table(["#", "degree", "PageRank", "betweenness"], rows, numeric={0})


def _bridges(doc: Document, r: Report) -> None:
    doc.heading("Bridge concepts")
    if not r.bridges:
        doc.paragraph("No concept both lies on many shortest paths and spreads its links over"
                      " several communities.")
        return
    doc.paragraph("Concepts on many shortest paths whose links spread over several communities,"
                  " ranked by betweenness × participation × specificity (participation:"
                  " 1 − Σ share², 0 when all links stay in one community; specificity keeps"
                  " everyday words, which link everything, from leading). Each is listed with"
                  " the communities that get at least a tenth of its link weight.")
    rows = [[b["name"], f"{b['betweenness']:.4f}", f"{b['participation']:.2f}",
             "; ".join(f"#{j['community']} {_pct(j['share'])} ({j['label']})"
                       for j in b["joins"])] for b in r.bridges]
    doc.table(["concept", "betweenness", "participation", "joins communities"], rows,
              numeric={1, 2})


def _emergence(doc: Document, r: Report) -> None:
    e: dict[str, Any] = r.emergence
    doc.heading("Emerging concepts")
    doc.paragraph(e["sentence"])
    if not e["computed"] or not e["concepts"]:
        return
    rows = [[c["name"], c["first_seen"], _n(c["recent_papers"]), _n(c["earlier_papers"]),
             f"{c['growth']:.1f}×", "new" if c["new"] else ""] for c in e["concepts"]]
    doc.table(["concept", "first seen", "recent papers", "earlier papers", "growth", ""],
              rows, numeric={2, 3, 4})
    doc.image("emergence.png", "Papers per period of the top emerging concepts")
