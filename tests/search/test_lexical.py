"""The two-stage BM25 (search/lexical.py) against FTS5's own OR-query on a real garden."""

from __future__ import annotations

from kgarden import Garden
from kgarden.search.lexical import TABLES, bm25_top, term_stats
from kgarden.search.query import parse_query

QUERY = "knowledge distillation of large language models into small students"


def plain(garden: Garden, expression: str) -> dict[int, float]:
    """Every row FTS5 finds for ``expression``, with its BM25 (higher is better)."""
    return {int(r[0]): -float(r[1]) for r in garden.conn.execute(
        f"SELECT rowid, {TABLES['papers_fts']} FROM papers_fts WHERE papers_fts MATCH ?",
        (expression,))}


def assert_same(found: list[tuple[int, float]], expected: dict[int, float]) -> None:
    ranked = sorted(expected.items(), key=lambda item: (-item[1], item[0]))[:len(found)]
    assert [pk for pk, _ in found] == [pk for pk, _ in ranked]
    for (_, got), (_, want) in zip(found, ranked, strict=True):
        assert abs(got - want) < 1e-4


def test_a_query_within_the_budget_is_the_plain_or_query(demo_garden: Garden) -> None:
    query = parse_query(QUERY)
    stats = term_stats(demo_garden.conn, "papers_fts", query)
    found = bm25_top(demo_garden.conn, "papers_fts", query, stats, 20)
    assert len(found) == 20
    assert_same(found, plain(demo_garden, query.fts))


def test_two_stages_score_every_row_holding_a_rare_term_as_the_whole_query_does(
        demo_garden: Garden) -> None:
    query = parse_query(QUERY)
    stats = term_stats(demo_garden.conn, "papers_fts", query)
    rare, common = stats.split(query.terms, budget=20)
    assert rare == ["small", "distillation"]
    # "models" is in 65 of the 75 papers, "large" in 39: FTS5 weighs them at an idf of 1e-6,
    # so they are left out of the second stage; "students" (12 papers) stays
    assert stats.weighed(common) == ["students"]
    assert 2 * stats.frequency["models"] >= stats.rows
    whole = plain(demo_garden, query.fts)
    holding_rare = plain(demo_garden, " OR ".join(f'"{t}"' for t in rare))
    found = bm25_top(demo_garden.conn, "papers_fts", query, stats, 100, budget=20)
    assert len(found) == len(holding_rare)
    assert_same(found, {pk: whole[pk] for pk in holding_rare})
    # the rows made of common terms alone are the ones left out
    assert len(found) < len(whole)
