"""The sentence of a paper that best matches a query, with the matching words marked.

Two cheap signals, added: the query words the sentence holds (by its tokens, ``tokens.py``),
each weighted by its idf in the garden, and meaning: the best cosine between the query and the
concepts mentioned in the sentence (concept vectors are already in the garden, so no sentence
has to be embedded while the user waits).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TypeAlias

from kgarden.embed.base import Matrix
from kgarden.embed.index import Similarities
from kgarden.search.lexical import TermStats, highlighted
from kgarden.search.query import ParsedQuery
from kgarden.search.tokens import SentenceTokens, marked_spans

SentenceRow: TypeAlias = tuple[int, str, str, int, int]  # id, field, text, start, end
OPEN, CLOSE = "\x02", "\x03"  # highlight() markers: control characters never in our text


@dataclass
class Snippet:
    sentence_id: int
    field: str  # 'title' or 'abstract'
    text: str
    start: int  # offsets of the sentence in the paper's field
    end: int
    highlights: list[tuple[int, int]] = dataclass_field(default_factory=list)  # within ``text``


def parse_marks(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """Text without highlight markers, and the spans the markers enclosed."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    start: int | None = None
    for ch in marked:
        if ch == OPEN:
            start = length
        elif ch == CLOSE:
            if start is not None and length > start:
                spans.append((start, length))
            start = None
        else:
            out.append(ch)
            length += 1
    return "".join(out), spans


def best_sentences(conn: sqlite3.Connection, paper_pks: Sequence[int], query: ParsedQuery,
                   vector: Matrix | None, concepts: Similarities | None,
                   tokens: SentenceTokens, stats: TermStats | None = None
                   ) -> dict[int, Snippet]:
    """The best sentence of each paper, for the hits of one search: the papers' sentences and
    mentions are read in one query each, the terms each sentence holds come from its tokens
    (``SentenceTokens``), and the concept cosines from one product."""
    if not paper_pks:
        return {}
    marks = ",".join("?" * len(paper_pks))
    sentences: dict[int, list[SentenceRow]] = {}
    for row in conn.execute(
            "SELECT paper_pk, id, field, text, start_char, end_char FROM sentences"
            f" WHERE paper_pk IN ({marks}) ORDER BY paper_pk, field = 'title', idx",
            list(paper_pks)).fetchall():
        sentences.setdefault(int(row[0]), []).append(
            (int(row[1]), str(row[2]), str(row[3]), int(row[4]), int(row[5])))
    meaning: dict[int, tuple[float, int, int]] = {}  # sentence -> (cosine, mention span)
    if vector is not None and concepts is not None:
        mentions = conn.execute(
            "SELECT sentence_id, concept_id, start_char, end_char FROM mentions"
            f" WHERE paper_pk IN ({marks})", list(paper_pks)).fetchall()
        cosine = concepts.similarities(vector, {int(m[1]) for m in mentions})
        for sid, cid, start, end in mentions:
            similarity = cosine.get(int(cid))
            if similarity is not None and similarity > meaning.get(sid, (-2.0, 0, 0))[0]:
                meaning[sid] = (similarity, start, end)
    held: dict[int, set[str]] = {}  # sentence -> the query terms it holds
    term_tokens: dict[str, tuple[str, ...]] = {}
    if query:
        term_tokens = dict(zip(query.terms, tokens.tokenize(conn, list(query.terms)),
                               strict=True))
        held = tokens.held(conn, [(row[0], row[2]) for rows in sentences.values()
                                  for row in rows], term_tokens)
    idf = {t: stats.idf(t) if stats is not None else 1.0 for t in query.terms}
    lexical = {sid: sum(idf[t] for t in terms) for sid, terms in held.items()}
    found = {}
    for pk in paper_pks:
        snippet = _best(sentences.get(pk, []), lexical, held, meaning)
        if snippet is not None:
            found[pk] = snippet
    # only the sentences shown, and holding a query term, need all their tokens (the marks)
    marked = [s for s in found.values() if s.sentence_id in held]
    sentence_tokens = tokens.of_sentences(conn, [(s.sentence_id, s.text) for s in marked])
    for snippet in marked:
        snippet.highlights = _marks(conn, snippet, sorted(held[snippet.sentence_id]),
                                    term_tokens, sentence_tokens)
    return found


def _marks(conn: sqlite3.Connection, snippet: Snippet, terms: list[str],
           term_tokens: dict[str, tuple[str, ...]],
           sentence_tokens: dict[int, tuple[str, ...]]) -> list[tuple[int, int]]:
    """The query's matches in the sentence: from its tokens, or from FTS5's ``highlight()``
    when they cannot be placed in its text (one lookup per term: 0.4 ms a hit)."""
    spans = marked_spans(snippet.text, sentence_tokens[snippet.sentence_id],
                         [term_tokens[t] for t in terms])
    if spans is not None:
        return spans
    marked = highlighted(conn, terms, snippet.sentence_id, OPEN, CLOSE)
    return parse_marks(marked)[1] if marked is not None else []


def _best(sentences: list[SentenceRow], lexical: dict[int, float], held: dict[int, set[str]],
          meaning: dict[int, tuple[float, int, int]]) -> Snippet | None:
    """The best of a paper's sentences: ``lexical`` is the idf of the query terms a sentence
    holds (``held``), summed. Marked with the concept that scored it when it holds no term."""
    if not sentences:
        return None
    ids = [s[0] for s in sentences]
    by_id = {s[0]: s for s in sentences}
    abstract = [i for i in ids if by_id[i][1] == "abstract"] or ids
    # the idf of the query terms held, relative to the paper's best sentence, plus the best
    # concept cosine: a sentence holding the query's rare words wins; meaning decides the rest
    top = max((lexical[i] for i in abstract if i in lexical), default=0.0)

    def score(i: int) -> float:
        lex = lexical[i] / top if i in lexical and top > 0 else 0.0
        return lex + max(meaning.get(i, (0.0, 0, 0))[0], 0.0)

    best = max(abstract, key=lambda i: (score(i), -i))
    sid, fld, text, start, end = by_id[best]
    spans: list[tuple[int, int]] = []
    if best not in held and best in meaning:
        _, m_start, m_end = meaning[best]
        spans = [(m_start - start, m_end - start)]
    return Snippet(sid, fld, text, start, end, spans)
