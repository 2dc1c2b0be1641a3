"""Concept names and keys for text that did not come through the parser (an LLM's spans,
harvested entity names), made the way the rules extractor makes them, so both meet: "the
pretrained models" from a model and "pretrained model" from the rules share the key
``pretrainedmodel``.

Without part-of-speech tags, the phrase is cleaned from its words alone: leading articles,
pronouns, numbers and vague modifiers go (``lexicon.VAGUE_MODIFIERS``; the ambiguous ones only
before two or more words), generic tails after a noun go ("knowledge distillation
*techniques*"), and the last word is singularised with the same model's noun tables
(``NounLemmatizer``). The rules singularise only words tagged plural; here a word is taken as
singular when it ends in -ss, -us or -is (loss, corpus, analysis), names a field (physics) or is
one of ``SINGULAR_OVERRIDES``, a capitalised word stays as written unless its singular is a
known noun ("Networks" -> Network, "Emergens" stays), and plural acronyms ("LLMs") lose their s
as the rules do. A generic tail goes only after a word the tables know as a noun and not as an
adjective, the stand-in for the rules' tag test ("distillation techniques" -> distillation,
"old tasks" stays).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kgarden.extract.keys import concept_key, singular_acronym
from kgarden.extract.lexicon import (
    AMBIGUOUS_MODIFIERS,
    GENERIC_NOUNS,
    GENERIC_TAILS,
    SINGULAR_OVERRIDES,
    VAGUE_MODIFIERS,
)
from kgarden.extract.nlp import NounLemmatizer, load_pipeline

# Words that open a phrase but never belong to a concept's name (the rules drop them by tag).
LEADING_WORDS = frozenset("""
a an the this that these those our their its his her my your we they it such which whose
what each every any some no both either neither
""".split())
_STRIP = "\"'`“”‘’.,;:!?()[]{}"
_SINGULAR_ENDINGS = ("ss", "us", "is")
# -ics words that are singular fields, not plurals (the tables would make "physic" of them)
_MASS_NOUNS = frozenset("physics ethics genetics genomics semantics optics acoustics logistics"
                        " mathematics economics linguistics robotics".split())
# Formula and markup fragments name no concept (as in extract/mentions.py).
_NOT_IN_NAMES = frozenset("()[]{}<>=|\\^~")
_TITLE_WORD = re.compile(r"^[A-Z][a-z]+$")


@dataclass(frozen=True)
class Name:
    key: str
    display: str
    case_known: bool


class ConceptNamer:
    """Names and keys for free text, with the lemma tables of the garden's spaCy model."""

    def __init__(self, spacy_model: str) -> None:
        nlp = load_pipeline(spacy_model)
        self.lemmatizer = NounLemmatizer(nlp)
        index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
        self._nouns = frozenset(index.get("noun", []))
        self._adjectives = frozenset(index.get("adj", []))

    def is_noun(self, word: str) -> bool:
        """Known to the model's tables as a noun and not as an adjective (a tag's stand-in)."""
        last = word.rpartition("-")[2].lower()
        single = self.lemmatizer.singular(last)
        return (last in self._nouns or single in self._nouns) and last not in self._adjectives

    def name(self, text: str, *, in_title: bool = False,
             sentence_start: bool = False) -> Name | None:
        """The concept ``text`` names, or None when nothing specific is left ("the method").

        Capitals follow the rules extractor: in a title every Title-case word is lower-cased
        (titles are sentence-cased before parsing), and at a sentence's start the first word is
        when no other word of the phrase is capitalised ("Knowledge distillation" is knowledge
        distillation; "Fred Dretske" stays). Either way the name's capitals are not known.
        """
        if _NOT_IN_NAMES.intersection(text):
            return None
        words = [w.strip(_STRIP) for w in text.split()]
        words = [w for w in words if w]
        while words:
            low = words[0].lower()
            if low in LEADING_WORDS or low in VAGUE_MODIFIERS or low.isdigit() or (
                    low in AMBIGUOUS_MODIFIERS and len(words) >= 3):
                words.pop(0)
                continue
            break
        while (len(words) > 1 and words[-1].lower() in GENERIC_TAILS
               and self.is_noun(words[-2])):
            words.pop()
        if not words:
            return None
        words[-1] = self.singular(words[-1])
        case_known = not in_title
        if in_title:
            words = [w.lower() if _TITLE_WORD.match(w) else w for w in words]
        elif sentence_start and _TITLE_WORD.match(words[0]) and not any(
                w[:1].isupper() for w in words[1:]):
            words[0] = words[0].lower()
            case_known = False
        display = " ".join(words)
        key = concept_key(display)
        if len(key) < 2 or key.isdigit():
            return None
        if len(words) == 1 and display.lower() in GENERIC_NOUNS:
            return None
        return Name(key, display, case_known)

    def singular(self, word: str) -> str:
        """The singular of a head noun, keeping its capitals: models -> model, LLMs -> LLM."""
        acronym = singular_acronym(word)
        if acronym is not None:
            return acronym
        if "-" in word:  # "pre-trained models": the last part is the noun
            head, _, last = word.rpartition("-")
            return f"{head}-{self.singular(last)}" if last else word
        lower = word.lower()
        if not lower.isalpha() or (word.isupper() and len(word) > 1):
            return word
        if lower in SINGULAR_OVERRIDES:
            single = SINGULAR_OVERRIDES[lower]
        elif lower.endswith(_SINGULAR_ENDINGS) or lower in _MASS_NOUNS:
            return word
        else:
            single = self.lemmatizer.singular(lower)
        if single == lower or (word[0].isupper() and single not in self._nouns):
            return word  # a capitalised word is a name unless its singular is a known noun
        return single[:1].upper() + single[1:] if word[0].isupper() else single
