"""How much a concept name is worth showing: specificity and the choice of a display name.

Specificity uses general-English word frequencies (the ``wordfreq`` package, data inside the
package): a single word that is common in everyday English ("development", "research",
"aspects") says less about a field than a rare one ("distillation", "ontology"). Multi-word
terms and acronyms are specific by construction.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable

from kgarden.extract.keys import looks_like_acronym

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
    capitals are known to be real count double. An acronym gives way to a written-out form of
    up to four words ("knowledge distillation" over "KD"), but not to a contrived long name
    ("ContinUal learning method with Backward knowlEdge tRansfer" stays "CUBER").
    """
    rows = [r for r in surfaces if r[3] > 0]
    if not rows:
        return None
    has_plain = any(not acronym and len(s.split()) <= 4 for s, _, acronym, _ in rows)
    groups: dict[str, float] = defaultdict(float)
    best_variant: dict[str, tuple[float, str]] = {}
    for surface, case_known, acronym, count in rows:
        weight = count * (2.0 if case_known else 1.0)
        if acronym and has_plain:
            weight *= 0.25
        folded = surface.casefold()
        groups[folded] += weight
        variant_score = weight if case_known else weight / 4
        current = best_variant.get(folded)
        if current is None or (variant_score, surface) > current:
            best_variant[folded] = (variant_score, surface)
    folded = min(groups, key=lambda f: (-groups[f], len(f), f))
    return best_variant[folded][1]
