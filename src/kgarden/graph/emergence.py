"""Concept emergence over time, from the paper–concept graph and the papers' dates.

Per concept: the period it was first seen, and papers per period. A concept emerges when its
share of the recent periods' papers exceeds its (smoothed) share of the earlier ones:
growth = (r / R) / ((e + 1) / (E + 1)), with r, e its recent and earlier papers and R, E all
dated papers in those periods. Kept when growth is at least 2 (a doubled share) and the concept
is in at least 2 recent papers; ranked by r × log(growth) × specificity, so a concept needs
both a real rise and several recent papers, and everyday words do not lead.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from kgarden.graph.views import BipartiteGraph

MONTHLY_MAX_YEARS = 4  # dates spanning more years than this are counted per year


@dataclass
class EmergingConcept:
    name: str
    first_seen: str
    recent_papers: int
    earlier_papers: int
    growth: float
    new: bool  # first seen in the recent periods
    series: list[int]  # papers per period, aligned with Emergence.periods


@dataclass
class Emergence:
    computed: bool
    sentence: str
    dated_papers: int = 0
    granularity: str | None = None  # "month" or "year"
    periods: list[str] = field(default_factory=list)
    papers_per_period: list[int] = field(default_factory=list)
    recent: list[str] = field(default_factory=list)
    concepts: list[EmergingConcept] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _months(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _valid(date: str | None) -> bool:
    return bool(date) and len(date or "") >= 4 and (date or "")[:4].isdigit()


def emergence(bp: BipartiteGraph, *, top: int = 10, min_recent: int = 2,
              min_growth: float = 2.0) -> Emergence:
    dates: list[str | None] = bp.graph.vs["date"][: bp.papers]
    dated = [d for d in dates if d is not None and _valid(d)]
    if not dated:
        return Emergence(False, "No paper in this garden carries a date, so concept emergence"
                                " over time is not measured.")
    with_month = [d for d in dated if len(d) >= 7 and d[5:7].isdigit()]
    years = sorted({int(d[:4]) for d in dated})
    monthly = (len(with_month) >= 0.8 * len(dated)
               and years[-1] - years[0] <= MONTHLY_MAX_YEARS)
    if monthly:
        periods = _months(min(d[:7] for d in with_month), max(d[:7] for d in with_month))
    else:
        periods = [str(y) for y in range(years[0], years[-1] + 1)]
    position = {p: i for i, p in enumerate(periods)}
    of_paper = np.full(bp.papers, -1, dtype=np.int64)
    for i, d in enumerate(dates):
        if d is not None and _valid(d):
            of_paper[i] = position.get(d[:7] if monthly else d[:4], -1)
    counted = int(np.sum(of_paper >= 0))
    unit = "month" if monthly else "year"
    left_out = len(dated) - counted
    note = f" ({left_out} papers dated only by year are left out)" if left_out else ""
    if len(periods) < 2:
        return Emergence(False, f"All {counted} dated papers fall in {periods[0]}: emergence"
                                f" needs papers from at least two {unit}s.", counted, unit,
                         periods, [counted])
    window = max(1, min(3, len(periods) // 3))
    per_period = np.bincount(of_paper[of_paper >= 0], minlength=len(periods))
    recent_total = int(per_period[-window:].sum())
    earlier_total = int(per_period[:-window].sum())

    edges = np.asarray(bp.graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    paper_v = np.minimum(edges[:, 0], edges[:, 1])
    concept = np.maximum(edges[:, 0], edges[:, 1]) - bp.papers
    period = of_paper[paper_v]
    keep = period >= 0
    concept, period = concept[keep], period[keep]
    n_concepts, cut = bp.concepts, len(periods) - window
    recent = np.bincount(concept[period >= cut], minlength=n_concepts)
    earlier = np.bincount(concept[period < cut], minlength=n_concepts)
    first = np.full(n_concepts, len(periods), dtype=np.int64)
    np.minimum.at(first, concept, period)

    names: list[str] = bp.graph.vs["name"][bp.papers:]
    specificity: list[float] = bp.graph.vs["specificity"][bp.papers:]
    scored: list[tuple[float, int, float]] = []
    for c in np.flatnonzero(recent >= min_recent).tolist():
        growth = (recent[c] / recent_total) / ((earlier[c] + 1) / (earlier_total + 1))
        # below a doubling, big concepts' noise (1.1x of thousands of papers) would lead
        if growth >= min_growth:
            scored.append((float(recent[c]) * math.log(growth) * specificity[c], c, growth))
    scored.sort(key=lambda x: (-x[0], names[x[1]]))
    chosen = [c for _, c, _ in scored[:top]]
    series = {c: [0] * len(periods) for c in chosen}
    if chosen:
        mask = np.isin(concept, chosen)
        for c, p in zip(concept[mask].tolist(), period[mask].tolist(), strict=True):
            series[c][p] += 1
    out = [EmergingConcept(names[c], periods[int(first[c])], int(recent[c]), int(earlier[c]),
                           round(float(g), 3), bool(first[c] >= cut), series[c])
           for _, c, g in scored[:top]]
    recent_periods = periods[-window:]
    span = recent_periods[0] if window == 1 else f"{recent_periods[0]} to {recent_periods[-1]}"
    sentence = (f"{counted:,} of {bp.papers:,} papers carry a date{note}, counted per {unit} from"
                f" {periods[0]} to {periods[-1]}. Emerging concepts are those whose share of"
                f" papers rose most in the recent {unit}s ({span}, {recent_total:,} papers) over"
                f" the {earlier_total:,} papers before, at least {min_growth:g}-fold.")
    if not out:
        sentence += (f" No concept in at least {min_recent} recent papers has grown its share"
                     f" {min_growth:g}-fold.")
    return Emergence(True, sentence, counted, unit, periods, per_period.tolist(),
                     recent_periods, out)
