"""Concept mentions: noun phrases read off the dependency parse, cleaned into concept names.

A phrase is a noun that no other noun modifies, together with its left dependents. We strip
what names no concept: determiners and possessives ("the", "our", "the model's"), numbers,
vague or evaluative modifiers ("novel", "existing", "state-of-the-art"), generic tails after
a noun ("knowledge distillation *techniques*"), and drop phrases that are only a generic noun
("results", "aspects"). Hyphenated words ("token-level", "pre-trained") are handled as one
word: spaCy splits them into several tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kgarden.extract.keys import concept_key, singular_acronym
from kgarden.extract.lexicon import (
    AMBIGUOUS_MODIFIERS,
    GENERIC_NOUNS,
    GENERIC_TAILS,
    LEADING_DROP_TAGS,
    NOUN_TAGS,
    PLURAL_TAGS,
    SINGULAR_OVERRIDES,
    TRAILING_DROP_TAGS,
    VAGUE_MODIFIERS,
    VERB_LIKE,
)
from kgarden.extract.nlp import NounLemmatizer

MAX_WORDS = 6
_INNER_MODIFIER_DEPS = frozenset({"compound", "amod", "nmod", "nummod", "npadvmod", "poss"})
_BREAK_TAGS = frozenset({"POS", "CC", ",", "-LRB-", "-RRB-", ":", "``", "''", "IN", "TO", "WDT",
                         "VBZ", "VBP", "VBD", "MD", "."})


@dataclass(slots=True)
class MentionSpan:
    """A mention while a paper is being extracted: token positions plus the text forms."""

    head: int  # token index of the syntactic head (where relations attach)
    first: int  # first token index
    last: int  # last token index (inclusive)
    start: int  # char offset in the doc
    end: int
    key: str
    surface: str
    display: str
    case_known: bool
    acronym: bool = False  # an acronym resolved to its long form's key
    long_form: bool = False  # the long form of an acronym defined in this paper
    defines: bool = False  # the acronym in "long form (SHORT)"


def word_units(doc: Any) -> list[tuple[int, int]]:
    """For each token, the (first, last) token of the hyphenated word it belongs to."""
    units: list[tuple[int, int]] = []
    start = 0
    n = len(doc)
    for i in range(n):
        tok = doc[i]
        glued = (
            i + 1 < n
            and tok.whitespace_ == ""
            and (tok.text == "-" or doc[i + 1].text == "-")
            and not (tok.text == "-" and doc[i + 1].text == "-")
        )
        if not glued:
            units.extend([(start, i)] * (i - start + 1))
            start = i + 1
    return units


_NOMINAL_DEPS = frozenset({"pobj", "dobj"})
# Formula and markup fragments ("LCP(q", "[investment") name no concept.
_NOT_IN_NAMES = frozenset("()[]{}<>=|\\^~")


def is_noun(token: Any) -> bool:
    """A noun by its tag, or a plural noun the tagger took for a verb ("on CL benchmarks/VBZ")
    that the parser still made an object."""
    return bool(token.tag_ in NOUN_TAGS or (token.tag_ == "VBZ" and token.dep_ in _NOMINAL_DEPS
                                            and token.text.endswith("s")))


def _is_plural(token: Any) -> bool:
    return bool(token.tag_ in PLURAL_TAGS or token.tag_ == "VBZ")


def _is_title_case(text: str) -> bool:
    return len(text) > 1 and text[0].isupper() and text[1:].islower()


def _singular(token: Any, lemmatizer: NounLemmatizer) -> str:
    """The head noun in singular form, keeping how it was capitalised."""
    text: str = token.text
    if not _is_plural(token):
        return text
    acronym = singular_acronym(text)
    if acronym is not None:
        return acronym
    lower = text.lower()
    single = SINGULAR_OVERRIDES.get(lower) or lemmatizer.singular(lower)
    if text.isupper():
        return single.upper()
    if text[0].isupper():
        return single[:1].upper() + single[1:]
    return single


def _modifies_noun_to_right(doc: Any, first: int, last: int) -> bool:
    for i in range(first, last + 1):
        tok = doc[i]
        head = tok.head
        if (
            tok.dep_ in _INNER_MODIFIER_DEPS
            and head.i > last
            and head.tag_ in NOUN_TAGS
            # a possessor marked by 's or ' ("language models' abilities") is a phrase of its
            # own: the marker breaks the phrase to its right, which would otherwise lose it
            and not (tok.dep_ == "poss" and i + 1 < len(doc) and doc[i + 1].tag_ == "POS")
        ):
            return True
    return False


def _unit_text(doc: Any, first: int, last: int) -> str:
    return "".join(doc[i].text_with_ws for i in range(first, last + 1)).strip().lower()


class PhraseFinder:
    """Phrase boundaries and names in one parsed doc (``units`` is computed once per doc)."""

    def __init__(self, doc: Any, lemmatizer: NounLemmatizer) -> None:
        self.doc = doc
        self.units = word_units(doc)
        self.lemmatizer = lemmatizer

    def left_boundary(self, first: int, last: int) -> int:
        """First token of the phrase ending at unit (first, last): its left subtree, cut after
        a break (``'s``, ``and``, ``(``, a preposition) that is not inside a hyphenated word."""
        doc = self.doc
        edge: int = min(doc[i].left_edge.i for i in range(first, last + 1))
        i = first - 1
        while i >= edge:
            u_first, u_last = self.units[i]
            if u_first == u_last and doc[i].tag_ in _BREAK_TAGS:
                return i + 1
            i = u_first - 1
        return edge

    def words_between(self, first: int, last: int) -> int:
        """How many (hyphen-joined) words lie in tokens first..last."""
        count, i = 0, first
        while i <= last:
            count += 1
            i = self.units[i][1] + 1
        return count

    def strip(self, first: int, last: int) -> tuple[int, int] | None:
        doc, units = self.doc, self.units
        while first <= last:
            u_first, u_last = units[first]
            u_last = min(u_last, last)
            word = _unit_text(doc, u_first, u_last)
            single_drop = u_first == u_last and doc[u_first].tag_ in LEADING_DROP_TAGS
            # "a 12% improvement": the tagger calls "%" a noun; it goes with its number
            if single_drop or word in VAGUE_MODIFIERS or not word or word.isdigit() \
                    or word == "%":
                first = u_last + 1
                continue
            if word in AMBIGUOUS_MODIFIERS and self.words_between(u_last + 1, last) >= 2:
                first = u_last + 1
                continue
            break
        while last >= first and doc[last].tag_ in TRAILING_DROP_TAGS:
            last -= 1
        if first > last:
            return None
        # "knowledge distillation techniques" -> "knowledge distillation"
        while last > first and units[last][0] == last and doc[last].lower_ in GENERIC_TAILS:
            prev = last - 1
            if not is_noun(doc[prev]):
                break
            last = prev
        # keep the last MAX_WORDS words: the head end carries the meaning
        words = 0
        i = last
        while i >= first:
            words += 1
            if words > MAX_WORDS:
                first = i + 1
                break
            i = units[i][0] - 1
        return first, last

    def text_forms(self, first: int, last: int, in_title: bool) -> tuple[str, str, bool]:
        """(surface as written, display name, whether its capitals are known to be real)."""
        doc = self.doc
        pieces: list[str] = []
        case_known = not in_title
        for i in range(first, last + 1):
            tok = doc[i]
            word = _singular(tok, self.lemmatizer) if i == last else tok.text
            if _is_title_case(tok.text) and (in_title or tok.is_sent_start):
                u_first, u_last = self.units[i]
                mixed = any(c.isupper() for t in doc[u_first : u_last + 1] for c in t.text[1:])
                named = any(doc[j].text[:1].isupper() for j in range(first, last + 1) if j != i)
                # "Meta-RTL" and "Fred Dretske" keep their capitals; "Knowledge" does not
                if not mixed and not named:
                    case_known = False
                    word = word.lower()
            pieces.append(word + (tok.whitespace_ if i < last else ""))
        return doc[first : last + 1].text, "".join(pieces), case_known


def find_mentions(sentence: Any, phrase: PhraseFinder, *, in_title: bool) -> list[MentionSpan]:
    """Concept mentions in one parsed sentence, left to right."""
    doc = sentence.doc
    found: list[MentionSpan] = []
    seen_units: set[int] = set()
    for token in sentence:
        u_first, u_last = phrase.units[token.i]
        if u_first in seen_units:
            continue
        seen_units.add(u_first)
        u_last = min(u_last, sentence.end - 1)
        if not is_noun(doc[u_last]) or _modifies_noun_to_right(doc, u_first, u_last):
            continue
        bounds = phrase.strip(max(phrase.left_boundary(u_first, u_last), sentence.start), u_last)
        if bounds is None:
            continue
        for first, last, head in _split_at_verbs(doc, phrase, *bounds, u_last):
            mention = _mention(doc, phrase, first, last, head, in_title)
            if mention is not None:
                found.append(mention)
    return found


def _split_at_verbs(
    doc: Any, phrase: PhraseFinder, first: int, last: int, head: int
) -> list[tuple[int, int, int]]:
    """Cut a phrase where the tagger mistook a verb for a noun ("dataset *show* gains").

    Returns (first, last, head) parts: the part before the verb is headed by its own last
    word; the part that still ends the phrase keeps the phrase's syntactic head.
    """
    for i in range(first, last + 1):
        if doc[i].lower_ in VERB_LIKE and phrase.units[i] == (i, i):
            parts = [(first, i - 1, i - 1), (i + 1, last, head)]
            return [(a, b, h) for a, b, h in parts if a <= b]
    return [(first, last, head)]


def _mention(
    doc: Any, phrase: PhraseFinder, first: int, last: int, head: int, in_title: bool
) -> MentionSpan | None:
    if not is_noun(doc[last]) and not any(is_noun(doc[i]) for i in range(first, last + 1)):
        return None
    surface, display, case_known = phrase.text_forms(first, last, in_title)
    if _NOT_IN_NAMES.intersection(surface):
        return None
    key = concept_key(display)
    if len(key) < 2 or key.isdigit():
        return None
    single_word = phrase.units[first] == phrase.units[last]
    if single_word and (display.lower() in GENERIC_NOUNS or surface.lower() in GENERIC_NOUNS):
        return None
    return MentionSpan(
        head=head,
        first=first,
        last=last,
        start=doc[first].idx,
        end=doc[last].idx + len(doc[last].text),
        key=key,
        surface=surface,
        display=display,
        case_known=case_known,
    )
