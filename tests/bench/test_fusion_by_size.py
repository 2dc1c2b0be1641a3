"""bench/fusion_by_size.py: its sub-gardens search like the garden they come from."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from kgarden import Garden
from kgarden.search.lexical import bm25_top, term_stats
from kgarden.search.query import parse_query

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
by_size = importlib.import_module("fusion_by_size")
common = importlib.import_module("_common")


def test_a_sub_garden_ranks_as_the_garden_does(search_demo: Garden) -> None:
    conn = search_demo.conn
    schema = str(conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'papers_fts'").fetchone()[0])
    rows = [(int(r[0]), str(r[1]), str(r[2])) for r in conn.execute(
        "SELECT pk, title, abstract FROM papers ORDER BY pk")]
    sub = by_size.sub_garden(schema, [(title, abstract) for _, title, abstract in rows])
    query = parse_query("knowledge distillation of language models")
    theirs = bm25_top(conn, "papers_fts", query, term_stats(conn, "papers_fts", query), 10)
    ours = bm25_top(sub, "papers_fts", query, term_stats(sub, "papers_fts", query), 10)
    assert [rows[pk - 1][0] for pk, _ in ours] == [pk for pk, _ in theirs]
    assert [s for _, s in ours] == pytest.approx([s for _, s in theirs])
    sub.close()


def test_ndcg_at_10() -> None:
    assert common.ndcg_at(["a", "b"], {"a"}) == 1.0
    assert common.ndcg_at(["b", "a"], {"a"}) == pytest.approx(1 / 1.5849625)
    assert common.ndcg_at(["b"], {"a"}) == 0.0
