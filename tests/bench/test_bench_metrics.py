"""The matching and metric code of bench/keyphrase_eval.py and bench/scierc_eval.py, on tiny
hand-made inputs (pure Python: no spaCy model, no torch)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
common = importlib.import_module("_common")
kp = importlib.import_module("keyphrase_eval")
sci = importlib.import_module("scierc_eval")


def plural(word: str) -> str:
    """A toy stemmer: enough to test deduplication without NLTK."""
    return word[:-1] if word.endswith("s") else word


# -- shared --------------------------------------------------------------------------------
def test_prf_handles_empty_denominators() -> None:
    assert common.prf(0, 0, 0) == (0.0, 0.0, 0.0)
    p, r, f = common.prf(1, 2, 4)
    assert (p, r) == (0.5, 0.25)
    assert f == pytest.approx(1 / 3)


def test_markdown_table_aligns_numbers_right() -> None:
    table = common.markdown_table(("system", "F1"), [("a", "1.0")])
    assert table.splitlines() == ["| system | F1 |", "| :--- | ---: |", "| a | 1.0 |"]


def test_missing_data_folder_skips_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert kp.main(["--data", str(tmp_path)]) == 0
    assert sci.main(["--data", str(tmp_path)]) == 0
    assert "skipped:" in capsys.readouterr().err


def test_heavy_baselines_are_not_imported_with_the_scripts() -> None:
    code = (f"import sys; sys.path.insert(0, {str(BENCH)!r}); import keyphrase_eval, scierc_eval; "
            "print(sorted({'torch', 'keybert', 'yake', 'sentence_transformers', 'nltk'} "
            "& set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- keyphrases: reading -------------------------------------------------------------------
def test_inspec_title_takes_its_tab_indented_continuation_lines() -> None:
    raw = "A pure classical\n\tcomponent of mind\r\nOne of the\n\thallmarks  of mind.\n"
    assert kp.split_inspec(raw) == ("A pure classical component of mind",
                                    "One of the hallmarks of mind.")
    assert kp.split_inspec("Only a title\r\nAbstract here\n") == ("Only a title", "Abstract here")


def test_keys_collapse_tabs_and_skip_empty_lines() -> None:
    assert kp.read_keys("sparse \tsystem models\r\n\n  \ninvestment\n") == [
        "sparse system models", "investment"]


def test_doc_text_ends_the_title_with_a_full_stop() -> None:
    assert kp.Doc("1", "A title", "Body.", []).text == "A title. Body."
    assert kp.Doc("1", "Why?", "Body.", []).text == "Why? Body."
    assert kp.Doc("1", "", "Body.", []).text == "Body."


# -- keyphrases: matching ------------------------------------------------------------------
def test_stemmed_form_lowercases_splits_and_stems() -> None:
    assert kp.stemmed("Separate-Account  Industries", plural) == "separate account industrie"
    assert kp.stemmed("--", plural) == ""


def test_porter_stemming_matches_inflected_forms() -> None:
    pytest.importorskip("nltk")
    stem = kp.porter()
    assert kp.stemmed("Neural Networks", stem) == kp.stemmed("neural network", stem)
    assert kp.stemmed("classification", stem) == kp.stemmed("Classifications", stem)
    assert kp.stemmed("neural nets", stem) != kp.stemmed("neural network", stem)


def test_dedup_keeps_first_occurrence_of_each_stemmed_form() -> None:
    phrases = ["Networks", "network", "graph cuts", "", "Graph cut", "trees"]
    assert kp.dedup_stemmed(phrases, plural) == ["network", "graph cut", "tree"]


def test_scores_at_k_after_deduplication() -> None:
    predicted = kp.dedup_stemmed(["a", "A", "b", "c", "a"], plural)  # -> a, b, c
    gold = {"a", "c", "z"}
    assert kp.scores_at(predicted, gold, 2) == pytest.approx((1 / 2, 1 / 3, 0.4))
    assert kp.scores_at(predicted, gold, None) == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    # precision divides by the predictions made when there are fewer than k
    assert kp.scores_at(predicted, gold, 10) == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    assert kp.scores_at([], gold, 5) == (0.0, 0.0, 0.0)


def test_macro_average_and_presence() -> None:
    assert kp.macro([(1.0, 0.5, 0.6), (0.0, 0.5, 0.0)]) == pytest.approx((0.5, 0.5, 0.3))
    assert kp.present("graph cut", "a graph cut method")
    assert not kp.present("graph cut", "a graph cutter")


# -- SciERC: spans ------------------------------------------------------------------------
TOKENS = ["Deep", "neural", "networks", "-LRB-", "DNNs", "-RRB-", "work", "."]


def test_tokens_map_to_character_spans() -> None:
    text, spans = sci.join_tokens(TOKENS, detok=False)
    assert text == "Deep neural networks -LRB- DNNs -RRB- work ."
    assert [text[a:b] for a, b in spans] == TOKENS
    text, spans = sci.join_tokens(TOKENS)
    assert text == "Deep neural networks (DNNs) work."
    assert [text[a:b] for a, b in spans] == ["Deep", "neural", "networks", "(", "DNNs", ")",
                                              "work", "."]


def record() -> dict[str, object]:
    return {"doc_key": "d1", "sentences": [TOKENS[:3], TOKENS[3:]],
            "ner": [[[0, 2, "Method"]], [[4, 4, "Method"], [6, 6, "Generic"]]],
            "relations": [[], [[4, 4, 0, 2, "HYPONYM-OF"]]]}


def test_gold_token_spans_become_character_spans() -> None:
    doc = sci.parse_doc(record())
    assert doc.text == "Deep neural networks (DNNs) work."
    assert [doc.text[a:b] for (a, b), _ in doc.entities] == ["Deep neural networks", "DNNs",
                                                              "work"]
    assert doc.relations == [((22, 26), (0, 20), "HYPONYM-OF")]
    assert sci.token_at(doc, 0) == 0 and sci.token_at(doc, 19) == 2 and sci.token_at(doc, 20) == 2


def test_relaxed_match_needs_overlap_and_the_same_last_token() -> None:
    doc = sci.parse_doc(record())
    same = sci.relaxed(doc)
    gold = (0, 20)  # Deep neural networks
    assert same((5, 20), gold) and not sci.exact((5, 20), gold)  # neural networks
    assert not same((0, 11), gold)  # Deep neural: another head
    assert not same((22, 26), gold)


def test_matching_is_one_to_one() -> None:
    assert sci.match([(0, 5), (0, 5)], [(0, 5)], sci.exact) == {0}
    assert sci.match([(0, 5)], [(0, 5), (0, 5)], sci.exact) == {0}


def test_generic_gold_is_dropped_with_the_predictions_that_only_match_it() -> None:
    gold = [((0, 5), "Method"), ((10, 12), "Generic")]
    preds, kept = sci.drop_generic([(0, 5), (10, 12), (20, 25)], gold, sci.exact)
    assert preds == [(0, 5), (20, 25)] and kept == [((0, 5), "Method")]


# -- SciERC: relations ---------------------------------------------------------------------
def test_predicates_map_to_scierc_types_and_directions() -> None:
    assert sci.to_scierc("uses", "parser", "features") == ("features", "parser", "USED-FOR")
    assert sci.to_scierc("evaluates-on", "model", "MUC-6") == ("MUC-6", "model", "EVALUATE-FOR")
    assert sci.to_scierc("part-of", "module", "system") == ("module", "system", "PART-OF")
    assert sci.to_scierc("is-a", "CRF", "model") == ("CRF", "model", "HYPONYM-OF")
    assert sci.to_scierc("compares-with", "a", "b") == ("a", "b", "COMPARE")
    assert sci.to_scierc("outperforms", "a", "b") == ("a", "b", "COMPARE")
    for predicate in ("improves", "proposes"):
        assert sci.to_scierc(predicate, "a", "b") is None


def test_typed_match_respects_direction_except_for_symmetric_types() -> None:
    a, b = (0, 5), (10, 15)
    ordered = sci.pair_same(sci.exact, ordered=True)
    assert ordered((a, b, "USED-FOR"), (a, b, "USED-FOR"))
    assert not ordered((b, a, "USED-FOR"), (a, b, "USED-FOR"))
    assert not ordered((a, b, "PART-OF"), (a, b, "USED-FOR"))
    assert ordered((b, a, "COMPARE"), (a, b, "COMPARE"))
    unordered = sci.pair_same(sci.exact, ordered=False)
    assert unordered((b, a, ""), (a, b, ""))


def test_untyped_pairs_are_unordered_and_unique() -> None:
    a, b, c = (0, 1), (2, 3), (4, 5)
    pairs = sci.untyped([(a, b, "uses"), (b, a, "is-a"), (a, c, "uses")])
    assert pairs == [(a, b, ""), (a, c, "")]


def test_tally_reports_recall_over_a_subset() -> None:
    tally = sci.Tally()
    gold = [((0, 1), "expressible"), ((2, 3), "other"), ((4, 5), "expressible")]
    tally.add([(0, 1), (2, 3), (8, 9)], gold, sci.exact)
    assert tally.row("expressible") == ["3", "3", "66.7", "66.7", "66.7", "50.0"]
