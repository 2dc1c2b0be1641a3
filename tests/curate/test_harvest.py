"""`kgarden harvest` against the real scripted server: pairs from the model, rescored over
paraphrases, recorded by the machine as proposed facts a person accepts, rejects or undoes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import kg
from helpers import small_papers
from llm_server import Scripted, ScriptedLLMServer, chat

from kgarden import Garden
from kgarden.curate.harvest import check_harvest, check_judgements, parse_example
from kgarden.llm import LLMClient, ReplyInvalid
from kgarden.settings import Settings

MakeClient = Callable[..., LLMClient]
DEFINITION = "A uses B when method A is built on B or applies B"
EXAMPLE = "knowledge distillation:teacher network"
STATEMENTS = ["[A] uses [B].", "[A] is built on [B].", "[A] relies on [B]."]
PAIRS = [("BERT", "WordPiece"), ("knowledge distillation", "teacher network"),
         ("Pruning", "sparsity masks"), ("bert", "wordpiece"),
         ("ResNet", "residual connections"), ("GPT-2", "GPT-2")]
# per statement, for the 3 pairs left to judge: BERT, Pruning, ResNet
VERDICTS = [[True, True, False], [True, True, False], [True, False, True]]


@pytest.fixture
def small(tmp_path: Path, settings: Settings) -> Iterator[Garden]:
    with Garden.create(tmp_path / "small.db", settings=settings) as garden:
        garden.ingest_papers(small_papers())
        yield garden


def harvest_reply(statements: list[str] = STATEMENTS,
                  pairs: list[tuple[str, str]] = PAIRS) -> dict[str, Any]:
    return {"statements": statements, "pairs": [{"a": a, "b": b} for a, b in pairs]}


def judged(verdicts: list[bool]) -> dict[str, Any]:
    return {"judgements": [{"n": i, "true": v} for i, v in enumerate(verdicts, 1)]}


def script() -> list[Scripted]:
    return [chat(harvest_reply(), usage={"prompt_tokens": 200, "completion_tokens": 150})] + [
        chat(judged(v), usage={"prompt_tokens": 120, "completion_tokens": 40})
        for v in VERDICTS]


def env(server: ScriptedLLMServer) -> dict[str, str]:
    return {"KGARDEN_LLM_BASE_URL": server.base_url, "KGARDEN_LLM_MODEL": "test-model"}


def harvest_cli(server: ScriptedLLMServer, garden: Path, *more: str) -> tuple[int, str, str]:
    return kg("harvest", "uses", "--definition", DEFINITION, "--example", EXAMPLE, "-g",
              garden, *more, env=env(server))


def test_harvest_records_consistent_pairs_as_facts_asserted_by_the_model(
        small: Garden, llm_server: ScriptedLLMServer) -> None:
    llm_server.script(script())
    code, out, err = harvest_cli(llm_server, small.path, "--json")
    assert code == 0, err
    report = json.loads(out)
    status = {(p["subject"], p["object"]): (p["status"], p["score"]) for p in report["pairs"]}
    assert status == {
        ("BERT", "WordPiece"): ("recorded", 1.0),
        ("knowledge distillation", "teacher network"): ("an example", None),
        ("Pruning", "sparsity masks"): ("recorded", pytest.approx(0.6667, abs=1e-4)),
        ("ResNet", "residual connections"): ("below threshold", pytest.approx(0.3333, abs=1e-4)),
        ("GPT-2", "GPT-2"): ("not two concepts", None),
    }
    assert report["statements"] == STATEMENTS and report["calls"] == 4
    assert (report["prompt_tokens"], report["completion_tokens"]) == (560, 270)
    assert "GPT-2" not in "".join(r.message("user") for r in llm_server.requests[1:])
    checks = [r.message("user") for r in llm_server.requests[1:]]
    assert "[1] BERT uses WordPiece." in checks[0] and "[3] ResNet is built on" in checks[1]
    assert "knowledge distillation" not in checks[0]  # the example is not asked about

    bert = next(r for r in small.relations("uses") if r.subject == "BERT")
    assert (bert.object, bert.status, bert.origin, bert.evidence) == (
        "WordPiece", "proposed", "harvested", [])
    [said] = bert.assertions
    assert (said.kind, said.model, said.prompt_id, said.score) == (
        "model", "test-model", "harvest.v1", 1.0)
    assert said.actor == "machine:harvest.v1" and said.sentence is None
    # a pair the rules also read in a paper keeps its sentence beside the model's word
    pruning = next(r for r in small.relations("uses") if r.subject == "pruning")
    assert pruning.object == "sparsity mask" and len(pruning.evidence) == 1
    assert [a.kind for a in pruning.assertions] == ["model"]
    events = small.log(actor="machine")
    assert {(e.action, e.target_kind) for e in events} == {("harvest", "fact")}
    assert all("consistency" in (e.reason or "") for e in events)
    code, out, _ = kg("relations", "--type", "uses", "-g", small.path)
    assert code == 0
    assert "asserted by model test-model, prompt harvest.v1, consistency 1.00" in out


def test_a_person_accepts_rejects_and_undoes_harvested_facts(
        small: Garden, llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    llm_server.script(script())
    first = small.harvest("uses", definition=DEFINITION, examples=[parse_example(EXAMPLE)],
                          client=make_client())
    bert, pruning = first.recorded
    assert bert.relation_id is not None and pruning.relation_id is not None
    small.reject(f"R{bert.relation_id}", actor="ana")
    small.accept(f"R{pruning.relation_id}", actor="ana")
    assert bert.relation_id not in {r.id for r in small.relations()}
    assert bert.event_id is not None
    small.undo(bert.event_id, actor="ana")  # the model's word withdrawn: the fact is gone
    assert not [r for r in small.relations(status="rejected") if r.subject == "BERT"]
    again = small.harvest("uses", definition=DEFINITION, examples=[parse_example(EXAMPLE)],
                          client=make_client())
    assert len(llm_server.requests) == 4 and (again.calls, again.cached) == (0, 4)
    statuses = {p.subject: p.status for p in again.pairs}
    assert statuses["BERT"] == "withdrawn before" and statuses["Pruning"] == "already asserted"
    assert [r.status for r in small.relations("uses") if r.subject == "pruning"] == ["accepted"]


def test_dry_run_counts_calls_and_sends_nothing(
        small: Garden, llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    code, out, err = harvest_cli(llm_server, small.path, "--dry-run")
    assert code == 0, err
    assert "4 calls" in out and "Nothing was sent" in out and len(llm_server.requests) == 0
    llm_server.script(script())
    small.harvest("uses", definition=DEFINITION, examples=[parse_example(EXAMPLE)],
                  client=make_client())
    cached = small.harvest("uses", definition=DEFINITION, examples=[parse_example(EXAMPLE)],
                           dry_run=True, client=make_client())
    assert cached.estimate["calls"] == 0 and len(llm_server.requests) == 4


def test_invalid_replies_are_retried(small: Garden, llm_server: ScriptedLLMServer,
                                     make_client: MakeClient) -> None:
    llm_server.script([chat(harvest_reply(statements=["A uses B.", "[A] uses [B]."])),
                       chat(harvest_reply(pairs=[("BERT", "WordPiece")])),
                       chat({"judgements": []}), chat(judged([True])),
                       chat(judged([True, False])), chat(judged([True])),
                       chat(judged([False]))])
    report = small.harvest("uses", definition=DEFINITION, examples=[("a", "b")],
                           client=make_client(retries=1))
    assert len(llm_server.requests) == 7 and report.calls == 4
    [pair] = report.pairs
    assert (pair.score, pair.status) == (pytest.approx(0.6667, abs=1e-4), "recorded")


@pytest.mark.parametrize(("reply", "message"), [
    ({"statements": ["[A] and [B]"], "pairs": []}, "at least 2 statements"),
    ({"statements": STATEMENTS, "pairs": [{"a": "x"}]}, "'a' and 'b' must be non-empty"),
    ({"statements": STATEMENTS}, "'pairs' must be a list"),
])
def test_harvest_replies_are_checked(reply: dict[str, Any], message: str) -> None:
    with pytest.raises(ReplyInvalid, match=message):
        check_harvest(reply, 30)


def test_judgements_must_cover_every_statement_once() -> None:
    assert check_judgements(judged([True, False]), 2) == [True, False]
    for bad in (judged([True]), judged([True, True, True]),
                {"judgements": [{"n": 1, "true": True}, {"n": 1, "true": False}]},
                {"judgements": [{"n": 1, "true": "yes"}, {"n": 2, "true": False}]}):
        with pytest.raises(ReplyInvalid):
            check_judgements(bad, 2)


def test_user_mistakes_are_one_line_with_exit_2(small: Garden,
                                                llm_server: ScriptedLLMServer) -> None:
    for args, message in (
            (["uses", "--definition", DEFINITION], "at least one --example A:B"),
            (["uses", "--definition", DEFINITION, "--example", "BERT-WordPiece"],
             "an example is A:B"),
            (["uses!", "--definition", DEFINITION, "--example", EXAMPLE], "not a relation name"),
            (["uses", "--example", EXAMPLE], "needs --definition"),
            (["uses", "--definition", DEFINITION, "--example", EXAMPLE, "--n", "0"], "--n is")):
        code, _, err = kg("harvest", *args, "-g", small.path, env=env(llm_server))
        assert code == 2 and message in err and err.strip().count("\n") == 0, err
    code, _, err = kg("harvest", "uses", "--definition", DEFINITION, "--example", EXAMPLE,
                      "-g", small.path, env={"KGARDEN_LLM_BASE_URL": ""})
    assert code == 2 and "no LLM endpoint configured" in err
    assert len(llm_server.requests) == 0
