"""The sentence of a paper that best matches a query, with the matching words marked.

Two cheap signals, added: BM25 of the sentence against the query words (FTS5 over
sentences, restricted to the paper's id range), and meaning: the best cosine between the query
and the concepts mentioned in the sentence (concept vectors are already in the garden, so no
sentence has to be embedded while the user waits).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from kgarden.embed.base import Matrix
from kgarden.embed.index import VectorIndex
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


def _lexical(conn: sqlite3.Connection, query: ParsedQuery, first: int, last: int
             ) -> dict[int, tuple[float, list[tuple[int, int]]]]:
    """Sentence ids in [first, last] matching the query: (BM25, highlight spans)."""
    if not query:
        return {}
    rows = conn.execute(
        "SELECT rowid, -bm25(sentences_fts), highlight(sentences_fts, 0, char(2), char(3))"
        " FROM sentences_fts WHERE sentences_fts MATCH ? AND rowid BETWEEN ? AND ?",
        (query.fts, first, last),
    ).fetchall()
    return {int(r[0]): (float(r[1]), parse_marks(r[2])[1]) for r in rows}


def best_sentence(conn: sqlite3.Connection, paper_pk: int, query: ParsedQuery,
                  vector: Matrix | None, concepts: VectorIndex | None) -> Snippet | None:
    sentences = conn.execute(
        "SELECT id, field, text, start_char, end_char FROM sentences WHERE paper_pk = ?"
        " ORDER BY field = 'title', idx", (paper_pk,),
    ).fetchall()
    if not sentences:
        return None
    ids = [int(s[0]) for s in sentences]
    lexical = _lexical(conn, query, min(ids), max(ids))
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
    # BM25 relative to the paper's best sentence, plus the best concept cosine: a sentence
    # holding the query's rare words wins; meaning decides among the rest
    top_bm25 = max((lexical[i][0] for i in abstract if i in lexical), default=0.0)

    def score(i: int) -> float:
        lex = lexical[i][0] / top_bm25 if i in lexical and top_bm25 > 0 else 0.0
        return lex + max(meaning.get(i, (0.0, 0, 0))[0], 0.0)

    best = max(abstract, key=lambda i: (score(i), -i))
    sid, fld, text, start, end = by_id[best]
    spans = lexical[best][1] if best in lexical else []
    if not spans and best in meaning:
        _, m_start, m_end = meaning[best]
        spans = [(m_start - start, m_end - start)]
    return Snippet(int(sid), fld, text, int(start), int(end), spans)
