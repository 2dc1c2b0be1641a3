"""Structure of the concept graph: components, degree fits, clustering, communities,
centralities and bridges. Functions take a graph and return plain data (networkx's style).

The structure graph merges the two layers of the concept graph into one undirected weighted
graph: weight = sentences the two concepts share + evidence sentences of typed relations
between them (both count sentences, so they add up).
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import igraph as ig
import numpy as np
import powerlaw

from kgarden.graph.views import ConceptGraph

ALPHA = 0.1  # significance level of the likelihood-ratio tests (Clauset, Shalizi & Newman)
MIN_FIT_NODES = 50  # fewer nodes of degree > 0 than this: no heavy-tail verdict
MIN_TAIL = 20  # a fitted tail shorter than this decides nothing either
VERDICTS = ("supported", "not supported", "inconclusive", "too few nodes")
ALTERNATIVES = ("exponential", "lognormal", "truncated_power_law")


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """igraph's RNG on a private Random(seed), restored after, so results are reproducible
    without touching the caller's global ``random`` state."""
    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)


def structure_graph(cg: ConceptGraph) -> Any:
    """Both layers merged (undirected, weight summed), concepts with no edge left out."""
    co, rel = cg.cooccurrence, cg.relations
    g = ig.Graph(n=co.vcount(), edges=co.get_edgelist() + rel.get_edgelist(), directed=False)
    for attr in ("concept_id", "name", "papers", "salience", "specificity"):
        g.vs[attr] = co.vs[attr]
    g.es["weight"] = list(co.es["sentences"]) + list(rel.es["evidence"])
    g.simplify(multiple=True, loops=True, combine_edges={"weight": "sum"})
    g.delete_vertices([v for v, d in enumerate(g.degree()) if d == 0])
    return g


@dataclass
class Components:
    count: int
    largest: int
    largest_share: float


def components(g: Any) -> Components:
    sizes = g.connected_components().sizes() if g.vcount() else []
    largest = max(sizes, default=0)
    return Components(len(sizes), largest, round(largest / g.vcount(), 4) if sizes else 0.0)


@dataclass
class Comparison:
    alternative: str
    R: float  # log-likelihood ratio, power law vs the alternative (> 0: power law better)
    p: float

    @property
    def significant(self) -> bool:
        return self.p < ALPHA


@dataclass
class DegreeFit:
    nodes: int
    verdict: str  # one of VERDICTS
    sentence: str
    xmin: int | None = None
    alpha: float | None = None
    sigma: float | None = None  # standard error of alpha
    tail: int = 0  # nodes with degree >= xmin
    lognormal: dict[str, float] = field(default_factory=dict)  # mu, sigma
    truncated: dict[str, float] = field(default_factory=dict)  # alpha, lambda
    comparisons: list[Comparison] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fmt(c: Comparison) -> str:
    return f"R = {c.R:.2f}, p = {c.p:.3g}"


def _verdict(by: dict[str, Comparison]) -> tuple[str, str]:
    exp, logn, trunc = by["exponential"], by["lognormal"], by["truncated_power_law"]
    names = {"lognormal": "a lognormal", "truncated_power_law": "a truncated power law"}
    heavy = exp.R > 0 and exp.significant
    if exp.R < 0 and exp.significant:
        return "not supported", (
            "The degrees fall off faster than a power law allows: an exponential fits the tail"
            f" significantly better ({_fmt(exp)}), so the graph is not scale-free.")
    losses = [c for c in (logn, trunc) if c.R < 0 and c.significant]
    if losses:
        beaten = " and ".join(f"{names[c.alternative]} ({_fmt(c)})" for c in losses)
        if heavy:
            start = ("The degree distribution is heavy-tailed (a power law beats an"
                     f" exponential, {_fmt(exp)}), but")
        else:
            start = f"A power law does not beat an exponential ({_fmt(exp)}), and"
        return "not supported", (
            f"{start} a power law fits the tail significantly worse than {beaten}:"
            " the graph is not scale-free.")
    if heavy:
        ties = [c for c in (logn, trunc) if not (c.R > 0 and c.significant)]
        tie_text = ""
        if ties:
            tie_text = (" No alternative fits significantly better, though "
                        + " and ".join(f"{names[c.alternative]} fits about as well ({_fmt(c)})"
                                       for c in ties) + ", so the evidence is not strong.")
        return "supported", (
            f"A power law fits the tail better than an exponential ({_fmt(exp)}):"
            f" a scale-free tail is supported.{tie_text}")
    return "inconclusive", (
        "A power law does not fit the tail significantly better than an exponential"
        f" ({_fmt(exp)}), and no alternative fits significantly better either"
        f" (lognormal: {_fmt(logn)}): whether the graph is scale-free is inconclusive.")


def fit_degrees(degrees: Sequence[int]) -> DegreeFit:
    """Discrete power-law fit with xmin estimated (KS distance), compared by log-likelihood
    ratio with an exponential, a lognormal and a truncated power law."""
    data = np.asarray([d for d in degrees if d > 0], dtype=np.int64)
    n = int(data.size)
    if n < MIN_FIT_NODES or np.unique(data).size < 3:
        return DegreeFit(n, "too few nodes", f"With {n} connected concepts the graph is too"
                         " small to fit a degree distribution: no verdict on scale-freeness.")
    # powerlaw warns (and divides by zero) on ordinary data; pytest turns warnings into errors
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        fit = powerlaw.Fit(data, discrete=True, verbose=0)
        tail = int(np.sum(data >= fit.xmin))
        if tail < MIN_TAIL:
            return DegreeFit(n, "too few nodes", f"The fitted tail holds only {tail} concepts"
                             f" (degree ≥ {int(fit.xmin)}): too few to tell whether the graph is"
                             " scale-free.", xmin=int(fit.xmin), alpha=float(fit.alpha),
                             tail=tail)
        comparisons = []
        for alt in ALTERNATIVES:
            R, p = fit.distribution_compare("power_law", alt)
            comparisons.append(Comparison(alt, round(float(R), 4), round(float(p), 4)))
        verdict, sentence = _verdict({c.alternative: c for c in comparisons})
        return DegreeFit(
            n, verdict, sentence, xmin=int(fit.xmin), alpha=round(float(fit.alpha), 4),
            sigma=round(float(fit.sigma), 4), tail=tail,
            lognormal={"mu": round(float(fit.lognormal.mu), 4),
                       "sigma": round(float(fit.lognormal.sigma), 4)},
            truncated={"alpha": round(float(fit.truncated_power_law.alpha), 4),
                       "lambda": round(float(fit.truncated_power_law.Lambda), 6)},
            comparisons=comparisons,
        )


def clustering(g: Any) -> dict[str, float]:
    """Global transitivity, average local clustering (zero for degree < 2), and the
    clustering a random graph of the same density would have, for scale."""
    n = g.vcount()
    density = 2 * g.ecount() / (n * (n - 1)) if n > 1 else 0.0
    return {
        "global": round(float(g.transitivity_undirected()), 4) if n else 0.0,
        "average_local": round(float(g.transitivity_avglocal_undirected(mode="zero")), 4)
        if n else 0.0,
        "random_expectation": round(density, 6),
    }


@dataclass
class Community:
    id: int  # 1 = largest
    size: int
    labels: list[str]  # top concepts by salience within the community
    members: list[int]  # vertex ids in the structure graph

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "size": self.size, "labels": self.labels}


@dataclass
class Communities:
    membership: list[int]  # community id (1 = largest) per vertex
    modularity: float
    communities: list[Community]
    iterations: int
    seed: int


def communities(g: Any, *, weight: str = "weight", seed: int = 0, iterations: int = 10,
                label_size: int = 5) -> Communities:
    """Leiden (igraph's, modularity objective), renumbered by size so ids are stable."""
    with seeded(seed):
        found = g.community_leiden(objective_function="modularity", weights=weight,
                                   n_iterations=iterations)
    groups: dict[int, list[int]] = {}
    for v, c in enumerate(found.membership):
        groups.setdefault(c, []).append(v)
    salience, names = g.vs["salience"], g.vs["name"]
    ordered = sorted(groups.values(), key=lambda vs: (-len(vs), min(vs)))
    membership = [0] * g.vcount()
    out = []
    for i, members in enumerate(ordered, 1):
        for v in members:
            membership[v] = i
        labels: list[str] = []
        for v in sorted(members, key=lambda v: (-salience[v], names[v])):
            # two concepts can share a display name (an acronym merged two ways): name once
            if names[v].casefold() not in {x.casefold() for x in labels}:
                labels.append(names[v])
            if len(labels) >= label_size:
                break
        out.append(Community(i, len(members), labels, members))
    modularity = g.modularity(membership, weights=weight) if g.ecount() else 0.0
    return Communities(membership, round(float(modularity), 4), out, iterations, seed)


@dataclass
class Centrality:
    degree: list[int]
    pagerank: list[float]
    betweenness: list[float]  # normalised to [0, 1] by the number of node pairs
    betweenness_method: str
    exact: bool


def centrality(g: Any, *, weight: str = "weight", exact_max: int = 5000,
               samples: int = 400, seed: int = 0) -> Centrality:
    """Degree, weighted PageRank, and betweenness over shortest paths in hops (weights are
    strengths, not lengths). Exact up to ``exact_max`` nodes; beyond, estimated from
    ``samples`` random source nodes scaled by n / samples (Brandes & Pich 2007)."""
    n = g.vcount()
    pagerank = g.pagerank(weights=weight) if n else []
    if n <= exact_max:
        raw = g.betweenness(directed=False)
        method, exact = f"exact, over all {n} source nodes", True
    else:
        sources = sorted(random.Random(seed).sample(range(n), samples))
        raw = [b * n / samples for b in g.betweenness(directed=False, sources=sources)]
        method = f"estimated from {samples} randomly sampled source nodes (seed {seed})"
        exact = False
    pairs = (n - 1) * (n - 2) / 2 if n > 2 else 1.0
    return Centrality(g.degree(), [round(float(p), 6) for p in pagerank],
                      [round(float(b) / pairs, 6) for b in raw], method, exact)


@dataclass
class Participation:
    """How each node's link weight spreads over communities."""

    coefficient: list[float]  # 1 - sum of squared shares (Guimerà & Amaral): 0 = one community
    node: Any  # np.ndarray: sorted by node, then community
    community: Any  # np.ndarray
    share: Any  # np.ndarray: share of the node's strength going to that community

    def shares(self, v: int) -> list[tuple[int, float]]:
        """(community, share) of v's links, largest first."""
        lo, hi = np.searchsorted(self.node, [v, v + 1])
        pairs = zip(self.community[lo:hi].tolist(), self.share[lo:hi].tolist(), strict=True)
        return sorted(pairs, key=lambda x: (-x[1], x[0]))


def participation(g: Any, membership: Sequence[int], weight: str = "weight") -> Participation:
    n = g.vcount()
    empty = np.zeros(0, dtype=np.int64)
    if not g.ecount():
        return Participation([0.0] * n, empty, empty, np.zeros(0))
    edges = np.asarray(g.get_edgelist(), dtype=np.int64)
    w = np.asarray(g.es[weight], dtype=np.float64)
    comm = np.asarray(membership, dtype=np.int64)
    width = int(comm.max()) + 1
    nodes = np.concatenate([edges[:, 0], edges[:, 1]])
    other = np.concatenate([comm[edges[:, 1]], comm[edges[:, 0]]])
    ww = np.concatenate([w, w])
    # one key per (node, community of a neighbour): vectorised, for graphs of millions of edges
    uniq, inverse = np.unique(nodes * width + other, return_inverse=True)
    per_pair = np.bincount(inverse, weights=ww)
    pair_node = uniq // width
    strength = np.bincount(nodes, weights=ww, minlength=n)
    share = per_pair / strength[pair_node]
    squares = np.bincount(pair_node, weights=share * share, minlength=n)
    coefficient = [round(float(1 - x), 4) if s > 0 else 0.0
                   for x, s in zip(squares, strength, strict=True)]
    return Participation(coefficient, pair_node, uniq % width, share)


@dataclass
class Bridge:
    name: str
    score: float  # betweenness x participation x specificity
    betweenness: float
    participation: float
    degree: int
    own_community: int
    joins: list[dict[str, Any]]  # {"community", "share", "label"}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def bridges(g: Any, comms: Communities, cent: Centrality, *, top: int = 10,
            min_participation: float = 0.3, min_share: float = 0.1) -> list[Bridge]:
    """Concepts on many shortest paths whose links spread over several communities, ranked
    by betweenness × participation × specificity (an everyday word such as "development"
    links everything and bridges nothing), kept when at least two communities each get
    ``min_share`` of their link weight."""
    spread = participation(g, comms.membership)
    part = spread.coefficient
    labels = {c.id: ", ".join(c.labels[:3]) for c in comms.communities}
    names = g.vs["name"]
    specificity = (g.vs["specificity"] if "specificity" in g.vs.attributes()
                   else [1.0] * g.vcount())
    score = [b * p * s for b, p, s in zip(cent.betweenness, part, specificity, strict=True)]
    ranked = sorted(range(g.vcount()), key=lambda v: (-score[v], names[v]))
    out: list[Bridge] = []
    listed: set[str] = set()
    for v in ranked:
        if len(out) >= top or score[v] <= 0:
            break
        # two concepts may share a display name (an acronym resolved two ways): list it once
        if part[v] < min_participation or names[v].casefold() in listed:
            continue
        shares = [(c, s) for c, s in spread.shares(v) if s >= min_share]
        if len(shares) < 2:
            continue
        listed.add(names[v].casefold())
        out.append(Bridge(
            names[v], round(score[v], 6), cent.betweenness[v], part[v], cent.degree[v],
            comms.membership[v],
            [{"community": c, "share": round(s, 3), "label": labels[c]} for c, s in shares[:4]],
        ))
    return out


def top_by(values: Sequence[float], names: Sequence[str], k: int = 10) -> list[tuple[str, float]]:
    order = sorted(range(len(values)), key=lambda v: (-values[v], names[v]))[:k]
    return [(names[v], values[v]) for v in order]
