"""Time of the discovery commands on a large garden, as a user runs them.

    git worktree add /tmp/kg-base <commit>          # the implementation to compare against
    python bench/discovery_latency.py --garden /tmp/big/disc.db --baseline-src /tmp/kg-base/src \\
        --out bench/results/discovery_latency.md

Each command is run as ``kgarden ...`` in a fresh process (interpreter start and imports
included, as the user waits for them), ``--runs`` times, and the median reported. With
``--baseline-src`` the same commands also run against that source tree (put first on
``PYTHONPATH``), alternating with the current one, so both are measured in the same run on the
same machine. ``hypotheses`` writes to the garden's ledger: run it on a copy.

Targets (issue 4): ``report`` <= 60 s, ``path`` <= 1 s, ``hypotheses --n 20`` <= 10 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO_ROOT, emit, garden_missing, markdown_table

TARGETS = {"report": 60.0, "path": 1.0, "hypotheses": 10.0}
LAUNCH = "from kgarden.cli.app import main; main()"


def commands(garden: Path, out_dir: Path, pairs: list[tuple[str, str]]
             ) -> list[tuple[str, str, list[str]]]:
    """(target key, label, arguments) of every timed command."""
    out: list[tuple[str, str, list[str]]] = [
        ("report", "report --out DIR", ["report", "--out", str(out_dir), "-g", str(garden)]),
        ("hypotheses", "hypotheses --n 20",
         ["hypotheses", "--n", "20", "--json", "-g", str(garden)])]
    out += [("path", f"path {a!r} {b!r}", ["path", a, b, "--json", "-g", str(garden)])
            for a, b in pairs]
    return out


def timed(src: Path, args: list[str]) -> float:
    env = dict(os.environ, PYTHONPATH=str(src), KGARDEN_LLM_BASE_URL="")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", LAUNCH, *args], env=env,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"kgarden {' '.join(args)} failed ({src}):\n{done.stderr[-2000:]}")
    return seconds


def graph_builds(garden: Path, runs: int) -> str:
    """In one process: the link-prediction graph as hypotheses had it (re-derived from every
    mention, with the whole paper co-mention matrix) against the counts the store keeps."""
    import sqlite3

    from kgarden.graph.linkpred import ConceptGraph

    conn = sqlite3.connect(f"file:{garden}?mode=ro", uri=True)

    def previous() -> ConceptGraph:
        graph = ConceptGraph.from_mentions(conn, min_papers=3)
        graph.comentions()
        return graph

    def current() -> ConceptGraph:
        return ConceptGraph.from_counts(conn, min_papers=3)

    rows = []
    for label, build in (("from every mention + whole co-mention matrix (previous)", previous),
                         ("from the stored counts (current)", current)):
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            graph = build()
            seconds.append(time.perf_counter() - started)
        rows.append([label, f"{len(graph):,}", f"{graph.sentences.nnz // 2:,}",
                     f"{statistics.median(seconds):.2f}"])
    conn.close()
    return markdown_table(["link-prediction graph", "concepts", "sentence links",
                           f"s (median of {runs})"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--garden", type=Path, required=True)
    parser.add_argument("--baseline-src", type=Path, default=None,
                        help="the src/ folder of the implementation to compare against")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pair", nargs=2, action="append", metavar=("A", "B"),
                        help="concepts to join with `path` (repeatable)")
    parser.add_argument("--no-commands", action="store_true",
                        help="only the in-process graph builds")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if garden_missing(args.garden):
        return
    pairs = [tuple(p) for p in args.pair] if args.pair else [
        ("knowledge distillation", "medical image segmentation"),
        ("reinforcement learning", "diffusion model")]
    builds = graph_builds(args.garden, args.runs)
    if args.no_commands:
        emit(f"garden: {args.garden}\n\n{builds}", args.out)
        return
    trees = {"current": REPO_ROOT / "src"}
    if args.baseline_src is not None:
        trees = {"baseline": args.baseline_src.resolve(), **trees}
    with tempfile.TemporaryDirectory() as tmp:
        todo = commands(args.garden, Path(tmp) / "report", pairs)
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.runs):
            for _key, label, argv in todo:
                for tree, src in trees.items():
                    times.setdefault((label, tree), []).append(timed(src, argv))
    headers = ["command", *(f"{t} s (median of {args.runs})" for t in trees), "target s", "met"]
    rows = []
    for key, label, _ in todo:
        medians = [statistics.median(times[(label, t)]) for t in trees]
        rows.append([label, *(f"{m:.2f}" for m in medians), f"{TARGETS[key]:.0f}",
                     "yes" if medians[-1] <= TARGETS[key] else "no"])
    emit(f"garden: {args.garden}\n\n" + markdown_table(headers, rows) + f"\n\n{builds}",
         args.out)


if __name__ == "__main__":
    main()
