"""NMI, ARI and the k-means baseline of bench/communities.py on tiny hand-computed cases."""

from __future__ import annotations

import importlib
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
cm = importlib.import_module("communities")


def test_contingency_counts_pairs_of_labels() -> None:
    table = cm.contingency(["a", "a", "b", "b"], [1, 1, 1, 2])
    assert table.tolist() == [[2, 0], [1, 1]]
    with pytest.raises(ValueError):
        cm.contingency([1, 2], [1])


def test_identical_partitions_up_to_renaming_score_one() -> None:
    truth, pred = ["x", "x", "y", "z", "z"], [7, 7, 3, 5, 5]
    assert cm.nmi(truth, pred) == pytest.approx(1.0)
    assert cm.ari(truth, pred) == pytest.approx(1.0)


def test_one_cluster_against_two_classes_scores_zero() -> None:
    assert cm.nmi([0, 0, 1, 1], [0, 0, 0, 0]) == pytest.approx(0.0)
    assert cm.ari([0, 0, 1, 1], [0, 0, 0, 0]) == pytest.approx(0.0)
    # both one cluster: the partitions agree
    assert cm.nmi([1, 1, 1], [2, 2, 2]) == 1.0
    assert cm.ari([1, 1, 1], [2, 2, 2]) == 1.0


def test_crossed_partitions_are_independent() -> None:
    # every class meets every cluster once: MI 0; Rand index 0 against 2/3 expected, max 2
    assert cm.nmi([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(0.0)
    assert cm.ari([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx((0 - 2 / 3) / (2 - 2 / 3))


def test_hand_computed_refinement() -> None:
    truth, pred = [0, 0, 1, 2], [0, 0, 1, 1]
    # pairs: within cells 1; classes 1; clusters 2; of 6 pairs -> expected 1/3, max 1.5
    assert cm.ari(truth, pred) == pytest.approx((1 - 1 / 3) / (1.5 - 1 / 3))  # 4/7
    # H(truth) = 1.5 ln 2, H(pred) = ln 2, MI = ln 2 (pred is a function of truth)
    assert cm.nmi(truth, pred) == pytest.approx(math.log(2) / (1.25 * math.log(2)))  # 0.8


def test_shuffle_keeps_cluster_sizes() -> None:
    labels = [1, 1, 1, 2, 2, 3]
    out = cm.shuffled(labels, seed=3)
    assert sorted(out) == labels
    assert cm.largest(labels) == 0.5 and cm.largest([]) == 0.0


def test_tfidf_drops_rare_and_ubiquitous_words_and_normalises() -> None:
    docs = [["the", "graph", "graph"], ["the", "graph"], ["the", "tree"], ["the", "tree"]]
    m = cm.tfidf(docs, min_df=2, max_df=0.6)  # "the" is in every document: dropped
    assert m.shape == (4, 2)
    assert np.allclose(np.asarray(m.multiply(m).sum(axis=1)).ravel(), 1.0)
    assert m[0].nnz == 1 and m[2].nnz == 1


def test_spherical_kmeans_separates_two_obvious_groups() -> None:
    x = sparse.csr_matrix(np.array([[1.0, 0.0], [0.99, 0.14], [0.0, 1.0], [0.14, 0.99]]))
    x = cm._normalise(x)
    labels = cm.spherical_kmeans(x, 2, seed=0)
    assert labels[0] == labels[1] and labels[2] == labels[3] and labels[0] != labels[2]
    assert cm.ari([0, 0, 1, 1], labels) == pytest.approx(1.0)
