"""Executors run an extractor over batches of papers and yield results in input order.

``local.v1`` parses in-process for small jobs and in worker processes for large ones: the
spaCy parser is the speed limit, so both cores parse while the main process writes the previous
batch. Results come back as compact records, not spaCy documents (pickling Docs back, as
``nlp.pipe(n_process=...)`` does, costs more than it saves). A Ray executor, registered under
its own name, will run the same ``extract_chunk`` function on a cluster.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol

from kgarden.errors import KgardenError
from kgarden.extract.rules import PaperText
from kgarden.extract.types import PaperExtraction
from kgarden.registry import registry


@dataclass(frozen=True, slots=True)
class ExtractionFailure:
    """A paper the extractor could not process; recorded against it, the run goes on."""

    paper_id: str
    message: str


ExtractResult = PaperExtraction | ExtractionFailure


class WorkerError(KgardenError):
    """A worker process of the executor died; finished batches are kept."""


class Executor(Protocol):
    def map(self, chunks: Sequence[Sequence[PaperText]]) -> Iterator[list[ExtractResult]]: ...


@functools.cache
def make_extractor(name: str, model: str) -> Any:
    """One extractor per process (loading the spaCy model takes about a second)."""
    return registry.get("extractor", name).factory(model=model)


def extract_chunk(extractor: Any, chunk: Sequence[PaperText]) -> list[ExtractResult]:
    """Extract a chunk; if one paper breaks the extractor, redo the chunk paper by paper."""
    try:
        return list(extractor.extract(chunk))
    except Exception:  # an extractor bug must not lose the other papers of the chunk
        results: list[ExtractResult] = []
        for paper in chunk:
            try:
                results.extend(extractor.extract([paper]))
            except Exception as exc:
                results.append(ExtractionFailure(paper.id, f"{type(exc).__name__}: {exc}"))
        return results


_worker_extractor: Any = None


_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _init_worker(name: str, model: str) -> None:
    global _worker_extractor
    # one process per core already: BLAS threads inside each worker would only contend
    # (measured: +5% parse speed). Set before numpy is first imported, through spaCy.
    for variable in _THREAD_VARIABLES:
        os.environ.setdefault(variable, "1")
    _worker_extractor = make_extractor(name, model)


def _work(chunk: Sequence[PaperText]) -> list[ExtractResult]:
    return extract_chunk(_worker_extractor, chunk)


@registry.register("executor", "local", 1)
class LocalExecutor:
    """In-process when ``workers <= 1``, else a pool of ``workers`` spawned processes."""

    def __init__(self, extractor: str, model: str, workers: int) -> None:
        self.extractor = extractor
        self.model = model
        self.workers = workers

    def map(self, chunks: Sequence[Sequence[PaperText]]) -> Iterator[list[ExtractResult]]:
        if self.workers <= 1 or len(chunks) <= 1:
            extractor = make_extractor(self.extractor, self.model)
            for chunk in chunks:
                yield extract_chunk(extractor, chunk)
            return
        # spawn, not fork: the parent may hold threads (progress display) and locks.
        # concurrent.futures, not multiprocessing.Pool: when a worker dies (a script without a
        # main guard, the out-of-memory killer) the pool breaks and we can say so; Pool would
        # start replacement workers forever.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(self.workers, mp_context=context, initializer=_init_worker,
                                 initargs=(self.extractor, self.model)) as pool:
            try:
                yield from pool.map(_work, chunks)
            except BrokenProcessPool:
                raise WorkerError(
                    "a parsing worker process died",
                    hint="a script calling kgarden must keep its top-level code under"
                         " `if __name__ == \"__main__\":`; otherwise memory may be short:"
                         " try --workers 1",
                ) from None
