"""Acronyms defined in the text: "knowledge distillation (KD)" -> KD is an alias of it.

The matching follows Schwartz & Hearst (2003), "A simple algorithm for identifying abbreviation
definitions in biomedical text": walk the short form's characters from the end, finding each
in the preceding words, the first character at the start of a word, within
``min(len+5, 2*len)`` words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kgarden.extract.lexicon import FUNCTION_WORDS

_PAREN = re.compile(r"\(([^()]{1,12})\)")
# A long form does not start with a function word (lexicon.FUNCTION_WORDS): in "the
# Abstraction and Reasoning Corpus (ARC)" the A is "Abstraction", not "and".
_WORD = re.compile(r"\S+")
# "a large language model's (LLM)", "language models' (LMs')": the possessive is no part of
# either form (left on, it made "large language models'" a concept of its own)
_POSSESSIVE = re.compile(r"(?:['\u2019]s|['\u2019])$")


@dataclass(frozen=True, slots=True)
class Definition:
    short: str
    short_start: int  # char offsets in the text searched
    short_end: int
    long_start: int
    long_end: int


def _valid_short(short: str) -> bool:
    if not 2 <= len(short) <= 10 or " " in short.strip():
        return False
    if not short[0].isalnum() or not any(ch.isalpha() for ch in short):
        return False
    return sum(ch.isupper() for ch in short) >= 2 or (short[0].isupper() and len(short) <= 4)


def _match_long(short: str, words: list[re.Match[str]], text: str) -> int | None:
    """Start offset of the shortest long form matching ``short``, or None."""
    letters = [ch.lower() for ch in short if ch.isalnum()]
    if not letters or not words:
        return None
    span_start = words[0].start()
    long_text = text[span_start : words[-1].end()].lower()
    s = len(letters) - 1
    i = len(long_text) - 1
    while s >= 0:
        ch = letters[s]
        while i >= 0:
            at_word_start = i == 0 or not long_text[i - 1].isalnum()
            if long_text[i] == ch and (s > 0 or at_word_start):
                break
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    # extend to the start of the word the first letter sits in
    start = i + 1
    while start > 0 and long_text[start - 1].isalnum():
        start -= 1
    first_word = long_text[start:].split(" ", 1)[0]
    if first_word in FUNCTION_WORDS:
        # look further left for a content word with the same initial
        earlier = [w for w in words if w.start() - span_start < start
                   and w.group().lower()[0] == letters[0]
                   and w.group().lower() not in FUNCTION_WORDS]
        if not earlier:
            return None
        return earlier[-1].start()
    return span_start + start


def find_definitions(text: str) -> list[Definition]:
    """Every "long form (SHORT)" definition in ``text`` (one sentence)."""
    found: list[Definition] = []
    for paren in _PAREN.finditer(text):
        inner = paren.group(1).strip()
        short = _POSSESSIVE.sub("", inner.split(";")[0].split(",")[0].strip())
        if not _valid_short(short):
            continue
        short_start = paren.start(1) + paren.group(1).index(short)
        before = list(_WORD.finditer(text, 0, paren.start()))
        max_words = min(len(short) + 5, 2 * len(short))
        window = before[-max_words:]
        long_start = _match_long(short, window, text)
        if long_start is None:
            continue
        long_end = paren.start()
        while long_end > long_start and text[long_end - 1].isspace():
            long_end -= 1
        possessive = _POSSESSIVE.search(text, long_start, long_end)
        if possessive is not None:
            long_end = possessive.start()
        long_form = text[long_start:long_end]
        if len(long_form) <= len(short) or long_form.lower() == short.lower():
            continue
        found.append(Definition(short, short_start, short_start + len(short), long_start, long_end))
    return found
