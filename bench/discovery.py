"""Discovery on a time split: predict which concept pairs papers will first mention together.

    kgarden ingest ../shared/data/arxiv/arxiv_daily_2025_2026.jsonl.gz -g /tmp/big/full.db
    python bench/discovery.py --garden /tmp/big/full.db --out bench/results/discovery.md
    python bench/discovery.py --garden /tmp/big/full.db --fit      # validation split only

The graph is built from the mentions of papers dated up to the split day only (concepts in >= 3
of those papers); the positives are the pairs of those concepts that a later paper mentions
together and no earlier one did. Every positive (a, b) is ranked among all concepts not yet
mentioned with a: MRR and Hits@K over positives, for common neighbours, Adamic-Adar and
preferential attachment on the sentence graph, common neighbours and Adamic-Adar on the paper
co-mention graph, the walk over papers, embedding cosine alone and kgarden's combination
(graph/linkpred.py), all in the same run.

* test split: graph to 2025-12-31, positives from 2026 papers (the figures reported);
* validation split (``--fit``): graph to 2025-09-30, positives from 2025-10..12 papers. The
  combination's weights are chosen there by coordinate ascent on MRR from linkpred.WEIGHTS
  (the walk over papers fixed at weight 1, each other weight moved in steps of 0.5, 0.25, 0.1
  while MRR rises), and printed (copy them into linkpred.WEIGHTS by hand).

The concept names and vectors come from the whole garden (a concept's vector is the embedding
of its name, so it holds nothing about when papers were written). A concept's context is the
mean vector of the graph's papers that mention it, so of papers up to the split day only; the
garden needs paper vectors for it (without them every context is equal and ranks nothing).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import emit, garden_missing

from kgarden import Garden, load_settings
from kgarden.graph import linkpred
from kgarden.graph.linkpred import ConceptGraph, Features, features, plausibility

Array = np.ndarray[Any, Any]
HITS = (10, 50, 100)
# the paper co-mention graph's measures are baselines, not tuned: they cost hypotheses 5 s
TUNED = ("cosine", "context", "growth", "adamic_adar", "preferential")
STEPS = (0.5, 0.25, 0.1)
V1 = {"adamic_adar": 1.0, "cosine": 1.0, "preferential": 0.3}  # the first combination
V2 = {"paper_walk": 1.0, "cosine": 2.0, "growth": 0.75, "adamic_adar": 0.5}  # before contexts


def later_mentions(garden: Garden, graph: ConceptGraph, after: str, until: str | None
                   ) -> tuple[Array, Array, int]:
    """(paper, node) of each graph node mentioned by a live paper dated in (after, until], one
    row per pair, and how many such papers there are (mentioning any concept)."""
    where = "p.date > ?" + (" AND p.date <= ?" if until else "")
    rows = np.array(garden.conn.execute(
        "SELECT DISTINCT m.paper_pk, m.concept_id FROM mentions m JOIN papers p"
        f" ON p.pk = m.paper_pk WHERE p.retracted = 0 AND {where}",
        [after, until] if until else [after]).fetchall(), dtype=np.int64).reshape(-1, 2)
    papers = len(np.unique(rows[:, 0]))
    rows = rows[np.isin(rows[:, 1], graph.ids)]
    return rows[:, 0], np.searchsorted(graph.ids, rows[:, 1]), papers


def positives(garden: Garden, graph: ConceptGraph, after: str, until: str | None
              ) -> dict[int, set[int]]:
    """node -> nodes first mentioned together with it by a paper dated in (after, until]."""
    paper, node, _ = later_mentions(garden, graph, after, until)
    return new_pairs(graph, paper, node)


def new_pairs(graph: ConceptGraph, paper: Array, node: Array) -> dict[int, set[int]]:
    """node -> nodes that these (paper, node) mentions put together and no paper of the graph
    did."""
    future = linkpred._co(paper, node, len(graph))
    future.data[:] = 1.0
    known = graph.binary_comentions()
    fresh = (future - future.multiply(known)).tocoo()  # pairs no earlier paper mentions
    out: dict[int, set[int]] = {}
    for a, b, v in zip(fresh.row, fresh.col, fresh.data, strict=True):
        if v > 0:
            out.setdefault(int(a), set()).add(int(b))
    return out


def ranks(score: Array, linked: Array, partners: list[set[int]]) -> list[float]:
    """The rank of each true partner among the source's candidates (ties: their mean rank)."""
    out: list[float] = []
    for row, wanted in enumerate(partners):
        s = np.where(linked[row], -np.inf, score[row])
        ordered = np.sort(s)
        mine = s[sorted(wanted)]
        above = np.searchsorted(ordered, mine, side="right")
        equal = above - np.searchsorted(ordered, mine, side="left") - 1
        out.extend((1 + len(s) - above + equal / 2).tolist())
    return out


def methods(f: Features, weights: dict[str, float] | None = None) -> dict[str, Array | None]:
    return {"common neighbours": f.common, "Adamic-Adar": f.adamic_adar,
            "preferential attachment": f.preferential,
            "common neighbours, paper graph": f.paper_common,
            "Adamic-Adar, paper graph": f.paper_adamic_adar,
            "walk over papers": f.paper_walk,
            "embedding cosine": f.cosine,
            "context cosine (papers' mean vectors)": f.context,
            "kgarden v1 (log Adamic-Adar + cosine + 0.3 log PA)": plausibility(f, V1),
            "kgarden v2 (log walk + 2 cosine + 0.75 growth + 0.5 log Adamic-Adar)":
                plausibility(f, V2),
            "kgarden (combined)": plausibility(f, weights)}


def mrr(r: list[float]) -> float:
    return statistics.fmean(1 / x for x in r)


class Split:
    """The graph, positives and features of one split, for sampled sources."""

    def __init__(self, garden: Garden, until: str, after_until: str | None, sources: int,
                 seed: int) -> None:
        started = time.perf_counter()
        self.graph = ConceptGraph.build(garden.conn, min_papers=3, until=until)
        build_s = time.perf_counter() - started
        future = positives(garden, self.graph, until, after_until)
        chosen = sorted(future)
        random.Random(seed).shuffle(chosen)
        chosen = chosen[:sources]
        vectors = garden._indexes.get(garden.conn, "concept")
        papers = garden._indexes.get(garden.conn, "paper")
        self.batches: list[tuple[Features, list[set[int]]]] = []
        for start in range(0, len(chosen), 50):
            batch = chosen[start:start + 50]
            self.batches.append((features(self.graph, batch, vectors, papers=papers,
                                          paper_graph=True),
                                 [future[a] for a in batch]))
        pairs = sum(len(future[a]) for a in chosen)
        self.info = (
            f"graph to {until}: {len(self.graph):,} concepts,"
            f" {self.graph.sentences.nnz // 2:,} sentence links, built in {build_s:.1f} s;"
            f" {len(future):,} concepts gain new partners after it; {len(chosen):,} of them"
            f" sampled (seed {seed}), {pairs:,} positive pairs")

    def results(self) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        for f, partners in self.batches:
            for name, score in methods(f).items():
                if score is not None:
                    out.setdefault(name, []).extend(ranks(score, f.linked, partners))
        return out

    def combined(self, weights: dict[str, float]) -> float:
        r: list[float] = []
        for f, partners in self.batches:
            r.extend(ranks(plausibility(f, weights), f.linked, partners))
        return mrr(r)


def fit(split: Split) -> tuple[dict[str, float], float, list[str]]:
    """Coordinate ascent on validation MRR from the current weights, the walk's fixed at 1
    (greedy ascent from a single feature can stop at a lower local best)."""
    weights = {"paper_walk": 1.0, **{k: 0.0 for k in TUNED}, **linkpred.WEIGHTS}
    best = split.combined(weights)
    log = [f"start {weights}: MRR x 1000 {1000 * best:.3f}"]
    for step in STEPS:
        improved = True
        while improved:
            improved = False
            for name in TUNED:
                for delta in (step, -step):
                    trial = {**weights, name: round(weights[name] + delta, 3)}
                    value = split.combined(trial)
                    if value > best + 1e-7:
                        best, weights, improved = value, trial, True
                        log.append(f"{name} -> {trial[name]}: MRR x 1000 {1000 * value:.3f}")
    return weights, best, log


def row(name: str, r: list[float], baseline: float) -> str:
    value = mrr(r)
    hits = " | ".join(f"{100 * sum(x <= k for x in r) / len(r):.1f}" for k in HITS)
    return f"| {name} | {1000 * value:.2f} | {value / baseline:.2f} | {hits} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--garden", type=Path, required=True)
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fit", action="store_true",
                        help="choose the weights on the validation split")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if garden_missing(args.garden):
        return
    settings = load_settings({"embed_on_ingest": False}, env={})
    with Garden.open(args.garden, settings=settings) as garden:
        if args.fit:
            split = Split(garden, "2025-09-30", "2025-12-31", args.sources, args.seed)
            print(split.info)
            baseline = mrr(split.results()["Adamic-Adar"])
            weights, best, log = fit(split)
            print("\n".join(log))
            current = split.combined(linkpred.WEIGHTS)
            print(f"validation MRR x 1000: Adamic-Adar {1000 * baseline:.3f}; chosen"
                  f" {weights} {1000 * best:.3f} ({best / baseline:.3f}x); linkpred.WEIGHTS"
                  f" {linkpred.WEIGHTS} {1000 * current:.3f} ({current / baseline:.3f}x)")
            return
        split = Split(garden, "2025-12-31", None, args.sources, args.seed)
        results = split.results()
    baseline = mrr(results["Adamic-Adar"])
    lines = [split.info, "",
             "| ranking | MRR x 1000 | / Adamic-Adar | Hits@10 % | Hits@50 % | Hits@100 % |",
             "| :--- | ---: | ---: | ---: | ---: | ---: |"]
    lines += [row(name, r, baseline) for name, r in results.items()]
    lines += ["", f"kgarden's weights: {linkpred.WEIGHTS}"]
    emit("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
