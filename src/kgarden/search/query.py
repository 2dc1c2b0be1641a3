"""A user's query as an FTS5 expression: words OR-ed, "quoted phrases" kept, nothing injected.

Every term goes to FTS5 inside double quotes, so no character a user types can become FTS5
syntax. Function words are dropped: they carry no meaning for ranking and a term in nearly every
row makes BM25 score the whole table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kgarden.errors import QueryError

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over
own same she should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what when where which while who
whom why will with would you your yours yourself yourselves which whose whether within without
upon via among amongst using use used based paper papers
""".split())

# a number written with separators ("11,163", "3.5") is one phrase, as FTS5 splits it in parts
_TOKEN = re.compile(r'"([^"]*)"|(\d+(?:[.,]\d+)+)|(\w+(?:[-\'’]\w+)*)', re.UNICODE)
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 32


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    terms: tuple[str, ...]  # each a word or a phrase of words separated by spaces

    @property
    def fts(self) -> str:
        """The FTS5 MATCH expression (empty when nothing searchable remains)."""
        return " OR ".join(f'"{t}"' for t in self.terms)

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse_query(text: str) -> ParsedQuery:
    if not text or not text.strip():
        raise QueryError("the query is empty")
    if len(text) > 2000:
        raise QueryError(f"the query is too long ({len(text)} characters; at most 2000)")
    terms: list[str] = []
    for match in _TOKEN.finditer(text):
        phrase, number, word = match.groups()
        if phrase is not None:
            words = _WORD.findall(phrase.casefold())
            if words:
                terms.append(" ".join(words))
        elif number is not None:
            terms.append(" ".join(_WORD.findall(number)))
        else:
            words = _WORD.findall(word.casefold())
            if len(words) == 1 and (words[0] in STOPWORDS or len(words[0]) < 2):
                continue
            terms.append(" ".join(words))
    unique = tuple(dict.fromkeys(t for t in terms if t))[:MAX_TERMS]
    return ParsedQuery(text=text.strip(), terms=unique)
