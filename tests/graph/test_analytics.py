"""Analytics on graphs whose answers are known, and the document's escaping."""

from __future__ import annotations

import igraph as ig
import numpy as np
import pytest

from kgarden.graph.analytics import (
    VERDICTS,
    Comparison,
    _verdict,
    bridges,
    centrality,
    communities,
    fit_degrees,
    participation,
)
from kgarden.graph.document import Document, md_escape


def by_alt(exp: tuple[float, float], logn: tuple[float, float],
           trunc: tuple[float, float]) -> dict[str, Comparison]:
    return {
        "exponential": Comparison("exponential", *exp),
        "lognormal": Comparison("lognormal", *logn),
        "truncated_power_law": Comparison("truncated_power_law", *trunc),
    }


@pytest.mark.parametrize(("exp", "logn", "trunc", "verdict", "phrase"), [
    ((50.0, 0.001), (-0.5, 0.6), (-0.3, 0.5), "supported", "a lognormal fits about as well"),
    ((50.0, 0.001), (3.0, 0.05), (2.0, 0.01), "supported", "scale-free tail is supported."),
    ((50.0, 0.001), (-9.0, 0.01), (-0.3, 0.5), "not supported", "heavy-tailed"),
    ((-40.0, 0.0), (-9.0, 0.01), (-8.0, 0.0), "not supported", "fall off faster"),
    ((2.6, 0.5), (-0.8, 0.47), (-0.6, 0.26), "inconclusive", "inconclusive"),
    ((2.6, 0.5), (-5.0, 0.02), (-0.6, 0.26), "not supported", "does not beat an exponential"),
])
def test_verdict_rules(exp: tuple[float, float], logn: tuple[float, float],
                       trunc: tuple[float, float], verdict: str, phrase: str) -> None:
    got, sentence = _verdict(by_alt(exp, logn, trunc))
    assert got == verdict and got in VERDICTS
    assert phrase in sentence
    assert f"R = {exp[0]:.2f}, p = {exp[1]:.3g}" in sentence


def test_fits_of_known_distributions() -> None:
    rng = np.random.default_rng(7)
    power = np.floor((1 - rng.random(3000)) ** (-1 / 1.5)).astype(int)  # alpha = 2.5
    fit = fit_degrees(power.tolist())
    assert fit.verdict == "supported" and fit.alpha == pytest.approx(2.5, abs=0.2)
    thin = rng.poisson(8, 3000) + 1
    fit = fit_degrees(thin.tolist())
    assert fit.verdict == "not supported" and "exponential fits the tail" in fit.sentence
    few = fit_degrees([1, 2, 3, 5, 8] * 5)
    assert few.verdict == "too few nodes" and few.comparisons == []


def two_cliques() -> ig.Graph:
    """Two 5-cliques joined through one middle node: the middle is the bridge."""
    g = ig.Graph.Full(5) + ig.Graph.Full(5)
    g.add_vertices(1)
    g.add_edges([(10, 0), (10, 5)])
    g.vs["name"] = [f"a{i}" for i in range(5)] + [f"b{i}" for i in range(5)] + ["middle"]
    g.vs["salience"] = [float(i) for i in range(11)]
    g.es["weight"] = [1.0] * g.ecount()
    return g


def test_communities_centrality_and_the_bridge() -> None:
    g = two_cliques()
    comms = communities(g, seed=3)
    assert [c.size for c in comms.communities][:2] in ([6, 5], [5, 6])
    assert comms.membership[0] != comms.membership[5]
    assert comms.modularity > 0.3
    cent = centrality(g)
    assert cent.exact and max(range(11), key=lambda v: cent.betweenness[v]) == 10
    sampled = centrality(g, exact_max=5, samples=11)  # every source "sampled": exact again
    assert sampled.betweenness == pytest.approx(cent.betweenness)
    assert not sampled.exact and "sampled" in sampled.betweenness_method
    found = bridges(g, comms, cent)
    # the middle first; the clique member it attaches to is a (weaker) gateway too
    assert found[0].name == "middle" and {b.name for b in found[1:]} <= {"a0", "b0"}
    assert len(found[0].joins) == 2 and found[0].participation == pytest.approx(0.5)


def test_participation_coefficient() -> None:
    g = two_cliques()
    part = participation(g, [1] * 5 + [2] * 5 + [3])
    assert part.coefficient[1] == 0.0  # all links inside its own clique
    assert part.coefficient[10] == pytest.approx(0.5)
    assert part.shares(10) == [(1, 0.5), (2, 0.5)]


def test_community_labels_are_salient_and_stable() -> None:
    g = two_cliques()
    first = communities(g, seed=1)
    again = communities(g, seed=1)
    assert first.membership == again.membership
    labels = {c.labels[0] for c in first.communities}
    assert "b4" in labels  # the most salient member of the b clique


def test_document_escapes_text_from_papers() -> None:
    doc = Document("R")
    doc.paragraph("a <script>alert(1)</script> *bold* [link](x) $k$")
    doc.table(["name", "n"], [["a|b", "1"]], numeric={1})
    md = doc.markdown()
    assert r"\<script>" in md and r"\*bold\*" in md and r"\[link\](x)" in md
    assert md_escape("# not a heading") == r"\# not a heading"
    assert md_escape("1. not a list") == r"1\. not a list" and md_escape("2.5 GHz") == "2.5 GHz"
    assert r"| a\|b | 1 |" in md and "|---|---:|" in md
    page = doc.html({})
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<td>a|b</td>" in page and '<td class="num">1</td>' in page
