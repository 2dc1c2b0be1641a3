"""Relevance judgements on the demo garden shared by the search tests (those of
bench/demo_paraphrases.py): the papers that train a smaller or cheaper model from a larger one,
by title prefix."""

DISTILLATION = ("Knowledge Distillation via Token", "Talking Models", "Unlock the Power",
                "HARD: Hard Augmentations", "A Survey on Knowledge Distillation",
                "Efficient Crowd Counting", "TAID")
DISTILLATION_QUERIES = ("shrinking a big language model into a small one",
                        "compressing a model so it runs on a phone",
                        "teacher network transfers what it learned to a compact student")
