"""`reextract --extractor llm` against the real scripted OpenAI-compatible server: facts with the
llm.v1 stamp and exact offsets, failures per paper, dry run, budget, cache, decisions kept."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import kg
from helpers import small_papers, snapshot
from llm_helpers import paper_ids, reply_for, reply_from_rules, sentences
from llm_server import ScriptedLLMServer, chat, error

from kgarden import Garden
from kgarden.errors import ConfigError
from kgarden.llm import LLMClient
from kgarden.models import Paper
from kgarden.pipeline.llm_extract import LLMExtractReport
from kgarden.settings import Settings, load_settings

MakeClient = Callable[..., LLMClient]


@pytest.fixture
def small(tmp_path: Path, settings: Settings) -> Iterator[Garden]:
    with Garden.create(tmp_path / "small.db", settings=settings) as garden:
        garden.ingest_papers(small_papers())
        yield garden


def llm(g: Garden, client: LLMClient, **options: object) -> LLMExtractReport:
    report = g.reextract(extractor="llm", client=client, **options)  # type: ignore[arg-type]
    assert isinstance(report, LLMExtractReport)
    return report


def components(conn: sqlite3.Connection) -> dict[str, str]:
    """paper id -> the component of the run its facts come from."""
    return {str(pid): str(c) for pid, c in conn.execute(
        "SELECT p.id, x.component FROM papers p JOIN extraction_runs x ON x.id = p.run_id")}


def env(server: ScriptedLLMServer, **more: str) -> dict[str, str]:
    return {"KGARDEN_LLM_BASE_URL": server.base_url, "KGARDEN_LLM_MODEL": "test-model",
            "KGARDEN_EMBED_ON_INGEST": "0", **more}


def test_good_replies_write_stamped_facts_at_exact_offsets(
        small: Garden, llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    ids = paper_ids(small.conn)
    llm_server.script([chat(reply_for(small.conn, pid),
                            usage={"prompt_tokens": 300, "completion_tokens": 80})
                       for pid in ids])
    report = llm(small, make_client())
    assert (report.extracted, report.calls, report.cached, report.failed) == (3, 3, 0, [])
    assert (report.prompt_tokens, report.completion_tokens) == (900, 240)
    run = small.conn.execute("SELECT component, model, prompt_id FROM extraction_runs"
                             " WHERE id = ?", (report.run_id,)).fetchone()
    assert tuple(run) == ("llm.v1", "test-model", "extract.v1")
    assert set(components(small.conn).values()) == {"llm.v1"}
    rows = small.conn.execute(
        "SELECT p.title, p.abstract, s.field, m.start_char, m.end_char, m.surface, m.run_id"
        " FROM mentions m JOIN papers p ON p.pk = m.paper_pk"
        " JOIN sentences s ON s.id = m.sentence_id").fetchall()
    assert len(rows) > 10
    for title, abstract, field, start, end, surface, run_id in rows:
        assert (title if field == "title" else abstract)[start:end] == surface
        assert run_id == report.run_id
    for e in small.conn.execute("SELECT e.run_id, e.object_start, e.object_end, p.abstract,"
                                " e.subject_start, e.subject_end FROM evidence e"
                                " JOIN papers p ON p.pk = e.paper_pk"):
        assert e[0] == report.run_id and e[3][e[1]:e[2]]
    stated = {(r.subject, r.predicate, r.object, r.negated) for r in small.relations()}
    assert ("knowledge distillation", "improves", "model compression", True) in stated
    assert ("knowledge distillation", "uses", "teacher network", False) in stated  # KD is KD
    assert ("pruning", "uses", "sparsity mask", False) in stated
    [ev] = next(r for r in small.relations("evaluates-on")).evidence
    assert ev.extractor == "llm.v1" and ev.sentence == "We evaluate KD on CIFAR-10."
    first = llm_server.requests[0].message("user")
    assert "[1] (title) Distilling language models" in first
    assert "[3] Knowledge distillation (KD) uses a teacher network." in first


def test_the_llm_reads_the_same_sentences_and_meets_the_rules_keys(
        tmp_path: Path, settings: Settings, demo_papers: list[Paper],
        llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    with Garden.create(tmp_path / "demo.db", settings=settings) as g:
        g.ingest_papers(demo_papers[:6])
        ids = paper_ids(g.conn)
        before = {pid: sentences(g.conn, pid) for pid in ids}
        keys = "SELECT c.key FROM mentions m JOIN concepts c ON c.id = m.concept_id"
        rules_keys = sorted(r[0] for r in g.conn.execute(keys))
        llm_server.script([chat(reply_from_rules(g.conn, pid)) for pid in ids])
        report = llm(g, make_client())
        assert report.extracted == 6
        assert {pid: sentences(g.conn, pid) for pid in ids} == before
        llm_keys = sorted(r[0] for r in g.conn.execute(keys))
        shared = sum(min(rules_keys.count(k), llm_keys.count(k)) for k in set(llm_keys))
        assert shared / len(rules_keys) > 0.95  # "pretrained models" meets "pretrained model"


def test_bad_replies_are_retried_and_failures_recorded_per_paper(
        small: Garden, llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    one, two, three = paper_ids(small.conn)
    good = {pid: reply_for(small.conn, pid) for pid in (one, two, three)}
    bad_number = {**good[one], "concepts": [{"sentence": 9, "span": "KD", "type": "Method"}]}
    bad_span = {**good[one], "concepts": [{"sentence": 2, "span": "quantum annealing"}]}
    llm_server.script([
        chat("Sure! Here are the concepts: {not json"), chat(bad_number), chat(good[one]),
        error(500), error(503), error(500),
        error(429, headers={"Retry-After": "1"}), chat(bad_span), chat(good[three])])
    report = llm(small, make_client(retries=2))
    assert report.extracted == 2 and report.calls == 3
    [failure] = report.failed
    assert failure["paper_id"] == two and "HTTP 500" in failure["error"]
    assert "3 attempts" in failure["error"]
    errors = small.conn.execute("SELECT p.id, e.run_id, e.message FROM extraction_errors e"
                                " JOIN papers p ON p.pk = e.paper_pk").fetchall()
    assert [(e[0], e[1]) for e in errors] == [(two, report.run_id)]
    assert components(small.conn) == {one: "llm.v1", two: "rules.v1", three: "llm.v1"}
    times = [r.time for r in llm_server.requests]
    assert times[7] - times[6] >= 0.9  # Retry-After: 1 was honoured
    # the failed paper keeps its rules facts; --where failed picks it up again
    llm_server.script([chat(good[two])])
    again = small.reextract(extractor="llm", where="failed", client=make_client())
    assert again.extracted == 1 and components(small.conn)[two] == "llm.v1"
    assert small.conn.execute("SELECT count(*) FROM extraction_errors").fetchone()[0] == 0


def test_a_reply_slower_than_the_timeout_fails_that_paper_only(
        small: Garden, llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    one, two, three = paper_ids(small.conn)
    llm_server.script([chat(reply_for(small.conn, one), delay=3.0),
                       chat(reply_for(small.conn, one), delay=3.0),
                       chat(reply_for(small.conn, two)), chat(reply_for(small.conn, three))])
    report = llm(small, make_client(timeout=0.4, retries=1))
    assert [f["paper_id"] for f in report.failed] == [one]
    assert "no reply within 0.4 s" in report.failed[0]["error"]
    assert components(small.conn) == {one: "rules.v1", two: "llm.v1", three: "llm.v1"}


def test_dry_run_sends_nothing_and_counts_the_uncached_calls(
        small: Garden, llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    one = paper_ids(small.conn)[0]
    llm_server.script([chat(reply_for(small.conn, one))])
    llm(small, make_client(), where=f"id:{one}")
    before = snapshot(small.conn)
    priced = load_settings({"embed_on_ingest": False, "llm_price_prompt": 2.0,
                            "llm_price_completion": 10.0}, env={})
    with Garden.open(small.path, settings=priced) as g:
        report = llm(g, make_client(), dry_run=True)
    assert len(llm_server.requests) == 1  # only the first run's
    assert report.dry_run and report.cached == 1 and report.extracted == 0
    estimate = report.estimate
    assert estimate["calls"] == 2 and estimate["prompt_tokens"] > 500
    assert estimate["cost"] == pytest.approx(
        (estimate["prompt_tokens"] * 2.0 + estimate["completion_tokens"] * 10.0) / 1e6)
    assert snapshot(small.conn) == before
    code, out, err = kg("reextract", "--extractor", "llm", "--dry-run", "-g", small.path,
                        env=env(llm_server))
    assert code == 0 and "2 calls" in out and "Nothing was sent" in out, err
    assert "cost unknown" in out and len(llm_server.requests) == 1


def test_a_budget_stops_the_run_before_the_call_that_would_pass_it(
        small: Garden, llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    ids = paper_ids(small.conn)
    per_paper = [llm(small, make_client(), dry_run=True, where=f"id:{pid}").estimate
                 for pid in ids]
    cap = max(e["prompt_tokens"] + e["completion_tokens"] for e in per_paper) + 5
    llm_server.script([chat(reply_for(small.conn, ids[0]),
                            usage={"prompt_tokens": cap // 2, "completion_tokens": 10})])
    code, out, err = kg("reextract", "--extractor", "llm", "--budget-tokens", str(cap),
                        "--json", "-g", small.path, env=env(llm_server))
    assert code == 0, err
    report = json.loads(out)
    assert report["stopped"].startswith("token budget: the next call")
    assert (report["extracted"], report["remaining"], report["calls"]) == (1, 2, 1)
    assert len(llm_server.requests) == 1
    assert components(small.conn) == {ids[0]: "llm.v1", ids[1]: "rules.v1",
                                      ids[2]: "rules.v1"}
    code, out, _ = kg("reextract", "--extractor", "llm", "--budget-tokens", "10", "-g",
                      small.path, env=env(llm_server))
    assert code == 0 and "stopped: token budget" in out and "2 paper(s) left" in out
    llm_server.script([chat(reply_for(small.conn, pid)) for pid in ids[1:]])
    rest = llm(small, make_client())
    assert (rest.cached, rest.calls, rest.extracted) == (1, 2, 3)
    assert set(components(small.conn).values()) == {"llm.v1"}


def test_the_cache_makes_a_rerun_send_no_request(
        small: Garden, llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    llm_server.script([chat(reply_for(small.conn, pid)) for pid in paper_ids(small.conn)])
    llm(small, make_client())
    first = snapshot(small.conn)
    again = llm(small, make_client())
    assert len(llm_server.requests) == 3
    assert (again.cached, again.calls, again.extracted) == (3, 0, 3)
    assert snapshot(small.conn) == first
    assert tuple(small.conn.execute("SELECT count(*), min(prompt_id), min(model)"
                                    " FROM llm_cache").fetchone()) == (3, "extract.v1",
                                                                       "test-model")


def test_rules_again_after_the_llm_give_back_the_same_garden(
        small: Garden, llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    rules = snapshot(small.conn)
    llm_server.script([chat(reply_for(small.conn, pid)) for pid in paper_ids(small.conn)])
    llm(small, make_client())
    assert snapshot(small.conn) != rules
    back = small.reextract(extractor="rules")
    assert not isinstance(back, LLMExtractReport) and back.extracted == 3
    after = snapshot(small.conn)
    # the writer keeps a paper's node ("we evaluate ...": the paper as a subject) once made
    after["concepts"] = [c for c in after["concepts"] if not c[0].startswith("paper:")]
    rules["concepts"] = [c for c in rules["concepts"] if not c[0].startswith("paper:")]
    assert after == rules  # the LLM's facts went out exactly
    assert set(components(small.conn).values()) == {"rules.v1"}


def test_human_decisions_hold_over_the_llm_facts(
        small: Garden, llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    rejected = next(r for r in small.relations("improves")
                    if r.subject == "knowledge distillation" and not r.negated)
    small.reject(f"R{rejected.id}", actor="ana")
    small.merge("pruning", "model compression", actor="ana")
    llm_server.script([chat(reply_for(small.conn, pid)) for pid in paper_ids(small.conn)])
    llm(small, make_client())
    status = small.conn.execute(
        "SELECT r.status FROM relations r JOIN concepts s ON s.id = r.subject_id JOIN"
        " concepts o ON o.id = r.object_id WHERE s.key = 'knowledgedistillation' AND"
        " r.predicate = 'improves' AND o.key = 'modelcompression' AND r.negated = 0"
        ).fetchone()
    assert status[0] == "rejected"
    assert rejected.id not in {r.id for r in small.relations()}
    merged = {(r.subject, r.predicate, r.object) for r in small.relations("uses")}
    assert ("model compression", "uses", "sparsity mask") in merged  # "Pruning uses ..."
    assert small.conn.execute("SELECT paper_count FROM concepts WHERE key = 'pruning'"
                              ).fetchone()[0] == 0
    assert [e.actor for e in small.log()] == ["human:ana", "human:ana"]


def test_new_relation_types_are_kept_only_in_partnership_and_left_for_people(
        small: Garden, llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    one = paper_ids(small.conn)[0]
    reply = reply_for(small.conn, one)
    reply["relations"].append({"subject": "teacher network", "predicate": "guides",
                               "object": "KD", "sentence": 3})
    llm_server.script([chat(reply)])
    report = llm(small, make_client(), where=f"id:{one}")
    assert report.unknown_predicates == {"guides": 1}
    assert not small.conn.execute("SELECT 1 FROM relations WHERE predicate = 'guides'"
                                  ).fetchone()
    small.set_agency("partnership", threshold=0.5, actor="ana")
    report = llm(small, make_client(), where=f"id:{one}")  # the cached reply, read again
    assert report.proposed_types == {"guides": 1} and report.calls == 0
    assert len(llm_server.requests) == 1
    [guides] = small.relations("guides")
    assert guides.status == "proposed" and guides.evidence[0].extractor == "llm.v1"
    # the machine accepts known types reaching the threshold, never a new type
    machine = [e for e in small.log(actor="machine", limit=None) if e.action == "accept"]
    assert machine and all("guides" not in e.target for e in machine)


def test_clear_one_line_errors(small: Garden, llm_server: ScriptedLLMServer,
                               demo_listing: Path, tmp_path: Path) -> None:
    code, _, err = kg("reextract", "--extractor", "llm", "-g", small.path,
                        env={"KGARDEN_LLM_BASE_URL": "", "KGARDEN_LLM_MODEL": ""})
    assert code == 2 and err.strip().count("\n") == 0 and "no LLM endpoint configured" in err
    code, _, err = kg("reextract", "--dry-run", "-g", small.path, env={"KGARDEN_EXTRACTOR": ""})
    assert code == 2 and "for the llm extractor" in err
    code, _, err = kg("ingest", demo_listing, "-g", tmp_path / "new.db",
                      env=env(llm_server, KGARDEN_EXTRACTOR="llm"))
    assert code == 2 and err.strip().count("\n") == 0
    assert "ingest with extractor = rules, then run `kgarden reextract --extractor llm`" in err
    as_llm = load_settings({"extractor": "llm", "embed_on_ingest": False}, env={})
    with Garden.create(tmp_path / "lib.db", settings=as_llm) as g, pytest.raises(
            ConfigError, match="reextract --extractor llm"):
        g.ingest_papers(small_papers())
    assert len(llm_server.requests) == 0


def test_without_the_openai_package_one_line(small: Garden,
                                             llm_server: ScriptedLLMServer) -> None:
    argv = ["kgarden", "reextract", "--extractor", "llm", "-g", str(small.path)]
    code = ("import sys; sys.modules['openai'] = None; from kgarden.cli.app import main;"
            f" sys.argv = {argv!r}; main()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**env(llm_server), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().count("\n") == 0 and "needs the openai package" in done.stderr
    assert "pip install 'kgarden[llm]'" in done.stderr and len(llm_server.requests) == 0
