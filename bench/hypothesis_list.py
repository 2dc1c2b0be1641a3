"""The hypothesis list on a time split: do its pairs meet in later papers more often than their
popularity alone predicts?

    python bench/hypothesis_list.py --garden /tmp/big/disc.db --out bench/results/hypothesis_list.md
    python bench/hypothesis_list.py --garden /tmp/big/disc.db --until 2025-09-30 --to 2025-12-31

bench/discovery.py measures how well each source's partners are ranked. This measures the list a
researcher reads: the top K pairs over the 100 most salient sources. The graph comes from papers
dated up to 2025-12-31 (``--until``); the sources are its most salient concepts (paper count x
specificity, multi-word names x 1.5, in the graph's papers); and for each listed pair we ask
whether a later paper (up to ``--to``) mentions both. Frequent concepts meet by chance, so each
pair's chance is also computed from its two concepts' paper counts in the later papers alone,
1 - exp(-n_a n_b / N) for N later papers; lift is met / chance. The baseline is the previous
ranking, plausibility x novelty (interest.v0, re-implemented here), beside kgarden's
(graph/hypotheses.py, called as `kgarden hypotheses` calls it), in the same run on the same
graph and sources.
"""

from __future__ import annotations

import argparse
import math
import statistics
from pathlib import Path
from typing import Any

import numpy as np
from _common import emit, garden_missing
from discovery import later_mentions, new_pairs

from kgarden import Garden, load_settings
from kgarden.graph import hypotheses
from kgarden.graph.linkpred import ConceptGraph, features, plausibility

Array = np.ndarray[Any, Any]
SIZES = (20, 100)


def salient_sources(graph: ConceptGraph, specific: Array, names: dict[int, str]) -> list[int]:
    """The 100 most salient nodes, by the store's salience formula on the graph's papers."""
    papers = graph.paper_counts.astype(float)
    words = np.array([1.5 if " " in names[int(i)] else 1.0 for i in graph.ids])
    salience = papers * specific * words * (1 - 0.5 * papers / graph.incidence.shape[0])
    return [int(i) for i in np.argsort(-salience, kind="stable")[:hypotheses.SOURCES]]


def previous_ranking(conn: Any, graph: ConceptGraph, sources: list[int], cache: Any, n: int,
                     names: dict[int, str]) -> list[tuple[int, int]]:
    """interest.v0: plausibility x novelty, every partner, nested names left out."""
    vectors = cache.get(conn, "concept")
    best: dict[tuple[int, int], float] = {}
    for start in range(0, len(sources), 50):
        batch = sources[start:start + 50]
        f = features(graph, batch, vectors)
        raw = plausibility(f)
        for row, a in enumerate(batch):
            ok = (~f.linked[row]) & (f.common[row] > 0)
            score = np.where(ok, raw[row] - np.log1p(np.log1p(f.common[row])), -np.inf)
            for b in hypotheses._best(score, n):
                if np.isfinite(score[b]):
                    key = (min(a, int(b)), max(a, int(b)))
                    best[key] = max(best.get(key, -np.inf), float(score[b]))
    out: list[tuple[int, int]] = []
    for a, b in sorted(best, key=lambda k: (-best[k], k)):
        x, y = (f" {names[int(graph.ids[i])].casefold()} " for i in (a, b))
        if x not in y and y not in x:
            out.append((a, b))
    return out[:n]


def measure(pairs: list[tuple[int, int]], future: dict[int, set[int]], counts: Array, total: int,
            graph: ConceptGraph, specific: Array) -> list[str]:
    met = sum(1 for a, b in pairs if b in future.get(a, ()) or a in future.get(b, ()))
    chance = sum(1 - math.exp(-counts[a] * counts[b] / total) for a, b in pairs)
    ends = [x for pair in pairs for x in pair]
    papers = graph.paper_counts
    return [f"{100 * met / len(pairs):.0f}", f"{100 * chance / len(pairs):.0f}",
            f"{met / max(chance, 1e-9):.2f}",
            f"{statistics.median(int(papers[x]) for x in ends):,}",
            f"{100 * float(np.mean(specific[ends] < 0.5)):.0f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--garden", type=Path, required=True)
    parser.add_argument("--until", default="2025-12-31", help="the graph's last day")
    parser.add_argument("--to", default=None, help="the later papers' last day (default: all)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if garden_missing(args.garden):
        return
    settings = load_settings({"embed_on_ingest": False}, env={})
    with Garden.open(args.garden, settings=settings) as garden:
        conn = garden.conn
        graph = ConceptGraph.build(conn, min_papers=hypotheses.MIN_PAPERS, until=args.until)
        paper, node, total = later_mentions(garden, graph, args.until, args.to)
        future = new_pairs(graph, paper, node)
        counts = np.bincount(node, minlength=len(graph)).astype(float)
        names = hypotheses._names(conn, [int(i) for i in graph.ids])
        specific = hypotheses.node_specificity(conn, graph)
        sources = salient_sources(graph, specific, names)
        largest = max(SIZES)
        # as deep as `kgarden hypotheses --n K` asks (4K); their first K are the ranking's top K
        candidates = hypotheses._candidates(graph, sources, garden._indexes, conn, 4 * largest)
        lists = {
            "plausibility x novelty (interest.v0, the previous ranking)":
                previous_ranking(conn, graph, sources, garden._indexes, largest, names),
            f"kgarden ({hypotheses.LIST_RANKING}: x specificity / popularity)":
                [(a, b) for a, b, _ in candidates[:largest]],
        }
        # as `kgarden hypotheses --n K` lists them: no concept in more than its share of K
        spread = {k: [(a, b) for a, b, _ in hypotheses.spread(
            candidates, hypotheses.per_concept_cap(k))][:k] for k in SIZES}
    later = f"after {args.until}" + (f" up to {args.to}" if args.to else "")
    lines = [f"graph to {args.until}: {len(graph):,} concepts in {graph.incidence.shape[0]:,}"
             f" papers; {len(sources)} salient sources; {total:,} papers dated {later}", "",
             "| ranking | top K | met later % | chance % | lift (met / chance) |"
             " median papers of a concept | everyday-word concepts % |",
             "| :--- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, pairs in lists.items():
        for k in SIZES:
            cells = measure(pairs[:k], future, counts, total, graph, specific)
            lines.append(f"| {name} | {k} | " + " | ".join(cells) + " |")
    listed = f"kgarden as listed ({hypotheses.LIST_RANKING}, a concept in at most" \
             f" {100 * hypotheses.PER_CONCEPT:.0f} % of K)"
    for k in SIZES:
        cells = measure(spread[k], future, counts, total, graph, specific)
        lines.append(f"| {listed} | {k} | " + " | ".join(cells) + " |")
    lists[f"{listed}, K = {SIZES[0]}"] = spread[SIZES[0]]
    for name, pairs in lists.items():
        lines += ["", f"Top 10, {name}:", ""]
        lines += [f"{i}. {names[int(graph.ids[a])]} | {names[int(graph.ids[b])]}"
                  + (" (met later)" if b in future.get(a, ()) or a in future.get(b, ()) else "")
                  for i, (a, b) in enumerate(pairs[:10], start=1)]
    emit("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
