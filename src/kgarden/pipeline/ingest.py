"""Ingest: files -> papers -> facts in the garden.

Every input file is read and validated completely before the first write, so bad input leaves
the garden exactly as it was. Then papers are planned against the garden (new, changed text,
changed metadata, unchanged), and only new or changed papers are extracted: one transaction per
batch, so an interrupted ingest keeps whole batches and the next run resumes after them.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kgarden.curate.agency import machine_accept
from kgarden.errors import ConfigError
from kgarden.extract.rules import ExtractorStamp, PaperText
from kgarden.models import Paper
from kgarden.pipeline.executors import ExtractionFailure, LocalExecutor
from kgarden.registry import registry
from kgarden.settings import Settings
from kgarden.sources import read_files
from kgarden.store.db import chunks, transaction
from kgarden.store.writer import GardenWriter

Progress = Callable[[int, int], None]  # (papers done, papers to do)
CHUNK = 32  # papers per unit of work sent to a worker


@dataclass
class IngestReport:
    read: int = 0
    new: int = 0
    changed: int = 0
    metadata_updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    extracted: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    run_id: int | None = None
    seconds: float = 0.0
    embedding: dict[str, Any] | None = None  # the embed stage's report, when it ran
    # re-extraction: papers extracted a second time because a bare acronym's meaning in the
    # garden changed during the pass (GardenWriter.stale_bare_acronyms)
    second_pass: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def ingest_files(
    conn: sqlite3.Connection,
    paths: Iterable[str | Path],
    settings: Settings,
    *,
    format: str | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    papers = read_files(paths, format)  # raises before anything is written
    return ingest_papers(conn, papers, settings, progress=progress)


def ingest_papers(
    conn: sqlite3.Connection,
    papers: Sequence[Paper],
    settings: Settings,
    *,
    progress: Progress | None = None,
) -> IngestReport:
    refusal = registry.get("extractor", settings.extractor).meta.get("refuses_ingest")
    if refusal:  # the llm extractor reads sentences the garden segmented: it cannot ingest
        raise ConfigError(str(refusal))
    started = time.perf_counter()
    writer = GardenWriter(conn)
    plan = writer.plan(papers)
    report = IngestReport(
        read=len(papers), new=len(plan.new), changed=len(plan.changed),
        metadata_updated=len(plan.metadata), unchanged=plan.unchanged,
        duplicates=plan.duplicates,
    )
    if plan.metadata:
        with transaction(conn):
            writer.save_papers(plan.metadata)
    todo = plan.to_extract
    if not todo:
        report.seconds = time.perf_counter() - started
        return report

    changed_ids = {p.id for p in plan.changed + plan.unextracted}
    _extract(conn, writer, settings, todo, changed_ids, report, progress,
             save=writer.save_papers)
    report.seconds = time.perf_counter() - started
    return report


def reextract_papers(conn: sqlite3.Connection, pks: Sequence[int], settings: Settings, *,
                     progress: Progress | None = None) -> IngestReport:
    """Extract these stored papers again with the garden's extractor (a new version, another
    extractor): their records and facts are replaced, and every human decision is applied to
    the new facts as it was to the old."""
    started = time.perf_counter()
    writer = GardenWriter(conn)
    papers: list[_Stored] = []
    for part in chunks(list(pks)):
        marks = ",".join("?" * len(part))
        papers += [_Stored(*row) for row in conn.execute(
            f"SELECT pk, id, title, abstract, content_hash FROM papers WHERE pk IN ({marks})"
            f" ORDER BY pk", list(part))]
    report = IngestReport(read=len(papers), changed=len(papers))
    pk_of = {p.id: p.pk for p in papers}
    if papers:
        writer.track_bare = True
        _extract(conn, writer, settings, papers, set(pk_of), report, progress,
                 save=lambda batch: {p.id: pk_of[p.id] for p in batch})
        stale = writer.stale_bare_acronyms()
        if stale:  # once: the definitions are all new now, so a second pass settles them
            again = [p for p in papers if p.pk in stale]
            writer.track_bare = False
            second = IngestReport(read=len(again), changed=len(again))
            _extract(conn, writer, settings, again, {p.id for p in again}, second, progress,
                     save=lambda batch: {p.id: pk_of[p.id] for p in batch})
            report.second_pass = len(again)
            report.failed += [f for f in second.failed if f not in report.failed]
    report.seconds = time.perf_counter() - started
    return report


@dataclass(frozen=True)
class _Stored:
    """A paper already in the garden, as re-extraction reads it."""

    pk: int
    id: str
    title: str
    abstract: str
    content_hash: str


def _extract(conn: sqlite3.Connection, writer: GardenWriter, settings: Settings,
             todo: Sequence[Paper | _Stored], changed_ids: set[str], report: IngestReport,
             progress: Progress | None,
             save: Callable[[Sequence[Any]], dict[str, int]]) -> None:
    """Extract ``todo`` in batches, one transaction each: ``save`` stores the batch's papers
    and gives their pks; the facts of ``changed_ids`` are replaced."""
    extractor = registry.get("extractor", settings.extractor)
    by_id = {p.id: p for p in todo}
    with transaction(conn):
        stamp: ExtractorStamp = extractor.factory.describe(settings.spacy_model)  # type: ignore[attr-defined]
        run_id = writer.start_run(stamp)
    report.run_id = run_id

    workers = settings.workers if len(todo) >= settings.parallel_min_papers else 0
    executor = LocalExecutor(extractor.name, settings.spacy_model, workers)
    texts = [PaperText(p.id, p.title, p.abstract, p.content_hash) for p in todo]
    results = (r for chunk in executor.map(list(chunks(texts, CHUNK))) for r in chunk)

    done = 0
    for batch_texts in chunks(texts, settings.batch_size):
        batch = [next(results) for _ in batch_texts]
        batch_papers = [by_id[t.id] for t in batch_texts]
        with transaction(conn):
            pk_of = save(batch_papers)
            # relations losing their evidence are pruned only after the new facts are in, so
            # one found again keeps its id and the status a person gave it
            touched = writer.remove_facts(
                [pk_of[p.id] for p in batch_papers if p.id in changed_ids], prune=False)
            good = [r for r in batch if not isinstance(r, ExtractionFailure)]
            written = writer.write_facts(good, pk_of, by_id, run_id)
            writer.prune_relations(touched)
            machine_accept(conn, writer.curation, written)  # in contributory mode only
            for failure in (r for r in batch if isinstance(r, ExtractionFailure)):
                writer.record_error(pk_of[failure.paper_id], run_id, failure.message)
                report.failed.append({"paper_id": failure.paper_id, "error": failure.message})
            writer.finish_run(run_id, len(good))
        report.extracted += len(good)
        done += len(batch)
        if progress is not None:
            progress(done, len(todo))
