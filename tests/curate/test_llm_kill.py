"""A `kgarden reextract --extractor llm` killed in the middle of its run: every paper holds its
old facts or its new ones, the counts agree with the rows, and the rerun asks only for the
papers not yet done."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from llm_helpers import paper_ids, reply_from_rules
from llm_server import ScriptedLLMServer, chat

from kgarden import Garden
from kgarden.llm import LLMClient
from kgarden.models import Paper
from kgarden.pipeline.llm_extract import LLMExtractReport
from kgarden.settings import Settings

MakeClient = Callable[..., LLMClient]
PAPERS = 6
KILL_AT = 4  # requests: papers 1..3 answered and written, paper 4 waiting for its reply


def runs_of(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """paper id -> the components of every run its facts (and its own stamp) come from."""
    out: dict[str, set[str]] = {}
    for pid, component in conn.execute(
            "SELECT p.id, x.component FROM papers p JOIN extraction_runs x ON x.id = p.run_id"
            " UNION ALL SELECT p.id, x.component FROM mentions m JOIN papers p"
            " ON p.pk = m.paper_pk JOIN extraction_runs x ON x.id = m.run_id"
            " UNION ALL SELECT p.id, x.component FROM evidence e JOIN papers p"
            " ON p.pk = e.paper_pk JOIN extraction_runs x ON x.id = e.run_id"):
        out.setdefault(str(pid), set()).add(str(component))
    return out


def assert_counts_agree(conn: sqlite3.Connection) -> None:
    """Counts kept by deltas equal the rows they count: nothing was half-written."""
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    bad = conn.execute(
        "SELECT c.key FROM concepts c LEFT JOIN (SELECT concept_id, count(*) AS n,"
        " count(DISTINCT paper_pk) AS p FROM mentions GROUP BY concept_id) m"
        " ON m.concept_id = c.id WHERE c.kind = 'concept' AND"
        " (c.mention_count != coalesce(m.n, 0) OR c.paper_count != coalesce(m.p, 0))"
    ).fetchall()
    assert bad == []
    assert conn.execute(
        "SELECT count(*) FROM relations r WHERE r.evidence_count !="
        " (SELECT count(*) FROM evidence e WHERE e.relation_id = r.id)").fetchone()[0] == 0
    assert conn.execute(
        "SELECT count(*) FROM papers p WHERE NOT EXISTS (SELECT 1 FROM sentences s"
        " WHERE s.paper_pk = p.pk)").fetchone()[0] == 0


def test_a_killed_run_leaves_old_or_new_facts_and_the_rerun_resumes(
        tmp_path: Path, settings: Settings, demo_papers: list[Paper],
        llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    path = tmp_path / "garden.db"
    with Garden.create(path, settings=settings) as g:
        g.ingest_papers(demo_papers[:PAPERS])
        ids = paper_ids(g.conn)
        replies = {pid: reply_from_rules(g.conn, pid) for pid in ids}
    llm_server.script([chat(replies[pid], delay=0.3) for pid in ids[:KILL_AT]])
    env = {**os.environ, "KGARDEN_LLM_BASE_URL": llm_server.base_url,
           "KGARDEN_LLM_MODEL": "test-model", "KGARDEN_LLM_TIMEOUT": "30"}
    kgarden = Path(sys.executable).parent / "kgarden"
    process = subprocess.Popen([str(kgarden), "reextract", "--extractor", "llm", "--json",
                                "-g", str(path)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(llm_server.requests) < KILL_AT and process.poll() is None:
        assert time.monotonic() < deadline, "the run never reached its 4th request"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.stderr is not None
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert len(llm_server.requests) == KILL_AT

    with Garden.open(path, settings=settings) as g:
        assert_counts_agree(g.conn)
        runs = runs_of(g.conn)
        done = [pid for pid in ids if runs[pid] == {"llm.v1"}]
        assert done == ids[:KILL_AT - 1]
        assert all(runs[pid] == {"rules.v1"} for pid in ids[KILL_AT - 1:])
        assert g.conn.execute("SELECT count(*) FROM llm_cache").fetchone()[0] == KILL_AT - 1

        llm_server.script([chat(replies[pid]) for pid in ids[KILL_AT - 1:]])
        report = g.reextract(extractor="llm", client=make_client())
        assert isinstance(report, LLMExtractReport)
        rerun = llm_server.requests[KILL_AT:]
        assert len(rerun) == PAPERS - KILL_AT + 1  # only the papers not yet done
        for request, pid in zip(rerun, ids[KILL_AT - 1:], strict=True):
            title = g.conn.execute("SELECT title FROM papers WHERE id = ?", (pid,)).fetchone()
            assert title[0].split()[0] in request.message("user")
        assert (report.cached, report.calls, report.extracted) == (KILL_AT - 1, 3, PAPERS)
        assert all(r == {"llm.v1"} for r in runs_of(g.conn).values())
        assert_counts_agree(g.conn)
