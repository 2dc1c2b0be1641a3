"""How much a concept name is worth showing: specificity and the choice of a display name.

Specificity uses general-English word frequencies (the ``wordfreq`` package, data inside the
package): a single word that is common in everyday English ("development", "research",
"aspects") says less about a field than a rare one ("distillation", "ontology"). Multi-word
terms and acronyms are specific by construction.
"""

from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kgarden.extract.keys import looks_like_acronym
from kgarden.extract.types import PaperExtraction

_COMMON_ZIPF = 6.0  # "the", "of": Zipf 7+; "development" 5.3; "distillation" 3.0
_SPAN = 3.0
_FLOOR = 0.15


@functools.cache
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def specificity(display: str) -> float:
    """1.0 for multi-word terms, acronyms and rare words; down to 0.15 for everyday words."""
    if " " in display.strip() or looks_like_acronym(display):
        return 1.0
    zipf = _zipf(display.lower())
    return min(1.0, max(_FLOOR, (_COMMON_ZIPF - zipf) / _SPAN))


def choose_name(surfaces: Iterable[tuple[str, int, int, int]]) -> str | None:
    """The display name among (surface, case_known, acronym, count) rows.

    The most used form wins, spelling variants that differ only in case pooled; forms whose
    capitals are known to be real count double. An acronym always gives way to a written-out
    form of up to four words ("knowledge distillation" over "KD"), but not to a contrived long name
    ("ContinUal learning method with Backward knowlEdge tRansfer" stays "CUBER").
    """
    rows = [r for r in surfaces if r[3] > 0]
    if not rows:
        return None
    if any(not acronym and len(s.split()) <= 4 for s, _, acronym, _ in rows):
        rows = [r for r in rows if not r[2]]
    groups: dict[str, float] = defaultdict(float)
    best_variant: dict[str, tuple[float, str]] = {}
    for surface, case_known, _, count in rows:
        weight = count * (2.0 if case_known else 1.0)
        folded = surface.casefold()
        groups[folded] += weight
        variant_score = weight if case_known else weight / 4
        current = best_variant.get(folded)
        if current is None or (variant_score, surface) > current:
            best_variant[folded] = (variant_score, surface)
    folded = min(groups, key=lambda f: (-groups[f], len(f), f))
    return best_variant[folded][1]


@dataclass(frozen=True)
class Keyphrase:
    key: str
    name: str
    score: float


def paper_keyphrases(
    extraction: PaperExtraction, df: Mapping[str, int], n_docs: int, top: int | None = None
) -> list[Keyphrase]:
    """A paper's concepts ranked as its keyphrases.

    score = (1 + ln tf) * idf * specificity * multi-word bonus * title bonus * early bonus,
    where idf comes from document frequencies ``df`` over ``n_docs`` papers (the garden, or the
    evaluation corpus), so terms the whole corpus uses rank below the paper's own.
    """
    tf: Counter[str] = Counter()
    first: dict[str, int] = {}
    in_title: set[str] = set()
    names: dict[str, Counter[str]] = defaultdict(Counter)
    for order, mention in enumerate(extraction.mentions):
        tf[mention.key] += 1
        first.setdefault(mention.key, order)
        names[mention.key][mention.display] += 1
        if extraction.sentences[mention.sentence].field == "title":
            in_title.add(mention.key)
    total = max(1, len(extraction.mentions))
    ranked = []
    for key, count in tf.items():
        name = names[key].most_common(1)[0][0]
        idf = math.log((n_docs + 1) / (df.get(key, 0) + 0.5))
        score = (1 + math.log(count)) * max(idf, 0.1) * specificity(name)
        score *= 1.3 if " " in name else 1.0
        score *= 1.5 if key in in_title else 1.0
        score *= 1.0 + 0.5 * (1 - first[key] / total)
        ranked.append(Keyphrase(key, name, round(score, 4)))
    ranked.sort(key=lambda k: (-k.score, k.key))
    return ranked if top is None else ranked[:top]
