"""``ask``: an answer made of the garden's own sentences, each cited, or (with an LLM) an answer
whose every claim cites one of the sentences it was given; plus the relation path between two
concepts the question names.

Offline, candidate sentences come from BM25 over the abstracts' sentences and from the best
papers of a hybrid search; they are ranked by a convex sum of their cosine with the question,
their BM25 and their paper's score. Only the best 16 candidates by the cheap signals are
embedded, at question time: sentence vectors for a whole garden would double its build.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Any

from kgarden.embed.base import Matrix, get_embedder
from kgarden.errors import LLMError
from kgarden.graph.relation_graph import GraphCache
from kgarden.search.cache import IndexCache
from kgarden.search.filters import Filters
from kgarden.search.lexical import bm25_top, term_stats
from kgarden.search.paths import NamedConcept, PathEdge, concepts_in, relation_path
from kgarden.search.retrieve import Retrieval, Retriever, fuse, weighted_sum
from kgarden.settings import Settings

PAPERS_FOR_SENTENCES = 4  # best papers whose every sentence is a candidate
LEXICAL_SENTENCES = 20  # plus the best BM25 sentences of the whole garden
ANSWER_SENTENCES = 3
PER_PAPER = 2
LLM_EVIDENCE = 8  # sentences numbered for the LLM
EMBEDDED_SENTENCES = 16  # candidates embedded at question time
SENTENCE_TOKENS = 64  # word pieces of a candidate sentence the embedder reads
# a sentence's score: cosine, BM25 / idf mass, paper score / best (chosen on the even claims of
# bench/scifact_evidence.py; the odd ones held out)
SENTENCE_WEIGHTS = (0.3, 0.4, 0.3)
NOT_ENOUGH = "Not enough evidence in the garden to answer this."


@dataclass
class Citation:
    number: int
    paper_id: str
    title: str
    sentence: str
    start: int  # offsets of the sentence in the paper's field (the abstract, or the title)
    end: int
    field: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    question: str
    answer: str
    citations: list[Citation]
    path: list[PathEdge]
    concepts: list[str]  # the garden's concepts the question names
    mode: str  # 'offline' or 'llm'
    insufficient: bool = False
    notes: list[str] = field(default_factory=list)
    llm: dict[str, Any] | None = None  # model, prompt id, attempts, dropped claims
    llm_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question, "answer": self.answer, "mode": self.mode,
            "insufficient": self.insufficient,
            "citations": [c.to_dict() for c in self.citations],
            "path": [e.to_dict() for e in self.path], "concepts": self.concepts,
            "notes": self.notes, "llm": self.llm, "llm_error": self.llm_error,
        }


def _concept_cosines(conn: sqlite3.Connection, cache: IndexCache, vector: Matrix,
                     sentence_ids: list[int]) -> dict[int, float]:
    """For each sentence, the best cosine of ``vector`` with a concept it mentions."""
    mentions = conn.execute(
        "SELECT sentence_id, concept_id FROM mentions WHERE sentence_id IN"
        f" ({','.join('?' * len(sentence_ids))})", sentence_ids).fetchall()
    cosine = cache.concepts(conn).similarities(vector, {int(m[1]) for m in mentions})
    best: dict[int, float] = {}
    for sentence_id, concept_id in mentions:
        if int(concept_id) in cosine:
            best[int(sentence_id)] = max(best.get(int(sentence_id), -1.0),
                                         cosine[int(concept_id)])
    return best


def _sentence_scores(conn: sqlite3.Connection, settings: Settings, cache: IndexCache,
                     found: Retrieval, rows: dict[int, Any], lexical: dict[int, float]
                     ) -> dict[int, float]:
    """Each candidate sentence's score (``rows``: id -> (id, paper pk, text, ...)).

    With vectors: a convex sum of the sentence's cosine with the question, its BM25 over the
    question's idf mass, and its paper's search score over the best paper's (each missing value
    at the lowest of its kind). Embedding a sentence costs 5-9 ms here, so only the best few by
    the cheap signals (words, paper rank, the question's cosine with the concepts a sentence
    mentions) are embedded. Without vectors: rank fusion of the BM25 and paper orders.
    """
    order = sorted(rows)
    paper_rank = {r.pk: i for i, r in enumerate(found.ranked)}
    by_words = sorted(lexical, key=lambda i: (-lexical[i], i))
    by_paper = sorted(order, key=lambda i: (paper_rank.get(rows[i][1], len(paper_rank)), i))
    if found.query_vector is None:
        return fuse([by_words, by_paper], [1.0, 0.5])
    meaning = _concept_cosines(conn, cache, found.query_vector, order)
    cheap = fuse([by_words, by_paper, sorted(meaning, key=lambda i: (-meaning[i], i))],
                 [1.0, 0.5, 1.0])
    chosen = sorted(cheap, key=lambda i: (-cheap[i], i))[:EMBEDDED_SENTENCES]
    # the sentences are embedded as the garden's texts are (bfloat16 where the CPU has it);
    # the question, like a search query, in float32
    vectors = get_embedder(settings.embedder).embed(
        [rows[i][2] for i in chosen], max_tokens=SENTENCE_TOKENS,
        precision=str(settings.embed_precision))
    cosine = dict(zip(chosen, (float(c) for c in vectors @ found.query_vector), strict=True))
    best = max((r.score for r in found.ranked), default=0.0)
    paper = {r.pk: r.score / best for r in found.ranked} if best > 0 else {}
    lowest = min(paper.values(), default=0.0)  # of every paper found, not only the candidates'
    of_paper = {i: paper.get(rows[i][1], lowest) for i in order}
    return weighted_sum([cosine, lexical, of_paper], SENTENCE_WEIGHTS, order)


def rank_sentences(conn: sqlite3.Connection, settings: Settings, cache: IndexCache,
                   question: str, filters: Filters | None = None
                   ) -> tuple[list[Citation], list[str]]:
    """Candidate sentences for ``question``, best first (numbered in that order)."""
    filters = filters or Filters()
    retriever = Retriever(conn, settings, cache)
    found = retriever.retrieve(question, n=50, filters=filters)
    where, params = filters.sql(conn)
    lexical: dict[int, float] = {}  # sentence id -> BM25 over the question's idf mass
    if found.query:
        stats = term_stats(conn, "sentences_fts", found.query, cache.memo.get(conn))
        mass = max(stats.idf_mass(found.query.terms), 1e-9)
        # a title is a candidate only where the paper has no abstract: every citation shows
        # its paper's title anyway, and a title states a topic more often than a finding
        # (bench/scifact_evidence.py: with titles, the first sentence cited was one for 88 of
        # the first 200 claims, never a rationale)
        lexical = {sid: score / mass for sid, score in bm25_top(
            conn, "sentences_fts", found.query, stats, LEXICAL_SENTENCES,
            join="JOIN sentences s ON s.id = sentences_fts.rowid"
                 " JOIN papers p ON p.pk = s.paper_pk",
            where=f"{where} AND (s.field = 'abstract' OR p.abstract = '')",
            params=params)}
    top_papers = [r.pk for r in found.ranked[:PAPERS_FOR_SENTENCES]]
    ids = set(lexical)
    if top_papers:
        ids |= {int(r[0]) for r in conn.execute(
            "SELECT id FROM sentences WHERE field = 'abstract' AND paper_pk IN"
            f" ({','.join('?' * len(top_papers))})", top_papers)}
    if not ids:
        return [], found.notes
    rows = {int(r[0]): r for r in conn.execute(
        "SELECT s.id, s.paper_pk, s.text, s.start_char, s.end_char, s.field, p.id, p.title"
        f" FROM sentences s JOIN papers p ON p.pk = s.paper_pk WHERE s.id IN"
        f" ({','.join('?' * len(ids))})", sorted(ids))}
    scores = _sentence_scores(conn, settings, cache, found, rows, lexical)
    ranked = sorted(scores, key=lambda i: (-scores[i], i))
    return [Citation(n, rows[i][6], rows[i][7], rows[i][2], rows[i][3], rows[i][4], rows[i][5],
                     round(scores[i], 6)) for n, i in enumerate(ranked, start=1)], found.notes


def pick_answer(candidates: list[Citation]) -> list[Citation]:
    """The best few sentences, at most PER_PAPER from one paper, no repeated sentence,
    renumbered from 1: the offline answer."""
    chosen: list[Citation] = []
    seen: set[str] = set()
    per_paper: dict[str, int] = {}
    for c in candidates:
        text = " ".join(c.sentence.split()).casefold()
        if text in seen or per_paper.get(c.paper_id, 0) >= PER_PAPER:
            continue
        seen.add(text)
        per_paper[c.paper_id] = per_paper.get(c.paper_id, 0) + 1
        chosen.append(c)
        if len(chosen) == ANSWER_SENTENCES:
            break
    return [Citation(n, c.paper_id, c.title, c.sentence, c.start, c.end, c.field, c.score)
            for n, c in enumerate(chosen, start=1)]


def _path_for(conn: sqlite3.Connection, named: list[NamedConcept],
              graphs: GraphCache | None) -> list[PathEdge]:
    if len(named) < 2:
        return []
    a, b = sorted(named, key=lambda c: (-c.specificity, -(c.end - c.start), c.start))[:2]
    return relation_path(conn, a.id, b.id, graph=graphs.get(conn) if graphs else None)


def ask(conn: sqlite3.Connection, settings: Settings, cache: IndexCache, question: str, *,
        filters: Filters | None = None, use_llm: bool = True,
        graphs: GraphCache | None = None) -> Answer:
    candidates, notes = rank_sentences(conn, settings, cache, question, filters)
    named = concepts_in(conn, question)
    path = _path_for(conn, named, graphs)
    offline = pick_answer(candidates)
    answer = Answer(
        question=question,
        answer=" ".join(f"{c.sentence} [{c.number}]" for c in offline) or NOT_ENOUGH,
        citations=offline, path=path, concepts=[c.name for c in named], mode="offline",
        insufficient=not offline, notes=list(notes),
    )
    if not use_llm or not candidates:
        return answer
    from kgarden.llm import EvidenceSentence, LLMClient, LLMConfig, answer_with_llm

    config = LLMConfig.from_settings(settings)
    if config is None:
        return answer
    evidence = candidates[:LLM_EVIDENCE]
    try:
        with LLMClient(config) as client:
            reply = answer_with_llm(
                question,
                [EvidenceSentence(c.number, c.paper_id, c.title, c.sentence) for c in evidence],
                client)
    except LLMError as exc:
        answer.llm_error = str(exc)
        answer.notes.append(f"the LLM gave no usable answer ({exc}); this is the offline answer")
        return answer
    cited = {c.number: c for c in evidence if c.number in set(reply.cited)}
    answer.mode = "llm"
    answer.answer = NOT_ENOUGH if reply.insufficient else reply.text
    answer.insufficient = reply.insufficient
    answer.citations = [cited[n] for n in sorted(cited)]
    answer.llm = {"model": reply.info.model, "prompt_id": reply.info.prompt_id,
                  "attempts": reply.info.attempts, "dropped_claims": reply.dropped}
    return answer
