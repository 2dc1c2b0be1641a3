"""Papers placed in concept communities: checked against a plain count over the mentions."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from kgarden.garden import Garden
from kgarden.graph.paper_communities import (
    UNASSIGNED,
    PaperCommunities,
    _assign,
    garden_paper_communities,
    paper_communities,
)
from kgarden.graph.report import build_report
from kgarden.settings import Settings


def expected(conn: sqlite3.Connection, community_of: dict[int, int]) -> dict[int, int]:
    """pk -> community of most mentions (ties: smallest id), the slow obvious way."""
    counts: dict[int, Counter[int]] = {}
    for pk, cid in conn.execute(
        "SELECT m.paper_pk, m.concept_id FROM mentions m JOIN papers p ON p.pk = m.paper_pk"
        " WHERE p.retracted = 0"
    ):
        if cid in community_of:
            counts.setdefault(pk, Counter())[community_of[cid]] += 1
    out = {}
    for pk in (r[0] for r in conn.execute("SELECT pk FROM papers WHERE retracted = 0")):
        by = counts.get(pk)
        out[pk] = min(by, key=lambda c: (-by[c], c)) if by else UNASSIGNED
    return out


def test_ties_go_to_the_smallest_community_and_shares_add_up() -> None:
    # row 0: communities 3 and 2 twice each, 5 once; row 1: nothing; row 2: community 4 only
    row = np.array([0, 0, 0, 0, 0, 2], dtype=np.int64)
    comm = np.array([3, 2, 3, 2, 5, 4], dtype=np.int64)
    community = np.zeros(3, dtype=np.int64)
    share = np.zeros(3)
    _assign(row, comm, community, share)
    assert community.tolist() == [2, UNASSIGNED, 4]
    assert share.tolist() == pytest.approx([0.4, 0.0, 1.0])


def test_demo_papers_match_a_plain_count(built_demo: Path, settings: Settings) -> None:
    with Garden.open(built_demo, settings=settings) as garden:
        conn = garden.conn
        comms, placed = garden_paper_communities(conn)
        report = build_report(conn, settings)
        live = conn.execute("SELECT count(*) FROM papers WHERE retracted = 0").fetchone()[0]
    # the same communities as `kgarden report`
    assert [c.to_dict() for c in comms.communities] == report.communities["list"]
    assert isinstance(placed, PaperCommunities)
    assert len(placed.community) == len(placed.paper_ids) == live == 75
    assert placed.paper_pks == sorted(placed.paper_pks)
    ids = set(range(1, len(comms.communities) + 1))
    assert all(c in ids or c == UNASSIGNED for c in placed.community)
    assert all(0 < s <= 1 for s, c in zip(placed.share, placed.community, strict=True)
               if c != UNASSIGNED)
    assert placed.unassigned < live // 2  # most demo papers name a concept of the graph
    assert len(set(placed.community) - {UNASSIGNED}) > 1


def test_against_a_plain_count_with_a_retracted_paper(demo_garden: Garden) -> None:
    conn = demo_garden.conn
    pk = conn.execute("SELECT min(pk) FROM papers").fetchone()[0]
    conn.execute("UPDATE papers SET retracted = 1 WHERE pk = ?", (pk,))
    conn.commit()
    # a hand-made partition: concept id modulo 4, so ties and unassigned papers both occur
    cids = [r[0] for r in conn.execute(
        "SELECT id FROM concepts WHERE kind = 'concept' AND paper_count > 1 ORDER BY id")]
    membership = [1 + cid % 4 for cid in cids]
    placed = paper_communities(conn, cids, membership)
    assert pk not in placed.paper_pks and len(placed.paper_pks) == 74
    want = expected(conn, dict(zip(cids, membership, strict=True)))
    assert dict(zip(placed.paper_pks, placed.community, strict=True)) == want
    assert placed.by_id()[placed.paper_ids[0]] == placed.community[0]
    assert placed.unassigned == sum(1 for c in want.values() if c == UNASSIGNED)


def test_an_empty_graph_leaves_every_paper_unassigned(demo_garden: Garden) -> None:
    placed = paper_communities(demo_garden.conn, [], [])
    assert placed.unassigned == len(placed.community) == 75
    with pytest.raises(ValueError, match="one entry per vertex"):
        paper_communities(demo_garden.conn, [1, 2], [1])
