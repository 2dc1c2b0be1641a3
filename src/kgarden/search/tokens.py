"""Which query terms a sentence holds, found with FTS5's own tokenizer instead of FTS5 lookups.

The best sentence of a hit needs the query terms each of the paper's sentences holds. Asking
``sentences_fts`` costs one lookup per term and paper (100 for ten hits of a title query:
8-9 ms on the 74,728-paper garden). Instead the sentences are tokenized by the tokenizer the
garden's full-text index uses, run in a private in-memory database (a contentless FTS5 table
read back through ``fts5vocab``): the same code gives the same tokens, and a term is held where
its tokens follow each other, as in an FTS5 phrase. Which terms a hit's sentences hold needs
only the positions of the query's own tokens (``SentenceTokens.held``); all the tokens of a
sentence are read only for the one shown, to place its marks (``of_sentences``).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Sequence

from kgarden.store.db import Memo

DEFAULT_TOKENIZER = "porter unicode61 remove_diacritics 2"
_TOKENIZE = re.compile(r"tokenize\s*=\s*'([^']*)'", re.IGNORECASE)
CACHED_SENTENCES = 5_000  # tokens kept per garden, by sentence id, while it is unchanged
# unicode61's token characters are letters and digits; a sentence whose split here does not
# give as many tokens as FTS5's is not marked from it (``marked_spans`` says None)
_TOKEN_CHARACTERS = re.compile(r"[^\W_]+")


def index_tokenizer(conn: sqlite3.Connection, table: str = "sentences_fts") -> str:
    """The tokenizer that ``table`` was created with."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    match = _TOKENIZE.search(str(row[0])) if row is not None else None
    return match[1] if match else DEFAULT_TOKENIZER


class SentenceTokens:
    """The tokens of sentences (and of query terms), as the garden's full-text index has them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._private: sqlite3.Connection | None = None
        self._cached = Memo(limit=CACHED_SENTENCES)  # sentence id -> tokens

    def _connection(self, conn: sqlite3.Connection) -> sqlite3.Connection:
        if self._private is None:
            private = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            # the tokenizer's options are the garden's own schema text, not user input
            private.execute("CREATE VIRTUAL TABLE words USING fts5(text, content='',"
                            f" tokenize='{index_tokenizer(conn)}')")
            private.execute("CREATE VIRTUAL TABLE instances USING fts5vocab(words, instance)")
            self._private = private
        return self._private

    def _instances(self, conn: sqlite3.Connection, texts: Sequence[str],
                   only: Sequence[str] | None = None) -> list[tuple[int, int, str]]:
        """(text's position, token's offset, token) for the tokens of ``texts``, or for those
        of them among ``only``."""
        where = "" if only is None else f" WHERE term IN ({','.join('?' * len(only))})"
        with self._lock:
            private = self._connection(conn)
            private.execute("BEGIN")
            try:
                private.executemany("INSERT INTO words(rowid, text) VALUES (?, ?)",
                                    list(enumerate(texts)))
                rows = private.execute("SELECT doc, offset, term FROM instances" + where,
                                       list(only or ())).fetchall()
                private.execute("INSERT INTO words(words) VALUES ('delete-all')")
            finally:
                private.execute("COMMIT")
        return [(int(d), int(o), str(t)) for d, o, t in rows]

    def tokenize(self, conn: sqlite3.Connection, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """Each text's tokens, in order."""
        if not texts:
            return []
        rows = self._instances(conn, texts)
        tokens: list[list[str]] = [[] for _ in texts]
        for doc, _, term in sorted(rows):
            tokens[doc].append(term)
        return [tuple(t) for t in tokens]

    def of_sentences(self, conn: sqlite3.Connection, sentences: Sequence[tuple[int, str]]
                     ) -> dict[int, tuple[str, ...]]:
        """The tokens of each (sentence id, text); remembered while the garden is unchanged."""
        cached = self._cached.get(conn)
        missing = [(sid, text) for sid, text in sentences if sid not in cached]
        for (sid, _), tokens in zip(missing, self.tokenize(conn, [t for _, t in missing]),
                                    strict=True):
            cached[sid] = tokens
        return {sid: cached[sid] for sid, _ in sentences}

    def held(self, conn: sqlite3.Connection, sentences: Sequence[tuple[int, str]],
             terms: dict[str, tuple[str, ...]]) -> dict[int, set[str]]:
        """The terms (each with its tokens) that each (sentence id, text) holds, for those
        holding any. A sentence whose tokens were kept (``of_sentences``) is read from them;
        for the rest only the positions of the terms' own tokens are read back from the
        private index. Ten hits' 76 sentences have 1,764 tokens, of which 43 were query tokens:
        0.2 ms to read, against 2.5 ms for all of them, sorted."""
        cached = self._cached.get(conn)
        found: dict[int, set[str]] = {}
        fresh: list[tuple[int, str]] = []
        for sid, text in sentences:
            if sid in cached:
                if holding := held_terms(terms, cached[sid]):
                    found[sid] = holding
            else:
                fresh.append((sid, text))
        wanted = sorted({token for parts in terms.values() for token in parts})
        if not fresh or not wanted:
            return found
        rows = self._instances(conn, [text for _, text in fresh], wanted)
        places: dict[int, dict[str, set[int]]] = {}  # document -> token -> its offsets
        for doc, offset, token in rows:
            places.setdefault(doc, {}).setdefault(token, set()).add(offset)
        for doc, at in places.items():
            holding = {term for term, parts in terms.items()
                       if parts and all(token in at for token in parts)
                       and any(all(first + j in at[token] for j, token in enumerate(parts))
                               for first in at[parts[0]])}
            if holding:
                found[fresh[doc][0]] = holding
        return found

    def close(self) -> None:
        if self._private is not None:
            self._private.close()
            self._private = None


def held_terms(terms: dict[str, tuple[str, ...]], tokens: tuple[str, ...]) -> set[str]:
    """The terms (each with its tokens) whose tokens occur one after another in ``tokens``."""
    present = set(tokens)
    return {term for term, parts in terms.items()
            if parts and set(parts) <= present
            and (len(parts) == 1 or _occurrences(parts, tokens))}


def _occurrences(parts: tuple[str, ...], tokens: tuple[str, ...]) -> list[tuple[int, int]]:
    width = len(parts)
    return [(i, i + width - 1) for i in range(len(tokens) - width + 1)
            if tokens[i:i + width] == parts]


def marked_spans(text: str, tokens: tuple[str, ...], terms: Sequence[tuple[str, ...]]
                 ) -> list[tuple[int, int]] | None:
    """The character spans of ``text`` that FTS5's ``highlight()`` would mark for ``terms``
    (their tokens): each match from its first token to its last, overlapping matches merged
    into one. None when the text's tokens cannot be placed (then ask FTS5)."""
    places = [m.span() for m in _TOKEN_CHARACTERS.finditer(text)]
    if len(places) != len(tokens):
        return None
    matches = sorted(o for parts in terms if parts for o in _occurrences(parts, tokens))
    merged: list[list[int]] = []
    for first, last in matches:
        if merged and first <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return [(places[first][0], places[last][1]) for first, last in merged]
