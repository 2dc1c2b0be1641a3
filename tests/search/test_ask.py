"""``ask``: cited answers offline, relation paths, and the LLM path against a real local server."""

from __future__ import annotations

from pathlib import Path

import pytest
from llm_server import TEST_API_KEY, ScriptedLLMServer, chat, error

from kgarden import Garden
from kgarden.models import make_paper
from kgarden.search.ask import NOT_ENOUGH
from kgarden.settings import Settings, load_settings

QUESTION = "Which benchmark holds 11,163 bilingual problems?"


def field_text(garden: Garden, paper_id: str, field: str) -> str:
    return str(garden.conn.execute(f"SELECT {'title' if field == 'title' else 'abstract'}"
                                   " FROM papers WHERE id = ?", (paper_id,)).fetchone()[0])


def test_offline_answer_cites_the_sentence_that_answers(search_demo: Garden) -> None:
    answer = search_demo.ask(QUESTION)
    assert answer.mode == "offline" and not answer.insufficient
    first = answer.citations[0]
    assert "11,163 bilingual problems" in first.sentence
    assert first.title.startswith("OlympicArena")
    assert answer.answer.startswith(first.sentence) and "[1]" in answer.answer
    for c in answer.citations:  # every citation is a real span of its paper
        assert field_text(search_demo, c.paper_id, c.field)[c.start:c.end] == c.sentence
    assert len(answer.citations) <= 3
    assert [c.number for c in answer.citations] == list(range(1, len(answer.citations) + 1))


def test_titles_are_cited_only_for_papers_without_an_abstract(search_demo: Garden,
                                                              tmp_path: Path,
                                                              settings: Settings) -> None:
    # every citation shows its paper's title: the answer's sentences come from the abstracts
    for question in (QUESTION, "OlympicArena multi-discipline cognitive reasoning benchmark"):
        assert {c.field for c in search_demo.ask(question).citations} == {"abstract"}
    with Garden.create(tmp_path / "titles.db", settings=settings) as garden:
        garden.ingest_papers([
            make_paper(title="Pruning halves the latency of speech recognisers", abstract="",
                       source="test"),
            make_paper(title="Speech recognisers on phones", source="test",
                       abstract="We measure the latency of speech recognisers on phones."),
        ], embed=False)
        cited = garden.ask("Does pruning reduce the latency of speech recognisers?").citations
        fields = {(c.title[:7], c.field) for c in cited}
        assert fields == {("Pruning", "title"), ("Speech ", "abstract")}, fields


def test_paraphrased_question_is_answered_by_meaning(search_demo: Garden) -> None:
    answer = search_demo.ask("How can a small model learn from a much larger one?")
    assert any("distill" in c.sentence.casefold() or "distill" in c.title.casefold()
               for c in answer.citations), [c.sentence for c in answer.citations]


def test_two_named_concepts_get_an_evidence_backed_path(search_demo: Garden) -> None:
    answer = search_demo.ask("How is knowledge distillation related to large language models?")
    assert answer.concepts[:2] == ["knowledge distillation", "large language model"]
    assert answer.path, "expected a path between the two concepts"
    names = {answer.path[0].subject, answer.path[-1].object,
             answer.path[0].object, answer.path[-1].subject}
    assert {"knowledge distillation", "large language model"} <= names
    for edge in answer.path:
        assert field_text(search_demo, edge.paper_id, edge.field)[edge.start:edge.end] == \
            edge.sentence


def test_a_question_about_nothing_in_the_garden(search_demo: Garden) -> None:
    answer = search_demo.ask("the of and a")
    assert answer.path == [] and answer.concepts == []
    assert isinstance(answer.answer, str)


# -- with an LLM: a real OpenAI-compatible HTTP server on 127.0.0.1 -------------------------------

def llm_garden(embedded_demo: Path, server: ScriptedLLMServer, retries: int = 1) -> Garden:
    settings: Settings = load_settings({
        "embed_on_ingest": False, "llm_base_url": server.base_url, "llm_model": "local-model",
        "llm_api_key": TEST_API_KEY, "llm_timeout": 2.0, "llm_retries": retries}, env={})
    return Garden.open(embedded_demo, settings=settings)


def reply(*claims: tuple[str, list[int]], enough: bool = True) -> dict[str, object]:
    return {"enough_evidence": enough,
            "claims": [{"text": text, "cites": cites} for text, cites in claims]}


def test_llm_answer_cites_only_sentences_it_was_given(embedded_demo: Path,
                                                      llm_server: ScriptedLLMServer) -> None:
    llm_server.script([chat(reply(("OlympicArena holds them.", [1]),
                                  ("The moon is cheese.", [42])))])
    with llm_garden(embedded_demo, llm_server) as garden:
        answer = garden.ask(QUESTION)
    assert answer.mode == "llm" and answer.llm is not None
    assert answer.answer == "OlympicArena holds them. [1]"
    assert answer.llm["dropped_claims"] == ["The moon is cheese."]
    assert [c.number for c in answer.citations] == [1]
    assert "11,163 bilingual problems" in answer.citations[0].sentence
    sent = llm_server.requests[0]
    assert sent.body["model"] == "local-model"
    assert "[1] " in sent.message("user") and "11,163 bilingual problems" in sent.message("user")


def test_llm_says_not_enough_evidence(embedded_demo: Path,
                                      llm_server: ScriptedLLMServer) -> None:
    llm_server.script([chat(reply(enough=False))])
    with llm_garden(embedded_demo, llm_server) as garden:
        answer = garden.ask("What did the authors eat for lunch?")
    assert answer.mode == "llm" and answer.insufficient
    assert answer.answer == NOT_ENOUGH and answer.citations == []


def test_malformed_then_good_reply_is_retried(embedded_demo: Path,
                                              llm_server: ScriptedLLMServer) -> None:
    llm_server.script([chat("{not json"), chat(reply(("OlympicArena.", [1])))])
    with llm_garden(embedded_demo, llm_server) as garden:
        answer = garden.ask(QUESTION)
    assert answer.mode == "llm" and answer.llm is not None and answer.llm["attempts"] == 2


def test_a_failing_llm_still_gives_the_offline_answer(embedded_demo: Path,
                                                      llm_server: ScriptedLLMServer) -> None:
    llm_server.script([], then=error(500, "overloaded"))
    with llm_garden(embedded_demo, llm_server, retries=1) as garden:
        answer = garden.ask(QUESTION)
    assert answer.mode == "offline" and answer.llm_error is not None
    assert "500" in answer.llm_error and TEST_API_KEY not in answer.llm_error
    assert "11,163 bilingual problems" in answer.citations[0].sentence
    assert len(llm_server.requests) == 2


def test_offline_flag_never_calls_the_llm(embedded_demo: Path,
                                          llm_server: ScriptedLLMServer) -> None:
    with llm_garden(embedded_demo, llm_server) as garden:
        answer = garden.ask(QUESTION, use_llm=False)
    assert answer.mode == "offline" and llm_server.requests == []


@pytest.mark.parametrize("invented", [[9], [0], [-1]])
def test_only_invented_citations_are_retried_then_fail_over(
        embedded_demo: Path, llm_server: ScriptedLLMServer, invented: list[int]) -> None:
    llm_server.script([], then=chat(reply(("Invented.", invented))))
    with llm_garden(embedded_demo, llm_server, retries=1) as garden:
        answer = garden.ask(QUESTION)
    assert answer.mode == "offline" and answer.llm_error is not None
