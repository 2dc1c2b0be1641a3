"""Retrieval quality on SciFact: BM25 alone, dense alone and fused, in one run.

    python bench/scifact_eval.py --out bench/results/scifact.md

The 5,183 SciFact abstracts are ingested into a new garden (titles and abstracts; the abstract's
sentences joined by spaces) and embedded; each of the 809 training claims is a query, and the
abstracts it cites (``cited_doc_ids``) are its relevant documents (binary relevance, as in
BEIR). For every retrieval mode the script reports nDCG@10 and Recall@100, averaged over claims,
plus the mean query time. nDCG@10 is also given on the claims at even positions of the file (on
which the weight of the convex fusion was chosen) and on those at odd positions (held out).
``--lengths`` embeds the garden once per maximum input length of the embedder (word pieces),
and ``--precisions`` once per arithmetic (float32, bfloat16), to weigh quality against
embedding speed; where two precisions embed at the same length, the cosine between each
abstract's two vectors is reported too. ``--passages`` then adds passage vectors (setting
``embed_passages``) to the last garden and reports the three rows again with them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from _common import emit, find_data, ndcg_at, recall_at

from kgarden import Garden, load_settings
from kgarden.embed.vectors import load_vectors, reset_vectors
from kgarden.models import Paper, make_paper
from kgarden.search.retrieve import Retriever

MODES = ("bm25", "dense", "hybrid")


@dataclass
class Scores:
    system: str
    ndcg10: float
    ndcg10_even: float
    ndcg10_odd: float
    recall100: float
    ms_per_query: float


def load(data: str | None) -> tuple[list[dict[str, object]], list[dict[str, object]]] | None:
    """SciFact's corpus and training claims from ``data``/scifact (default ../shared/data),
    or None, after printing "skipped: ...", when the folder is absent."""
    folder = find_data(data, "scifact")
    if folder is None:
        return None
    with (folder / "corpus.jsonl").open(encoding="utf-8") as handle:
        corpus = [json.loads(line) for line in handle if line.strip()]
    with (folder / "claims_train.jsonl").open(encoding="utf-8") as handle:
        claims = [json.loads(line) for line in handle if line.strip()]
    return corpus, claims


def parse_and_load(parser: argparse.ArgumentParser) -> tuple[
        argparse.Namespace, list[dict[str, object]], list[dict[str, object]]] | None:
    """``parser``'s arguments, with the two every SciFact script takes (``--data``, ``--out``),
    and SciFact's corpus and claims from ``--data``; None when the folder is absent (``load``)."""
    parser.add_argument("--data", default=None, help="the data folder (default ../shared/data)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    loaded = load(args.data)
    return None if loaded is None else (args, *loaded)


def as_papers(corpus: list[dict[str, object]]) -> tuple[list[Paper], dict[str, str]]:
    """The abstracts as papers (the sentences joined by spaces), and the SciFact id of each
    paper id (three pairs of abstracts share a title, and so a paper id)."""
    papers: list[Paper] = []
    doc_by_paper: dict[str, str] = {}
    for doc in corpus:
        paper = make_paper(title=str(doc["title"]), abstract=" ".join(doc["abstract"]),  # type: ignore[arg-type]
                           source="scifact", id_hint=str(doc["doc_id"]))
        doc_by_paper.setdefault(paper.id, str(doc["doc_id"]))
        papers.append(paper)
    return papers, doc_by_paper


def evaluate(garden: Garden, claims: list[dict[str, object]], doc_of: dict[int, str],
             mode: str, label: str, fusion: str = "rrf") -> Scores:
    retriever = Retriever(garden.conn, garden.settings, garden._indexes)
    ndcg, recall, seconds, even = [], [], [], []
    for position, claim in enumerate(claims):
        relevant = {str(d) for d in claim["cited_doc_ids"]}  # type: ignore[attr-defined]
        started = time.perf_counter()
        found = retriever.retrieve(str(claim["claim"]), n=100, mode=mode, fusion=fusion)
        seconds.append(time.perf_counter() - started)
        ranked = [doc_of[r.pk] for r in found.ranked[:100]]
        ndcg.append(ndcg_at(ranked, relevant))
        recall.append(recall_at(ranked, relevant))
        even.append(position % 2 == 0)
    return Scores(label, 100 * statistics.fmean(ndcg),
                  100 * statistics.fmean(v for v, e in zip(ndcg, even, strict=True) if e),
                  100 * statistics.fmean(v for v, e in zip(ndcg, even, strict=True) if not e),
                  100 * statistics.fmean(recall), 1000 * statistics.fmean(seconds))


def with_passages(garden: Garden, claims: list[dict[str, object]], doc_of: dict[int, str],
                  notes: list[str]) -> list[Scores]:
    """Passage vectors added to the garden's paper vectors, and the three rows with them."""
    garden.settings = load_settings({**garden.settings.as_dict(), "embed_passages": True},
                                    env={})
    started = time.perf_counter()
    report = garden.embed()
    seconds = time.perf_counter() - started
    notes.append(f"passage vectors: {report.passages:,} for {len(doc_of):,} abstracts in "
                 f"{seconds:.0f} s ({report.passages / len(doc_of):.2f} per abstract)")
    return [evaluate(garden, claims, doc_of, "dense", "dense with passages (0.5 whole + 0.5 "
                     "best passage)"),
            evaluate(garden, claims, doc_of, "hybrid", "fused RRF, with passages", "rrf"),
            evaluate(garden, claims, doc_of, "hybrid", "fused convex 0.35, with passages",
                     "convex")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[256, 128],
                        help="maximum embedder input lengths to compare (word pieces)")
    parser.add_argument("--precisions", nargs="+", default=["float32"],
                        help="embedder arithmetic to compare (float32, bfloat16, auto)")
    parser.add_argument("--passages", action="store_true",
                        help="also measure with passage vectors (embed_passages)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N claims")
    got = parse_and_load(parser)
    if got is None:
        return
    args, corpus, claims = got
    claims = [c for c in claims if c.get("cited_doc_ids")][: args.limit]
    papers, doc_by_paper = as_papers(corpus)
    settings = load_settings({"embed_on_ingest": False}, env={})
    rows: list[Scores] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kgarden-scifact-") as tmp, \
            Garden.create(Path(tmp) / "scifact.db", settings=settings) as garden:
        started = time.perf_counter()
        garden.ingest_papers(papers, embed=False)
        notes.append(f"ingest of {len(papers):,} abstracts: {time.perf_counter() - started:.0f} s")
        doc_of = {int(r[0]): doc_by_paper[r[1]] for r in garden.conn.execute(
            "SELECT pk, id FROM papers")}
        rows.append(evaluate(garden, claims, doc_of, "bm25", "BM25 (FTS5, title weight 2)"))
        for length in args.lengths:
            vectors_by_precision = {}
            for precision in args.precisions:
                garden.settings = load_settings(
                    {"embed_on_ingest": False, "embed_max_tokens": length,
                     "embed_precision": precision}, env={})
                reset_vectors(garden.conn)
                started = time.perf_counter()
                report = garden.embed()
                seconds = time.perf_counter() - started
                vectors_by_precision[precision] = load_vectors(garden.conn, "paper")[1]
                model = f"MiniLM {length}" + (f" {precision}" if len(args.precisions) > 1 else "")
                notes.append(f"embedding at {length} word pieces, {precision}: "
                             f"{report.papers:,} abstracts and {report.concepts:,} concepts in "
                             f"{seconds:.0f} s ({report.papers / seconds:.1f} abstracts/s with "
                             "their concepts)")
                rows.append(evaluate(garden, claims, doc_of, "dense", f"dense ({model})"))
                rows.append(evaluate(garden, claims, doc_of, "hybrid",
                                     f"fused, RRF k=60 (BM25 + {model})", "rrf"))
                rows.append(evaluate(garden, claims, doc_of, "hybrid",
                                     f"fused, convex 0.4, BM25 / query idf (BM25 + {model}):"
                                     " the default", "convex"))
            if len(vectors_by_precision) > 1:
                first, *others = vectors_by_precision.items()
                for name, matrix in others:
                    cosine = (first[1] * matrix).sum(axis=1)
                    notes.append(f"cosine between each abstract's {first[0]} and {name} vectors "
                                 f"at {length}: min {cosine.min():.5f}, mean "
                                 f"{cosine.mean():.5f}, share below 0.999 "
                                 f"{100 * float(np.mean(cosine < 0.999)):.2f} %")
        if args.passages:
            rows += with_passages(garden, claims, doc_of, notes)
    lines = [f"SciFact: {len(corpus):,} abstracts ({len(doc_by_paper):,} distinct ids), "
             f"{len(claims)} claims with cited documents.", ""]
    lines += [f"- {n}" for n in notes] + [""]
    lines += ["| system | nDCG@10 | nDCG@10 even claims | nDCG@10 odd claims | Recall@100 "
              "| ms/query |", "| :--- | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r.system} | {r.ndcg10:.1f} | {r.ndcg10_even:.1f} | {r.ndcg10_odd:.1f} | "
              f"{r.recall100:.1f} | {r.ms_per_query:.1f} |" for r in rows]
    text = "\n".join(lines)
    emit(text, args.out)


if __name__ == "__main__":
    main()
