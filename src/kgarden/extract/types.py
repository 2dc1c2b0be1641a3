"""What an extractor returns for one paper: plain, picklable records (they cross processes).

Offsets are character offsets into the paper's ``title`` or ``abstract`` (``field`` says which),
exactly as stored in the garden.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PAPER_SUBJECT = -1  # a relation's subject is the paper itself ("we propose X")


@dataclass(frozen=True, slots=True)
class SentenceSpan:
    field: str  # "title" | "abstract"
    index: int  # order within the field
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Mention:
    sentence: int  # index into PaperExtraction.sentences
    start: int
    end: int
    key: str  # canonical concept key (see extract.keys)
    surface: str  # the text as written
    display: str  # how the concept would be named from this mention
    case_known: bool  # False when capitals may only be sentence-initial or title case
    acronym: bool = False  # the mention is an acronym resolved through a definition


@dataclass(frozen=True, slots=True)
class Relation:
    subject: int  # index into mentions, or PAPER_SUBJECT
    predicate: str
    object: int  # index into mentions
    sentence: int
    negated: bool
    hedged: bool
    trigger: str  # the word(s) that signalled the relation
    confidence: float


@dataclass(frozen=True, slots=True)
class Acronym:
    short: str  # as written, e.g. "KD"
    key: str  # key of its long form
    long_form: str  # as written


@dataclass(slots=True)
class PaperExtraction:
    paper_id: str
    content_hash: str
    sentences: list[SentenceSpan] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    acronyms: list[Acronym] = field(default_factory=list)


PREDICATES = (
    "proposes",
    "uses",
    "improves",
    "outperforms",
    "evaluates-on",
    "part-of",
    "is-a",
    "compares-with",
)
