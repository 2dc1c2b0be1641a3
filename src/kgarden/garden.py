"""``Garden``: the one object that owns a garden file. Everything else is reached through it.

    from kgarden import Garden
    with Garden.create("garden.db") as garden:
        garden.ingest(["papers.bib"])
        for concept in garden.concepts(top=10):
            print(concept.name, concept.papers)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kgarden.models import Paper
from kgarden.pipeline.ingest import IngestReport, Progress, ingest_files, ingest_papers
from kgarden.settings import Settings, load_settings
from kgarden.store import queries
from kgarden.store.db import connect, schema_version
from kgarden.store.queries import (
    ConceptDetail,
    ConceptRecord,
    CooccurrenceRecord,
    PaperRecord,
    RelationRecord,
)


@dataclass
class GardenStatus:
    path: str
    schema_version: int
    papers: int
    retracted: int
    sentences: int
    concepts: int
    relations: int
    relations_by_type: dict[str, int]
    cooccurrence_pairs: int
    events: int
    extraction_errors: int
    runs: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Garden:
    """A garden file. Open with ``Garden.open`` (must exist) or ``Garden.create`` (may exist)."""

    def __init__(self, path: str | Path, *, create: bool = False,
                 settings: Settings | None = None) -> None:
        self.path = Path(path)
        self.settings = settings or load_settings()
        self.conn = connect(self.path, create=create)
        self.conn.row_factory = sqlite3.Row

    @classmethod
    def open(cls, path: str | Path, *, settings: Settings | None = None) -> Garden:
        return cls(path, create=False, settings=settings)

    @classmethod
    def create(cls, path: str | Path, *, settings: Settings | None = None) -> Garden:
        return cls(path, create=True, settings=settings)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Garden:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- growing -------------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], *, format: str | None = None,
               progress: Progress | None = None) -> IngestReport:
        """Read files (all validated before any write) and extract what is new or changed."""
        return ingest_files(self.conn, paths, self.settings, format=format, progress=progress)

    def ingest_papers(self, papers: Sequence[Paper], *,
                      progress: Progress | None = None) -> IngestReport:
        return ingest_papers(self.conn, papers, self.settings, progress=progress)

    # -- reading -------------------------------------------------------------------------------
    def status(self) -> GardenStatus:
        one = self._scalar
        by_type = dict(self.conn.execute(
            "SELECT predicate, count(*) FROM relations WHERE evidence_count > 0"
            " GROUP BY predicate ORDER BY predicate").fetchall())
        runs = [dict(r) for r in self.conn.execute(
            "SELECT id, component, kgarden_version, model, prompt_id, started_at, finished_at,"
            " papers FROM extraction_runs ORDER BY id")]
        return GardenStatus(
            path=str(self.path),
            schema_version=schema_version(),
            papers=one("SELECT count(*) FROM papers WHERE retracted = 0"),
            retracted=one("SELECT count(*) FROM papers WHERE retracted = 1"),
            sentences=one("SELECT count(*) FROM sentences"),
            concepts=one("SELECT count(*) FROM concepts"
                         " WHERE kind = 'concept' AND paper_count > 0"),
            relations=sum(by_type.values()),
            relations_by_type=by_type,
            cooccurrence_pairs=one("SELECT count(*) FROM cooccurrences"),
            events=one("SELECT count(*) FROM events"),
            extraction_errors=one("SELECT count(*) FROM extraction_errors"),
            runs=runs,
        )

    def _scalar(self, sql: str) -> int:
        return int(self.conn.execute(sql).fetchone()[0])

    def papers(self, limit: int | None = None, offset: int = 0) -> list[PaperRecord]:
        return queries.list_papers(self.conn, limit, offset)

    def concepts(self, top: int | None = 20) -> list[ConceptRecord]:
        return queries.top_concepts(self.conn, top)

    def concept(self, name: str) -> ConceptDetail:
        return queries.concept_detail(self.conn, name)

    def relations(self, predicate: str | None = None, *, limit: int | None = None,
                  include_paper_subjects: bool = True) -> list[RelationRecord]:
        return queries.list_relations(self.conn, predicate=predicate, limit=limit,
                                      include_paper_subjects=include_paper_subjects)

    def cooccurrences(self, *, min_sentences: int = 2,
                      limit: int | None = None) -> list[CooccurrenceRecord]:
        return queries.cooccurring(self.conn, min_sentences=min_sentences, limit=limit)
