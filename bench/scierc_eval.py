"""Entity and relation extraction on SciERC dev: kgarden's mentions and typed relations.

Entities: kgarden mentions vs gold spans of all types, exact (same characters) and relaxed
(overlapping and ending on the same token, i.e. the same head word), with and without the
"Generic" gold spans ("method", "it") that kgarden drops on purpose. Relations: untyped
(unordered span pair) and typed (mapped to SciERC's labels), beside a sentence co-occurrence
baseline built from kgarden's own mentions.

    .venv/bin/python bench/scierc_eval.py [--out docs/scierc.md] [--data ../shared/data]
        [--join detok|spaces]
"""

from __future__ import annotations

import argparse
import bisect
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TypeVar

from _common import BENCH_DATE, emit, find_data, markdown_table, pct, prf

from kgarden.models import clean_text

T = TypeVar("T")
Span = tuple[int, int]  # character offsets [start, end) into the abstract
Same = Callable[[Span, Span], bool]
Pair = tuple[Span, Span, str]  # (first argument, second argument, label)

# PTB escapes in SciERC's tokens, and tokens written without a space before / after them.
_UNESCAPE = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{",
             "-RCB-": "}", "``": '"', "''": '"'}
_NO_SPACE_BEFORE = frozenset({",", ".", ":", ";", ")", "]", "}", "%", "?", "!", "'s", "n't"})
_NO_SPACE_AFTER = frozenset({"(", "[", "{"})
SYMMETRIC = frozenset({"COMPARE", "CONJUNCTION"})
EXPRESSIBLE = frozenset({"USED-FOR", "EVALUATE-FOR", "PART-OF", "HYPONYM-OF", "COMPARE"})
UNTYPED_ONLY = ("improves", "proposes")


@dataclass
class SciDoc:
    key: str
    text: str
    tokens: list[Span]  # character span of every document-level token
    entities: list[tuple[Span, str]] = field(default_factory=list)
    relations: list[Pair] = field(default_factory=list)

    def span(self, first: int, last: int) -> Span:
        """Characters of tokens first..last (inclusive, as SciERC writes them)."""
        return self.tokens[first][0], self.tokens[last][1]


# -- reading -------------------------------------------------------------------------------
def join_tokens(tokens: Sequence[str], detok: bool = True) -> tuple[str, list[Span]]:
    """The text and each token's character span: single spaces between tokens, or with
    ``detok`` PTB escapes undone and no space inside brackets or before punctuation."""
    parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    previous = ""
    for raw in tokens:
        token = _UNESCAPE.get(raw, raw) if detok else raw
        glued = detok and (token in _NO_SPACE_BEFORE or previous in _NO_SPACE_AFTER)
        if parts and not glued:
            parts.append(" ")
            pos += 1
        spans.append((pos, pos + len(token)))
        parts.append(token)
        pos += len(token)
        previous = token
    return "".join(parts), spans


def parse_doc(record: dict[str, object], detok: bool = True) -> SciDoc:
    sentences: list[list[str]] = record["sentences"]  # type: ignore[assignment]
    text, spans = join_tokens([t for s in sentences for t in s], detok)
    doc = SciDoc(str(record["doc_key"]), text, spans)
    for sentence in record["ner"]:  # type: ignore[attr-defined]
        for first, last, label in sentence:
            doc.entities.append((doc.span(first, last), label))
    for sentence in record["relations"]:  # type: ignore[attr-defined]
        for s1, e1, s2, e2, label in sentence:
            doc.relations.append((doc.span(s1, e1), doc.span(s2, e2), label))
    return doc


# -- matching ------------------------------------------------------------------------------
def token_at(doc: SciDoc, char: int) -> int:
    """Index of the token that holds (or, in a gap, precedes) a character."""
    return bisect.bisect_right([start for start, _ in doc.tokens], char) - 1


def relaxed(doc: SciDoc) -> Same:
    """Spans overlap and end on the same gold token (the same head word)."""
    def same(a: Span, b: Span) -> bool:
        return a[0] < b[1] and b[0] < a[1] and token_at(doc, a[1] - 1) == token_at(doc, b[1] - 1)
    return same


def exact(a: Span, b: Span) -> bool:
    return a == b


def match(pred: Sequence[T], gold: Sequence[T], same: Callable[[T, T], bool]) -> set[int]:
    """Greedy one-to-one matching; the indices of the gold items matched."""
    used: set[int] = set()
    for p in pred:
        for j, g in enumerate(gold):
            if j not in used and same(p, g):
                used.add(j)
                break
    return used


def pair_same(same: Same, ordered: bool) -> Callable[[Pair, Pair], bool]:
    """Two relations agree: same label and arguments (in either order unless ``ordered``)."""
    def agree(p: Pair, g: Pair) -> bool:
        if p[2] != g[2]:
            return False
        if same(p[0], g[0]) and same(p[1], g[1]):
            return True
        return (not ordered or g[2] in SYMMETRIC) and same(p[0], g[1]) and same(p[1], g[0])
    return agree


def to_scierc(predicate: str, subject: T, obj: T) -> tuple[T, T, str] | None:
    """kgarden's predicate(subject, object) as a SciERC triple; None where SciERC has no type."""
    if predicate == "uses":  # A uses B: B is USED-FOR A
        return obj, subject, "USED-FOR"
    if predicate == "evaluates-on":  # A is evaluated on B: B is EVALUATE-FOR A
        return obj, subject, "EVALUATE-FOR"
    if predicate == "part-of":
        return subject, obj, "PART-OF"
    if predicate == "is-a":
        return subject, obj, "HYPONYM-OF"
    if predicate in ("compares-with", "outperforms"):  # SciERC annotates "X beats Y" as COMPARE
        return subject, obj, "COMPARE"
    return None


def untyped(pairs: Sequence[Pair]) -> list[Pair]:
    """Label dropped and each unordered pair kept once."""
    out: dict[frozenset[Span], Pair] = {}
    for a, b, _ in pairs:
        out.setdefault(frozenset((a, b)), (a, b, ""))
    return list(out.values())


# -- evaluation ----------------------------------------------------------------------------
@dataclass
class Tally:
    """Counts summed over documents: predictions, and gold matched / total per subset."""

    pred: int = 0
    tp: int = 0
    gold: Counter[str] = field(default_factory=Counter)
    hit: Counter[str] = field(default_factory=Counter)

    def add(self, pred: Sequence[T], gold: Sequence[tuple[T, str]],
            same: Callable[[T, T], bool]) -> None:
        found = match(pred, [g for g, _ in gold], same)
        self.pred += len(pred)
        self.tp += len(found)
        for j, (_, subset) in enumerate(gold):
            self.gold[subset] += 1
            self.hit[subset] += j in found

    def row(self, *subsets: str) -> list[str]:
        """predicted, gold, P, R, F1 over all gold, then the recall of each named subset."""
        p, r, f = prf(self.tp, self.pred, sum(self.gold.values()))
        out = [str(self.pred), str(sum(self.gold.values())), pct(p), pct(r), pct(f)]
        for subset in subsets:
            out.append(pct(prf(self.hit[subset], self.pred, self.gold[subset])[1]))
        return out


def drop_generic(pred: Sequence[Span], gold: Sequence[tuple[Span, str]],
                 same: Same) -> tuple[list[Span], list[tuple[Span, str]]]:
    """Gold without Generic spans; predictions that only match a Generic span are ignored."""
    kept = [(g, label) for g, label in gold if label != "Generic"]
    generic = [g for g, label in gold if label == "Generic"]
    preds = [p for p in pred if not any(same(p, g) for g in generic)
             or any(same(p, g) for g, _ in kept)]
    return preds, kept


def evaluate(docs: Sequence[SciDoc]) -> str:
    from kgarden.extract.rules import PaperText, RulesExtractor

    extractor = RulesExtractor()
    start = time.perf_counter()
    extractions = list(extractor.extract(PaperText(d.key, "", d.text, d.key) for d in docs))
    seconds = time.perf_counter() - start
    ent = {name: Tally() for name in ("exact", "relaxed", "exact-ng", "relaxed-ng")}
    rel = {name: Tally() for name in ("kg-u-exact", "kg-u-relaxed", "kg-t-exact", "kg-t-relaxed",
                                      "co-exact", "co-relaxed")}
    per_predicate: Counter[tuple[str, str]] = Counter()
    skipped: Counter[str] = Counter()
    for doc, extraction in zip(docs, extractions, strict=True):
        assert clean_text(doc.text) == doc.text, doc.key
        mentions = [(m.start, m.end) for m in extraction.mentions]  # title is empty
        spans = list(dict.fromkeys(mentions))
        gold_ents = list(dict.fromkeys(doc.entities))
        for mode, same in (("exact", exact), ("relaxed", relaxed(doc))):
            ent[mode].add(spans, [(g, "all") for g, _ in gold_ents], same)
            preds, kept = drop_generic(spans, gold_ents, same)
            ent[f"{mode}-ng"].add(preds, [(g, "all") for g, _ in kept], same)
        triples: list[tuple[Span, str, Span]] = []
        for r in extraction.relations:
            if r.subject < 0 or r.negated:
                skipped["paper subject" if r.subject < 0 else "negated"] += 1
                continue
            triples.append((mentions[r.subject], r.predicate, mentions[r.object]))
        predicted = untyped([(s, o, p) for s, p, o in triples])
        typed = [t for s, p, o in triples if (t := to_scierc(p, s, o)) is not None]
        typed = list(dict.fromkeys(typed))
        cooc = untyped([(a, b, "") for sent in range(len(extraction.sentences))
                        for a, b in combinations(
                            dict.fromkeys(mentions[i] for i, m in enumerate(extraction.mentions)
                                          if m.sentence == sent), 2)])
        gold_typed = [(g, "expressible" if g[2] in EXPRESSIBLE else "other")
                      for g in doc.relations]
        gold_untyped = [((a, b, ""), subset) for (a, b, _), subset in gold_typed]
        for mode, same in (("exact", exact), ("relaxed", relaxed(doc))):
            rel[f"kg-u-{mode}"].add(predicted, gold_untyped, pair_same(same, ordered=False))
            rel[f"kg-t-{mode}"].add(typed, gold_typed, pair_same(same, ordered=True))
            rel[f"co-{mode}"].add(cooc, gold_untyped, pair_same(same, ordered=False))
        loose = relaxed(doc)
        for s, p, o in dict.fromkeys(triples):
            per_predicate[(p, "n")] += 1
            per_predicate[(p, "pair")] += any(
                pair_same(loose, False)((s, o, ""), (a, b, "")) for a, b, _ in doc.relations)
            mapped = to_scierc(p, s, o)
            per_predicate[(p, "typed")] += mapped is not None and any(
                pair_same(loose, True)(mapped, g) for g in doc.relations)
    return report(docs, ent, rel, per_predicate, skipped, seconds)


def report(docs: Sequence[SciDoc], ent: dict[str, Tally], rel: dict[str, Tally],
           per_predicate: Counter[tuple[str, str]], skipped: Counter[str], seconds: float) -> str:
    gold_labels = Counter(label for d in docs for _, label in d.entities)
    rel_labels = Counter(label for d in docs for _, _, label in d.relations)
    ent_rows = [[label, *ent[key].row()] for label, key in (
        ("exact, all gold types", "exact"), ("relaxed (same head), all gold types", "relaxed"),
        ("exact, without Generic", "exact-ng"), ("relaxed, without Generic", "relaxed-ng"))]
    rel_rows = [[system, match_, *rel[key].row("expressible")] for system, match_, key in (
        ("kgarden relations", "untyped, exact", "kg-u-exact"),
        ("kgarden relations", "untyped, relaxed", "kg-u-relaxed"),
        ("kgarden relations", "typed, exact", "kg-t-exact"),
        ("kgarden relations", "typed, relaxed", "kg-t-relaxed"),
        ("co-occurrence baseline", "untyped, exact", "co-exact"),
        ("co-occurrence baseline", "untyped, relaxed", "co-relaxed"))]
    predicates = sorted({p for p, _ in per_predicate}, key=lambda p: -per_predicate[(p, "n")])
    pred_rows = [[p, per_predicate[(p, "n")], per_predicate[(p, "pair")],
                  "—" if p in UNTYPED_ONLY else per_predicate[(p, "typed")]] for p in predicates]
    n_expr = sum(n for label, n in rel_labels.items() if label in EXPRESSIBLE)
    return "\n".join([
        f"{len(docs)} abstracts, {sum(gold_labels.values())} gold entities "
        f"({gold_labels['Generic']} Generic), {sum(rel_labels.values())} gold relations "
        f"({n_expr} of types kgarden can express). kgarden: "
        f"{1000 * seconds / len(docs):.1f} ms/abstract.",
        "",
        "Entities (kgarden mentions vs gold spans):",
        "",
        markdown_table(("match", "predicted", "gold", "P", "R", "F1"), ent_rows),
        "",
        "Relations (subject = the paper itself skipped: "
        f"{skipped['paper subject']}; negated skipped: {skipped['negated']}):",
        "",
        markdown_table(("system", "match", "predicted", "gold", "P", "R (all)", "F1 (all)",
                        "R (expressible)"), rel_rows),
        "",
        "Typed: uses(A,B) = USED-FOR(B,A), evaluates-on(A,B) = EVALUATE-FOR(B,A), part-of = "
        "PART-OF, is-a = HYPONYM-OF, compares-with and outperforms = COMPARE (either order); "
        "improves and proposes have no SciERC type and are left out of the typed "
        "predictions. Expressible gold types: " + ", ".join(sorted(EXPRESSIBLE)) + " (not "
        "CONJUNCTION, FEATURE-OF).",
        "",
        "kgarden relations by predicate (relaxed spans):",
        "",
        markdown_table(("predicate", "predicted", "pair is a gold relation", "type also right"),
                       pred_rows),
        "",
        f"Measured {BENCH_DATE}; gold relation types: "
        + ", ".join(f"{k} {v}" for k, v in rel_labels.most_common()) + ".",
    ])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="data folder (default ../shared/data)")
    parser.add_argument("--out", default=None, help="write the markdown tables to this file")
    parser.add_argument("--join", choices=("detok", "spaces"), default="detok",
                        help="detok: undo PTB escapes, no space inside brackets or before "
                             "punctuation (default); spaces: every token space-separated")
    args = parser.parse_args(argv)
    folder = find_data(args.data, "scierc")
    if folder is None or not (folder / "dev.json").exists():
        if folder is not None:
            print(f"skipped: {folder / 'dev.json'} not found", file=sys.stderr)
        return 0
    lines = (folder / "dev.json").read_text(encoding="utf-8").splitlines()
    docs = [parse_doc(json.loads(line), args.join == "detok") for line in lines if line.strip()]
    emit(evaluate(docs), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
