"""The relevance judgements of bench/demo_paraphrases.py that the search tests share: the demo
papers that train a smaller or cheaper model from a larger one (title prefixes), and the
paraphrases that ask for them."""

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
_paraphrases = importlib.import_module("demo_paraphrases")

DISTILLATION: tuple[str, ...] = _paraphrases.DISTILLATION
DISTILLATION_QUERIES = tuple(query for query, relevant in _paraphrases.QUERIES
                             if relevant is DISTILLATION)
assert len(DISTILLATION_QUERIES) == 3
