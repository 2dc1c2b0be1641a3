"""LLM extraction (llm.v1) beside the offline rules (rules.v1), on the same papers.

1. Agreement on the demo papers: concept keys each paper's two extractions share, and typed
   relation triples (subject key, predicate, object key, negated) and untyped pairs they share,
   micro-averaged over papers; "P" is the share of the LLM's items the rules also found, "R"
   the share of the rules' items the LLM also found.
2. SciERC dev, both extractors scored as bench/scierc_eval.py scores rules.v1 (its matching:
   exact and relaxed spans, Generic gold spans left out or not, relations untyped and mapped to
   SciERC's types).

Both run through the real pipeline: the papers are ingested with rules into a garden, then
`reextract --extractor llm` reads the same sentences (its reply cache makes a rerun free: pass
--garden to keep it). It needs an endpoint (KGARDEN_LLM_BASE_URL, KGARDEN_LLM_MODEL); without
one it says so and exits 0.

    .venv/bin/python bench/llm_vs_rules.py [--papers 20] [--scierc-docs 0 (all)]
        [--garden bench-llm.db] [--budget-tokens N] [--data ../shared/data] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from _common import BENCH_DATE, emit, find_data, markdown_table, pct, prf
from scierc_eval import (
    EXPRESSIBLE,
    Pair,
    SciDoc,
    Span,
    Tally,
    drop_generic,
    exact,
    pair_same,
    parse_doc,
    relaxed,
    to_scierc,
    untyped,
)

from kgarden.extract.types import PAPER_SUBJECT, PaperExtraction

SKIPPED = ("skipped: no LLM endpoint configured (set KGARDEN_LLM_BASE_URL and"
           " KGARDEN_LLM_MODEL)")
Triple = tuple[str, str, str, bool]


# -- agreement -----------------------------------------------------------------------------
def concept_keys(ex: PaperExtraction) -> set[str]:
    return {m.key for m in ex.mentions}


def triples(ex: PaperExtraction) -> set[Triple]:
    """(subject key, predicate, object key, negated); the paper itself is "paper"."""
    out = set()
    for r in ex.relations:
        subject = "paper" if r.subject == PAPER_SUBJECT else ex.mentions[r.subject].key
        out.add((subject, r.predicate, ex.mentions[r.object].key, r.negated))
    return out


def pairs(ex: PaperExtraction) -> set[frozenset[str]]:
    """Untyped: the two ends of each relation, in either order."""
    return {frozenset((s, o)) for s, _, o, _ in triples(ex)}


@dataclass
class Overlap:
    shared: int = 0
    rules: int = 0
    llm: int = 0

    def add(self, rules: set[Any], llm: set[Any]) -> None:
        self.shared += len(rules & llm)
        self.rules += len(rules)
        self.llm += len(llm)

    def row(self) -> list[str]:
        p, r, f = prf(self.shared, self.llm, self.rules)
        union = self.rules + self.llm - self.shared
        return [str(self.rules), str(self.llm), str(self.shared), pct(p), pct(r), pct(f),
                pct(self.shared / union if union else 0.0)]


@dataclass
class Agreement:
    papers: int = 0
    concepts: Overlap = field(default_factory=Overlap)
    triples: Overlap = field(default_factory=Overlap)
    pairs: Overlap = field(default_factory=Overlap)
    predicates: Counter[tuple[str, str]] = field(default_factory=Counter)  # (system, type)


def agreement(rules: Mapping[str, PaperExtraction], llm: Mapping[str, PaperExtraction]
              ) -> Agreement:
    """Over the papers both extracted."""
    out = Agreement()
    for pid in sorted(set(rules) & set(llm)):
        a, b = rules[pid], llm[pid]
        out.papers += 1
        out.concepts.add(concept_keys(a), concept_keys(b))
        out.triples.add(triples(a), triples(b))
        out.pairs.add(pairs(a), pairs(b))
        out.predicates.update(("rules", t[1]) for t in triples(a))
        out.predicates.update(("llm", t[1]) for t in triples(b))
    return out


# -- SciERC --------------------------------------------------------------------------------
def score_scierc(docs: Sequence[SciDoc], extractions: Sequence[PaperExtraction]
                 ) -> dict[str, Tally]:
    """Entities and relations of any extractor, matched as bench/scierc_eval.py matches them
    (mentions in the abstract; relations with the paper as subject, or negated, left out)."""
    tally = {name: Tally() for name in (
        "ent-exact", "ent-relaxed", "ent-exact-ng", "ent-relaxed-ng", "rel-u-exact",
        "rel-u-relaxed", "rel-t-exact", "rel-t-relaxed", "co-exact", "co-relaxed")}
    for doc, ex in zip(docs, extractions, strict=True):
        mentions = [(m.start, m.end) for m in ex.mentions]
        in_abstract = [i for i, m in enumerate(ex.mentions)
                       if ex.sentences[m.sentence].field == "abstract"]
        spans = list(dict.fromkeys(mentions[i] for i in in_abstract))
        gold_ents = list(dict.fromkeys(doc.entities))
        for mode, same in (("exact", exact), ("relaxed", relaxed(doc))):
            tally[f"ent-{mode}"].add(spans, [(g, "all") for g, _ in gold_ents], same)
            preds, kept = drop_generic(spans, gold_ents, same)
            tally[f"ent-{mode}-ng"].add(preds, [(g, "all") for g, _ in kept], same)
        found: list[tuple[Span, str, Span]] = [
            (mentions[r.subject], r.predicate, mentions[r.object]) for r in ex.relations
            if r.subject >= 0 and not r.negated]
        predicted = untyped([(s, o, p) for s, p, o in found])
        typed: list[Pair] = list(dict.fromkeys(
            t for s, p, o in found if (t := to_scierc(p, s, o)) is not None))
        cooc = untyped([(a, b, "") for sentence in range(len(ex.sentences))
                        for a, b in combinations(dict.fromkeys(
                            mentions[i] for i in in_abstract
                            if ex.mentions[i].sentence == sentence), 2)])
        gold_typed = [(g, "expressible" if g[2] in EXPRESSIBLE else "other")
                      for g in doc.relations]
        gold_untyped = [((a, b, ""), subset) for (a, b, _), subset in gold_typed]
        for mode, same in (("exact", exact), ("relaxed", relaxed(doc))):
            tally[f"rel-u-{mode}"].add(predicted, gold_untyped, pair_same(same, ordered=False))
            tally[f"rel-t-{mode}"].add(typed, gold_typed, pair_same(same, ordered=True))
            tally[f"co-{mode}"].add(cooc, gold_untyped, pair_same(same, ordered=False))
    return tally


# -- the report ----------------------------------------------------------------------------
def report(demo: Agreement, scierc: Mapping[str, Mapping[str, Tally]], notes: Sequence[str],
           model: str) -> str:
    header = ("items", "rules", "LLM", "shared", "P (LLM in rules)", "R (rules in LLM)",
              "F1", "Jaccard")
    lines = [f"llm.v1 (model {model}, prompt extract.v1) beside rules.v1.", "",
             f"Agreement on {demo.papers} demo papers (micro over papers):", "",
             markdown_table(header, [["concept keys", *demo.concepts.row()],
                                     ["relation triples", *demo.triples.row()],
                                     ["relation pairs (untyped)", *demo.pairs.row()]]), ""]
    types = sorted({t for _, t in demo.predicates})
    lines += ["Relations by type:", "", markdown_table(
        ("type", "rules", "LLM"), [[t, demo.predicates[("rules", t)],
                                    demo.predicates[("llm", t)]] for t in types]), ""]
    if scierc:
        rows = []
        for system, tally in scierc.items():
            for label, key in (("entities, exact", "ent-exact"),
                               ("entities, relaxed", "ent-relaxed"),
                               ("entities, exact, without Generic", "ent-exact-ng"),
                               ("entities, relaxed, without Generic", "ent-relaxed-ng"),
                               ("relations, untyped, relaxed", "rel-u-relaxed"),
                               ("relations, typed, exact", "rel-t-exact"),
                               ("relations, typed, relaxed", "rel-t-relaxed")):
                rows.append([system, label, *tally[key].row()])
        lines += ["SciERC dev (matching of bench/scierc_eval.py):", "", markdown_table(
            ("system", "match", "predicted", "gold", "P", "R", "F1"), rows), ""]
    lines += [*notes, f"Measured {BENCH_DATE}."]
    return "\n".join(lines)


def _records(conn: Any, pks: Sequence[int], component: str) -> dict[int, PaperExtraction]:
    from kgarden.curate import records

    runs = dict(conn.execute("SELECT id, component FROM extraction_runs").fetchall())
    return {pk: ex for pk, (run, ex) in records.load(conn, pks).items()
            if runs.get(run) == component}


def run(args: argparse.Namespace, settings: Any, model: str) -> str:
    from kgarden.garden import Garden
    from kgarden.models import make_paper
    from kgarden.sources import read_files

    demo_path = Path(__file__).resolve().parent.parent / "src/kgarden/demo/trending-papers.txt"
    demo = read_files([demo_path], "listing")[:args.papers]
    docs: list[SciDoc] = []
    folder = find_data(args.data, "scierc")
    if folder is not None and (folder / "dev.json").exists():
        lines = (folder / "dev.json").read_text(encoding="utf-8").splitlines()
        docs = [parse_doc(json.loads(line)) for line in lines if line.strip()]
        docs = docs[:args.scierc_docs] if args.scierc_docs else docs
    sci_papers = [make_paper(title="", abstract=d.text, id_hint=f"scierc-{d.key}",
                             source="scierc") for d in docs]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.garden) if args.garden else Path(tmp) / "garden.db"
        with Garden.create(path, settings=settings) as g:
            g.ingest_papers(demo + sci_papers, embed=False)
            pk_of = dict(g.conn.execute("SELECT id, pk FROM papers").fetchall())
            pks = sorted(pk_of.values())
            rules = _records(g.conn, pks, "rules.v1")
            if len(rules) < len(pks):  # a kept garden holds the LLM's records: rules again
                g.reextract(extractor="rules")
                rules = _records(g.conn, pks, "rules.v1")
            done = g.reextract(extractor="llm", budget_tokens=args.budget_tokens)
            llm = _records(g.conn, pks, "llm.v1")
    notes = [f"LLM run: {done.extracted} of {done.read} papers, {len(done.failed)} failed,"
             f" {done.to_dict().get('calls', 0)} calls;"
             f" {done.to_dict().get('stopped') or 'not stopped'}."]
    demo_ids = [pk_of[p.id] for p in demo]
    agree = agreement({str(k): rules[k] for k in demo_ids if k in rules},
                      {str(k): llm[k] for k in demo_ids if k in llm})
    scierc: dict[str, dict[str, Tally]] = {}
    sci = [(d, pk_of[p.id]) for d, p in zip(docs, sci_papers, strict=True)]
    both = [(d, pk) for d, pk in sci if pk in rules and pk in llm]
    if both:
        scierc["rules.v1"] = score_scierc([d for d, _ in both], [rules[pk] for _, pk in both])
        scierc["llm.v1"] = score_scierc([d for d, _ in both], [llm[pk] for _, pk in both])
        notes.append(f"SciERC: {len(both)} of {len(docs)} dev abstracts extracted by both.")
    return report(agree, scierc, notes, model)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=20, help="demo papers to compare")
    parser.add_argument("--scierc-docs", type=int, default=0, help="SciERC dev abstracts"
                        " (0: all)")
    parser.add_argument("--garden", default=None, help="keep the garden (and its reply cache)"
                        " in this file")
    parser.add_argument("--budget-tokens", type=int, default=None)
    parser.add_argument("--data", default=None, help="data folder (default ../shared/data)")
    parser.add_argument("--out", default=None, help="write the markdown tables to this file")
    args = parser.parse_args(argv)
    from kgarden.errors import ConfigError
    from kgarden.llm.client import LLMConfig
    from kgarden.settings import load_settings

    settings = load_settings({"embed_on_ingest": False})
    try:
        config = LLMConfig.from_settings(settings)
    except ConfigError:
        config = None
    if config is None:
        print(SKIPPED)
        return 0
    emit(run(args, settings, config.model), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
