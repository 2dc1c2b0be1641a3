"""The scoring of bench/llm_vs_rules.py on tiny hand-made extractions (no endpoint, no model)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from kgarden.extract.types import PAPER_SUBJECT, Mention, PaperExtraction, Relation, SentenceSpan

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
lvr = importlib.import_module("llm_vs_rules")
sci = importlib.import_module("scierc_eval")


def mention(start: int, end: int, key: str, sentence: int = 0) -> Mention:
    return Mention(sentence, start, end, key, key, key, True)


def relation(subject: int, predicate: str, obj: int, negated: bool = False) -> Relation:
    return Relation(subject, predicate, obj, 0, negated, False, predicate, 0.7)


def extraction(mentions: list[Mention], relations: list[Relation]) -> PaperExtraction:
    return PaperExtraction("p", "h", [SentenceSpan("abstract", 0, 0, 100)], mentions, relations)


def test_agreement_counts_shared_keys_triples_and_pairs() -> None:
    rules = extraction([mention(0, 3, "bert"), mention(5, 9, "parsing"), mention(10, 12, "gpu")],
                       [relation(1, "uses", 0), relation(PAPER_SUBJECT, "proposes", 2)])
    llm = extraction([mention(0, 3, "bert"), mention(5, 9, "parsing"), mention(20, 25, "tpu")],
                     [relation(0, "improves", 1), relation(PAPER_SUBJECT, "proposes", 2)])
    agree = lvr.agreement({"a": rules, "only-rules": rules}, {"a": llm})
    assert agree.papers == 1
    assert (agree.concepts.shared, agree.concepts.rules, agree.concepts.llm) == (2, 3, 3)
    # typed: only "paper proposes ..." has a different object; untyped: bert-parsing shared
    assert (agree.triples.shared, agree.triples.rules, agree.triples.llm) == (0, 2, 2)
    assert (agree.pairs.shared, agree.pairs.rules, agree.pairs.llm) == (1, 2, 2)
    assert agree.concepts.row() == ["3", "3", "2", "66.7", "66.7", "66.7", "50.0"]
    assert agree.predicates[("rules", "uses")] == 1 and agree.predicates[("llm", "improves")] == 1


def doc() -> object:
    return sci.parse_doc({
        "doc_key": "d1",
        "sentences": [["We", "use", "BERT", "for", "parsing", "."]],
        "ner": [[[2, 2, "Method"], [4, 4, "Task"]]],
        "relations": [[[2, 2, 4, 4, "USED-FOR"]]],
    })


def test_scierc_scoring_matches_spans_and_maps_types() -> None:
    d = doc()
    assert d.text == "We use BERT for parsing."  # type: ignore[attr-defined]
    ex = extraction([mention(0, 2, "we"), mention(7, 11, "bert"), mention(16, 23, "parsing")],
                    [relation(2, "uses", 1), relation(0, "uses", 1, negated=True)])
    tally = lvr.score_scierc([d], [ex])
    ent = tally["ent-exact"]
    assert (ent.pred, ent.tp, sum(ent.gold.values())) == (3, 2, 2)
    typed = tally["rel-t-exact"]  # parsing uses BERT = USED-FOR(BERT, parsing); negated left out
    assert (typed.pred, typed.tp) == (1, 1)
    untyped = tally["rel-u-relaxed"]
    assert (untyped.pred, untyped.tp) == (1, 1)
    wrong = extraction([mention(7, 11, "bert"), mention(16, 23, "parsing")],
                       [relation(0, "uses", 1)])  # BERT uses parsing: the wrong direction
    assert lvr.score_scierc([d], [wrong])["rel-t-exact"].tp == 0
    assert lvr.score_scierc([d], [wrong])["rel-u-exact"].tp == 1


def test_report_renders_both_parts() -> None:
    ex = extraction([mention(7, 11, "bert")], [])
    text = lvr.report(lvr.agreement({"a": ex}, {"a": ex}),
                      {"llm.v1": lvr.score_scierc([doc()], [ex])}, ["a note."], "m")
    assert "| concept keys | 1 | 1 | 1 | 100.0 | 100.0 | 100.0 | 100.0 |" in text
    assert "| llm.v1 | entities, exact | 1 | 2 | 100.0 | 50.0 | 66.7 |" in text
    assert text.endswith(f"a note.\nMeasured {importlib.import_module('_common').BENCH_DATE}.")


def test_without_an_endpoint_it_skips_and_exits_0(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # no kgarden.toml
    for name in ("KGARDEN_LLM_BASE_URL", "KGARDEN_LLM_MODEL", "KGARDEN_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    assert lvr.main([]) == 0
    assert capsys.readouterr().out.strip() == (
        "skipped: no LLM endpoint configured (set KGARDEN_LLM_BASE_URL and KGARDEN_LLM_MODEL)")
    monkeypatch.setenv("KGARDEN_LLM_BASE_URL", "http://127.0.0.1:9/v1")  # a URL, no model
    assert lvr.main([]) == 0 and "skipped:" in capsys.readouterr().out


def test_the_script_imports_no_model_or_client() -> None:
    code = (f"import sys; sys.path.insert(0, {str(BENCH)!r}); import llm_vs_rules;"
            " print(sorted({'torch', 'spacy', 'openai'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
