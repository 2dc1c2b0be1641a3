"""Helpers shared by the quality benchmarks in bench/ (pure Python, no heavy imports)."""

from __future__ import annotations

import math
import sys
from collections.abc import Hashable, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import TypeVar

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
BENCH_DATE = "2026-11-24"


def find_data(data: str | None, *parts: str) -> Path | None:
    """The folder ``data/parts...`` (``data`` defaults to ../shared/data beside the repo).

    Prints "skipped: ... not found" and returns None when it is absent, so a script can exit 0.
    """
    base = Path(data) if data else DEFAULT_DATA
    path = base.joinpath(*parts)
    if not path.exists():
        print(f"skipped: {path} not found", file=sys.stderr)
        return None
    return path


def garden_missing(path: Path, how: str = "build it with kgarden ingest") -> bool:
    """True, after printing "skipped: ... not found (how)", when the garden file is absent,
    so a script can exit 0."""
    if path.exists():
        return False
    print(f"skipped: {path} not found ({how})")
    return True


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts (0.0 where a denominator is 0)."""
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def ndcg_at(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Binary nDCG@k of a ranked list of ids (0.0 when nothing is relevant)."""
    dcg = sum(1.0 / math.log2(i + 2) for i, doc in enumerate(ranked[:k]) if doc in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


Id = TypeVar("Id", bound=Hashable)


def mrr_at(ranked: Sequence[Id], relevant: AbstractSet[Id], k: int = 10) -> float:
    """Reciprocal rank of the first relevant id in the top ``k`` (0.0 when none is there)."""
    return next((1.0 / (i + 1) for i, item in enumerate(ranked[:k]) if item in relevant), 0.0)


def recall_at(ranked: Sequence[Id], relevant: AbstractSet[Id], k: int = 100) -> float:
    """The share of the relevant ids in the top ``k`` (0.0 when nothing is relevant)."""
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def pct(value: float) -> str:
    """0.4567 -> "45.7"."""
    return f"{100 * value:.1f}"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub markdown table; the first column is left-aligned, the others right-aligned."""
    align = [":---"] + ["---:"] * (len(headers) - 1)
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def emit(text: str, out: str | Path | None) -> None:
    """Print the report and, with ``--out``, write it to that file too."""
    print(text)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
