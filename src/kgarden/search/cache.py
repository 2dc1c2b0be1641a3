"""What searches of an open garden keep between calls: its vector indexes, the counts a
search reads, and the tokens of the sentences its hits showed. One per open ``Garden``."""

from __future__ import annotations

import sqlite3

from kgarden.embed.index import ConceptsByKey, PassageIndex, Similarities, VectorIndex
from kgarden.embed.vectors import vectors_version
from kgarden.search.tokens import SentenceTokens
from kgarden.store.db import Memo


class IndexCache:
    """What searches of an open garden keep: its vector indexes, loaded once and reloaded
    when vectors were written since; a ``memo`` of the counts a search reads (live papers,
    term frequencies); and the ``tokens`` of the sentences its hits showed."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, VectorIndex]] = {}
        self._passages: tuple[str, PassageIndex] | None = None
        self.memo = Memo()
        self.tokens = SentenceTokens()
        self._concept_asks = 0

    def close(self) -> None:
        self.tokens.close()

    def get(self, conn: sqlite3.Connection, kind: str) -> VectorIndex:
        version = vectors_version(conn)
        cached = self._cache.get(kind)
        if cached is not None and cached[0] == version:
            return cached[1]
        index = VectorIndex.load(conn, kind)
        self._cache[kind] = (version, index)
        return index

    def concepts(self, conn: sqlite3.Connection) -> Similarities:
        """What gives a query's cosines with the concepts its hits mention (a few hundred).
        The first time, those concepts' vectors are read by key: a command searches once, and
        loading all of them would read 268 MB for the 174,740 of the arXiv garden (a cold
        `kgarden search` took 18.8-19.9 s with them, 9.9-10.9 s without). From the second time
        on, the whole index, loaded once, answers: a long-lived process (the server, a
        notebook) then reads no vectors."""
        self._concept_asks += 1
        cached = self._cache.get("concept")
        if self._concept_asks == 1 and (cached is None or cached[0] != vectors_version(conn)):
            return ConceptsByKey(conn)
        return self.get(conn, "concept")

    def passages(self, conn: sqlite3.Connection) -> PassageIndex:
        """The passage vectors (empty unless the garden was embedded with passages)."""
        version = vectors_version(conn)
        if self._passages is None or self._passages[0] != version:
            self._passages = (version, PassageIndex.load(conn))
        return self._passages[1]
