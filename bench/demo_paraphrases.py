"""Paraphrased queries over the demo garden: reciprocal rank fusion against the convex one.

    python bench/demo_paraphrases.py --out bench/results/demo_paraphrases.md

SciFact's claims share most of their words with the abstracts they cite; a researcher's
paraphrase does not ("shrinking a big language model into a small one" for knowledge
distillation). Which fusion is the default should not rest on one query, so here are 30
paraphrases of the demo corpus's topics, written from the titles and from what each paper is
known for, avoiding the title's own distinctive words, and fixed (with their relevant papers)
before any fusion was run on them. Relevance is binary and by judgement: the paper the query
describes, or for the distillation queries every paper whose method trains a smaller or
cheaper model from a larger one. nDCG@10, MRR@10 and the share with a relevant paper first,
for BM25 alone, dense alone and both fusions, over the garden that ``make demo`` builds.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from _common import REPO_ROOT, emit, garden_missing, markdown_table, mrr_at, ndcg_at

from kgarden import Garden

# the papers that train a smaller or cheaper model from a larger one
DISTILLATION = (
    "Knowledge Distillation via Token-level Relationship Graph",
    "Talking Models: Distill Pre-trained Knowledge to Downstream Models",
    "Unlock the Power: Competitive Distillation for Multi-Modal Large Language Models",
    "HARD: Hard Augmentations for Robust Distillation",
    "A Survey on Knowledge Distillation of Large Language Models",
    "Efficient Crowd Counting via Structured Knowledge Transfer",
    "TAID: Temporally Adaptive Interpolated Distillation",
)
AI_SCIENTIST = ("The AI Scientist-v2", "The AI Scientist: Towards Fully Automated")

# (query, title prefixes of the relevant papers)
QUERIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("shrinking a big language model into a small one", DISTILLATION),
    ("teacher network transfers what it learned to a compact student", DISTILLATION),
    ("compressing a model so it runs on a phone", DISTILLATION),
    ("learning new tasks should also improve the old ones, not just avoid erasing them",
     ("Beyond Not-Forgetting",)),
    ("can software agents do machine learning research engineering as well as people",
     ("RE-Bench",)),
    ("a robot that keeps acquiring manipulation skills over its whole life", ("LIBERO",)),
    ("predicting the moves a person would play in a board game", ("Aligning Superhuman AI",)),
    ("an assistant that operates your desktop computer while you are asleep", ("PC Agent",)),
    ("a system that comes up with ideas, runs experiments and writes the paper by itself",
     AI_SCIENTIST),
    ("helping human instructors with suggestions while they teach students live",
     ("Tutor CoPilot",)),
    ("modelling how a student's mastery of skills changes across exercises",
     ("Deep Knowledge Tracing",)),
    ("making a chatbot forget private or harmful data it memorised",
     ("Knowledge Unlearning for LLMs",)),
    ("estimating how many people are in a dense image quickly",
     ("Efficient Crowd Counting",)),
    ("combining neural networks with logic and symbolic rules", ("Neurosymbolic AI",)),
    ("routing each token to one of several specialist subnetworks",
     ("A Comprehensive Survey of Mixture-of-Experts",)),
    ("a beginner's tutorial on building chatbots that hold a conversation",
     ("Dialogue Agents 101",)),
    ("massive online courses taught by AI teachers and classmates", ("From MOOC to MAIC",)),
    ("speeding up systematic reviews of medical trials with chatbots",
     ("Accelerating Clinical Evidence Synthesis",)),
    ("members of the public contributing to research together with machines",
     ("Revisiting Citizen Science",)),
    ("changing a specific fact a language model believes without retraining it",
     ("A Comprehensive Study of Knowledge Editing",)),
    ("prompting a pretrained model to produce a graph of entities and their relations",
     ("BertNet",)),
    ("training chat assistants from human preference rewards with a policy gradient method",
     ("Secrets of RLHF",)),
    ("recovering private training images from a classifier that only returns its top class",
     ("Label-Only Model Inversion Attacks",)),
    ("working with a chatbot to write code for statistical dependence between variables",
     ("Pair Programming with Large Language Models",)),
    ("imitating an expert from videos without actions, helped by a pretrained dynamics model",
     ("Overcoming Knowledge Barriers",)),
    ("how to define general intelligence and test it with abstract puzzles",
     ("On the Measure of Intelligence",)),
    ("reproducing OpenAI's o1 reasoning with long chains of thought",
     ("O1 Replication Journey",)),
    ("people and machines modelling each other's beliefs and intentions while communicating",
     ("Mutual Theory of Mind", "Towards Collaborative Plan Acquisition")),
    ("competition problems in mathematics and physics for testing reasoning",
     ("OlympicArena",)),
    ("self-driving cars that use prior knowledge and rules", ("Knowledge Augmented Machine",)),
)

SYSTEMS = (("BM25", "bm25", "rrf"), ("dense", "dense", "rrf"),
           ("fused RRF", "hybrid", "rrf"), ("fused convex (default)", "hybrid", "convex"))


def relevant_ids(garden: Garden, prefixes: tuple[str, ...]) -> set[str]:
    ids = set()
    for prefix in prefixes:
        rows = garden.conn.execute("SELECT id FROM papers WHERE title LIKE ? || '%'",
                                   (prefix,)).fetchall()
        if len(rows) != 1:
            raise SystemExit(f"{prefix!r} names {len(rows)} demo papers, not one")
        ids.add(rows[0][0])
    return ids


def evaluate(garden: Garden) -> str:
    per_system: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _, _ in SYSTEMS}
    firsts: list[str] = []
    for query, prefixes in QUERIES:
        relevant = relevant_ids(garden, prefixes)
        for name, mode, fusion in SYSTEMS:
            hits = garden.search(query, k=10, mode=mode, fusion=fusion).hits
            ranked = [hit.paper_id for hit in hits]
            per_system[name].append((ndcg_at(ranked, relevant), mrr_at(ranked, relevant),
                                     float(bool(ranked) and ranked[0] in relevant)))
        rrf, conv = per_system["fused RRF"][-1][0], per_system["fused convex (default)"][-1][0]
        if rrf != conv:
            firsts.append(f"- {query!r}: nDCG@10 RRF {100 * rrf:.1f}, convex {100 * conv:.1f}")
    rows = [[name, f"{100 * statistics.mean(s[0] for s in scores):.1f}",
             f"{100 * statistics.mean(s[1] for s in scores):.1f}",
             f"{100 * statistics.mean(s[2] for s in scores):.0f} %"]
            for name, scores in per_system.items()]
    table = markdown_table(("system", "nDCG@10", "MRR@10", "relevant first"), rows)
    return (f"{len(QUERIES)} paraphrased queries over the demo garden\n\n{table}\n\n"
            "Queries where the two fusions differ:\n\n" + "\n".join(firsts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--garden", type=Path, default=REPO_ROOT / "demo-garden.db",
                        help="a garden built by `kgarden demo` (default: `make demo`'s)")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    if garden_missing(args.garden, "run make demo"):
        return
    with Garden.open(args.garden) as garden:
        emit(evaluate(garden), args.out)


if __name__ == "__main__":
    main()
