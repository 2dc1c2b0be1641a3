"""The cost of curation acts on a real garden, beside re-extraction in the same run.

    python bench/curation.py --papers 10000 --out bench/results/curation.md

Builds a garden from the first N papers of the arXiv listing archive (or opens --garden), then
times each act and its undo as a library call: merging a frequent concept into another, a
split by written form, renaming, relabelling and rejecting a relation, retracting the paper
with the most mentions and restoring it, and rebuilding everything from the log. The baseline
is what a garden without extraction records would do for the same merge: extract the papers
it touches again (spaCy parse and rules), measured on the same papers.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import emit, markdown_table
from throughput import DATA, write_subset

from kgarden import Garden, load_settings, read_files
from kgarden.curate.apply import papers_of_concepts
from kgarden.pipeline.ingest import reextract_papers
from kgarden.store.db import transaction


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def build(n: int, folder: Path) -> Path:
    subset = folder / f"arxiv-{n}.jsonl"
    write_subset(DATA, n, subset)
    path = folder / f"garden-{n}.db"
    settings = load_settings({"embed_on_ingest": False}, env={})
    with Garden.create(path, settings=settings) as g:
        g.ingest_papers(read_files([subset]))
    return path


def pick(g: Garden) -> dict[str, Any]:
    """Deterministic targets: two related frequent concepts, a concept with an acronym form, a
    well-supported relation, the paper with the most mentions."""
    top = g.concepts(top=40)
    a, b = top[19], top[9]
    with_acronym = next(c for c in top if any(x.isupper() and len(x) <= 6 for x in c.aliases))
    form = next(x for x in with_acronym.aliases if x.isupper() and len(x) <= 6)
    relation = g.relations(limit=1, include_paper_subjects=False)[0]
    other = "uses" if relation.predicate != "uses" else "improves"
    paper = g.conn.execute("SELECT p.id FROM papers p JOIN mentions m ON m.paper_pk = p.pk"
                           " GROUP BY p.pk ORDER BY count(*) DESC, p.pk LIMIT 1").fetchone()[0]
    return {"merge": (a.name, b.name, a.papers), "split": (with_acronym.name, form),
            "relation": (relation.id, other), "paper": paper}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--garden", type=Path,
                        help="a garden to copy and curate (built there first if missing)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if not DATA.exists() and args.garden is None:
        print(f"skipped: {DATA} not found", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = args.garden
        if source is None or not source.exists():
            build_s, built = timed(lambda: build(args.papers, folder))
            print(f"built {args.papers} papers in {build_s:.0f} s", file=sys.stderr)
            if source is not None:
                shutil.copy(built, source)
            source = built
        path = folder / "garden.db"
        shutil.copy(source, path)
        settings = load_settings({"embed_on_ingest": False}, env={})
        with Garden.open(path, settings=settings) as g:
            papers = g.status().papers
            t = pick(g)
            name, into, _ = t["merge"]
            touched = sorted(papers_of_concepts(g.conn, [g.curator().concept(name).key]))
            rows: list[list[object]] = []

            def act(label: str, fn: Callable[[], Any]) -> None:
                seconds, outcome = timed(fn)
                rederived = getattr(outcome, "papers_rederived", "")
                rows.append([label, f"{1000 * seconds:,.0f}", rederived])

            act(f"merge {name!r} into {into!r}", lambda: g.merge(name, into))
            act("  undo", lambda: g.undo())
            baseline_s, _ = timed(lambda: _reextract_in_rollback(g, touched))
            rows.append([f"baseline: extract those {len(touched)} papers again (spaCy)",
                         f"{1000 * baseline_s:,.0f}", len(touched)])
            concept, form = t["split"]
            act(f"split {form!r} out of {concept!r}",
                lambda: g.split(concept, f"{form} (as written)", forms=[form]))
            act("  undo", lambda: g.undo())
            act(f"rename {into!r}", lambda: g.rename(into, into.title()))
            act("  undo", lambda: g.undo())
            rel, other = t["relation"]
            act(f"relabel R{rel} as {other}", lambda: g.relabel(f"R{rel}", other))
            act("  undo", lambda: g.undo())
            act(f"reject R{rel}", lambda: g.reject(f"R{rel}"))
            act("  undo", lambda: g.undo())
            act(f"retract {t['paper']} (most mentions)", lambda: g.retract(t["paper"]))
            act("  restore (undo)", lambda: g.undo())
            g.merge(name, into)
            act("rebuild everything from the log (1 merge)", g.rebuild)
    table = markdown_table(["act (library call, warm)", "ms", "papers derived again"], rows)
    emit(f"Garden: {papers:,} papers.\n\n{table}", args.out)


def _reextract_in_rollback(g: Garden, pks: list[int]) -> None:
    """The baseline's work, rolled back so the garden stays as it was."""
    class Rollback(Exception):
        pass

    try:
        with transaction(g.conn):
            reextract_papers(g.conn, pks, g.settings)
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
