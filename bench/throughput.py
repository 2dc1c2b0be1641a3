"""Ingest throughput on the arXiv listing archive, beside spaCy's bare parser in the same run.

    python bench/throughput.py --sizes 10000 74728 --out bench/results/throughput.md

For each size N (the first N papers of ../shared/data/arxiv/arxiv_daily_2025_2026.jsonl.gz):
  * baseline: spaCy's ``nlp.pipe`` over the same texts kgarden parses (title + abstract), with
    the same components (tok2vec, tagger, parser) and ``n_process`` = workers: the parser's own
    speed limit, nothing written;
  * kgarden: ``Garden.ingest_papers`` into a new garden file with the same number of workers
    (planning, parsing, extraction, every SQLite write and index), reading excluded and reported
    apart;
  * ratio = kgarden time / baseline time; peak memory of the main process and of the largest
    worker (ru_maxrss);
  * incremental: a garden of N - 100 papers, then the last 100 added, timed both as a library
    call (model already loaded) and as a fresh ``kgarden ingest`` process (start-up included).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kgarden import Garden, load_settings, read_files
from kgarden.extract.nlp import FIELD_SEPARATOR, load_pipeline
from kgarden.extract.rules import sentence_case
from kgarden.models import Paper

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "arxiv" / "arxiv_daily_2025_2026.jsonl.gz"


@dataclass
class Row:
    papers: int
    read_s: float
    baseline_s: float
    kgarden_s: float
    main_peak_mb: float
    worker_peak_mb: float
    garden_mb: float
    add100_library_s: float | None = None
    add100_cli_s: float | None = None

    @property
    def ratio(self) -> float:
        return self.kgarden_s / self.baseline_s


def write_subset(source: Path, n: int, target: Path, skip: int = 0) -> None:
    """The first ``n`` lines after ``skip`` of the gzipped archive, as plain JSON Lines."""
    with gzip.open(source, "rt", encoding="utf-8") as src, \
            target.open("w", encoding="utf-8") as out:
        for i, line in enumerate(src):
            if i < skip:
                continue
            if i >= skip + n:
                break
            out.write(line)


def baseline_seconds(papers: list[Paper], workers: int, model: str) -> float:
    nlp = load_pipeline(model)
    texts = [sentence_case(p.title) + FIELD_SEPARATOR + p.abstract for p in papers]
    list(nlp.pipe(texts[:50]))  # warm up
    started = time.perf_counter()
    for _ in nlp.pipe(texts, n_process=workers, batch_size=64):
        pass
    return time.perf_counter() - started


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def run_size(n: int, workers: int, workdir: Path, incremental: bool) -> Row:
    subset = workdir / f"arxiv-{n}.jsonl"
    write_subset(DATA, n, subset)
    started = time.perf_counter()
    papers = read_files([subset], "jsonl")
    read_s = time.perf_counter() - started
    settings = load_settings({"workers": workers}, env={})
    baseline = baseline_seconds(papers, workers, settings.spacy_model)

    garden_path = workdir / f"garden-{n}.db"
    with Garden.create(garden_path, settings=settings) as garden:
        started = time.perf_counter()
        report = garden.ingest_papers(papers)
        kgarden_s = time.perf_counter() - started
    assert report.extracted == len({p.id for p in papers}), report
    row = Row(n, read_s, baseline, kgarden_s, peak_mb(resource.RUSAGE_SELF),
              peak_mb(resource.RUSAGE_CHILDREN), garden_path.stat().st_size / 2**20)

    if incremental:
        base_path = workdir / f"garden-{n}-minus100.db"
        with Garden.create(base_path, settings=settings) as garden:
            garden.ingest_papers(papers[:-100])
        library_copy = workdir / "library.db"
        cli_copy = workdir / "cli.db"
        for copy in (library_copy, cli_copy):
            copy.write_bytes(base_path.read_bytes())
        with Garden.open(library_copy, settings=settings) as garden:
            started = time.perf_counter()
            added = garden.ingest_papers(papers[-100:])
            row.add100_library_s = time.perf_counter() - started
        assert added.extracted == 100, added
        last100 = workdir / "last100.jsonl"
        write_subset(DATA, 100, last100, skip=n - 100)
        started = time.perf_counter()
        subprocess.run([Path(sys.executable).parent / "kgarden", "ingest", last100, "-g", cli_copy],
                       check=True, capture_output=True)
        row.add100_cli_s = time.perf_counter() - started
    return row


def table(rows: list[Row], workers: int) -> str:
    lines = [
        f"Machine: {os.cpu_count()} CPU cores, {platform.python_implementation()} "
        f"{platform.python_version()}; workers = {workers}.",
        "",
        "| papers | read s | spaCy nlp.pipe s (baseline) | kgarden ingest s | kgarden papers/s "
        "| ratio kgarden/baseline | peak MB main / worker | garden MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.papers:,} | {r.read_s:.1f} | {r.baseline_s:.1f} "
            f"({r.papers / r.baseline_s:.0f} papers/s) | {r.kgarden_s:.1f} | "
            f"{r.papers / r.kgarden_s:.0f} | {r.ratio:.2f} | {r.main_peak_mb:.0f} / "
            f"{r.worker_peak_mb:.0f} | {r.garden_mb:.0f} |"
        )
    incremental = [r for r in rows if r.add100_library_s is not None]
    if incremental:
        lines += ["", "| garden before | +100 papers, library call s | +100 papers, "
                      "`kgarden ingest` process s |", "|---:|---:|---:|"]
        for r in incremental:
            lines.append(f"| {r.papers - 100:,} | {r.add100_library_s:.2f} | "
                         f"{r.add100_cli_s:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 74_728])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--incremental-at", type=int, default=None,
                        help="size at which to time adding 100 papers (default: the largest)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} not found")
        return
    rows = []
    incremental_at = args.incremental_at or max(args.sizes)
    with tempfile.TemporaryDirectory(prefix="kgarden-bench-") as tmp:
        for n in args.sizes:
            rows.append(run_size(n, args.workers, Path(tmp), incremental=n == incremental_at))
            print(json.dumps(rows[-1].__dict__), flush=True)
    text = table(rows, args.workers)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
