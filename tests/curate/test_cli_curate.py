"""The curation commands as a user runs them: exit codes, one-line errors, JSON shapes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import file_digest, kg

ENV = {"KGARDEN_ACTOR": "ana", "KGARDEN_EMBED_ON_INGEST": "0"}


@pytest.fixture
def garden(built_demo: Path, tmp_path: Path) -> Path:
    path = tmp_path / "garden.db"
    shutil.copy(built_demo, path)
    return path


def run(*args: str | Path) -> tuple[int, str, str]:
    return kg(*args, env=ENV)


def test_curate_from_the_command_line_and_undo_every_step(garden: Path) -> None:
    code, out, _ = run("relations", "--limit", "1", "--json", "-g", garden)
    relation = json.loads(out)[0]
    code, out, _ = run("reject", f"R{relation['id']}", "--reason", "not in the paper", "-g",
                       garden)
    assert code == 0 and "rejected" in out and "kgarden undo 1" in out
    code, out, _ = run("merge", "teacher model", "teacher", "--json", "-g", garden)
    merged = json.loads(out)
    assert code == 0 and merged["event"]["action"] == "merge"
    assert merged["papers_rederived"] >= 3
    assert run("rename", "continual learning", "Continual Learning", "-g", garden)[0] == 0
    assert run("split", "knowledge distillation", "KD as written", "--form", "KD", "-g",
               garden)[0] == 0
    code, out, _ = run("add", "Tutor CoPilot", "uses", "large language model", "--note",
                       "runs on GPT-4", "-g", garden)
    assert code == 0 and "added" in out
    assert run("note", "teacher", "check whether teacher means a model", "-g", garden)[0] == 0
    paper = json.loads(run("papers", "--limit", "1", "--json", "-g", garden)[1])[0]["id"]
    assert run("retract", paper, "-r", "duplicate", "-g", garden)[0] == 0
    assert paper not in run("papers", "-g", garden)[1]
    code, out, _ = run("reextract", "-g", garden)  # every decision stands after re-extraction
    assert code == 0
    code, out, _ = run("relations", "--status", "rejected", "--json", "-g", garden)
    assert [r["id"] for r in json.loads(out)] == [relation["id"]]
    code, out, _ = run("concept", "teacher model", "--json", "-g", garden)
    assert json.loads(out)["name"] == "teacher"
    code, out, _ = run("concepts", "--top", "300", "--json", "-g", garden)
    names = {c["name"] for c in json.loads(out)}
    assert "Continual Learning" in names and "KD as written" in names
    code, out, _ = run("log", "--json", "-g", garden)
    log = json.loads(out)
    assert [e["action"] for e in log] == ["retract", "note", "add", "split", "rename",
                                          "merge", "reject"]
    assert all(e["actor"] == "human:ana" for e in log)
    assert log[-1]["reason"] == "not in the paper"
    for _ in log:
        assert run("undo", "-g", garden)[0] == 0
    code, out, err = run("undo", "-g", garden)
    assert code == 2 and "nothing to undo" in err
    code, out, _ = run("relations", "--limit", "1", "--json", "-g", garden)
    assert json.loads(out)[0]["status"] == "proposed"
    assert paper in run("papers", "-g", garden)[1]
    code, out, _ = run("log", "--limit", "20", "-g", garden)
    assert "undo of #1 (reject)" in out


def test_mistakes_are_one_line_and_leave_the_garden_as_it_was(garden: Path) -> None:
    digest = file_digest(garden)
    for args, code, text in [
        (("merge", "no such concept", "teacher"), 1, "no concept 'no such concept'"),
        (("relabel", "R1", "causes"), 2, "unknown relation type 'causes'"),
        (("accept", "R999999"), 1, "no relation R999999"),
        (("reject", "teacher"), 2, "only relations (R12) and hypotheses (H3)"),
        (("agency", "anarchy"), 2, "unknown agency mode"),
        (("agency", "contributory", "--threshold", "1.5"), 2, "between 0 and 1"),
        (("reextract", "--where", "year>>2020"), 2, "--where"),
        (("add", "a", "uses", "b"), 2, "needs evidence"),
        (("undo", "77"), 1, "no event #77"),
        (("review", "decide", "Q1", "accept"), 2, "not a review item"),
    ]:
        exit_code, _, err = run(*args, "-g", garden)
        assert exit_code == code, (args, err)
        assert err.startswith("error:") and text in err
        assert len(err.strip().splitlines()) == 1
    assert file_digest(garden) == digest


def test_agency_review_json_and_decide(garden: Path) -> None:
    code, out, _ = run("agency", "--json", "-g", garden)
    assert json.loads(out) == {"mode": "directed", "threshold": 0.8}
    code, out, _ = run("review", "--json", "--kind", "relation", "--limit", "3", "-g", garden)
    items = json.loads(out)
    assert [i["kind"] for i in items] == ["relation"] * 3
    assert {"id", "title", "score", "proposed_by", "evidence"} <= set(items[0])
    code, out, _ = run("review", "decide", items[0]["id"], "accept", "-g", garden)
    assert code == 0
    code, out, _ = run("review", "--json", "--kind", "relation", "-g", garden)
    assert items[0]["id"] not in {i["id"] for i in json.loads(out)}
    code, out, _ = run("agency", "contributory", "-g", garden)
    assert code == 0 and "contributory" in out
    code, out, _ = run("relations", "--accepted-only", "--json", "-g", garden)
    accepted = json.loads(out)
    assert accepted and all(r["status"] == "accepted" for r in accepted)


def test_reextract_where(garden: Path) -> None:
    code, out, _ = run("reextract", "--where", 'concept:"knowledge distillation"', "--json",
                       "-g", garden)
    report = json.loads(out)
    assert code == 0 and report["extracted"] == report["read"] == 6
