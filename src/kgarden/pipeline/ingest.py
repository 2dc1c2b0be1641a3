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

from kgarden.extract.rules import ExtractorStamp, PaperText
from kgarden.models import Paper
from kgarden.pipeline.executors import ExtractionFailure, LocalExecutor
from kgarden.registry import registry
from kgarden.settings import Settings
from kgarden.sources import read_files
from kgarden.store.db import transaction
from kgarden.store.writer import GardenWriter, chunks

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

    extractor = registry.get("extractor", settings.extractor)
    by_id = {p.id: p for p in todo}
    changed_ids = {p.id for p in plan.changed + plan.unextracted}
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
            pk_of = writer.save_papers(batch_papers)
            writer.remove_facts([pk_of[p.id] for p in batch_papers if p.id in changed_ids])
            good = [r for r in batch if not isinstance(r, ExtractionFailure)]
            writer.write_facts(good, pk_of, by_id, run_id)
            for failure in (r for r in batch if isinstance(r, ExtractionFailure)):
                writer.record_error(pk_of[failure.paper_id], run_id, failure.message)
                report.failed.append({"paper_id": failure.paper_id, "error": failure.message})
            writer.finish_run(run_id, len(good))
        report.extracted += len(good)
        done += len(batch)
        if progress is not None:
            progress(done, len(todo))
    report.seconds = time.perf_counter() - started
    return report
