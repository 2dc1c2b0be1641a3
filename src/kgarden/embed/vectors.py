"""Vectors in the garden: which items need one, writing them in resumable batches, the stamp.

A garden has one embedder (meta ``embedder``). Vectors are made after the graph is written, in
their own transactions, so the graph is usable while they are still being made and an
interrupted run resumes with what is missing.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from kgarden.embed.base import Embedder, Matrix, embedder_id, get_embedder
from kgarden.embed.passages import (
    papers_with_passages,
    passage_rows,
    passages_of,
    pending_passage_papers,
)
from kgarden.errors import ConfigError, EmbedderMismatchError
from kgarden.settings import Settings
from kgarden.store.db import chunks, transaction

Progress = Callable[[int, int], None]


def paper_text(title: str, abstract: str) -> str:
    """What a paper's vector is made from (the model truncates at 256 word pieces)."""
    return f"{title}. {abstract}" if abstract else title


@dataclass
class EmbedReport:
    embedder: str
    papers: int = 0  # vectors made in this run
    concepts: int = 0
    passages: int = 0  # passage vectors made in this run (setting embed_passages)
    papers_missing: int = 0  # live papers still without a current vector
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class VectorStatus:
    embedder: str | None
    papers: int
    papers_live: int
    concepts: int
    concepts_wanted: int
    papers_with_passages: int = 0  # papers whose passages have current vectors
    papers_for_passages: int = 0  # live papers with abstract sentences

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def garden_embedder(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'embedder'").fetchone()
    return None if row is None else str(row[0])


def vectors_version(conn: sqlite3.Connection) -> str:
    """Changes whenever vectors are written (cached indexes compare it)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'vectors_version'").fetchone()
    return "0" if row is None else str(row[0])


def check_embedder(conn: sqlite3.Connection, name: str) -> str:
    """The versioned id of ``name``, refused when the garden's vectors come from another."""
    wanted = embedder_id(name)
    have = garden_embedder(conn)
    if have is not None and have != wanted:
        raise EmbedderMismatchError(
            f"this garden's vectors were made by {have}, not {wanted}",
            hint=f"use KGARDEN_EMBEDDER={have.rsplit('.v', 1)[0]}, or re-embed everything"
                 " with `kgarden embed --rebuild`",
        )
    return wanted


_PENDING_PAPERS = (
    " FROM papers p LEFT JOIN vectors v ON v.kind = 'paper' AND v.item_id = p.pk"
    " WHERE p.retracted = 0 AND (v.source_key IS NULL OR v.source_key != p.content_hash)"
)


def _pending_papers(conn: sqlite3.Connection) -> list[tuple[int, str, str]]:
    rows = conn.execute(
        "SELECT p.pk, p.title, p.abstract, p.content_hash" + _PENDING_PAPERS + " ORDER BY p.pk"
    ).fetchall()
    return [(r[0], paper_text(r[1], r[2]), r[3]) for r in rows]


def _pending_concepts(conn: sqlite3.Connection, min_papers: int) -> list[tuple[int, str, str]]:
    rows = conn.execute(
        "SELECT c.id, c.name FROM concepts c"
        " LEFT JOIN vectors v ON v.kind = 'concept' AND v.item_id = c.id"
        " WHERE c.kind = 'concept' AND c.paper_count >= ?"
        " AND (v.source_key IS NULL OR v.source_key != c.name) ORDER BY c.id",
        (max(1, min_papers),),
    ).fetchall()
    return [(r[0], r[1], r[1]) for r in rows]


def vector_status(conn: sqlite3.Connection, min_papers: int) -> VectorStatus:
    def one(sql: str, *args: Any) -> int:
        return int(conn.execute(sql, args).fetchone()[0])

    with_passages, for_passages = papers_with_passages(conn)
    return VectorStatus(
        embedder=garden_embedder(conn),
        papers=one("SELECT count(*) FROM vectors v JOIN papers p ON p.pk = v.item_id"
                   " WHERE v.kind = 'paper' AND p.retracted = 0"
                   " AND v.source_key = p.content_hash"),
        papers_live=one("SELECT count(*) FROM papers WHERE retracted = 0"),
        concepts=one("SELECT count(*) FROM vectors v JOIN concepts c ON c.id = v.item_id"
                     " WHERE v.kind = 'concept' AND c.paper_count >= ?"
                     " AND v.source_key = c.name", max(1, min_papers)),
        concepts_wanted=one("SELECT count(*) FROM concepts WHERE kind = 'concept'"
                            " AND paper_count >= ?", max(1, min_papers)),
        papers_with_passages=with_passages,
        papers_for_passages=for_passages,
    )


def _batches(items: list[tuple[int, str, str]], size: int) -> Iterator[list[tuple[int, str, str]]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def bump_vectors_version(conn: sqlite3.Connection) -> None:
    """Tell cached indexes (``IndexCache``) that the vectors changed."""
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('vectors_version', '1')"
        " ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")


def _stamp(conn: sqlite3.Connection, embedder: str) -> None:
    """Name the garden's embedder (the first vectors do) and tell cached indexes."""
    conn.execute("INSERT INTO meta(key, value) VALUES ('embedder', ?)"
                 " ON CONFLICT(key) DO NOTHING", (embedder,))
    bump_vectors_version(conn)


def _write(conn: sqlite3.Connection, kind: str, embedder: str,
           batch: list[tuple[int, str, str]], vectors: Matrix) -> None:
    with transaction(conn):
        conn.executemany(
            "INSERT INTO vectors(kind, item_id, embedder, source_key, vector)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(kind, item_id) DO UPDATE SET"
            " embedder = excluded.embedder, source_key = excluded.source_key,"
            " vector = excluded.vector",
            [(kind, item, embedder, key, vec.tobytes())
             for (item, _, key), vec in zip(batch, vectors, strict=True)],
        )
        _stamp(conn, embedder)


def _write_passages(conn: sqlite3.Connection, papers: Sequence[int],
                    rows: list[tuple[Any, ...]], embedder: str) -> None:
    """Replace these papers' passages (a paper's passages change together)."""
    with transaction(conn):
        conn.executemany("DELETE FROM passage_vectors WHERE paper_pk = ?",
                         [(pk,) for pk in papers])
        conn.executemany("INSERT INTO passage_vectors(paper_pk, idx, start_char, end_char,"
                         " embedder, source_key, vector) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        _stamp(conn, embedder)


def reset_vectors(conn: sqlite3.Connection) -> None:
    """Forget every vector and the garden's embedder (for ``embed --rebuild``)."""
    with transaction(conn):
        conn.execute("DELETE FROM vectors")
        conn.execute("DELETE FROM passage_vectors")
        conn.execute("DELETE FROM meta WHERE key = 'embedder'")
        bump_vectors_version(conn)


EMBED_ONLY = {"": ("paper", "concept"), "papers": ("paper",), "concepts": ("concept",)}


def embed_kinds(only: str) -> tuple[str, ...]:
    """The kinds of item the setting ``embed_only`` asks vectors for."""
    try:
        return EMBED_ONLY[only.strip().lower()]
    except KeyError:
        raise ConfigError(f"embed_only must be papers or concepts, not {only!r}") from None


def embed_pending(conn: sqlite3.Connection, settings: Settings, *,
                  progress: Progress | None = None,
                  embedder: Embedder | None = None) -> EmbedReport:
    """Give every live paper, and every concept in enough papers, a current vector
    (only papers or only concepts with the setting ``embed_only``); with ``embed_passages``,
    each paper's passages too, after the rest (progress counts a paper's passages as one)."""
    started = time.perf_counter()
    only = embed_kinds(settings.embed_only)
    name = check_embedder(conn, settings.embedder)
    report = EmbedReport(embedder=name)
    papers = _pending_papers(conn) if "paper" in only else []
    concepts = (_pending_concepts(conn, settings.embed_concept_min_papers)
                if "concept" in only else [])
    for_passages = (pending_passage_papers(conn)
                    if settings.embed_passages and "paper" in only else [])
    total = len(papers) + len(concepts) + len(for_passages)
    if total:
        model = embedder or get_embedder(settings.embedder)
        done = 0
        for kind, items in (("paper", papers), ("concept", concepts)):
            for batch in _batches(items, max(1, settings.embed_batch_size)):
                vectors = model.embed([text for _, text, _ in batch],
                                      max_tokens=settings.embed_max_tokens,
                                      precision=settings.embed_precision)
                _write(conn, kind, name, batch, vectors)
                if kind == "paper":
                    report.papers += len(batch)
                else:
                    report.concepts += len(batch)
                done += len(batch)
                if progress is not None:
                    progress(done, total)
        # a paper makes 3-4 passages: batches of papers that embed about embed_batch_size texts
        for batch in _batches(for_passages, max(1, settings.embed_batch_size // 4)):
            passages = passages_of(conn, model, batch)
            vectors = model.embed([p.text for _, items in passages for p in items],
                                  max_tokens=settings.embed_max_tokens,
                                  precision=settings.embed_precision)
            _write_passages(conn, [pk for pk, _, _ in batch],
                            passage_rows(name, batch, passages, vectors), name)
            report.passages += len(vectors)
            done += len(batch)
            if progress is not None:
                progress(done, total)
    if total or "paper" not in only:  # papers skipped by embed_only are still missing
        report.papers_missing = int(
            conn.execute("SELECT count(*)" + _PENDING_PAPERS).fetchone()[0])
    report.seconds = time.perf_counter() - started
    return report


def concept_vectors(conn: sqlite3.Connection, concept_ids: Sequence[int], *,
                    min_papers: int = 1) -> dict[int, Matrix]:
    """The current vectors of these concepts (those that have one and are in at least
    ``min_papers`` papers), read by key: a few hundred cost milliseconds where loading all of
    a large garden's takes seconds. Each vector is a random read, so concepts are filtered
    first: with ``embed_concept_min_papers``, most concepts of a large garden (in one paper)
    cost no read of the vectors table."""
    select = ("SELECT v.item_id, v.vector FROM concepts c CROSS JOIN vectors v"
              " ON v.kind = 'concept' AND v.item_id = c.id"
              " WHERE c.paper_count >= ? AND v.source_key = c.name")
    out: dict[int, Matrix] = {}
    for part in chunks(list(concept_ids)):
        for item_id, blob in conn.execute(
                select + f" AND c.id IN ({','.join('?' * len(part))})",
                [max(1, min_papers), *part]):
            out[int(item_id)] = np.frombuffer(blob, dtype=np.float32)
    return out


def concept_sample(conn: sqlite3.Connection, size: int, min_papers: int) -> list[int]:
    """About ``size`` ids of concepts that get vectors, spread evenly over the ids, from the
    concepts table (scanning the vectors table would read every vector)."""
    count = "SELECT count(*) FROM concepts WHERE kind = 'concept' AND paper_count >= ?"
    wanted = int(conn.execute(count, (min_papers,)).fetchone()[0])
    step = max(1, wanted // max(1, size))
    return [int(r[0]) for r in conn.execute(
        "SELECT id FROM concepts WHERE kind = 'concept' AND paper_count >= ? AND id % ? = 0",
        (min_papers, step))]


def load_vectors(conn: sqlite3.Connection, kind: str) -> tuple[np.ndarray[Any, Any], Matrix]:
    """(item ids, matrix) of every current vector of ``kind``: ``paper``, ``concept``, or
    ``passage`` (the ids are then each passage's paper pk, sorted, a paper's rows in order)."""
    if kind == "passage":
        sql = ("SELECT v.paper_pk, v.vector FROM passage_vectors v"
               " JOIN papers p ON p.pk = v.paper_pk"
               " WHERE p.retracted = 0 AND v.source_key = p.content_hash"
               " ORDER BY v.paper_pk, v.idx")
    elif kind == "paper":
        sql = ("SELECT v.item_id, v.vector FROM vectors v JOIN papers p ON p.pk = v.item_id"
               " WHERE v.kind = 'paper' AND p.retracted = 0 AND v.source_key = p.content_hash"
               " ORDER BY v.item_id")
    else:
        sql = ("SELECT v.item_id, v.vector FROM vectors v JOIN concepts c ON c.id = v.item_id"
               " WHERE v.kind = 'concept' AND c.paper_count > 0 AND v.source_key = c.name"
               " ORDER BY v.item_id")
    rows = conn.execute(sql).fetchall()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    if not rows:
        return ids, np.zeros((0, 0), dtype=np.float32)
    flat = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32)
    return ids, flat.reshape(len(rows), -1)
