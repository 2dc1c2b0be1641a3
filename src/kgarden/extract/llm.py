"""The LLM extractor (``llm.v1``): concepts and typed relations read by a language model from
the sentences the garden already segmented.

The model gets a paper's sentences numbered (prompt ``extract.v1``) and replies with concepts
(sentence number, exact span, name, type) and relations (subject and object spans, predicate,
sentence, negated, hedged). ``read_reply`` checks the reply and turns it into the same
``PaperExtraction`` the rules extractor makes, over the SAME sentences, so it replaces a paper's
rules facts cleanly:

- a sentence number out of range, a span not found in its sentence, or a relation end that is
  not a concept listed for its sentence makes the reply invalid (``ReplyInvalid``: the client
  asks again);
- a span is found verbatim, else ignoring case and runs of spaces; a match on word boundaries
  wins over one inside a word, and a span listed twice takes the next occurrence (or is the
  same mention again);
- names and keys are made as the rules make them (extract/names.py), so keys meet; acronyms the
  text defines ("knowledge distillation (KD)") join their long form when the model listed it;
- a relation type outside ``PREDICATES`` is dropped and counted, except in the garden's
  partnership mode, where it is kept, a proposed relation of a new type for people to review;
- relations in the title are dropped (as in rules.v1: evidence offsets index the abstract), and
  so are relations whose end named nothing specific ("the method") and self-relations.

The model is not asked for a confidence (self-reported ones are poorly calibrated): every LLM
relation gets ``LLM_CONFIDENCE``, between rules.v1's inherited (0.6) and direct (0.8)
statements, so under the default contributory threshold (0.8) they wait for a person.
Concept types are checked and returned with the reading (and kept in the reply cache); the
garden's facts do not store them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kgarden.errors import ConfigError
from kgarden.extract.acronyms import find_definitions
from kgarden.extract.keys import concept_key, singular_acronym
from kgarden.extract.names import ConceptNamer, Name
from kgarden.extract.nlp import model_stamp
from kgarden.extract.rules import ExtractorStamp
from kgarden.extract.types import (
    PAPER_SUBJECT,
    PREDICATES,
    Acronym,
    Mention,
    PaperExtraction,
    Relation,
    SentenceSpan,
)
from kgarden.llm.client import ReplyInvalid
from kgarden.registry import registry

EXTRACTOR_NAME = "llm"
EXTRACTOR_VERSION = 1
EXTRACT_PROMPT = "extract.v1"  # pinned: a new prompt is a new extractor version
LLM_CONFIDENCE = 0.7
CONCEPT_TYPES = ("Task", "Method", "Metric", "Material", "OtherScientificTerm", "Generic")
PAPER_WORDS = frozenset({"this paper", "the paper", "paper", "we", "this work", "the authors",
                         "our work", "this study"})
INGEST_MESSAGE = ("the llm extractor reads the sentences the garden found: ingest with"
                  " extractor = rules, then run `kgarden reextract --extractor llm`")
_PREDICATE_ALIASES = {
    "propose": "proposes", "use": "uses", "improve": "improves", "outperform": "outperforms",
    "evaluated-on": "evaluates-on", "evaluate-on": "evaluates-on", "is-part-of": "part-of",
    "isa": "is-a", "is-an": "is-a", "kind-of": "is-a", "compared-with": "compares-with",
    "compares-to": "compares-with", "compare-with": "compares-with",
}
_NEW_TYPE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+){0,3}$")
_TYPES = {t.lower(): t for t in CONCEPT_TYPES}
_EDGE = frozenset("\"'`“”‘’.,;:!?")


@dataclass(frozen=True)
class StoredSentence:
    """A sentence as the garden holds it: offsets into its field, and its text."""

    field: str
    idx: int
    start: int
    end: int
    text: str

    @property
    def span(self) -> SentenceSpan:
        return SentenceSpan(self.field, self.idx, self.start, self.end)


@dataclass
class LLMReading:
    """A checked reply: the paper's extraction and what was left out of it, and why."""

    extraction: PaperExtraction
    types: list[str] = field(default_factory=list)  # of each mention
    unknown_predicates: Counter[str] = field(default_factory=Counter)  # dropped
    proposed_types: Counter[str] = field(default_factory=Counter)  # kept (partnership)
    dropped: Counter[str] = field(default_factory=Counter)  # reason -> how many


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def prompt_variables(sentences: Sequence[StoredSentence]) -> dict[str, str]:
    """The values of extract.v1: the sentences numbered from 1, the title's marked."""
    lines = [f"[{n}] {'(title) ' if s.field == 'title' else ''}{one_line(s.text)}"
             for n, s in enumerate(sentences, 1)]
    return {"count": str(len(sentences)), "sentences": "\n".join(lines)}


def estimated_completion_tokens(sentences: Sequence[StoredSentence]) -> int:
    """About 3 concepts (~25 tokens each) and one relation (~35) per sentence, and framing."""
    return 20 + 110 * len(sentences)


@dataclass
class _Listed:
    """A concept as the model listed it, found in its sentence."""

    sentence: int  # index into the sentences
    start: int  # offsets in the field
    end: int
    surface: str
    name_text: str
    type: str
    name: Name | None  # None: names nothing specific (dropped)
    mention: int | None = None  # index into the extraction's mentions


def read_reply(reply: dict[str, Any], paper_id: str, content_hash: str,
               sentences: Sequence[StoredSentence], namer: ConceptNamer, *,
               partnership: bool = False) -> LLMReading:
    """Check an extract.v1 reply against the paper's sentences; raises ReplyInvalid."""
    concepts = reply.get("concepts")
    relations = reply.get("relations", [])
    if not isinstance(concepts, list):
        raise ReplyInvalid("'concepts' must be a list")
    if not isinstance(relations, list):
        raise ReplyInvalid("'relations' must be a list")
    reading = LLMReading(PaperExtraction(paper_id, content_hash,
                                         [s.span for s in sentences]))
    listed = _concepts(concepts, sentences, namer, reading)
    _mentions(listed, sentences, namer, reading)
    _relations(relations, listed, sentences, reading, partnership)
    return reading


def _sentence(value: Any, count: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ReplyInvalid(f"{what}: 'sentence' must be a number")
    if not 1 <= value <= count:
        raise ReplyInvalid(f"{what}: sentence {value} is not one of 1..{count}")
    return value - 1


def _text(item: dict[str, Any], name: str, what: str, *, required: bool = True) -> str:
    value = item.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ReplyInvalid(f"{what}: '{name}' must be a non-empty string")
    return value


def _flag(item: dict[str, Any], name: str, what: str) -> bool:
    value = item.get(name, False)
    if not isinstance(value, bool):
        raise ReplyInvalid(f"{what}: '{name}' must be true or false")
    return value


def locate(sentence: str, span: str, taken: set[tuple[int, int]]) -> tuple[int, int] | None:
    """Offsets of ``span`` in ``sentence`` not yet ``taken``: verbatim first, then ignoring
    case and runs of spaces; on word boundaries before inside a word. None: not there.
    When every occurrence is taken, the first one (the same mention listed twice)."""
    words = span.split()
    if not words:
        return None
    found: list[tuple[int, int]] = []
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)
    exact = [(m.start(), m.end()) for m in re.finditer(re.escape(span.strip()), sentence)]
    for candidates in (exact, [(m.start(), m.end()) for m in pattern.finditer(sentence)]):
        found += [c for c in candidates if c not in found]
    if not found:
        return None

    def bounded(c: tuple[int, int]) -> bool:
        before = sentence[c[0] - 1] if c[0] > 0 else " "
        after = sentence[c[1]] if c[1] < len(sentence) else " "
        return not before.isalnum() and not after.isalnum()

    ranked = [c for c in found if bounded(c)] + [c for c in found if not bounded(c)]
    free = [c for c in ranked if c not in taken]
    return free[0] if free else ranked[0]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """A span without the spaces and quotes or punctuation around it ("models," -> models)."""
    while start < end and (text[start].isspace() or text[start] in _EDGE):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _EDGE):
        end -= 1
    return start, end


def _concepts(items: list[Any], sentences: Sequence[StoredSentence], namer: ConceptNamer,
              reading: LLMReading) -> list[_Listed]:
    listed: list[_Listed] = []
    taken: dict[int, set[tuple[int, int]]] = {}
    for number, item in enumerate(items, 1):
        what = f"concept {number}"
        if not isinstance(item, dict):
            raise ReplyInvalid(f"{what} is not an object")
        index = _sentence(item.get("sentence"), len(sentences), what)
        span = _text(item, "span", what)
        name_text = _text(item, "name", what, required=False)
        raw_type = item.get("type", "")
        if not isinstance(raw_type, str):
            raise ReplyInvalid(f"{what}: 'type' must be a string")
        sentence = sentences[index]
        where = locate(sentence.text, span, taken.setdefault(index, set()))
        if where is None:
            raise ReplyInvalid(f"{what}: {one_line(span)[:60]!r} is not in sentence"
                               f" {index + 1}")
        taken[index].add(where)
        first, last = _trim(sentence.text, *where)
        start, end = sentence.start + first, sentence.start + last
        surface = sentence.text[first:last]
        name = namer.name(surface, in_title=sentence.field == "title",
                          sentence_start=first == 0) if surface else None
        if name is None:
            reading.dropped["concept naming nothing specific"] += 1
        listed.append(_Listed(index, start, end, surface, name_text, _TYPES.get(
            raw_type.strip().lower(), "OtherScientificTerm"), name))
    return listed


def _mentions(listed: list[_Listed], sentences: Sequence[StoredSentence], namer: ConceptNamer,
              reading: LLMReading) -> None:
    """One mention per distinct span, in text order; acronyms the text defines applied."""
    ex = reading.extraction
    keys = {c.name.key for c in listed if c.name is not None}
    defined = _acronyms(sentences, namer, keys, ex)
    named = sorted(((c, c.name) for c in listed if c.name is not None),
                   key=lambda pair: (pair[0].sentence, pair[0].start, pair[0].end))
    at: dict[tuple[int, int, int], int] = {}
    for c, name in named:
        spot = (c.sentence, c.start, c.end)
        if spot in at:
            c.mention = at[spot]
            continue
        key, acronym = _acronym_key(name, defined)
        at[spot] = c.mention = len(ex.mentions)
        ex.mentions.append(Mention(c.sentence, c.start, c.end, key, c.surface, name.display,
                                   name.case_known, acronym))
        reading.types.append(c.type)


def _acronyms(sentences: Sequence[StoredSentence], namer: ConceptNamer, keys: set[str],
              ex: PaperExtraction) -> dict[str, tuple[str, str]]:
    """short form -> (long form's key, its name), for "long form (SHORT)" definitions in the
    text whose long form the model listed as a concept."""
    defined: dict[str, tuple[str, str]] = {}
    for sentence in sentences:
        for d in find_definitions(sentence.text):
            long_text = sentence.text[d.long_start:d.long_end]
            name = namer.name(long_text, in_title=sentence.field == "title",
                              sentence_start=d.long_start == 0)
            if name is None or name.key not in keys or d.short in defined:
                continue
            defined[d.short] = (name.key, name.display)
            singular = singular_acronym(d.short)
            if singular:
                defined.setdefault(singular, defined[d.short])
            ex.acronyms.append(Acronym(singular or d.short, name.key, long_text))
    return defined


def _acronym_key(name: Name, defined: dict[str, tuple[str, str]]) -> tuple[str, bool]:
    words = name.display.split(" ")
    target = defined.get(words[0]) or defined.get(singular_acronym(words[0]) or "")
    if target is None or target[0] == name.key:
        return name.key, False
    if len(words) == 1:
        return target[0], True
    return concept_key(target[1] + " " + " ".join(words[1:])), False  # "CL benchmark"


def _end(text: str, listed: list[_Listed], sentence: int, what: str) -> _Listed | None:
    """The listed concept of ``sentence`` that ``text`` names (its span, or its name);
    None: the paper itself."""
    wanted = one_line(text).casefold()
    if wanted in PAPER_WORDS:
        return None
    here = [c for c in listed if c.sentence == sentence]
    for form in range(3):  # its span first, then the name it was given, then ours
        for c in here:
            text_form = (c.surface, c.name_text, c.name.display if c.name else "")[form]
            if text_form and one_line(text_form).casefold() == wanted:
                return c
    key = concept_key(text)
    for c in here:
        if c.name is not None and key and c.name.key == key:
            return c
    raise ReplyInvalid(f"{what}: {one_line(text)[:60]!r} is not a concept listed for sentence"
                       f" {sentence + 1}")


def normalise_predicate(text: str) -> str:
    """ "Evaluated on" -> evaluates-on; other types lower-case, words joined by hyphens."""
    words = text.replace("_", " ").replace("-", " ").lower().split()
    joined = "-".join(words)
    return _PREDICATE_ALIASES.get(joined, joined)


def _relations(items: list[Any], listed: list[_Listed], sentences: Sequence[StoredSentence],
               reading: LLMReading, partnership: bool) -> None:
    ex = reading.extraction
    seen: set[tuple[int, str, int, bool]] = set()
    for number, item in enumerate(items, 1):
        what = f"relation {number}"
        if not isinstance(item, dict):
            raise ReplyInvalid(f"{what} is not an object")
        index = _sentence(item.get("sentence"), len(sentences), what)
        raw = _text(item, "predicate", what)
        negated, hedged = _flag(item, "negated", what), _flag(item, "hedged", what)
        subject = _end(_text(item, "subject", what), listed, index, what)
        obj = _end(_text(item, "object", what), listed, index, what + " object")
        if obj is None:
            raise ReplyInvalid(f"{what}: the object must be a concept, not the paper")
        if sentences[index].field != "abstract":
            reading.dropped["relation in the title"] += 1
            continue
        if obj.mention is None or (subject is not None and subject.mention is None):
            reading.dropped["relation to a concept naming nothing specific"] += 1
            continue
        s_index = PAPER_SUBJECT if subject is None else subject.mention
        assert s_index is not None
        if s_index != PAPER_SUBJECT and ex.mentions[s_index].key == ex.mentions[obj.mention].key:
            reading.dropped["relation of a concept to itself"] += 1
            continue
        predicate = normalise_predicate(raw)
        if predicate not in PREDICATES:
            if not _NEW_TYPE.match(predicate):
                reading.dropped["relation type that is no name"] += 1
                continue
            if not partnership:
                reading.unknown_predicates[predicate] += 1
                continue
            reading.proposed_types[predicate] += 1
        ident = (s_index, predicate, obj.mention, negated)
        if ident in seen:
            continue
        seen.add(ident)
        ex.relations.append(Relation(s_index, predicate, obj.mention, index, negated, hedged,
                                     one_line(raw)[:40], LLM_CONFIDENCE))


@registry.register("extractor", EXTRACTOR_NAME, EXTRACTOR_VERSION, reads="sentences",
                   refuses_ingest=INGEST_MESSAGE)
class LLMExtractor:
    """Reads stored sentences through a language model (see pipeline/llm_extract.py)."""

    name = EXTRACTOR_NAME
    version = EXTRACTOR_VERSION

    def __init__(self, *, llm_model: str, spacy_model: str, partnership: bool = False,
                 endpoint: str = "") -> None:
        self.llm_model = llm_model
        self.spacy_model = spacy_model
        self.partnership = partnership
        self.endpoint = endpoint
        self.namer = ConceptNamer(spacy_model)

    @classmethod
    def describe(cls, model: str) -> ExtractorStamp:
        """Ingest asks extractors for their stamp first: this one cannot segment papers."""
        raise ConfigError(INGEST_MESSAGE)

    @property
    def id(self) -> str:
        return f"{self.name}.v{self.version}"

    def stamp(self, prompt_id: str) -> ExtractorStamp:
        return ExtractorStamp(
            component=self.id, model=self.llm_model, prompt_id=prompt_id,
            parameters={"client": "openai-compatible.v1", "endpoint": self.endpoint,
                        "confidence": LLM_CONFIDENCE, "partnership": self.partnership,
                        "names": model_stamp(self.spacy_model)})

    def read(self, reply: dict[str, Any], paper_id: str, content_hash: str,
             sentences: Sequence[StoredSentence]) -> LLMReading:
        return read_reply(reply, paper_id, content_hash, sentences, self.namer,
                          partnership=self.partnership)
