"""Reciprocal rank fusion against the convex combination as the garden grows (SciFact).

    python bench/fusion_by_size.py --garden /tmp/scifact.db --out bench/results/fusion_by_size.md

The convex fusion divides BM25 by the query's idf mass, and idf is estimated from the garden
itself: is it the small garden where the convex fusion goes wrong? For each size, sub-gardens
are drawn from the SciFact abstracts: claims are drawn at random while their cited abstracts fit
in half the size, the rest is filled with random other abstracts. BM25 runs on an in-memory
copy of the garden's own full-text table (the same FTS5 definition, kgarden's BM25 code), the
dense list uses the garden's paper vectors, and both fusions are kgarden's. nDCG@10 is
averaged over the drawn claims, then over ``--draws`` draws per size.

``--garden``: a SciFact garden with paper vectors; made (ingest and embed the 5,183 abstracts,
about 5 minutes) when the file does not exist.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
from pathlib import Path

import numpy as np
from _common import emit, markdown_table, ndcg_at
from scifact_eval import as_papers, parse_and_load

from kgarden import Garden, load_settings
from kgarden.embed.base import get_embedder
from kgarden.embed.vectors import load_vectors
from kgarden.search.lexical import bm25_top, term_stats
from kgarden.search.query import parse_query
from kgarden.search.retrieve import convex, fuse

SYSTEMS = ("BM25", "dense", "fused RRF", "fused convex (default)")


def sub_garden(schema: str, docs: list[tuple[str, str]]) -> sqlite3.Connection:
    """An in-memory papers table and the garden's own full-text table over it."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE papers (pk INTEGER PRIMARY KEY, title TEXT, abstract TEXT)")
    conn.execute(schema)
    for pk, (title, abstract) in enumerate(docs, start=1):
        conn.execute("INSERT INTO papers VALUES (?, ?, ?)", (pk, title, abstract))
        conn.execute("INSERT INTO papers_fts(rowid, title, abstract) VALUES (?, ?, ?)",
                     (pk, title, abstract))
    return conn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--garden", type=Path, required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 75, 300, 1200, 5180])
    parser.add_argument("--draws", type=int, default=4)
    parser.add_argument("--claims", type=int, default=300, help="at most this many per draw")
    got = parse_and_load(parser)
    if got is None:
        return
    args, corpus, claims = got
    claims = [c for c in claims if c.get("cited_doc_ids")]
    settings = load_settings({"embed_on_ingest": False}, env={})
    papers, doc_of_paper = as_papers(corpus)
    if not args.garden.exists():
        with Garden.create(args.garden, settings=settings) as garden:
            garden.ingest_papers(papers, embed=False)
            garden.embed()
    with Garden.open(args.garden, settings=settings) as garden:
        schema = str(garden.conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'papers_fts'").fetchone()[0])
        doc_of_pk = {int(r[0]): doc_of_paper[str(r[1])]
                     for r in garden.conn.execute("SELECT pk, id FROM papers")}
        pks, matrix = load_vectors(garden.conn, "paper")
    vector_of = {doc_of_pk[int(pk)]: matrix[i] for i, pk in enumerate(pks)}
    text_of = {str(d["doc_id"]): (str(d["title"]), " ".join(d["abstract"]))  # type: ignore[arg-type]
               for d in corpus}
    docs = sorted(vector_of)
    usable = [c for c in claims if {str(x) for x in c["cited_doc_ids"]} <= vector_of.keys()]  # type: ignore[attr-defined]
    queries = get_embedder(settings.embedder).embed([str(c["claim"]) for c in usable])
    rows = []
    for size in args.sizes:
        means: dict[str, list[float]] = {s: [] for s in SYSTEMS}
        counts = []
        for draw in range(args.draws if size < len(docs) else 1):
            rng = random.Random(f"{size}:{draw}")
            order = list(range(len(usable)))
            rng.shuffle(order)
            chosen: list[int] = []
            relevant: set[str] = set()
            for i in order:
                cited = {str(x) for x in usable[i]["cited_doc_ids"]}  # type: ignore[attr-defined]
                if len(relevant | cited) <= size // 2:
                    relevant |= cited
                    chosen.append(i)
                if len(chosen) == args.claims:
                    break
            others = [d for d in docs if d not in relevant]
            rng.shuffle(others)
            sub = sorted(relevant) + others[: size - len(relevant)]
            conn = sub_garden(schema, [text_of[d] for d in sub])
            vectors = np.stack([vector_of[d] for d in sub])
            scores: dict[str, list[float]] = {s: [] for s in SYSTEMS}
            for i in chosen:
                cited = {str(x) for x in usable[i]["cited_doc_ids"]}  # type: ignore[attr-defined]
                query = parse_query(str(usable[i]["claim"]))
                stats = term_stats(conn, "papers_fts", query)
                lexical = [(sub[pk - 1], s) for pk, s in
                           bm25_top(conn, "papers_fts", query, stats, 100)]
                cosine = vectors @ queries[i]
                dense = [(sub[j], float(cosine[j])) for j in np.argsort(-cosine)[:100]]
                rrf = fuse([[d for d, _ in lexical], [d for d, _ in dense]])
                mixed = convex(lexical, dense, stats.idf_mass(query.terms))
                for name, ranked in zip(SYSTEMS, (
                        [d for d, _ in lexical], [d for d, _ in dense],
                        sorted(rrf, key=lambda d: (-rrf[d], d)),
                        sorted(mixed, key=lambda d: (-mixed[d], d))), strict=True):
                    scores[name].append(ndcg_at(ranked, cited))
            conn.close()
            counts.append(len(chosen))
            for name in SYSTEMS:
                means[name].append(100 * statistics.fmean(scores[name]))
        avg = {name: statistics.fmean(v) for name, v in means.items()}
        rows.append([f"{size:,}", f"{len(counts)} x {round(statistics.fmean(counts))}",
                     *(f"{avg[s]:.1f}" for s in SYSTEMS),
                     f"{avg['fused convex (default)'] - avg['fused RRF']:+.1f}"])
    text = markdown_table(["papers", "draws x claims", *SYSTEMS, "convex - RRF"], rows)
    emit(text, args.out)


if __name__ == "__main__":
    main()
