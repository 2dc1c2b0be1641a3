"""bench/demo_paraphrases.py: every relevant title names one demo paper; its measures."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from kgarden import Garden

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
paraphrases = importlib.import_module("demo_paraphrases")
common = importlib.import_module("_common")


def test_each_query_has_its_papers_in_the_demo_garden(search_demo: Garden) -> None:
    assert len(paraphrases.QUERIES) == 30
    for query, prefixes in paraphrases.QUERIES:
        ids = paraphrases.relevant_ids(search_demo, prefixes)
        assert len(ids) == len(prefixes), query
    with pytest.raises(SystemExit, match="names 0 demo papers"):
        paraphrases.relevant_ids(search_demo, ("No Such Paper",))
    with pytest.raises(SystemExit, match=r"names [2-9]"):
        paraphrases.relevant_ids(search_demo, ("Knowledge",))  # many titles start so


def test_mrr_and_ndcg_at_10() -> None:
    assert common.mrr_at(["b", "a"], {"a"}) == 0.5
    assert common.mrr_at(["b"] * 10 + ["a"], {"a"}) == 0.0
    assert common.ndcg_at(["a", "c", "b"], {"a", "b"}) == pytest.approx(
        (1 + 1 / 2) / (1 + 1 / 1.5849625))
