"""Search and ask latency on a large garden, and exact against approximate vector indexes.

    python bench/throughput.py --sizes 74728 --embed --keep /tmp/big   # builds the garden
    python bench/search_latency.py --garden /tmp/big/garden-74628.db --out bench/results/latency.md

* warm: one open ``Garden``; ``search`` (k = 10, with best sentences) and offline ``ask`` over
  seeded random queries: titles of papers in the garden (search) and questions naming two
  frequent concepts (ask, which also finds the relation path); p50 / p95 / max after warm-up;
* cold: a fresh ``kgarden search`` / ``kgarden ask`` process (imports, model load, index load);
* vector index: exact cosine (numpy) against HNSW (hnswlib, usearch, FAISS) and FAISS IVF-Flat,
  on the garden's own paper and concept vectors (and, with ``--million``, on 1M vectors made
  from them with small noise): build time, ms per single query, recall@10 against exact. The
  approximate libraries are measured only if installed (``pip install hnswlib usearch
  faiss-cpu``).
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _common import emit, garden_missing

from kgarden import Garden, load_settings
from kgarden.embed.base import get_embedder
from kgarden.embed.index import VectorIndex
from kgarden.embed.vectors import load_vectors
from kgarden.search.lexical import TABLES, bm25_top, term_stats
from kgarden.search.query import ParsedQuery, parse_query


def percentiles(seconds: list[float]) -> str:
    ms = sorted(1000 * s for s in seconds)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return f"{statistics.median(ms):.1f} | {p95:.1f} | {ms[-1]:.1f}"


def timed(fn: Callable[[str], Any], queries: list[str]) -> list[float]:
    for q in queries[:5]:
        fn(q)  # warm-up: caches, index load
    out = []
    for q in queries:
        started = time.perf_counter()
        fn(q)
        out.append(time.perf_counter() - started)
    return out


def bm25_rows(garden: Garden, queries: list[str]) -> list[str]:
    """kgarden's two-stage BM25 against the plain FTS5 OR-query: time and top-k agreement."""
    conn = garden.conn
    parsed = [parse_query(q) for q in queries]

    def plain(q: ParsedQuery) -> list[int]:
        return [int(r[0]) for r in conn.execute(
            f"SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY {TABLES['papers_fts']}"
            " LIMIT 100", (q.fts,))]

    def two_stage(q: ParsedQuery) -> list[int]:
        return [pk for pk, _ in bm25_top(conn, "papers_fts", q, term_stats(conn, "papers_fts", q),
                                         100)]

    rows = ["| BM25 over papers, top 100 | p50 ms | p95 ms | max ms | same top 10 | same top 100 |",
            "| :--- | ---: | ---: | ---: | ---: | ---: |"]
    full = {q.text: plain(q) for q in parsed}
    for name, fn in (("plain FTS5 OR-query (baseline)", plain),
                     ("rare terms, then rare AND common (kgarden)", two_stage)):
        times = timed(lambda text, fn=fn: fn(parse_query(text)), queries)  # type: ignore[misc]
        top10 = statistics.fmean(len(set(fn(q)[:10]) & set(full[q.text][:10]))
                                 / max(1, min(10, len(full[q.text]))) for q in parsed)
        top100 = statistics.fmean(len(set(fn(q)) & set(full[q.text]))
                                  / max(1, len(full[q.text])) for q in parsed)
        rows.append(f"| {name} | {percentiles(times)} | {100 * top10:.1f} % | "
                    f"{100 * top100:.1f} % |")
    return rows


def cold(args: list[str], runs: int = 3) -> float:
    kgarden = Path(sys.executable).parent / "kgarden"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([kgarden, *args], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def index_rows(base: np.ndarray[Any, Any], queries: np.ndarray[Any, Any], label: str
               ) -> list[str]:
    k = 10
    exact_started = time.perf_counter()
    index = VectorIndex(np.arange(len(base), dtype=np.int64), base)  # kgarden's own index
    exact = [[item for item, _ in index.search(q, k)] for q in queries]
    exact_ms = 1000 * (time.perf_counter() - exact_started) / len(queries)
    rows = [f"| {label} | exact (numpy, kgarden's VectorIndex) | 0.0 | {exact_ms:.2f} | 100.0 |"]

    def measure(name: str, build: Callable[[], Any], search: Callable[[Any, Any], Any]) -> None:
        started = time.perf_counter()
        index = build()
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        found = [search(index, q) for q in queries]
        ms = 1000 * (time.perf_counter() - started) / len(queries)
        recall = statistics.fmean(len(set(map(int, f)) & set(map(int, e))) / k
                                  for f, e in zip(found, exact, strict=True))
        rows.append(f"| {label} | {name} | {build_s:.1f} | {ms:.2f} | {100 * recall:.1f} |")

    dim = base.shape[1]
    try:
        import hnswlib

        def build_hnswlib() -> Any:
            index = hnswlib.Index(space="ip", dim=dim)
            index.init_index(max_elements=len(base), ef_construction=100, M=16)
            index.add_items(base, np.arange(len(base)))
            index.set_ef(64)
            return index
        measure("HNSW (hnswlib, M=16, ef=64)", build_hnswlib,
                lambda ix, q: ix.knn_query(q, k=k)[0][0])
    except ImportError:
        pass
    try:
        from usearch.index import Index

        def build_usearch() -> Any:
            index = Index(ndim=dim, metric="ip", connectivity=16, expansion_add=100,
                          expansion_search=64)
            index.add(np.arange(len(base)), base)
            return index
        measure("HNSW (usearch, M=16, ef=64)", build_usearch,
                lambda ix, q: ix.search(q, k).keys)
    except ImportError:
        pass
    try:
        import faiss

        def build_ivf() -> Any:
            lists = max(16, int(4 * np.sqrt(len(base))))
            quantizer = faiss.IndexFlatIP(dim)
            index = faiss.IndexIVFFlat(quantizer, dim, lists, faiss.METRIC_INNER_PRODUCT)
            index.train(base)
            index.add(base)
            index.nprobe = 16
            return index
        measure("IVF-Flat (FAISS, nprobe=16)", build_ivf,
                lambda ix, q: ix.search(q.reshape(1, -1), k)[1][0])
    except ImportError:
        pass
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--garden", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--million", action="store_true",
                        help="also compare indexes on 1M vectors (builds take many minutes)")
    args = parser.parse_args()
    if garden_missing(args.garden, "build it with bench/throughput.py --keep"):
        return
    rng = random.Random(args.seed)
    settings = load_settings({"embed_on_ingest": False}, env={})
    lines: list[str] = []
    with Garden.open(args.garden, settings=settings) as garden:
        status = garden.vectors()
        titles = [r[0] for r in garden.conn.execute("SELECT title FROM papers ORDER BY pk")]
        frequent = [r[0] for r in garden.conn.execute(
            "SELECT name FROM concepts WHERE kind = 'concept' AND paper_count >= 20"
            " AND words > 1")]
        searches = rng.sample(titles, args.queries)
        questions = [f"How is {a} related to {b}?"
                     for a, b in (rng.sample(frequent, 2) for _ in range(args.queries // 2))]
        questions += [f"What is known about {t.rstrip('.')}?"
                      for t in rng.sample(titles, args.queries - len(questions))]
        search_s = timed(lambda q: garden.search(q, k=10), searches)
        bm25_s = timed(lambda q: garden.search(q, k=10, mode="bm25"), searches)
        ask_s = timed(lambda q: garden.ask(q, use_llm=False), questions)
        embed_s = timed(lambda q: get_embedder(settings.embedder).embed([q]), searches)
        lexical_rows = bm25_rows(garden, searches)
        paper_ids, papers = load_vectors(garden.conn, "paper")
        _, concepts = load_vectors(garden.conn, "concept")
    lines += [
        f"Garden: {status.papers_live:,} papers ({status.papers:,} with vectors), "
        f"{status.concepts:,} concept vectors; {args.queries} queries, seed {args.seed}.", "",
        "| warm, in one process | p50 ms | p95 ms | max ms |", "| :--- | ---: | ---: | ---: |",
        f"| search, hybrid (k=10, with best sentences) | {percentiles(search_s)} |",
        f"| search, BM25 only (k=10, with best sentences) | {percentiles(bm25_s)} |",
        f"| ask, offline (with relation path) | {percentiles(ask_s)} |",
        f"| of which: embedding one query (MiniLM) | {percentiles(embed_s)} |", "",
        *lexical_rows, "",
    ]
    print("\n".join(lines), flush=True)
    query = searches[0]
    lines += [
        "| cold: a fresh process | median of 3, s |", "| :--- | ---: |",
        f"| `kgarden search` | {cold(['search', query, '-g', str(args.garden), '--json']):.2f} |",
        f"| `kgarden ask` | {cold(['ask', questions[0], '-g', str(args.garden), '--json']):.2f} |",
        f"| `kgarden status` (no model) | {cold(['status', '-g', str(args.garden)]):.2f} |", "",
    ]
    query_vectors = get_embedder(settings.embedder).embed(searches[:100])
    lines += ["| vectors | index | build s | ms/query | recall@10 |",
              "| :--- | :--- | ---: | ---: | ---: |"]
    lines += index_rows(papers, query_vectors, f"{len(paper_ids):,} papers")
    both = np.vstack([papers, concepts]) if concepts.size else papers
    lines += index_rows(both, query_vectors, f"{len(both):,} papers + concepts")
    if not args.million:
        emit("\n".join(lines), args.out)
        return
    noise_rng = np.random.default_rng(args.seed)
    repeats = -(-1_000_000 // len(both))
    million = np.vstack([both] * repeats)[:1_000_000]
    million = million + noise_rng.normal(0, 0.02, million.shape).astype(np.float32)
    million /= np.linalg.norm(million, axis=1, keepdims=True)
    lines += index_rows(million.astype(np.float32), query_vectors, "1,000,000 (garden + noise)")
    text = "\n".join(lines)
    emit(text, args.out)


if __name__ == "__main__":
    main()
