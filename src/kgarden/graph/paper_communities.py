"""Papers placed in the concept communities of the structure graph.

``kgarden report`` finds Leiden communities of *concepts*. A paper belongs to the community
that holds most of its mention weight: every mention of a concept in the graph counts 1
toward that concept's community (a concept named in three sentences counts 3). Ties go to
the smallest community id (the larger community: ids are numbered by size). A paper none of
whose concepts is in the structure graph is left unassigned (community 0).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kgarden.graph.analytics import Communities
from kgarden.graph.report import SMALL_GARDEN, ReportOptions

UNASSIGNED = 0  # community id of a paper with no concept in the structure graph
CHUNK = 500_000  # mentions read at a time


@dataclass
class PaperCommunities:
    """One entry per live paper, in pk order."""

    paper_pks: list[int]
    paper_ids: list[str]
    community: list[int]  # community id (1 = largest), UNASSIGNED when no concept is in the graph
    share: list[float]  # the winning community's share of the paper's in-graph mentions

    @property
    def unassigned(self) -> int:
        return sum(1 for c in self.community if c == UNASSIGNED)

    def by_id(self) -> dict[str, int]:
        """paper id -> community id."""
        return dict(zip(self.paper_ids, self.community, strict=True))


def paper_communities(conn: sqlite3.Connection, concept_ids: Sequence[int],
                      membership: Sequence[int]) -> PaperCommunities:
    """Assign every live paper to the community of most of its mentions.

    ``concept_ids[v]`` and ``membership[v]`` are the concept id and community id (>= 1) of
    vertex v of the structure graph (``g.vs["concept_id"]`` and ``Communities.membership``).
    Mentions of concepts outside the graph are ignored; retracted papers are left out.
    """
    if len(concept_ids) != len(membership):
        raise ValueError("concept_ids and membership must have one entry per vertex")
    papers = conn.execute("SELECT pk, id FROM papers WHERE retracted = 0 ORDER BY pk").fetchall()
    pks = np.fromiter((r[0] for r in papers), dtype=np.int64, count=len(papers))
    community = np.full(len(papers), UNASSIGNED, dtype=np.int64)
    share = np.zeros(len(papers), dtype=np.float64)
    if len(papers) and len(concept_ids):
        cid = np.asarray(concept_ids, dtype=np.int64)
        lookup = np.zeros(int(cid.max()) + 1, dtype=np.int64)  # concept id -> community
        lookup[cid] = np.asarray(membership, dtype=np.int64)
        # the covering index mentions_concept(concept_id, paper_pk) answers this alone
        cursor = conn.execute("SELECT concept_id, paper_pk FROM mentions")
        chunks = [np.zeros((0, 2), dtype=np.int64)]
        while batch := cursor.fetchmany(CHUNK):  # chunks: a tuple per mention is ~100 bytes
            mention = np.asarray(batch, dtype=np.int64)
            mention = mention[mention[:, 0] < lookup.size]
            mention = mention[lookup[mention[:, 0]] > 0]  # concepts in the graph only
            chunks.append(mention)
        mention = np.concatenate(chunks)
        paper, comm = mention[:, 1], lookup[mention[:, 0]]
        row = np.searchsorted(pks, paper)  # position of the paper among live papers
        live = row < pks.size
        live[live] &= pks[row[live]] == paper[live]
        row, comm = row[live], comm[live]
        _assign(row, comm, community, share)
    return PaperCommunities(pks.tolist(), [r[1] for r in papers], community.tolist(),
                            [round(float(s), 4) for s in share])


def _assign(row: np.ndarray[Any, Any], comm: np.ndarray[Any, Any],
            community: np.ndarray[Any, Any], share: np.ndarray[Any, Any]) -> None:
    """Fill ``community`` and ``share`` (indexed by row) from one (row, community) per mention."""
    if not row.size:
        return
    width = int(comm.max()) + 1
    keys, weight = np.unique(row * width + comm, return_counts=True)
    key_row, key_comm = keys // width, keys % width
    # per row: the largest weight first, then the smallest community id
    order = np.lexsort((key_comm, -weight, key_row))
    first = order[np.r_[True, key_row[order][1:] != key_row[order][:-1]]]
    totals = np.bincount(key_row, weights=weight, minlength=community.size)
    community[key_row[first]] = key_comm[first]
    share[key_row[first]] = weight[first] / totals[key_row[first]]


def garden_paper_communities(conn: sqlite3.Connection, options: ReportOptions | None = None
                             ) -> tuple[Communities, PaperCommunities]:
    """The concept communities exactly as ``kgarden report`` finds them (the same
    ``ReportOptions``: min papers, min shared sentences, seed, Leiden iterations), and every
    live paper placed in one of them."""
    from kgarden.graph import analytics as an
    from kgarden.graph.views import concept_graph

    opts = options or ReportOptions()
    live = int(conn.execute("SELECT count(*) FROM papers WHERE retracted = 0").fetchone()[0])
    min_sentences = opts.min_sentences or (1 if live < SMALL_GARDEN else 2)
    cg = concept_graph(conn, min_papers=opts.min_papers, min_sentences=min_sentences)
    g = an.structure_graph(cg)
    comms = an.communities(g, seed=opts.seed, iterations=opts.leiden_iterations)
    return comms, paper_communities(conn, g.vs["concept_id"], comms.membership)
