"""PNG plots of a report, drawn with matplotlib's Agg canvas (no display, no pyplot state)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kgarden.graph.analytics import Communities, DegreeFit
from kgarden.graph.emergence import Emergence

DPI = 110


def plain(text: str) -> str:
    """Concept names are text, never mathtext: an unescaped "$" would start a formula."""
    return text.replace("$", r"\$")


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    # a concept name may hold a character the default font lacks: matplotlib warns and
    # draws a box, which is fine in a plot and must not fail the report
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.savefig(path, dpi=DPI, format="png", metadata={"Software": None})
    return path


def _lognormal_sf(x: float, mu: float, sigma: float) -> float:
    return 0.5 * math.erfc((math.log(x) - mu) / (sigma * math.sqrt(2))) if sigma > 0 else 0.0


def degree_plot(degrees: Sequence[int], fit: DegreeFit, path: Path) -> Path:
    """Log-log CCDF of the degrees, with the fitted power law and lognormal over the tail."""
    fig = Figure(figsize=(6.4, 4.6))
    ax = fig.add_subplot()
    data = np.sort(np.asarray([d for d in degrees if d > 0], dtype=np.float64))
    if data.size:
        values, counts = np.unique(data, return_counts=True)
        ccdf = 1.0 - (np.cumsum(counts) - counts) / data.size  # P(degree >= value)
        ax.loglog(values, ccdf, "o", markersize=3, color="#333333", label="concepts")
    if fit.xmin is not None and fit.alpha is not None and fit.lognormal and data.size:
        tail_share = float(np.mean(data >= fit.xmin))
        xs = np.unique(np.geomspace(fit.xmin, max(float(data.max()), fit.xmin + 1), 60))
        # continuous approximations of the discrete CCDFs, with the half-step correction
        pl = ((xs - 0.5) / (fit.xmin - 0.5)) ** (1.0 - fit.alpha)
        ax.loglog(xs, tail_share * pl, "-", color="#d62728",
                  label=f"power law, α = {fit.alpha:.2f}, xmin = {fit.xmin}")
        mu, sigma = fit.lognormal["mu"], fit.lognormal["sigma"]
        base = _lognormal_sf(fit.xmin - 0.5, mu, sigma)
        if base > 0:
            ln = np.asarray([_lognormal_sf(x - 0.5, mu, sigma) for x in xs]) / base
            ax.loglog(xs, tail_share * ln, "--", color="#1f77b4",
                      label=f"lognormal, μ = {mu:.2f}, σ = {sigma:.2f}")
    ax.set_xlabel("degree k")
    ax.set_ylabel("P(degree ≥ k)")
    ax.set_title(plain(f"Degree distribution — scale-free: {fit.verdict}"))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return _save(fig, path)


def community_plot(g: Any, comms: Communities, path: Path, *, communities: int = 10) -> Path:
    """Left: sizes of the largest communities, named by their top concepts. Right: a map of
    the largest communities (area ~ concepts), linked by the weight of the edges between
    them, each labelled with its top concepts."""
    fig = Figure(figsize=(14, 7))
    grid = fig.add_gridspec(1, 2, width_ratios=(1, 1.25))
    bars, net = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    shown = comms.communities[:12]
    ypos = np.arange(len(shown))[::-1]
    bars.barh(ypos, [c.size for c in shown], color=[_color(c.id) for c in shown])
    bars.set_yticks(ypos, labels=[plain(f"{c.id}. " + ", ".join(c.labels[:3])) for c in shown],
                    fontsize=8)
    bars.set_xlabel("concepts in the community")
    bars.set_title(f"Leiden communities (modularity {comms.modularity:.2f})")

    mapped = comms.communities[:communities]
    k = len(mapped)
    # communities on a circle, largest at the top: stable and legible at any size
    pos = {c.id: (math.cos(math.pi / 2 - 2 * math.pi * i / max(1, k)),
                  math.sin(math.pi / 2 - 2 * math.pi * i / max(1, k)))
           for i, c in enumerate(mapped)}
    links = _between(g, comms.membership, set(pos))
    strongest = max(links.values(), default=1.0)
    for (a, b), w in sorted(links.items()):
        net.plot([pos[a][0], pos[b][0]], [pos[a][1], pos[b][1]], "-", color="#9e9e9e",
                 linewidth=0.4 + 5 * w / strongest, alpha=0.6, zorder=1)
    biggest = max((c.size for c in mapped), default=1)
    for c in mapped:
        x, y = pos[c.id]
        net.scatter([x], [y], s=150 + 1800 * c.size / biggest, color=_color(c.id), zorder=2,
                    edgecolors="white", linewidths=1)
        label = "\n".join(_short(name) for name in c.labels[:3])
        side = "left" if x > 0.3 else "right" if x < -0.3 else "center"
        net.text(x * 1.3, y * 1.3, f"{c.id}. {label}", fontsize=7.5, ha=side,
                 va="bottom" if y > 0.9 else "top" if y < -0.9 else "center", zorder=3,
                 parse_math=False)
    net.set_xlim(-2.3, 2.3)
    net.set_ylim(-1.75, 1.75)
    net.set_aspect("equal")
    net.set_title(f"The {k} largest communities and the links between them")
    net.set_axis_off()
    fig.tight_layout()
    return _save(fig, path)


def _between(g: Any, membership: Sequence[int], keep: set[int]) -> dict[tuple[int, int], float]:
    """Total edge weight between each pair of the kept communities."""
    out: dict[tuple[int, int], float] = {}
    if not g.ecount():
        return out
    edges = np.asarray(g.get_edgelist(), dtype=np.int64)
    comm = np.asarray(membership, dtype=np.int64)
    ca, cb = comm[edges[:, 0]], comm[edges[:, 1]]
    w = np.asarray(g.es["weight"], dtype=np.float64)
    mask = (ca != cb) & np.isin(ca, list(keep)) & np.isin(cb, list(keep))
    for a, b, x in zip(ca[mask].tolist(), cb[mask].tolist(), w[mask].tolist(), strict=True):
        key = (min(a, b), max(a, b))
        out[key] = out.get(key, 0.0) + x
    return out


def _short(name: str, width: int = 24) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def _color(index: int, palette: str = "tab20") -> Any:
    from matplotlib import colormaps

    size = 10 if palette == "tab10" else 20
    return colormaps[palette]((index - 1) % size)


def emergence_plot(em: Emergence, path: Path, *, top: int = 8) -> Path:
    """Papers per period of the top emerging concepts."""
    fig = Figure(figsize=(9, 4.8))
    ax = fig.add_subplot()
    x = np.arange(len(em.periods))
    for i, c in enumerate(em.concepts[:top]):
        ax.plot(x, c.series, marker="o", markersize=3, color=_color(i + 1, "tab10"),
                label=plain(c.name))
    cut = len(em.periods) - len(em.recent)
    ax.axvspan(cut - 0.5, len(em.periods) - 0.5, color="#f2f2f2", zorder=0)
    step = max(1, len(em.periods) // 12)
    ax.set_xticks(x[::step], labels=em.periods[::step], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(f"papers per {em.granularity}")
    ax.set_title("Emerging concepts (recent periods shaded)")
    if em.concepts:
        ax.legend(fontsize=8, frameon=False, loc="upper left")
    fig.tight_layout()
    return _save(fig, path)
