"""Discovery on a time split: predict which concept pairs papers will first mention together.

    python bench/throughput.py --sizes 74728 --embed --keep /tmp/big   # builds the garden
    python bench/discovery.py --garden /tmp/big/garden-74628.db --out bench/results/discovery.md

The graph is built from the mentions of papers dated up to the split day only (concepts in >= 3
of those papers, joined when a sentence holds both); the positives are the pairs of those
concepts that a later paper mentions together and no earlier one did. Every positive (a, b) is
ranked among all concepts not yet mentioned with a: MRR and Hits@K over positives, for common
neighbours, Adamic-Adar, preferential attachment, embedding cosine alone and kgarden's
combination (graph/linkpred.py), all in the same run.

* test split: graph to 2025-12-31, positives from 2026 papers (the figures reported);
* validation split (``--fit``): graph to 2025-09-30, positives from 2025-10..12 papers; a grid
  of combination weights is scored there and the best printed (copy it into linkpred.WEIGHTS).

The concept names and vectors come from the whole garden (a concept's vector is the embedding
of its name, so it holds nothing about when papers were written).
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import emit

from kgarden import Garden, load_settings
from kgarden.graph import linkpred
from kgarden.graph.linkpred import ConceptGraph, Features, features, plausibility

Array = np.ndarray[Any, Any]
HITS = (10, 50, 100)


def positives(garden: Garden, graph: ConceptGraph, after: str, until: str | None
              ) -> dict[int, set[int]]:
    """node -> nodes first mentioned together with it by a paper dated in (after, until]."""
    where = "p.date > ?" + (" AND p.date <= ?" if until else "")
    rows = np.array(garden.conn.execute(
        "SELECT DISTINCT m.paper_pk, m.concept_id FROM mentions m JOIN papers p"
        f" ON p.pk = m.paper_pk WHERE p.retracted = 0 AND {where}",
        [after, until] if until else [after]).fetchall(), dtype=np.int64).reshape(-1, 2)
    rows = rows[np.isin(rows[:, 1], graph.ids)]
    node = np.searchsorted(graph.ids, rows[:, 1])
    future = linkpred._co(rows[:, 0], node, len(graph)).tocoo()
    out: dict[int, set[int]] = {}
    known = graph.papers.tocsr()
    for a, b in zip(future.row, future.col, strict=True):
        if a != b and known[a, b] == 0:
            out.setdefault(int(a), set()).add(int(b))
    return out


def ranks(score: Array, linked: Array, partners: list[set[int]]) -> list[float]:
    """The rank of each true partner among the source's candidates (ties: their mean rank)."""
    out: list[float] = []
    for row, wanted in enumerate(partners):
        s = np.where(linked[row], -np.inf, score[row])
        for b in wanted:
            greater = int((s > s[b]).sum())
            equal = int((s == s[b]).sum()) - 1
            out.append(1 + greater + equal / 2)
    return out


def methods(f: Features, weights: dict[str, float] | None = None) -> dict[str, Array]:
    if weights is not None:
        saved = dict(linkpred.WEIGHTS)
        linkpred.WEIGHTS.update(weights)
        combined = plausibility(f)
        linkpred.WEIGHTS.update(saved)
    else:
        combined = plausibility(f)
    return {"common neighbours": f.common, "Adamic-Adar": f.adamic_adar,
            "preferential attachment": f.preferential, "embedding cosine": f.cosine,
            "kgarden (combined)": combined}


def evaluate(garden: Garden, until: str, after_until: str | None, sources: int, seed: int,
             grid: list[dict[str, float]] | None = None) -> tuple[dict[str, list[float]], str]:
    started = time.perf_counter()
    graph = ConceptGraph.build(garden.conn, min_papers=3, until=until)
    build_s = time.perf_counter() - started
    future = positives(garden, graph, until, after_until)
    chosen = sorted(future)
    random.Random(seed).shuffle(chosen)
    chosen = chosen[:sources]
    vectors = garden._indexes.get(garden.conn, "concept")
    results: dict[str, list[float]] = {}
    for start in range(0, len(chosen), 50):
        batch = chosen[start:start + 50]
        f = features(graph, batch, vectors)
        partners = [future[a] for a in batch]
        if grid is None:
            for name, score in methods(f).items():
                results.setdefault(name, []).extend(ranks(score, f.linked, partners))
        else:
            for i, weights in enumerate(grid):
                score = methods(f, weights)["kgarden (combined)"]
                results.setdefault(str(i), []).extend(ranks(score, f.linked, partners))
    pairs = sum(len(future[a]) for a in chosen)
    info = (f"graph to {until}: {len(graph):,} concepts, {graph.sentences.nnz // 2:,} sentence"
            f" links, built in {build_s:.1f} s; {len(future):,} concepts gain new partners"
            f" after it; {len(chosen):,} of them sampled (seed {seed}), {pairs:,} positive pairs")
    return results, info


def row(name: str, r: list[float], baseline: float) -> str:
    mrr = statistics.fmean(1 / x for x in r)
    hits = " | ".join(f"{100 * sum(x <= k for x in r) / len(r):.1f}" for k in HITS)
    return f"| {name} | {1000 * mrr:.2f} | {mrr / baseline:.2f} | {hits} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--garden", type=Path, required=True)
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fit", action="store_true", help="score a weight grid on validation")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if not args.garden.exists():
        print(f"skipped: {args.garden} not found (build it with bench/throughput.py --keep)")
        return
    settings = load_settings({"embed_on_ingest": False}, env={})
    with Garden.open(args.garden, settings=settings) as garden:
        if args.fit:
            grid = [{"adamic_adar": 1.0, "cosine": c, "preferential": p}
                    for c, p in itertools.product((0.0, 0.5, 1.0, 2.0, 4.0),
                                                  (0.0, 0.15, 0.3, 0.5, 1.0, 2.0))]
            results, info = evaluate(garden, "2025-09-30", "2025-12-31", args.sources,
                                     args.seed, grid)
            print(info)
            for i, weights in enumerate(grid):
                print(weights, f"MRR {1000 * statistics.fmean(1 / x for x in results[str(i)]):.2f}")
            return
        results, info = evaluate(garden, "2025-12-31", None, args.sources, args.seed)
    baseline = statistics.fmean(1 / x for x in results["Adamic-Adar"])
    lines = [info, "",
             "| ranking | MRR x 1000 | / Adamic-Adar | Hits@10 % | Hits@50 % | Hits@100 % |",
             "| :--- | ---: | ---: | ---: | ---: | ---: |"]
    lines += [row(name, r, baseline) for name, r in results.items()]
    emit("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
