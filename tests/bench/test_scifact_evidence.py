"""bench/scifact_evidence.py: rationale sentences located in the stored abstract, and overlap."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from kgarden.models import clean_text

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
evidence = importlib.import_module("scifact_evidence")


def test_rationale_spans_are_found_in_the_cleaned_abstract() -> None:
    sentences = ["First  one.", "Second\u00a0one is  here.", "Third."]
    abstract = clean_text(" ".join(sentences))  # as the garden stores it
    assert abstract == "First one. Second one is here. Third."
    spans = evidence.rationale_spans(abstract, sentences, [1, 2])
    assert [abstract[a:b] for a, b in spans] == ["Second one is here.", "Third."]
    assert evidence.rationale_spans(abstract, ["Missing."], [0]) == []


def test_repeated_sentences_are_located_in_order() -> None:
    abstract = "Yes. No. Yes."
    assert evidence.rationale_spans(abstract, ["Yes.", "No.", "Yes."], [2]) == [(9, 13)]


def test_overlap_counts_half_of_the_shorter_span() -> None:
    assert evidence.overlaps((0, 10), (5, 30))  # half of the shorter (10)
    assert not evidence.overlaps((0, 10), (6, 30))
    assert evidence.overlaps((10, 20), (0, 100))  # a fragment of a long rationale
    assert not evidence.overlaps((0, 10), (10, 20))
