"""Does ``ask`` cite the sentences that hold the answer? SciFact's rationales, in one run.

    python bench/scifact_evidence.py --garden /tmp/scifact-evidence.db \
        --sentence-vectors --out bench/results/scifact_evidence.md

SciFact's experts marked, for each claim and each abstract that supports or contradicts it, the
sentences that do so (``evidence``): 505 of the 809 training claims have such rationales. Each
such claim is asked as a question (offline, no LLM), and the garden's sentences that overlap a
rationale sentence (by at least half of the shorter of the two) count as relevant. For every
system the script reports, averaged over those claims:

* answer: the share whose first cited sentence is a rationale (hit@1), the share with a
  rationale among the answer's sentences (hit@answer), and the share of cited sentences that
  are rationales (precision);
* ranking: MRR@10 and Recall@10 of the ranked candidate sentences.

And for each paper that holds a claim's rationales, whether the sentence a search hit shows for
it (the snippet, ``best_sentences``) is one, against the abstract's first sentence, the
paper's best sentence by BM25, and (with ``--sentence-vectors``) by MiniLM cosine.

The systems are kgarden's ``ask`` (its ranked candidates, and the answer it picks from them)
and, measured in the same run on the same garden, BM25 over every sentence (the FTS5 sentence
index, titles included) and over the abstracts' sentences only, and, with
``--sentence-vectors``, MiniLM cosine over every abstract sentence (vectors kgarden does not
store: they would double the build). SciFact's rationales are abstract sentences, never
titles. A baseline's answer is picked from its ranking by the same rule as ``ask``'s (three
sentences, at most two from one paper). Hit@1 is also given on the claims at even and odd
positions of the file, so a change can be chosen on one half and checked on the other.

``--garden`` keeps the garden (ingested and embedded once: about 3 minutes on 2 Zen 5 cores) and
reuses it when the file exists.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from _common import emit, mrr_at, recall_at
from scifact_eval import as_papers, parse_and_load

from kgarden import Garden, load_settings
from kgarden.embed.base import Matrix, get_embedder
from kgarden.models import clean_text
from kgarden.search.ask import SENTENCE_TOKENS, Citation, pick_answer, rank_sentences
from kgarden.search.lexical import bm25_top, term_stats
from kgarden.search.query import parse_query
from kgarden.search.snippets import best_sentences

OVERLAP = 0.5  # a garden sentence is a rationale when it shares half of the shorter span
DEPTH = 100  # sentences a baseline ranks


@dataclass(frozen=True)
class Question:
    claim: str
    relevant: frozenset[int]  # garden sentence ids
    position: int  # in the file, for the even / odd halves


@dataclass
class Row:
    system: str
    hit1: float
    hit1_even: float
    hit1_odd: float
    hit_answer: float
    precision: float
    mrr10: float
    recall10: float
    ms: float


def rationale_spans(abstract: str, sentences: Sequence[str], indices: Sequence[int]
                    ) -> list[tuple[int, int]]:
    """Character spans, in the stored (cleaned) abstract, of the SciFact sentences at
    ``indices``; a sentence not found in it is left out."""
    spans, cursor = [], 0
    located: dict[int, tuple[int, int]] = {}
    for i, sentence in enumerate(sentences):
        text = clean_text(sentence)
        start = abstract.find(text, cursor) if text else -1
        if start >= 0:
            located[i] = (start, start + len(text))
            cursor = start + len(text)
    for i in indices:
        if i in located:
            spans.append(located[i])
    return spans


def overlaps(a: tuple[int, int], b: tuple[int, int], share: float = OVERLAP) -> bool:
    """Whether spans ``a`` and ``b`` share at least ``share`` of the shorter one."""
    common = min(a[1], b[1]) - max(a[0], b[0])
    shorter = min(a[1] - a[0], b[1] - b[0])
    return shorter > 0 and common >= share * shorter


def questions(garden: Garden, corpus: list[dict[str, object]],
              claims: list[dict[str, object]], doc_by_paper: dict[str, str]
              ) -> tuple[list[Question], int, int]:
    """The claims with rationales, each with its relevant garden sentences; and how many
    rationale sentences there are and how many were found in the garden's abstracts."""
    docs = {str(d["doc_id"]): d for d in corpus}
    paper_of_doc = {doc: paper_id for paper_id, doc in doc_by_paper.items()}
    rows = garden.conn.execute(
        "SELECT p.id, p.abstract, s.id, s.start_char, s.end_char FROM sentences s"
        " JOIN papers p ON p.pk = s.paper_pk WHERE s.field = 'abstract'").fetchall()
    abstract_of: dict[str, str] = {}
    sentences_of: dict[str, list[tuple[int, int, int]]] = {}
    for paper_id, abstract, sid, start, end in rows:
        abstract_of[paper_id] = abstract
        sentences_of.setdefault(paper_id, []).append((int(sid), int(start), int(end)))
    out, wanted, found = [], 0, 0
    for position, claim in enumerate(claims):
        evidence: dict[str, list[dict[str, object]]] = claim.get("evidence") or {}  # type: ignore[assignment]
        relevant: set[int] = set()
        for doc_id, sets in evidence.items():
            indices = sorted({int(i) for s in sets for i in s["sentences"]})  # type: ignore[attr-defined]
            wanted += len(indices)
            paper_id = paper_of_doc.get(doc_id)
            if paper_id is None or paper_id not in abstract_of:
                continue  # one of the three abstracts that share an id with another
            spans = rationale_spans(abstract_of[paper_id], docs[doc_id]["abstract"],  # type: ignore[arg-type]
                                    indices)
            found += len(spans)
            relevant |= {sid for sid, start, end in sentences_of[paper_id]
                         for span in spans if overlaps((start, end), span)}
        if relevant:
            out.append(Question(str(claim["claim"]), frozenset(relevant), position))
    return out, wanted, found


def citations_for(garden: Garden, ranked: Sequence[int]) -> list[Citation]:
    """Sentence ids as citations, in order (what ``pick_answer`` takes)."""
    if not ranked:
        return []
    rows = {int(r[0]): r for r in garden.conn.execute(
        "SELECT s.id, p.id, p.title, s.text, s.start_char, s.end_char, s.field FROM sentences s"
        " JOIN papers p ON p.pk = s.paper_pk WHERE s.id IN"
        f" ({','.join('?' * len(ranked))})", list(ranked))}
    return [Citation(n, rows[i][1], rows[i][2], rows[i][3], rows[i][4], rows[i][5], rows[i][6],
                     0.0) for n, i in enumerate(ranked, start=1)]


def sentence_ids(garden: Garden, citations: Sequence[Citation]) -> list[int]:
    """The garden sentence id of each citation (by paper, field and offset), in one query."""
    if not citations:
        return []
    papers = sorted({c.paper_id for c in citations})
    key = {(str(r[1]), str(r[2]), int(r[3])): int(r[0]) for r in garden.conn.execute(
        "SELECT s.id, p.id, s.field, s.start_char FROM sentences s"
        " JOIN papers p ON p.pk = s.paper_pk WHERE p.id IN"
        f" ({','.join('?' * len(papers))})", papers)}
    return [key[(c.paper_id, c.field, c.start)] for c in citations]


def measure(garden: Garden, label: str, items: list[Question],
            rank: Callable[[str], tuple[list[int], list[int]]]) -> Row:
    """``rank`` gives (ranked sentence ids, the answer's sentence ids) for a claim."""
    hit1, hit_answer, precision, mrr, recall, seconds, even = [], [], [], [], [], [], []
    for q in items:
        started = time.perf_counter()
        ranked, answer = rank(q.claim)
        seconds.append(time.perf_counter() - started)
        good = [sid in q.relevant for sid in answer]
        hit1.append(float(bool(good) and good[0]))
        hit_answer.append(float(any(good)))
        precision.append(sum(good) / len(good) if good else 0.0)
        mrr.append(mrr_at(ranked, q.relevant))
        recall.append(recall_at(ranked, q.relevant, 10))
        even.append(q.position % 2 == 0)

    def mean(values: list[float], half: bool | None = None) -> float:
        picked = [v for v, e in zip(values, even, strict=True) if half is None or e == half]
        return 100 * statistics.fmean(picked)

    return Row(label, mean(hit1), mean(hit1, True), mean(hit1, False), mean(hit_answer),
               mean(precision), mean(mrr), mean(recall), 1000 * statistics.fmean(seconds))


def ask_system(garden: Garden) -> Callable[[str], tuple[list[int], list[int]]]:
    def rank(claim: str) -> tuple[list[int], list[int]]:
        candidates, _ = rank_sentences(garden.conn, garden.settings, garden._indexes, claim)
        return (sentence_ids(garden, candidates),
                sentence_ids(garden, pick_answer(candidates)))
    return rank


def answer_of(garden: Garden, ranked: Sequence[int]) -> list[int]:
    """The sentence ids ``pick_answer`` takes from a ranking, as ``ask`` answers."""
    return sentence_ids(garden, pick_answer(citations_for(garden, ranked)))


def bm25_system(garden: Garden, fields: str) -> Callable[[str], tuple[list[int], list[int]]]:
    """BM25 over the sentences of ``fields`` ('any', or 'abstract': no titles)."""
    where = "1" if fields == "any" else "s.field = 'abstract'"

    def rank(claim: str) -> tuple[list[int], list[int]]:
        query = parse_query(claim)
        if not query:
            return [], []
        stats = term_stats(garden.conn, "sentences_fts", query)
        ranked = [sid for sid, _ in bm25_top(
            garden.conn, "sentences_fts", query, stats, DEPTH,
            join="JOIN sentences s ON s.id = sentences_fts.rowid", where=where)]
        return ranked, answer_of(garden, ranked)
    return rank


def sentence_vectors(garden: Garden, notes: list[str]) -> tuple[np.ndarray[Any, Any], Matrix]:
    """(ids, MiniLM vectors) of every abstract sentence: made here, kgarden does not store
    them."""
    rows = garden.conn.execute(
        "SELECT id, text FROM sentences WHERE field = 'abstract' ORDER BY id").fetchall()
    started = time.perf_counter()
    matrix = get_embedder(garden.settings.embedder).embed(
        [str(r[1]) for r in rows], max_tokens=SENTENCE_TOKENS,
        precision=str(garden.settings.embed_precision))
    notes.append(f"sentence vectors (MiniLM, {SENTENCE_TOKENS} word pieces, as `ask` embeds its"
                 f" candidates): {len(rows):,} abstract sentences in "
                 f"{time.perf_counter() - started:.0f} s")
    return np.array([int(r[0]) for r in rows]), matrix


def dense_system(garden: Garden, vectors: tuple[np.ndarray[Any, Any], Matrix]
                 ) -> Callable[[str], tuple[list[int], list[int]]]:
    """MiniLM cosine over every abstract sentence."""
    embedder = get_embedder(garden.settings.embedder)
    ids, matrix = vectors

    def rank(claim: str) -> tuple[list[int], list[int]]:
        scores = matrix @ embedder.embed([claim])[0]
        top = np.argsort(-scores, kind="stable")[:DEPTH]
        ranked = [int(ids[i]) for i in top]
        return ranked, answer_of(garden, ranked)
    return rank


@dataclass
class SnippetRow:
    system: str
    hit: float  # share of (claim, rationale paper) pairs whose shown sentence is a rationale
    hit_even: float
    hit_odd: float


def snippet_rows(garden: Garden, items: list[Question],
                 sentence_vectors: tuple[np.ndarray[Any, Any], Matrix] | None
                 ) -> tuple[list[SnippetRow], int]:
    """Which sentence each paper holding a claim's rationales shows for that claim: kgarden's
    search snippet (``best_sentences``) against the abstract's first sentence, the paper's
    best sentence by BM25, and (with sentence vectors) by MiniLM cosine."""
    conn = garden.conn
    paper_of = {int(r[0]): int(r[1]) for r in conn.execute(
        "SELECT id, paper_pk FROM sentences WHERE field = 'abstract'")}
    sentences_of: dict[int, list[int]] = {}
    for sentence, paper in paper_of.items():
        sentences_of.setdefault(paper, []).append(sentence)
    first = {int(r[0]): int(r[1]) for r in conn.execute(
        "SELECT paper_pk, id FROM sentences WHERE field = 'abstract' AND idx = ("
        "SELECT min(idx) FROM sentences t WHERE t.paper_pk = sentences.paper_pk"
        " AND t.field = 'abstract')")}
    embedder = get_embedder(garden.settings.embedder)
    concepts = garden._indexes.get(conn, "concept")
    row_of = ({int(sid): i for i, sid in enumerate(sentence_vectors[0])}
              if sentence_vectors is not None else {})
    systems = ["the abstract's first sentence", "the paper's best sentence by BM25"]
    if sentence_vectors is not None:
        systems.append("the paper's best sentence by MiniLM cosine (vectors not stored)")
    systems.append("kgarden's search snippet")
    hits: dict[str, list[tuple[bool, bool]]] = {name: [] for name in systems}
    for q in items:
        query = parse_query(q.claim)
        vector = embedder.embed([q.claim])[0]
        stats = term_stats(conn, "papers_fts", query)
        sentence_stats = term_stats(conn, "sentences_fts", query)
        pks = sorted({paper_of[sid] for sid in q.relevant})
        snippets = best_sentences(conn, pks, query, vector, concepts, garden._indexes.tokens,
                                  stats)
        for pk in pks:
            shown = {systems[0]: first.get(pk), systems[-1]: snippets[pk].sentence_id
                     if pk in snippets else None}
            best = bm25_top(conn, "sentences_fts", query, sentence_stats, 1,
                            join="JOIN sentences s ON s.id = sentences_fts.rowid",
                            where="s.paper_pk = ? AND s.field = 'abstract'",
                            params=[pk]) if query else []
            shown[systems[1]] = best[0][0] if best else first.get(pk)
            if sentence_vectors is not None:
                own = sentences_of[pk]
                cosine = sentence_vectors[1][[row_of[sid] for sid in own]] @ vector
                shown[systems[2]] = own[int(np.argmax(cosine))]
            for name, sid in shown.items():
                hits[name].append((sid in q.relevant, q.position % 2 == 0))

    def share(pairs: list[tuple[bool, bool]], half: bool | None = None) -> float:
        return 100 * statistics.fmean(h for h, e in pairs if half is None or e == half)

    pairs = len(hits[systems[0]])
    return [SnippetRow(name, share(v), share(v, True), share(v, False))
            for name, v in hits.items()], pairs


def open_garden(stack: ExitStack, path: Path | None, corpus: list[dict[str, object]]
                ) -> tuple[Garden, dict[str, str], list[str]]:
    """The SciFact garden at ``path`` (built there, with its vectors, when absent)."""
    papers, doc_by_paper = as_papers(corpus)
    notes: list[str] = []
    settings = load_settings({"embed_on_ingest": False}, env={})
    if path is not None and path.exists():
        garden = stack.enter_context(Garden.open(path, settings=settings))
        notes.append(f"garden reused: {path}")
        return garden, doc_by_paper, notes
    if path is None:
        path = Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix="kgarden-evidence-"))) / "scifact.db"
    garden = stack.enter_context(Garden.create(path, settings=settings))
    started = time.perf_counter()
    garden.ingest_papers(papers, embed=False)
    garden.embed()
    notes.append(f"garden built: {len(papers):,} abstracts ingested and embedded in "
                 f"{time.perf_counter() - started:.0f} s")
    return garden, doc_by_paper, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--garden", type=Path, default=None,
                        help="keep the SciFact garden here (reused when the file exists)")
    parser.add_argument("--sentence-vectors", action="store_true",
                        help="also rank by MiniLM cosine over every abstract sentence")
    parser.add_argument("--limit", type=int, default=None, help="only the first N claims")
    got = parse_and_load(parser)
    if got is None:
        return
    args, corpus, claims = got
    with ExitStack() as stack:
        garden, doc_by_paper, notes = open_garden(stack, args.garden, corpus)
        items, wanted, found = questions(garden, corpus, claims, doc_by_paper)
        items = items[: args.limit]
        notes.append(f"{len(items)} claims with rationales; {found:,} of {wanted:,} rationale "
                     "sentences found in the garden's abstracts; "
                     f"{statistics.fmean(len(q.relevant) for q in items):.2f} relevant garden "
                     "sentences a claim")
        systems = [("BM25 over all sentences, titles included (FTS5)", bm25_system(garden, "any")),
                   ("BM25 over the abstracts' sentences", bm25_system(garden, "abstract"))]
        vectors = sentence_vectors(garden, notes) if args.sentence_vectors else None
        if vectors is not None:
            systems.append(("MiniLM over the abstracts' sentences (vectors kgarden does not store)",
                            dense_system(garden, vectors)))
        systems.append(("kgarden ask, offline", ask_system(garden)))
        rows = [measure(garden, label, items, rank) for label, rank in systems]
        shown, pairs = snippet_rows(garden, items, vectors)
    lines = ["SciFact rationale sentences as the answers to the claims (offline ask).", ""]
    lines += [f"- {n}" for n in notes] + [""]
    lines += ["| system | hit@1 | hit@1 even | hit@1 odd | hit@answer | answer precision "
              "| MRR@10 | Recall@10 | ms/question |",
              "| :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r.system} | {r.hit1:.1f} | {r.hit1_even:.1f} | {r.hit1_odd:.1f} | "
              f"{r.hit_answer:.1f} | {r.precision:.1f} | {r.mrr10:.1f} | {r.recall10:.1f} | "
              f"{r.ms:.1f} |" for r in rows]
    lines += ["", f"The sentence shown for each paper that holds a claim's rationales ({pairs} "
              "pairs): the share that are rationales.", "",
              "| sentence shown | rationale | even claims | odd claims |",
              "| :--- | ---: | ---: | ---: |"]
    lines += [f"| {r.system} | {r.hit:.1f} | {r.hit_even:.1f} | {r.hit_odd:.1f} |"
              for r in shown]
    emit("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
