"""Embedding speed by batch shape: a fixed 64 texts a forward pass against a word-piece budget.

    python bench/embed_batches.py --papers 1024 --out bench/results/embed_batches.md

The first N papers of the arXiv archive are ingested into a new garden (graph only), and the
three kinds of text kgarden embeds are timed: paper texts (title and abstract, cut at 256 word
pieces), passages (``embed_passages``: abstracts in sentence passages of at most 126), and
concept names. Each is embedded in calls of 256 texts (``embed_batch_size``), as ``kgarden
embed`` does, once per batch shape, the shapes alternated and repeated; the rate is the better
of the repeats. The baseline is 64 texts a pass, longest first (what sentence-transformers does
with kgarden's former batch size of 64); the others cap a pass at a number of word pieces
(texts x the longest, padding included; ``TOKENS_PER_BATCH``), at most 64 texts.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from _common import emit, find_data, markdown_table

from kgarden import Garden, load_settings
from kgarden.embed import minilm
from kgarden.embed.base import get_embedder
from kgarden.embed.passages import passages_of
from kgarden.embed.vectors import paper_text
from kgarden.models import make_paper

BASELINE = 10**9  # no budget: 64 texts a pass


def rate(texts: Sequence[str], budget: int, precision: str) -> float:
    embedder = get_embedder("minilm")
    minilm.TOKENS_PER_BATCH = budget
    started = time.perf_counter()
    for first in range(0, len(texts), 256):
        embedder.embed(texts[first:first + 256], precision=precision)
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None, help="the data folder (default ../shared/data)")
    parser.add_argument("--papers", type=int, default=1024)
    parser.add_argument("--budgets", type=int, nargs="+", default=[1024, 2048, 4096])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--precision", default="auto", help="float32, bfloat16 or auto")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    source = find_data(args.data, "arxiv", "arxiv_daily_2025_2026.jsonl.gz")
    if source is None:
        return
    papers = []
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            papers.append(make_paper(title=record["title"], abstract=record["abstract"],
                                     source="arxiv", id_hint=record["id"]))
            if len(papers) == args.papers:
                break
    settings = load_settings({"embed_on_ingest": False}, env={})
    with tempfile.TemporaryDirectory(prefix="kgarden-batches-") as tmp, \
            Garden.create(Path(tmp) / "g.db", settings=settings) as garden:
        garden.ingest_papers(papers, embed=False)
        conn = garden.conn
        embedder = get_embedder("minilm")
        kinds = {
            "paper texts": [paper_text(t, a) for t, a in conn.execute(
                "SELECT title, abstract FROM papers ORDER BY pk")],
            "passages": [p.text for _, items in passages_of(conn, embedder, [
                (int(r[0]), str(r[1]), str(r[2])) for r in conn.execute(
                    "SELECT pk, title, content_hash FROM papers ORDER BY pk")])
                for p in items],
            "concept names": [str(r[0]) for r in conn.execute(
                "SELECT name FROM concepts WHERE kind = 'concept' ORDER BY id")],
        }
        rate(kinds["paper texts"][:64], BASELINE, args.precision)  # warm-up
        shapes = [BASELINE, *args.budgets]
        rows = []
        for kind, texts in kinds.items():
            best = dict.fromkeys(shapes, 0.0)
            for _ in range(args.repeats):
                for shape in shapes:
                    best[shape] = max(best[shape], rate(texts, shape, args.precision))
            rows.append([kind, f"{len(texts):,}",
                         *(f"{best[s]:.1f}" for s in shapes),
                         *(f"{best[s] / best[BASELINE]:.2f}x" for s in args.budgets)])
    headers = ["texts", "count", "64 a pass (baseline), /s",
               *(f"budget {b}, /s" for b in args.budgets),
               *(f"budget {b} / baseline" for b in args.budgets)]
    cpu = platform.processor() or platform.machine()
    lines = [f"{args.papers:,} arXiv papers; {os.cpu_count()} cores ({cpu}); precision "
             f"{args.precision}; best of {args.repeats} alternated runs.", "",
             markdown_table(headers, rows)]
    emit("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
