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
  * embedding (``--embed``): then ``Garden.embed`` over the same garden (MiniLM vectors for
    every paper and for the concepts in >= 2 papers), timed apart: papers/s and total time;
  * incremental: at the size that measures it, the garden above holds N - 100 papers; the last
    100 are then added to copies of it, timed as a library call (model already loaded), as a
    fresh ``kgarden ingest --no-embed`` process and as a fresh ``kgarden ingest`` process that
    also embeds them (start-up and model loading included).
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

from _common import emit

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
    embed_s: float | None = None
    embedded_concepts: int = 0
    add100_library_s: float | None = None
    add100_cli_s: float | None = None
    add100_cli_embed_s: float | None = None

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


def run_size(n: int, workers: int, workdir: Path, incremental: bool, embed: bool,
             keep: Path | None) -> Row:
    subset = workdir / f"arxiv-{n}.jsonl"
    write_subset(DATA, n, subset)
    started = time.perf_counter()
    papers = read_files([subset], "jsonl")
    read_s = time.perf_counter() - started
    rest = papers[-100:] if incremental else []
    papers = papers[:-100] if incremental else papers
    settings = load_settings({"workers": workers}, env={})
    baseline = baseline_seconds(papers, workers, settings.spacy_model)

    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    garden_path = (keep or workdir) / f"garden-{len(papers)}.db"
    with Garden.create(garden_path, settings=settings) as garden:
        started = time.perf_counter()
        report = garden.ingest_papers(papers, embed=False)
        kgarden_s = time.perf_counter() - started
        row = Row(len(papers), read_s, baseline, kgarden_s, peak_mb(resource.RUSAGE_SELF),
                  peak_mb(resource.RUSAGE_CHILDREN), garden_path.stat().st_size / 2**20)
        if embed:
            started = time.perf_counter()
            embedded = garden.embed()
            row.embed_s = time.perf_counter() - started
            row.embedded_concepts = embedded.concepts
    assert report.extracted == len({p.id for p in papers}), report

    if incremental:
        copies = [workdir / f"{name}.db" for name in ("library", "cli", "cli-embed")]
        for copy in copies:
            copy.write_bytes(garden_path.read_bytes())
        with Garden.open(copies[0], settings=settings) as garden:
            started = time.perf_counter()
            added = garden.ingest_papers(rest, embed=False)
            row.add100_library_s = time.perf_counter() - started
        assert added.extracted == 100, added
        last100 = workdir / "last100.jsonl"
        write_subset(DATA, 100, last100, skip=n - 100)
        kgarden = Path(sys.executable).parent / "kgarden"
        for copy, flags in ((copies[1], ["--no-embed"]), (copies[2], [])):
            if not flags and not embed:
                continue
            started = time.perf_counter()
            subprocess.run([kgarden, "ingest", last100, "-g", copy, *flags],
                           check=True, capture_output=True)
            seconds = time.perf_counter() - started
            if flags:
                row.add100_cli_s = seconds
            else:
                row.add100_cli_embed_s = seconds
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
    embedded = [r for r in rows if r.embed_s is not None]
    if embedded:
        lines += ["", "| papers | concepts embedded | embedding s | papers/s with their concepts "
                      "| graph + vectors, minutes |", "|---:|---:|---:|---:|---:|"]
        for r in embedded:
            assert r.embed_s is not None
            lines.append(f"| {r.papers:,} | {r.embedded_concepts:,} | {r.embed_s:.0f} | "
                         f"{r.papers / r.embed_s:.1f} | {(r.kgarden_s + r.embed_s) / 60:.1f} |")
    incremental = [r for r in rows if r.add100_library_s is not None]
    if incremental:
        lines += ["", "| garden before | +100 papers, library call s | +100, `kgarden ingest "
                      "--no-embed` process s | +100, `kgarden ingest` (with vectors) process s |",
                  "|---:|---:|---:|---:|"]
        for r in incremental:
            with_vectors = "—" if r.add100_cli_embed_s is None else f"{r.add100_cli_embed_s:.2f}"
            lines.append(f"| {r.papers:,} | {r.add100_library_s:.2f} | "
                         f"{r.add100_cli_s:.2f} | {with_vectors} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 74_728])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--incremental-at", type=int, default=None,
                        help="size at which to time adding 100 papers (default: the largest)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--embed", action="store_true",
                        help="also time the embedding stage (MiniLM) on each garden")
    parser.add_argument("--keep", type=Path, default=None,
                        help="folder to keep the gardens in (e.g. for bench/search_latency.py)")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} not found")
        return
    rows = []
    incremental_at = args.incremental_at or max(args.sizes)
    with tempfile.TemporaryDirectory(prefix="kgarden-bench-") as tmp:
        for n in args.sizes:
            rows.append(run_size(n, args.workers, Path(tmp), n == incremental_at, args.embed,
                                 args.keep))
            print(json.dumps(rows[-1].__dict__), flush=True)
    text = table(rows, args.workers)
    emit(text, args.out)


if __name__ == "__main__":
    main()
