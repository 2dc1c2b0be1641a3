"""Community quality against arXiv categories: NMI and ARI of kgarden's paper communities.

    python bench/communities.py --garden /tmp/big/garden.db --out bench/results/communities.md

kgarden's communities are ``kgarden report``'s Leiden communities of concepts, each paper
placed in the one that holds most of its mentions (graph/paper_communities.py). The reference
is each paper's primary arXiv category: the first of ``categories`` (kept in ``papers.extra``
by the jsonl reader). Papers without a category are left out; papers kgarden leaves
unassigned count as one more cluster. Beside it, measured in the same run:

* random: kgarden's labels shuffled over the papers (the same community sizes);
* TF-IDF k-means: spherical k-means over the words of title and abstract (sublinear tf, words
  in 5 papers to 30% of papers), k = 3 (the three categories that hold 91% of the papers),
  k = the number of categories and k = kgarden's number of communities;
* concept-bag k-means: the same k-means over each paper's concepts (idf-weighted), so the
  features are kgarden's and only the clustering differs.

NMI is the arithmetic-mean normalisation (scikit-learn's default); ARI is Hubert and Arabie's.
Both are computed here from the contingency table (numpy/scipy; scikit-learn is not needed).
"""

from __future__ import annotations

import argparse
import math
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from _common import emit, garden_missing, markdown_table
from scipy import sparse

Array = np.ndarray[Any, Any]
WORD = re.compile(r"[a-z][a-z0-9\-]+")


# -- metrics -------------------------------------------------------------------------------
def contingency(truth: Sequence[Any], pred: Sequence[Any]) -> Array:
    """Counts of (true class, predicted cluster), classes and clusters in order of first use."""
    if len(truth) != len(pred):
        raise ValueError("truth and pred must have one label per item")
    _, t = np.unique(np.asarray(truth, dtype=object).astype(str), return_inverse=True)
    _, p = np.unique(np.asarray(pred, dtype=object).astype(str), return_inverse=True)
    n = len(truth)
    shape = (int(t.max()) + 1 if n else 0, int(p.max()) + 1 if n else 0)
    table = sparse.coo_matrix((np.ones(n, dtype=np.int64), (t, p)), shape=shape)
    return np.asarray(table.toarray(), dtype=np.int64)


def _entropy(counts: Array) -> float:
    total = counts.sum()
    if total == 0:
        return 0.0
    p = counts[counts > 0] / total
    return float(-(p * np.log(p)).sum())


def nmi(truth: Sequence[Any], pred: Sequence[Any]) -> float:
    """Mutual information over the mean of the two entropies; 1.0 when both are one cluster."""
    table = contingency(truth, pred).astype(np.float64)
    n = table.sum()
    if n == 0:
        return 1.0
    h_true, h_pred = _entropy(table.sum(axis=1)), _entropy(table.sum(axis=0))
    if h_true == 0 and h_pred == 0:
        return 1.0
    outer = np.outer(table.sum(axis=1), table.sum(axis=0))
    nz = table > 0
    mi = float((table[nz] / n * np.log(table[nz] * n / outer[nz])).sum())
    return max(0.0, mi / ((h_true + h_pred) / 2))


def ari(truth: Sequence[Any], pred: Sequence[Any]) -> float:
    """Rand index adjusted for chance (Hubert and Arabie); 1.0 when the partitions agree."""
    table = contingency(truth, pred).astype(np.float64)
    n = table.sum()

    def pairs(x: Array) -> float:
        return float((x * (x - 1) / 2).sum())

    index, a, b = pairs(table), pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    total = n * (n - 1) / 2
    expected = a * b / total if total else 0.0
    most = (a + b) / 2
    if most == expected:
        return 1.0
    return (index - expected) / (most - expected)


# -- baselines -----------------------------------------------------------------------------
def shuffled(labels: Sequence[int], seed: int) -> list[int]:
    """The same labels (so the same cluster sizes) in a random order."""
    out = list(labels)
    np.random.default_rng(seed).shuffle(out)
    return out


def tfidf(docs: Iterable[list[str]], *, min_df: int = 5, max_df: float = 0.3
          ) -> sparse.csr_matrix:
    """Rows: documents, L2-normalised sublinear tf x smoothed idf."""
    counts = [Counter(d) for d in docs]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    n = len(counts)
    vocab = {w: i for i, w in enumerate(sorted(w for w, k in df.items()
                                               if k >= min_df and k <= max_df * n))}
    rows, cols, vals = [], [], []
    for r, c in enumerate(counts):
        for w, k in c.items():
            j = vocab.get(w)
            if j is not None:
                rows.append(r)
                cols.append(j)
                vals.append(1.0 + math.log(k))
    idf = np.zeros(len(vocab))
    for w, j in vocab.items():
        idf[j] = math.log((1 + n) / (1 + df[w])) + 1.0
    m = sparse.csr_matrix((np.asarray(vals) * idf[cols], (rows, cols)), shape=(n, len(vocab)))
    return _normalise(m)


def _normalise(m: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ m)


def spherical_kmeans(x: sparse.csr_matrix, k: int, *, seed: int = 0, iterations: int = 30
                     ) -> list[int]:
    """k-means on the unit sphere (cosine), k-means++ seeding; rows of ``x`` unit length.
    An empty cluster takes the row farthest from its centre."""
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    centres = np.zeros((k, x.shape[1]))
    first = int(rng.integers(n))
    centres[0] = x[first].toarray().ravel()
    distance = 1.0 - x @ centres[0]
    for j in range(1, k):
        weight = np.maximum(distance, 0.0) ** 2
        pick = int(rng.choice(n, p=weight / weight.sum())) if weight.sum() > 0 \
            else int(rng.integers(n))
        centres[j] = x[pick].toarray().ravel()
        distance = np.minimum(distance, 1.0 - x @ centres[j])
    label = np.full(n, -1)
    for _ in range(iterations):
        sim = np.asarray(x @ centres.T)
        new = sim.argmax(axis=1)
        if np.array_equal(new, label):
            break
        label = new
        best = sim[np.arange(n), label]
        member = sparse.csr_matrix((np.ones(n), (label, np.arange(n))), shape=(k, n))
        sums = np.asarray((member @ x).todense())
        for j in np.flatnonzero(np.asarray(member.sum(axis=1)).ravel() == 0):
            far = int(best.argmin())
            sums[j] = x[far].toarray().ravel()
            best[far] = np.inf
        norms = np.linalg.norm(sums, axis=1)
        centres = sums / np.maximum(norms, 1e-12)[:, None]
    return [int(v) for v in label]


def largest(labels: Sequence[Any]) -> float:
    """The share of items in the largest cluster."""
    return max(Counter(labels).values()) / len(labels) if len(labels) else 0.0


# -- the run -------------------------------------------------------------------------------
def concept_bag(conn: Any, pks: Array) -> sparse.csr_matrix:
    """Rows: papers (in ``pks`` order), idf-weighted binary concept mentions, L2-normalised."""
    rows = np.array(conn.execute(
        "SELECT DISTINCT m.paper_pk, m.concept_id FROM mentions m JOIN concepts c"
        " ON c.id = m.concept_id WHERE c.kind = 'concept' AND c.paper_count >= 2").fetchall(),
        dtype=np.int64).reshape(-1, 2)
    rows = rows[np.isin(rows[:, 0], pks)]
    row = np.searchsorted(pks, rows[:, 0])
    concepts, col = np.unique(rows[:, 1], return_inverse=True)
    df = np.bincount(col, minlength=len(concepts))
    idf = np.log((1 + len(pks)) / (1 + df)) + 1.0
    m = sparse.csr_matrix((idf[col], (row, col)), shape=(len(pks), len(concepts)))
    return _normalise(m)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--garden", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if garden_missing(args.garden):
        return
    from kgarden import Garden, load_settings
    from kgarden.graph.paper_communities import UNASSIGNED, garden_paper_communities

    settings = load_settings({"embed_on_ingest": False}, env={})
    with Garden.open(args.garden, settings=settings) as garden:
        conn = garden.conn
        started = time.perf_counter()
        comms, placed = garden_paper_communities(conn)
        kgarden_s = time.perf_counter() - started
        category = dict(conn.execute(
            "SELECT pk, json_extract(extra, '$.categories[0]') FROM papers"
            " WHERE retracted = 0"))
        keep = [i for i, pk in enumerate(placed.paper_pks) if category.get(pk)]
        pks = np.asarray([placed.paper_pks[i] for i in keep], dtype=np.int64)
        truth = [str(category[int(pk)]) for pk in pks]
        ours = [placed.community[i] for i in keep]
        texts = {pk: f"{t} {a}" for pk, t, a in conn.execute(
            "SELECT pk, title, abstract FROM papers WHERE retracted = 0")}
        started = time.perf_counter()
        bag = concept_bag(conn, pks)
        bag_s = time.perf_counter() - started
    n_cat, n_ours = len(set(truth)), len(set(ours))
    results: list[tuple[str, int, list[Any], float]] = [
        ("kgarden (concept Leiden, papers by mentions)", n_ours, ours, kgarden_s)]
    started = time.perf_counter()
    results.append(("random, kgarden's community sizes", n_ours, shuffled(ours, args.seed),
                    time.perf_counter() - started))
    started = time.perf_counter()
    words = tfidf(WORD.findall(texts[int(pk)].lower()) for pk in pks)
    words_s = time.perf_counter() - started
    for k in dict.fromkeys((3, n_cat, n_ours)):
        started = time.perf_counter()
        labels = spherical_kmeans(words, k, seed=args.seed)
        results.append((f"TF-IDF k-means, k = {k}", k, labels,
                        words_s + time.perf_counter() - started))
    started = time.perf_counter()
    labels = spherical_kmeans(bag, n_ours, seed=args.seed)
    results.append((f"concept-bag k-means, k = {n_ours}", n_ours, labels,
                    bag_s + time.perf_counter() - started))
    unassigned = sum(1 for c in ours if c == UNASSIGNED)
    sizes = Counter(truth).most_common(3)
    info = (f"{len(pks):,} papers with a category ({n_cat} primary categories; largest "
            + ", ".join(f"{c} {100 * k / len(pks):.0f}%" for c, k in sizes)
            + f"); kgarden: {len(comms.communities):,} concept communities (modularity"
            f" {comms.modularity:.3f}), papers in {n_ours:,} of them, {unassigned:,} unassigned")
    table = markdown_table(
        ("clustering", "clusters", "largest %", "NMI", "ARI", "seconds"),
        [(name, k, f"{100 * largest(labels):.0f}", f"{nmi(truth, labels):.3f}",
          f"{ari(truth, labels):.3f}", f"{s:.1f}") for name, k, labels, s in results])
    emit(info + "\n\n" + table, args.out)


if __name__ == "__main__":
    main()
