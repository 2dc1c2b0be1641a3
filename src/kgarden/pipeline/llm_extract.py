"""``kgarden reextract --extractor llm``: a language model reads stored papers again.

For each selected paper, in pk order: its sentences as the garden segmented them go to the
model (prompt extract.v1, extract/llm.py); the checked reply becomes the paper's new facts. One
transaction per paper holds its facts together with the reply's cache entry, so a run killed
at any moment leaves every paper with its old facts or its new ones, and the rerun answers the
papers already done from the cache, without a call.

- ``dry_run``: before any call, the calls to make (papers with no usable cached reply), their
  estimated prompt and completion tokens and cost (llm/budget.py); nothing is sent or written.
- A token budget (``budget_tokens``, else the ``llm_budget_tokens`` setting) stops the run
  before a call that would pass it; papers done stay written, cached papers are still written
  (they cost nothing), and the report says it stopped and how many papers were left.
- A paper the model fails on (an ``LLMError`` after the client's retries: timeouts, 429s, 5xx,
  replies that never validate) is recorded in ``extraction_errors`` for that paper and run; it
  keeps its facts, and the run goes on. ``--where failed`` selects those papers again.
- Every human decision applies to the new facts as to the old (the writer applies them), and
  in contributory and partnership modes the machine accepts what reaches the threshold, except
  relations of a type outside ``PREDICATES``: those are proposals of a new type, for people.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from kgarden.curate.agency import machine_accept
from kgarden.curate.apply import rows_in
from kgarden.curate.state import PARTNERSHIP, agency
from kgarden.errors import LLMError
from kgarden.extract.llm import (
    EXTRACT_PROMPT,
    LLMExtractor,
    LLMReading,
    StoredSentence,
    estimated_completion_tokens,
    prompt_variables,
)
from kgarden.extract.types import PREDICATES
from kgarden.llm import cache
from kgarden.llm.budget import Budget, Estimate, prompt_tokens, require_llm
from kgarden.llm.client import CallInfo, LLMClient, LLMConfig, ReplyInvalid
from kgarden.llm.prompts import load_prompt
from kgarden.pipeline.ingest import IngestReport, Progress
from kgarden.settings import Settings
from kgarden.store.db import chunks, transaction
from kgarden.store.writer import GardenWriter

LOAD_CHUNK = 200  # papers read from the garden at a time
UNSEGMENTED = ("the garden holds no current sentences of this paper: extract it with rules"
               " first (kgarden reextract --extractor rules --where id:{id})")


@dataclass
class LLMExtractReport(IngestReport):
    """An ingest report (``read`` papers selected, ``extracted``, ``failed``, ``run_id``) with
    what the model was asked and what it cost."""

    extractor: str = "llm.v1"
    model: str = ""
    prompt_id: str = ""
    dry_run: bool = False
    cached: int = 0  # papers answered from the cache (no call)
    calls: int = 0  # papers sent to the model
    unsegmented: int = 0  # papers without current sentences (recorded as failed)
    estimate: dict[str, Any] = field(default_factory=dict)  # before the run: Estimate
    prompt_tokens: int = 0  # spent: as reported, else estimated
    completion_tokens: int = 0
    stopped: str | None = None  # why the run stopped early (the token budget)
    remaining: int = 0  # papers left without new facts because it stopped
    unknown_predicates: dict[str, int] = field(default_factory=dict)  # dropped types
    proposed_types: dict[str, int] = field(default_factory=dict)  # kept (partnership)
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> count


@dataclass
class _Paper:
    pk: int
    id: str
    title: str
    abstract: str
    content_hash: str
    extracted_hash: str | None
    sentences: list[StoredSentence] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    key: cache.CacheKey | None = None
    cached: dict[str, Any] | None = None

    @property
    def segmented(self) -> bool:
        return bool(self.sentences) and self.extracted_hash == self.content_hash


def _papers(conn: sqlite3.Connection, pks: Sequence[int], prompt_id: str, model: str
            ) -> Iterator[_Paper]:
    """The papers in pk order with their sentences and cached replies, read in chunks (a
    large selection is never held in memory at once)."""
    for part in chunks(sorted(set(pks)), LOAD_CHUNK):
        yield from _load(conn, part, prompt_id, model)


def _load(conn: sqlite3.Connection, part: Sequence[int], prompt_id: str, model: str
          ) -> list[_Paper]:
    papers: dict[int, _Paper] = {}
    marks = ",".join("?" * len(part))
    for row in conn.execute(
            f"SELECT pk, id, title, abstract, content_hash, extracted_hash FROM papers"
            f" WHERE pk IN ({marks})", list(part)):
        papers[int(row[0])] = _Paper(int(row[0]), *row[1:])
    for pk, *sentence in conn.execute(
            f"SELECT paper_pk, field, idx, start_char, end_char, text FROM sentences"
            f" WHERE paper_pk IN ({marks}) ORDER BY paper_pk, field = 'abstract', idx",
            list(part)):
        papers[int(pk)].sentences.append(StoredSentence(*sentence))
    for paper in papers.values():
        if paper.segmented:
            paper.variables = prompt_variables(paper.sentences)
            paper.key = cache.key_for(prompt_id, model, paper.variables)
            paper.cached = cache.get(conn, paper.key)
    return [papers[pk] for pk in sorted(papers)]


class _Client:
    """The LLM client, made at the first call (a run answered from the cache needs none)."""

    def __init__(self, config: LLMConfig, given: LLMClient | None) -> None:
        self.config = config
        self.given = given
        self.made: LLMClient | None = None

    def get(self) -> LLMClient:
        if self.given is not None:
            return self.given
        if self.made is None:
            self.made = LLMClient(self.config)
        return self.made

    def close(self) -> None:
        if self.made is not None:
            self.made.close()


def llm_reextract(conn: sqlite3.Connection, settings: Settings, pks: Sequence[int], *,
                  dry_run: bool = False, budget_tokens: int | None = None,
                  progress: Progress | None = None,
                  client: LLMClient | None = None) -> LLMExtractReport:
    """Extract these papers again with the LLM extractor (see the module's notes).

    ``client``: the client to use (default: one made from the settings' endpoint).
    """
    started = time.perf_counter()
    config = client.config if client is not None else require_llm(settings)
    budget = Budget.of(settings, budget_tokens)
    prompt_id = load_prompt(EXTRACT_PROMPT).id
    report = LLMExtractReport(model=config.model, prompt_id=prompt_id, dry_run=dry_run)
    estimate = Estimate()
    cached = unsegmented = 0
    for paper in _papers(conn, pks, prompt_id, config.model):
        report.read += 1
        cached += paper.cached is not None
        unsegmented += not paper.segmented
        if paper.segmented and paper.cached is None:
            estimate.add(prompt_tokens(prompt_id, paper.variables),
                         estimated_completion_tokens(paper.sentences))
    report.changed = total = report.read
    report.estimate = estimate.priced(settings).to_dict()
    if dry_run:
        report.cached, report.unsegmented = cached, unsegmented
        report.seconds = time.perf_counter() - started
        return report

    reader = LLMExtractor(llm_model=config.model, spacy_model=settings.spacy_model,
                          partnership=agency(conn).mode == PARTNERSHIP, endpoint=config.endpoint)
    writer = GardenWriter(conn)
    with transaction(conn):
        report.run_id = run_id = writer.start_run(reader.stamp(prompt_id))
    run = _Run(conn, writer, reader, _Client(config, client), budget, report, run_id)
    try:
        for done, paper in enumerate(_papers(conn, pks, prompt_id, config.model), 1):
            run.paper(paper)
            if progress is not None:
                progress(done, total)
    finally:
        run.calls.close()
        with transaction(conn):
            writer.finish_run(run_id, 0)
    report.prompt_tokens, report.completion_tokens = budget.prompt_tokens, budget.completion_tokens
    report.unknown_predicates = dict(run.unknown.most_common())
    report.proposed_types = dict(run.proposed.most_common())
    report.dropped = dict(run.dropped.most_common())
    report.seconds = time.perf_counter() - started
    return report


class _Run:
    """One run over the selected papers: each paper's reply, then its facts."""

    def __init__(self, conn: sqlite3.Connection, writer: GardenWriter, reader: LLMExtractor,
                 calls: _Client, budget: Budget, report: LLMExtractReport, run_id: int) -> None:
        self.conn = conn
        self.writer = writer
        self.reader = reader
        self.calls = calls
        self.budget = budget
        self.report = report
        self.run_id = run_id
        self.unknown: Counter[str] = Counter()
        self.proposed: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()

    def paper(self, paper: _Paper) -> None:
        if not paper.segmented or paper.key is None:
            self.report.unsegmented += 1
            self.fail(paper, UNSEGMENTED.format(id=paper.id))
            return
        reading: LLMReading | None = None
        if paper.cached is not None:
            try:
                reading = self._read(paper, paper.cached)
                self.report.cached += 1
            except ReplyInvalid:  # cached by an older kgarden, invalid today: ask again
                reading = None
        raw: dict[str, Any] | None = None
        info: CallInfo | None = None
        if reading is None:
            asked = self.ask(paper)
            if asked is None:
                return
            reading, raw, info = asked
        with transaction(self.conn):
            if raw is not None and info is not None:
                cache.put(self.conn, paper.key, raw, info)
            self.write(paper, reading)
        self.report.extracted += 1
        self.unknown.update(reading.unknown_predicates)
        self.proposed.update(reading.proposed_types)
        self.dropped.update(reading.dropped)

    def _read(self, paper: _Paper, reply: dict[str, Any]) -> LLMReading:
        return self.reader.read(reply, paper.id, paper.content_hash, paper.sentences)

    def ask(self, paper: _Paper) -> tuple[LLMReading, dict[str, Any], CallInfo] | None:
        """The model's checked reply; None when the budget stops the run or the call fails."""
        est_prompt = prompt_tokens(self.report.prompt_id, paper.variables)
        est_completion = estimated_completion_tokens(paper.sentences)
        if self.report.stopped is not None:
            self.report.remaining += 1
            return None
        if not self.budget.allows(est_prompt + est_completion):
            self.report.stopped = self.budget.stop_reason(est_prompt + est_completion)
            self.report.remaining += 1
            return None
        self.report.calls += 1
        try:
            reading, raw, info = cache.ask_json(
                self.calls.get(), self.report.prompt_id, paper.variables,
                lambda reply: self._read(paper, reply))
        except LLMError as exc:
            self.budget.spend(None, est_prompt, est_completion)
            self.fail(paper, str(exc))
            return None
        self.budget.spend(info, est_prompt, est_completion)
        return reading, raw, info

    def write(self, paper: _Paper, reading: LLMReading) -> None:
        """Replace the paper's facts (its relations keep their ids and statuses)."""
        writer = self.writer
        touched = writer.remove_facts([paper.pk], prune=False)
        written = writer.write_facts([reading.extraction], {paper.id: paper.pk},
                                     {paper.id: paper}, self.run_id)
        writer.prune_relations(touched)
        known = [int(rid) for rid, predicate in rows_in(
            self.conn, "SELECT id, predicate FROM relations WHERE id IN ({marks})",
            sorted(written)) if predicate in PREDICATES]
        machine_accept(self.conn, writer.curation, known)  # contributory, partnership only
        writer.finish_run(self.run_id, 1)

    def fail(self, paper: _Paper, message: str) -> None:
        with transaction(self.conn):
            self.writer.record_error(paper.pk, self.run_id, message)
        self.report.failed.append({"paper_id": paper.id, "error": message})
