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

from kgarden.curate import apply as curation
from kgarden.curate import events as curation_log
from kgarden.curate import review
from kgarden.curate.actions import Curator, Outcome
from kgarden.curate.harvest import MIN_SCORE, HarvestReport, harvest
from kgarden.curate.state import Agency, agency
from kgarden.embed.vectors import (
    EmbedReport,
    VectorStatus,
    embed_pending,
    reset_vectors,
    vector_status,
)
from kgarden.errors import NotFoundError, QueryError
from kgarden.graph import hypotheses as ledger
from kgarden.graph.path_finder import PathResult, find_paths
from kgarden.graph.relation_graph import GraphCache
from kgarden.graph.report import Report, build_report
from kgarden.llm.client import LLMClient
from kgarden.models import Paper
from kgarden.pipeline.ingest import (
    IngestReport,
    Progress,
    ingest_files,
    ingest_papers,
    reextract_papers,
)
from kgarden.pipeline.llm_extract import llm_reextract
from kgarden.registry import registry
from kgarden.search import concepts as fuzzy
from kgarden.search.ask import Answer, ask
from kgarden.search.cache import IndexCache
from kgarden.search.filters import Filters
from kgarden.search.papers import SearchResult, search_papers
from kgarden.settings import Settings, load_settings
from kgarden.store import queries
from kgarden.store.db import connect, schema_version, transaction
from kgarden.store.queries import (
    ConceptDetail,
    ConceptRecord,
    CooccurrenceRecord,
    PaperRecord,
    RelationRecord,
)
from kgarden.store.selection import select_papers


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
    vectors: dict[str, Any]
    curation: dict[str, Any]

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
        self._indexes = IndexCache()
        self._graphs = GraphCache()

    @classmethod
    def open(cls, path: str | Path, *, settings: Settings | None = None) -> Garden:
        return cls(path, create=False, settings=settings)

    @classmethod
    def create(cls, path: str | Path, *, settings: Settings | None = None) -> Garden:
        return cls(path, create=True, settings=settings)

    def close(self) -> None:
        self._indexes.close()
        self.conn.close()

    def __enter__(self) -> Garden:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- growing -------------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], *, format: str | None = None,
               progress: Progress | None = None, embed: bool | None = None,
               embed_progress: Progress | None = None) -> IngestReport:
        """Read files (all validated before any write) and extract what is new or changed;
        then embed new papers and concepts (``embed``, default the ``embed_on_ingest`` setting).
        """
        report = ingest_files(self.conn, paths, self.settings, format=format, progress=progress)
        return self._embed_after(report, embed, embed_progress)

    def ingest_papers(self, papers: Sequence[Paper], *, progress: Progress | None = None,
                      embed: bool | None = None,
                      embed_progress: Progress | None = None) -> IngestReport:
        report = ingest_papers(self.conn, papers, self.settings, progress=progress)
        return self._embed_after(report, embed, embed_progress)

    def _embed_after(self, report: IngestReport, embed: bool | None,
                     progress: Progress | None) -> IngestReport:
        if embed if embed is not None else self.settings.embed_on_ingest:
            report.embedding = self.embed(progress=progress).to_dict()
        return report

    def embed(self, *, rebuild: bool = False, progress: Progress | None = None) -> EmbedReport:
        """Vectors for every live paper and frequent concept still without a current one.

        Resumable: each batch is its own transaction. ``rebuild`` drops every vector first
        (to move the garden to another embedder).
        """
        if rebuild:
            reset_vectors(self.conn)
        return embed_pending(self.conn, self.settings, progress=progress)

    def vectors(self) -> VectorStatus:
        return vector_status(self.conn, self.settings.embed_concept_min_papers)

    # -- finding -------------------------------------------------------------------------------
    def search(self, query: str, *, k: int = 10, filters: Filters | None = None,
               mode: str = "hybrid", fusion: str | None = None) -> SearchResult:
        """Papers for ``query``: BM25 and dense retrieval fused (``convex`` or ``rrf``; None:
        the ``search_fusion`` setting), each with its best sentence."""
        return search_papers(self.conn, self.settings, self._indexes, query, k=k,
                             filters=filters, mode=mode, fusion=fusion)

    def ask(self, question: str, *, filters: Filters | None = None,
            use_llm: bool = True) -> Answer:
        """An answer from the garden's sentences, each cited (an LLM's when one is set)."""
        return ask(self.conn, self.settings, self._indexes, question, filters=filters,
                   use_llm=use_llm, graphs=self._graphs)

    def nearest_concepts(self, name: str, k: int = 5) -> list[fuzzy.NearConcept]:
        """Concepts nearest to ``name`` by meaning, then by spelling."""
        return fuzzy.nearest(self.conn, self.settings, self._indexes, name, k)

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
            vectors=self.vectors().to_dict(),
            curation=self._curation_status(),
        )

    def _curation_status(self) -> dict[str, Any]:
        mode = agency(self.conn)
        by_status = dict(self.conn.execute(
            "SELECT status, count(*) FROM relations WHERE evidence_count > 0 OR id IN"
            " (SELECT relation_id FROM assertions) GROUP BY status").fetchall())
        return {"agency": mode.mode, "threshold": mode.threshold,
                "human_events": self._scalar("SELECT count(*) FROM events WHERE actor LIKE"
                                             " 'human:%'"),
                "machine_events": self._scalar("SELECT count(*) FROM events WHERE actor LIKE"
                                               " 'machine:%'"),
                "relations": {k: by_status.get(k, 0)
                              for k in ("proposed", "accepted", "rejected")}}

    def _scalar(self, sql: str) -> int:
        return int(self.conn.execute(sql).fetchone()[0])

    def papers(self, limit: int | None = None, offset: int = 0) -> list[PaperRecord]:
        return queries.list_papers(self.conn, limit, offset)

    def concepts(self, top: int | None = 20) -> list[ConceptRecord]:
        return queries.top_concepts(self.conn, top)

    def concept(self, name: str, *, fuzzy_match: bool = True) -> ConceptDetail:
        """A concept by name, written form or acronym; else the one a near-identical name
        (by spelling or meaning) points to; else NotFoundError suggesting the nearest."""
        try:
            return queries.concept_detail(self.conn, name)
        except NotFoundError:
            if not fuzzy_match:
                raise
        near = self.nearest_concepts(name)
        same = fuzzy.same_concept(near)
        if same is None:
            raise NotFoundError(
                f"no concept {name!r} in this garden",
                suggestions=[f"{c.name} ({c.by})" for c in near[:8]])
        detail = queries.concept_detail(self.conn, same.name)
        detail.matched = f"nearest to {name!r} by {same.by} ({same.score:.2f})"
        return detail

    def relations(self, predicate: str | None = None, *, status: str | None = None,
                  limit: int | None = None,
                  include_paper_subjects: bool = True) -> list[RelationRecord]:
        """Live relations, best supported first: by default all but the rejected ones;
        ``status`` ('accepted', 'proposed', 'rejected') for only those."""
        return queries.list_relations(self.conn, predicate=predicate, status=status,
                                      limit=limit,
                                      include_paper_subjects=include_paper_subjects)

    def cooccurrences(self, *, min_sentences: int = 2,
                      limit: int | None = None) -> list[CooccurrenceRecord]:
        return queries.cooccurring(self.conn, min_sentences=min_sentences, limit=limit)

    # -- discovering ---------------------------------------------------------------------------
    def report(self, out_dir: str | Path | None = None) -> Report:
        """The concept graph's structure: components, degree fits, communities, central and
        bridge concepts, emergence. With ``out_dir``, writes report.md, report.html and PNGs."""
        return build_report(self.conn, self.settings,
                            out_dir=None if out_dir is None else Path(out_dir))

    def paths(self, a: str, b: str, *, samples: int = 5, seed: int = 0) -> PathResult:
        """The shortest evidence-backed path from concept ``a`` to ``b`` and up to ``samples``
        other paths walked toward ``b`` (the same ``seed``, the same paths); each edge with
        its evidence sentence and paper. Unknown names raise NotFoundError with the nearest."""
        return find_paths(self.conn, self.settings, self._indexes, self._graphs, a, b,
                          samples=samples, seed=seed)

    def hypotheses(self, *, about: str | None = None, n: int = 20,
                   use_llm: bool = True) -> list[ledger.Hypothesis]:
        """New hypotheses (concept pairs no paper mentions together), written to the ledger."""
        return ledger.propose(self.conn, self.settings, self._indexes, about=about, n=n,
                              use_llm=use_llm)

    def hypothesis(self, hypothesis_id: int) -> ledger.Hypothesis:
        return ledger.get(self.conn, hypothesis_id)

    def ledger(self, *, status: str | None = None,
               limit: int | None = None) -> list[ledger.Hypothesis]:
        """The hypothesis ledger, best first."""
        return ledger.ledger(self.conn, status=status, limit=limit)

    # -- curating ------------------------------------------------------------------------------
    # Every act is an event in the garden's log (``log``), undone by ``undo``; ``actor``
    # defaults to $KGARDEN_ACTOR, then the login name.
    def curator(self, actor: str | None = None) -> Curator:
        return Curator(self.conn, self.settings, curation_log.human_actor(actor))

    def accept(self, ref: str, *, reason: str | None = None,
               actor: str | None = None) -> Outcome:
        """Accept a relation (``R12`` or ``12``) or a hypothesis (``H3``)."""
        return self.curator(actor).set_status(ref, "accepted", reason)

    def reject(self, ref: str, *, reason: str | None = None,
               actor: str | None = None) -> Outcome:
        return self.curator(actor).set_status(ref, "rejected", reason)

    def relabel(self, ref: str, predicate: str, *, reason: str | None = None,
                actor: str | None = None) -> Outcome:
        return self.curator(actor).relabel(ref, predicate, reason)

    def merge(self, name: str, into: str, *, reason: str | None = None,
              actor: str | None = None) -> Outcome:
        """Concept ``name`` becomes part of ``into``, now and after any re-extraction."""
        return self.curator(actor).merge(name, into, reason)

    def split(self, name: str, new_name: str, *, forms: Sequence[str] = (),
              papers: Sequence[str] = (), reason: str | None = None,
              actor: str | None = None) -> Outcome:
        """The mentions of ``name`` written as one of ``forms``, and all its mentions in
        ``papers``, become the concept ``new_name``."""
        return self.curator(actor).split(name, new_name, forms=list(forms), papers=list(papers),
                                         reason=reason)

    def rename(self, name: str, new_name: str, *, reason: str | None = None,
               actor: str | None = None) -> Outcome:
        return self.curator(actor).rename(name, new_name, reason)

    def add_fact(self, subject: str, predicate: str, obj: str, *, note: str | None = None,
                 paper_id: str | None = None, sentence: str | None = None,
                 negated: bool = False, reason: str | None = None,
                 actor: str | None = None) -> Outcome:
        """A fact stated by hand, with a note or a sentence of a paper as its evidence."""
        return self.curator(actor).add_fact(subject, predicate, obj, note=note,
                                            paper_id=paper_id, sentence=sentence,
                                            negated=negated, reason=reason)

    def retract(self, paper_id: str, *, reason: str | None = None,
                actor: str | None = None) -> Outcome:
        """The paper and every fact only it supported leave all views; hypotheses that used
        it are flagged."""
        return self.curator(actor).retract(paper_id, reason)

    def restore(self, paper_id: str, *, reason: str | None = None,
                actor: str | None = None) -> Outcome:
        return self.curator(actor).retract(paper_id, reason, restore=True)

    def note(self, ref: str, text: str, *, actor: str | None = None) -> Outcome:
        """A note on a relation (R12), hypothesis (H3), paper (its id) or concept (its name)."""
        return self.curator(actor).note(ref, text)

    def undo(self, event_id: int | None = None, *, actor: str | None = None) -> Outcome:
        """Revert an event (default: the newest act of a person still in effect) by appending
        its inverse."""
        return self.curator(actor).undo(event_id)

    def log(self, *, limit: int | None = 50, actor: str | None = None,
            kind: str | None = None, action: str | None = None) -> list[curation_log.Event]:
        return curation_log.log(self.conn, limit=limit, actor=actor, kind=kind, action=action)

    def agency(self) -> Agency:
        return agency(self.conn)

    def set_agency(self, mode: str, *, threshold: float | None = None,
                   reason: str | None = None, actor: str | None = None) -> Outcome:
        """``directed``, ``contributory`` or ``partnership`` (see curate/agency.py)."""
        return self.curator(actor).set_agency(mode, threshold, reason)

    def review_queue(self, *, kinds: Sequence[str] = review.KINDS,
                     limit: int | None = 50) -> list[review.ReviewItem]:
        """What waits for a decision; in partnership mode the machine first adds its own
        proposals (merges, rejections of contradicted facts)."""
        with transaction(self.conn):
            review.propose(self.conn, self._indexes)
        return review.queue(self.conn, kinds=tuple(kinds), limit=limit)

    def decide(self, item_id: str, decision: str, *, reason: str | None = None,
               actor: str | None = None) -> list[Outcome]:
        """``accept`` or ``reject`` one review item (R12, H3, P40)."""
        return review.decide(self.curator(actor), item_id, decision, reason)

    def reextract(self, *, where: str | None = None, progress: Progress | None = None,
                  extractor: str | None = None, dry_run: bool = False,
                  budget_tokens: int | None = None,
                  client: LLMClient | None = None) -> IngestReport:
        """Extract the papers ``where`` selects (all, by default) again with ``extractor``
        (default: the garden's, the ``extractor`` setting); every human decision holds over the
        new facts.

        ``extractor="llm"`` has a model read the stored sentences (pipeline/llm_extract.py) and
        returns an ``LLMExtractReport``: ``dry_run`` counts the calls, tokens and cost and sends
        nothing; ``budget_tokens`` caps the tokens spent (default: ``llm_budget_tokens``);
        ``client`` is the LLM client to use (default: one from the settings).
        """
        name = extractor or self.settings.extractor
        component = registry.get("extractor", name)
        pks = select_papers(self.conn, where)
        if component.meta.get("reads") == "sentences":
            return llm_reextract(self.conn, self.settings, pks, dry_run=dry_run,
                                 budget_tokens=budget_tokens, progress=progress, client=client)
        if dry_run or budget_tokens is not None:
            raise QueryError(f"--dry-run and --budget-tokens are for the llm extractor;"
                             f" {component.id} makes no calls")
        settings = self.settings
        if name != settings.extractor:
            values = {**settings.as_dict(), "extractor": name}
            settings = Settings(values, {k: settings.source(k) if k != "extractor"
                                         else "argument" for k in values})
        return reextract_papers(self.conn, pks, settings, progress=progress)

    def rebuild(self) -> None:
        """Derive every curated fact again from the log and the extraction records (a check:
        the result equals the garden kept act by act)."""
        with transaction(self.conn):
            curation.rebuild(self.conn, self.settings)

    # -- the LLM partner -----------------------------------------------------------------------
    def harvest(self, relation: str, *, definition: str, examples: Sequence[tuple[str, str]],
                n: int = 30, min_score: float = MIN_SCORE, dry_run: bool = False,
                client: LLMClient | None = None) -> HarvestReport:
        """Pairs of ``relation`` from the LLM (BertNet-style: the definition and example pairs,
        rescored for consistency over paraphrases), entered as proposed facts asserted by the
        model, each an event of ``machine:harvest.v1`` that a person can accept, reject or
        undo. ``dry_run`` counts the calls, tokens and cost and sends nothing."""
        return harvest(self.conn, self.settings, relation, definition, list(examples), n=n,
                       min_score=min_score, dry_run=dry_run, client=client)
