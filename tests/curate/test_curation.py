"""Curation on real gardens: every act, its undo, re-extraction keeping decisions, retraction
cascading, and the garden kept act by act equal to one rebuilt from the log."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import concept_row, small_papers, snapshot

from kgarden import Garden
from kgarden.errors import CurationError, NotFoundError, QueryError
from kgarden.models import make_paper
from kgarden.settings import Settings


@pytest.fixture
def small(tmp_path: Path, settings: Settings) -> Iterator[Garden]:
    with Garden.create(tmp_path / "small.db", settings=settings) as garden:
        garden.ingest_papers(small_papers())
        yield garden


def rid(g: Garden, subject: str, predicate: str, obj: str, negated: bool = False) -> int:
    row = g.conn.execute(
        "SELECT r.id FROM relations r JOIN concepts s ON s.id = r.subject_id JOIN concepts o"
        " ON o.id = r.object_id WHERE s.key = ? AND r.predicate = ? AND o.key = ?"
        " AND r.negated = ?", (subject, predicate, obj, int(negated))).fetchone()
    assert row is not None, (subject, predicate, obj)
    return int(row[0])


def status(g: Garden, relation_id: int) -> str:
    return str(g.conn.execute("SELECT status FROM relations WHERE id = ?",
                              (relation_id,)).fetchone()[0])


def test_records_are_kept_for_every_extracted_paper(demo_garden: Garden) -> None:
    papers, records = demo_garden.conn.execute(
        "SELECT (SELECT count(*) FROM papers WHERE extracted_hash IS NOT NULL),"
        " (SELECT count(*) FROM extractions)").fetchone()
    assert papers == records == 75


def test_reject_holds_through_reextraction_and_reingest(small: Garden) -> None:
    r = rid(small, "knowledgedistillation", "improves", "modelcompression")
    outcome = small.reject(f"R{r}", reason="too vague", actor="ana")
    assert outcome.event.actor == "human:ana" and outcome.event.reason == "too vague"
    assert status(small, r) == "rejected"
    assert r not in {x.id for x in small.relations()}  # views hide rejected by default
    assert r in {x.id for x in small.relations(status="rejected")}
    small.reextract()
    assert status(small, rid(small, "knowledgedistillation", "improves",
                             "modelcompression")) == "rejected"
    changed = [make_paper(title=p.title, abstract=p.abstract + " It is fast.", date=p.date,
                          source="test") for p in small_papers()]
    small.ingest_papers(changed)  # new text: the papers' facts are extracted again
    assert status(small, rid(small, "knowledgedistillation", "improves",
                             "modelcompression")) == "rejected"


def test_merge_moves_everything_and_undo_restores_exactly(demo_garden: Garden) -> None:
    g = demo_garden
    before = snapshot(g.conn)
    teacher, teacher_model = concept_row(g.conn, "teacher"), concept_row(g.conn, "teachermodel")
    assert teacher and teacher_model
    outcome = g.merge("teacher model", "teacher")
    assert outcome.papers_rederived >= teacher_model[1]
    merged = concept_row(g.conn, "teacher")
    assert concept_row(g.conn, "teachermodel")[1] == 0  # type: ignore[index]
    assert merged[0] == "teacher"  # the concept merged into keeps its name
    assert merged[2] == teacher[2] + teacher_model[2]  # every mention moved
    assert "teacher model" in g.concept("teacher").concept.aliases
    assert g.concept("teacher model").concept.name == "teacher"  # the old name leads there
    g.undo()
    assert snapshot(g.conn) == before


def test_merge_holds_for_papers_added_later(small: Garden, settings: Settings) -> None:
    small.merge("teacher network", "knowledge distillation")
    small.ingest_papers([make_paper(title="Teachers", abstract="A teacher network guides a"
                                    " small student.", source="test")])
    assert concept_row(small.conn, "teachernetwork")[1] == 0  # type: ignore[index]
    papers = {p.title for p in small.concept("knowledge distillation").papers}
    assert "Teachers" in papers


def test_split_by_written_form_and_undo(demo_garden: Garden) -> None:
    g = demo_garden
    before = snapshot(g.conn)
    kd = g.concept("knowledge distillation").concept
    kd_mentions = g.conn.execute(
        "SELECT count(*) FROM mentions m JOIN concepts c ON c.id = m.concept_id"
        " WHERE c.key = 'knowledgedistillation' AND m.surface = 'KD'").fetchone()[0]
    assert kd_mentions > 0
    g.split("knowledge distillation", "KD as written", forms=["KD"])
    moved = concept_row(g.conn, "kdaswritten")
    assert moved == ("KD as written", moved[1], kd_mentions)  # type: ignore[index]
    assert concept_row(g.conn, "knowledgedistillation")[2] == kd.mentions - kd_mentions  # type: ignore[index]
    g.reextract(where="concept:\"knowledge distillation\"")  # the split holds
    assert concept_row(g.conn, "kdaswritten")[2] == kd_mentions  # type: ignore[index]
    g.undo()
    assert snapshot(g.conn) == before


def test_split_by_paper(small: Garden) -> None:
    negative = small.conn.execute("SELECT id FROM papers WHERE title = 'A negative result'"
                                  ).fetchone()[0]
    small.split("knowledge distillation", "distillation for tiny students", papers=[negative])
    assert concept_row(small.conn, "distillationfortinystudents")[1] == 1  # type: ignore[index]
    assert concept_row(small.conn, "knowledgedistillation")[1] == 2  # type: ignore[index]
    with pytest.raises(QueryError, match="does not mention"):
        small.split("knowledge distillation", "x", papers=[negative])


def test_rename_stays_through_reextraction_and_undo(small: Garden) -> None:
    small.rename("knowledge distillation", "Knowledge Distillation (KD)")
    small.reextract()
    assert concept_row(small.conn, "knowledgedistillation")[0] == "Knowledge Distillation (KD)"  # type: ignore[index]
    small.undo()
    assert concept_row(small.conn, "knowledgedistillation")[0] == "knowledge distillation"  # type: ignore[index]


def test_relabel_moves_the_evidence(small: Garden) -> None:
    r = rid(small, "knowledgedistillation", "improves", "modelcompression")
    evidence = small.conn.execute("SELECT count(*) FROM evidence WHERE relation_id = ?",
                                  (r,)).fetchone()[0]
    small.relabel(f"R{r}", "uses")
    relabelled = rid(small, "knowledgedistillation", "uses", "modelcompression")
    assert small.conn.execute("SELECT count(*) FROM evidence WHERE relation_id = ?",
                              (relabelled,)).fetchone()[0] == evidence
    assert r not in {x.id for x in small.relations()}  # left without evidence: hidden
    small.undo()
    assert rid(small, "knowledgedistillation", "improves", "modelcompression") == r  # same id
    small.relabel(f"R{r}", "uses")
    small.reextract()
    rid(small, "knowledgedistillation", "uses", "modelcompression")  # still relabelled
    with pytest.raises(QueryError, match="unknown relation type"):
        small.relabel(f"R{relabelled}", "causes")


def test_added_facts_carry_their_evidence(small: Garden) -> None:
    small.add_fact("pruning", "compares-with", "knowledge distillation",
                   note="both shrink networks", actor="ana")
    small.add_fact("knowledge distillation", "evaluates-on", "ImageNet", paper_id=small.conn
                   .execute("SELECT id FROM papers WHERE title = 'Compression by distillation'"
                            ).fetchone()[0], sentence="confirm that knowledge distillation")
    added = {(r.subject, r.predicate, r.object): r for r in small.relations()}
    noted = added[("pruning", "compares-with", "knowledge distillation")]
    assert noted.status == "accepted" and noted.assertions[0].note == "both shrink networks"
    assert noted.assertions[0].actor == "human:ana" and not noted.evidence
    cited = [r for k, r in added.items() if k[1] == "evaluates-on" and r.assertions]
    assert cited and cited[0].assertions[0].sentence.startswith("Our results confirm")
    small.reextract()  # a person's facts are not extraction: they stay, with their sentence
    again = {(r.subject, r.predicate, r.object): r for r in small.relations()}
    assert ("pruning", "compares-with", "knowledge distillation") in again
    assert again[("knowledge distillation", "evaluates-on", "ImageNet")].assertions[0].sentence \
        == cited[0].assertions[0].sentence
    with pytest.raises(QueryError, match="needs evidence"):
        small.add_fact("pruning", "uses", "ImageNet")
    small.reject(f"R{noted.id}")
    assert noted.id not in {r.id for r in small.relations()}


def test_retraction_cascades_and_restore_brings_all_back(small: Garden) -> None:
    g = small
    before = snapshot(g.conn)
    improves = rid(g, "knowledgedistillation", "improves", "modelcompression")
    first = g.conn.execute("SELECT id FROM papers WHERE title = 'Distilling language models'"
                           ).fetchone()[0]
    negative = g.conn.execute("SELECT id FROM papers WHERE title = 'A negative result'"
                              ).fetchone()[0]
    assert concept_row(g.conn, "pruning")[1] == 1  # type: ignore[index]
    withdrawn = g.retract(negative, reason="withdrawn by its authors")
    assert negative not in {p.id for p in g.papers()}
    assert concept_row(g.conn, "pruning")[1] == 0  # type: ignore[index]  only it said so
    assert not [r for r in g.relations() if "pruning" in (r.subject, r.object)]
    g.retract(first)
    support = g.conn.execute("SELECT evidence_count FROM relations WHERE id = ?",
                             (improves,)).fetchone()[0]
    assert support == 1  # the other paper still says it
    assert all(h.paper_id != first for r in g.relations() for h in r.evidence)
    assert all(hit.paper_id not in (first, negative) for hit in
               g.search("knowledge distillation", mode="bm25").hits)
    g.restore(first)
    g.undo(withdrawn.event.id)
    assert snapshot(g.conn) == before
    assert rid(g, "knowledgedistillation", "improves", "modelcompression") == improves


def test_retraction_flags_hypotheses_that_used_the_paper(demo_garden: Garden) -> None:
    g = demo_garden
    found = g.hypotheses(n=5, use_llm=False)
    assert found
    paper = found[0].paths[0][0]["paper_id"]
    g.retract(paper)
    flagged = g.hypothesis(found[0].id)
    assert flagged.flags == [{"paper_id": paper, "reason": "retracted"}]
    g.undo()
    assert g.hypothesis(found[0].id).flags == []


def test_hypothesis_status_is_a_decision(demo_garden: Garden) -> None:
    g = demo_garden
    h = g.hypotheses(n=3, use_llm=False)[0]
    g.accept(f"H{h.id}")
    assert g.hypothesis(h.id).status == "accepted"
    g.hypotheses(n=3, use_llm=False)  # proposing again never touches a decided entry
    assert g.hypothesis(h.id).status == "accepted"
    g.curator().set_status(f"H{h.id}", "tested", "ran the experiment")
    assert g.hypothesis(h.id).status == "tested"
    with pytest.raises(QueryError):
        g.curator().set_status(f"H{h.id}", "maybe")


def test_undo_refuses_an_event_changed_since(small: Garden) -> None:
    r = rid(small, "knowledgedistillation", "improves", "modelcompression")
    first = small.reject(f"R{r}")
    second = small.accept(f"R{r}")
    with pytest.raises(CurationError, match=f"#{second.event.id}"):
        small.undo(first.event.id)
    small.undo(second.event.id)
    assert status(small, r) == "rejected"
    small.undo(first.event.id)
    assert status(small, r) == "proposed"
    with pytest.raises(CurationError, match="nothing to undo"):
        small.undo()


def test_undo_walks_back_through_acts(small: Garden) -> None:
    before = snapshot(small.conn)
    small.merge("teacher network", "knowledge distillation")
    small.rename("model compression", "network compression")
    small.note("pruning", "check the 2019 survey")
    for _ in range(3):
        small.undo()
    assert snapshot(small.conn) == before
    # newest first: the last undo reverted the first act
    assert [e.undoes for e in small.log(limit=3)] == [e.id for e in small.log()[3:6]][::-1]


def test_rebuild_from_the_log_equals_the_garden_kept_act_by_act(demo_garden: Garden) -> None:
    g = demo_garden
    r = g.relations(limit=3)
    g.reject(f"R{r[0].id}")
    g.accept(f"R{r[1].id}")
    g.merge("teacher model", "teacher")
    g.split("knowledge distillation", "KD as written", forms=["KD"])
    g.rename("continual learning", "Continual Learning")
    g.relabel(f"R{r[2].id}", "improves")
    g.add_fact("Tutor CoPilot", "uses", "large language model", note="it runs on GPT-4")
    paper = g.papers(limit=1)[0].id
    g.retract(paper)
    g.undo()
    g.retract(paper)
    kept = snapshot(g.conn)
    decisions = g.conn.execute("SELECT * FROM decisions ORDER BY 1, 2, 3").fetchall()
    g.rebuild()
    assert g.conn.execute("SELECT * FROM decisions ORDER BY 1, 2, 3").fetchall() == decisions
    assert snapshot(g.conn) == kept


def test_events_are_append_only(small: Garden) -> None:
    small.note("pruning", "a note")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        small.conn.execute("UPDATE events SET actor = 'someone else'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        small.conn.execute("DELETE FROM events")


def test_failed_acts_leave_the_garden_unchanged(small: Garden) -> None:
    before = snapshot(small.conn)
    events = small.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    with pytest.raises(NotFoundError, match="no concept"):
        small.merge("no such concept", "pruning")
    with pytest.raises(CurationError, match="already one concept"):
        small.merge("KD", "knowledge distillation")
    with pytest.raises(NotFoundError):
        small.retract("doi:10.0/none")
    with pytest.raises(CurationError, match="nothing to change"):
        small.restore(small.papers(limit=1)[0].id)
    small.merge("teacher network", "pruning")
    with pytest.raises(CurationError, match="already one concept"):  # the name leads there
        small.merge("pruning", "teacher network")
    small.undo()
    assert snapshot(small.conn) == before
    assert small.conn.execute("SELECT count(*) FROM events").fetchone()[0] == events + 2


def test_contributory_mode_accepts_as_the_machine_and_never_over_a_person(
        small: Garden) -> None:
    r = rid(small, "knowledgedistillation", "improves", "modelcompression")
    small.reject(f"R{r}")
    uses = rid(small, "knowledgedistillation", "uses", "teachernetwork")
    outcome = small.set_agency("contributory", threshold=0.8)
    assert outcome.relations_changed > 0
    assert status(small, r) == "rejected"  # a person decided: the machine stays out
    assert status(small, uses) == "accepted"
    machine = small.log(actor="machine")
    assert machine and all(e.actor == "machine:rules.v1" for e in machine)
    undone = next(e for e in machine if e.target.startswith('["knowledgedistillation", "uses"'))
    small.undo(undone.id)  # a person takes the machine's decision back
    small.reextract()
    assert status(small, uses) == "proposed"  # and the machine does not take it again
    small.ingest_papers([make_paper(title="More", abstract="We show that pruning improves"
                                    " inference speed.", source="test")])
    assert status(small, rid(small, "pruning", "improves", "inferencespeed")) == "accepted"


def test_review_queue_decide_and_partnership_proposals(small: Garden) -> None:
    queue = small.review_queue()
    assert queue and all(item.id.startswith(("R", "H")) for item in queue)
    first = queue[0]
    small.decide(first.id, "reject")
    assert first.id not in {i.id for i in small.review_queue()}
    small.set_agency("partnership", threshold=0.95)
    proposals = [i for i in small.review_queue() if i.kind == "contradiction"]
    assert proposals, "'does not improve' against 'improves' twice"
    assert "not improves" in proposals[0].title or "not" in proposals[0].title
    small.decide(proposals[0].id, "accept")
    negated = rid(small, "knowledgedistillation", "improves", "modelcompression", True)
    assert status(small, negated) == "rejected"
    assert not [i for i in small.review_queue() if i.kind == "contradiction"]
    with pytest.raises(QueryError, match="not a review item"):
        small.decide("X1", "accept")
    with pytest.raises(QueryError, match="accept or reject"):
        small.decide(first.id, "maybe")


def test_partnership_proposes_merges_by_meaning(embedded_demo: Path, tmp_path: Path,
                                                settings: Settings) -> None:
    path = tmp_path / "garden.db"
    shutil.copy(embedded_demo, path)
    with Garden.open(path, settings=settings) as g:
        g.set_agency("partnership")
        merges = [i for i in g.review_queue(kinds=("proposal",)) if i.kind == "merge"]
        assert merges and all(i.score >= 0.9 for i in merges)
        again = [i for i in g.review_queue(kinds=("proposal",)) if i.kind == "merge"]
        assert [i.id for i in again] == [i.id for i in merges]  # proposed once
        item = merges[0]
        g.decide(item.id, "accept")
        assert concept_row(g.conn, item.detail["target"])[1] == 0  # type: ignore[index]
        g.decide(merges[1].id, "reject")
        assert merges[1].id not in {i.id for i in g.review_queue(kinds=("proposal",))}


def test_a_garden_without_records_is_extracted_again_when_curated(demo_garden: Garden) -> None:
    g = demo_garden
    with g.conn:
        g.conn.execute("DELETE FROM extractions")  # as in a garden from before curation
    before = concept_row(g.conn, "teacher")
    g.merge("teacher model", "teacher")
    assert concept_row(g.conn, "teacher")[2] > before[2]  # type: ignore[index]
    assert g.conn.execute("SELECT count(*) FROM extractions").fetchone()[0] > 0
