"""Passage vectors (setting ``embed_passages``): a paper's abstract cut at sentence boundaries
into passages the embedder reads whole, one vector each.

One vector per paper reads the first 256 word pieces of title and abstract; two thirds of
SciFact's abstracts, and of arXiv's, are longer. Passages of at most 126 word pieces (the
length MiniLM was trained at) cover all of it, and a paper is scored by its own vector and its
best passage, so it is found by a part its one vector blurs (the MaxP of passage retrieval).
On SciFact that takes dense search from 66.0 to 68.8 nDCG@10 and fused search from 71.9 to
73.3 (RRF) and 74.5 to 75.1 (convex), for 1.6x the embedding time of the paper and concept
vectors again (bench/scifact_eval.py --passages). So they are an option, not the default: a
large garden's build would take about 2.5x as long.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kgarden.embed.base import Embedder, Matrix

PASSAGE_TOKENS = 126  # word pieces of a passage, at most (a longer sentence is one passage)
# a paper's dense score with passages: this much its whole vector's cosine, the rest its best
# passage's (0.4, 0.5 and 0.6 alike on the SciFact claims at even positions: fused convex
# 77.34-77.38 nDCG@10; 0.3 77.09)
WHOLE_WEIGHT = 0.5
# only the papers this far down the list of their own cosine are blended with their passages:
# on SciFact (5,180 papers) the top 150 already gave the scores of blending every paper
# (fused convex 75.15 against 75.07, RRF 72.96 against 73.01; scratch harness, 2026-12-02)
BLEND_DEPTH = 1000


@dataclass(frozen=True)
class Passage:
    start: int  # offsets into the abstract
    end: int
    text: str  # what is embedded (the first passage leads with the title)


def cut_passages(title: str, sentences: Sequence[tuple[int, int, str]],
                 tokens: Sequence[int], title_tokens: int,
                 limit: int = PASSAGE_TOKENS) -> list[Passage]:
    """Consecutive ``sentences`` (start, end, text) grouped while their word pieces
    (``tokens``, one count per sentence) fit ``limit``; the title counts toward the first."""
    groups: list[list[int]] = []
    used = title_tokens
    for i, count in enumerate(tokens):
        if groups and groups[-1] and used + count > limit:
            groups.append([i])
            used = count
        else:
            if not groups:
                groups.append([])
            groups[-1].append(i)
            used += count
    passages = []
    for number, members in enumerate(groups):
        text = " ".join(sentences[i][2] for i in members)
        if number == 0 and title:
            text = f"{title}. {text}"
        passages.append(Passage(sentences[members[0]][0], sentences[members[-1]][1], text))
    return passages


_LIVE_WITH_SENTENCES = (
    " FROM papers p WHERE p.retracted = 0"
    " AND EXISTS (SELECT 1 FROM sentences s WHERE s.paper_pk = p.pk AND s.field = 'abstract')"
)
_PENDING = _LIVE_WITH_SENTENCES + (
    " AND NOT EXISTS (SELECT 1 FROM passage_vectors v WHERE v.paper_pk = p.pk"
    " AND v.source_key = p.content_hash)"
)


def pending_passage_papers(conn: sqlite3.Connection) -> list[tuple[int, str, str]]:
    """(pk, title, content_hash) of live papers with abstract sentences whose passages are
    missing or were made from another version of the paper."""
    return [(int(r[0]), str(r[1]), str(r[2])) for r in conn.execute(
        "SELECT p.pk, p.title, p.content_hash" + _PENDING + " ORDER BY p.pk")]


def papers_with_passages(conn: sqlite3.Connection) -> tuple[int, int]:
    """(papers whose passages are current, papers that can have passages)."""
    wanted = int(conn.execute("SELECT count(*)" + _LIVE_WITH_SENTENCES).fetchone()[0])
    missing = int(conn.execute("SELECT count(*)" + _PENDING).fetchone()[0])
    return wanted - missing, wanted


def passages_of(conn: sqlite3.Connection, embedder: Embedder,
                papers: Sequence[tuple[int, str, str]]) -> list[tuple[int, list[Passage]]]:
    """Each paper's passages, from its abstract sentences as the garden holds them."""
    out = []
    for pk, title, _ in papers:
        sentences = [(int(r[0]), int(r[1]), str(r[2])) for r in conn.execute(
            "SELECT start_char, end_char, text FROM sentences"
            " WHERE paper_pk = ? AND field = 'abstract' ORDER BY idx", (pk,))]
        counts = embedder.count_tokens([title, *(s[2] for s in sentences)])
        out.append((pk, cut_passages(title, sentences, counts[1:], counts[0])))
    return out


def passage_rows(embedder_name: str, papers: Sequence[tuple[int, str, str]],
                 passages: Sequence[tuple[int, list[Passage]]], vectors: Matrix
                 ) -> list[tuple[Any, ...]]:
    """The rows of ``passage_vectors`` for these papers' passages and their vectors."""
    key = {pk: content_hash for pk, _, content_hash in papers}
    rows: list[tuple[Any, ...]] = []
    for pk, items in passages:
        for idx, passage in enumerate(items):
            rows.append((pk, idx, passage.start, passage.end, embedder_name, key[pk],
                         vectors[len(rows)].tobytes()))
    return rows
