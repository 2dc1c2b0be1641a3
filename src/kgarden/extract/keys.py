"""Canonical concept keys.

A key is the concept's name lower-cased with everything but letters and digits removed, so
spelling variants meet: "pre-trained model", "pretrained model" and "Pre-Trained Models" (after
the head noun is singularised) share the key ``pretrainedmodel``; "data set" meets "dataset".
"""

from __future__ import annotations

import re
import unicodedata

_ACRONYM_PLURAL = re.compile(r"^[A-Z][A-Z0-9]*[A-Z]s$")
_ACRONYM = re.compile(r"^(?=.*[A-Z].*[A-Z])[A-Za-z0-9][A-Za-z0-9\-]{0,9}$")


def concept_key(text: str) -> str:
    """``"Knowledge-Distillation"`` -> ``"knowledgedistillation"``."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def key_variants(key: str) -> list[str]:
    """The key as typed, then without a final "s": keys are singular, users type plurals."""
    return [key, key[:-1]] if key.endswith("s") else [key]


def singular_acronym(word: str) -> str | None:
    """``LLMs`` -> ``LLM``; ``None`` when the word is not a plural acronym."""
    return word[:-1] if _ACRONYM_PLURAL.match(word) else None


def looks_like_acronym(text: str) -> bool:
    """Short, no spaces, at least two capitals: ``KD``, ``LLM``, ``GPT-4``, ``ChatBCI``."""
    return bool(_ACRONYM.match(text))
