"""The sentence of a paper that best matches a query, with the matching words marked.

Two cheap signals, added: the query words the sentence holds, each weighted by its idf in the
garden (FTS5 over sentences, restricted to the paper's id range), and meaning: the best cosine
between the query and the concepts mentioned in the sentence (concept vectors are already in
the garden, so no sentence has to be embedded while the user waits).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from kgarden.embed.base import Matrix
from kgarden.embed.index import VectorIndex
from kgarden.search.lexical import TermStats, highlighted, sentence_terms
from kgarden.search.query import ParsedQuery

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


def _lexical(conn: sqlite3.Connection, query: ParsedQuery, stats: TermStats | None,
             first: int, last: int) -> dict[int, float]:
    """Sentence ids in [first, last] holding query terms: the sum of those terms' idf."""
    if not query:
        return {}
    held = sentence_terms(conn, query, first, last)
    idf = {t: stats.idf(t) if stats is not None else 1.0 for t in query.terms}
    return {sid: sum(idf[t] for t in terms) for sid, terms in held.items()}


def best_sentence(conn: sqlite3.Connection, paper_pk: int, query: ParsedQuery,
                  vector: Matrix | None, concepts: VectorIndex | None,
                  stats: TermStats | None = None) -> Snippet | None:
    sentences = conn.execute(
        "SELECT id, field, text, start_char, end_char FROM sentences WHERE paper_pk = ?"
        " ORDER BY field = 'title', idx", (paper_pk,),
    ).fetchall()
    if not sentences:
        return None
    ids = [int(s[0]) for s in sentences]
    lexical = _lexical(conn, query, stats, min(ids), max(ids))
    meaning: dict[int, tuple[float, int, int]] = {}  # sentence -> (cosine, mention span)
    if vector is not None and concepts is not None and len(concepts):
        mentions = conn.execute(
            "SELECT sentence_id, concept_id, start_char, end_char FROM mentions"
            " WHERE paper_pk = ?", (paper_pk,)).fetchall()
        cosine = concepts.similarities(vector, {int(m[1]) for m in mentions})
        for sid, cid, start, end in mentions:
            similarity = cosine.get(int(cid))
            if similarity is not None and similarity > meaning.get(sid, (-2.0, 0, 0))[0]:
                meaning[sid] = (similarity, start, end)
    by_id = {int(s[0]): s for s in sentences}
    abstract = [i for i in ids if by_id[i][1] == "abstract"] or ids
    # the idf of the query terms held, relative to the paper's best sentence, plus the best
    # concept cosine: a sentence holding the query's rare words wins; meaning decides the rest
    top = max((lexical[i] for i in abstract if i in lexical), default=0.0)

    def score(i: int) -> float:
        lex = lexical[i] / top if i in lexical and top > 0 else 0.0
        return lex + max(meaning.get(i, (0.0, 0, 0))[0], 0.0)

    best = max(abstract, key=lambda i: (score(i), -i))
    sid, fld, text, start, end = by_id[best]
    marked = highlighted(conn, query, best, OPEN, CLOSE) if best in lexical else None
    spans = parse_marks(marked)[1] if marked is not None else []
    if not spans and best in meaning:
        _, m_start, m_end = meaning[best]
        spans = [(m_start - start, m_end - start)]
    return Snippet(int(sid), fld, text, int(start), int(end), spans)
