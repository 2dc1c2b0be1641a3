"""Typed relations from dependency patterns, with negation and hedging.

Each verb of a known class (propose, use, improve, outperform, evaluate, compare, consist-of,
be) is read with its logical subject and objects, following the syntax a reader would:
passives ("X is used by Y"), shared subjects of conjoined verbs ("we propose X and evaluate it
on Y"), relative clauses ("X, which improves Y"), participle modifiers ("a model leveraging
X"), "by"-gerunds ("by employing X, the model ..."), appositions and "such as" lists (is-a).
"We", "this paper", "our method" are the paper itself (``PAPER_SUBJECT``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from kgarden.extract.lexicon import (
    HEDGE_ADVERBS,
    HEDGE_MODALS,
    HEDGE_VERBS,
    NAMING_VERBS,
    NOUN_TAGS,
    PAPER_NOUNS,
    PAPER_PRONOUNS,
    SELF_REFERENCE_NOUNS,
    VERB_TAGS,
    verb_forms,
)
from kgarden.extract.types import PAPER_SUBJECT

_PROPOSE = verb_forms("propose", "introduce", "present", "develop", "design", "devise",
                      "create", "construct", "formulate", "establish")
_USE = verb_forms("use", "utilize", "utilise", "employ", "leverage", "adopt", "exploit",
                  "incorporate", "harness", "integrate", "apply")
_USE_ON = verb_forms("rely", "build", "base", "draw", "depend", "ground")
_IMPROVE = verb_forms("improve", "enhance", "boost", "strengthen", "advance", "accelerate",
                      "increase", "benefit")
_OUTPERFORM = verb_forms("outperform", "surpass", "beat", "exceed", "outstrip", "outrun")
_EVALUATE = verb_forms("evaluate", "test", "benchmark", "validate", "assess", "experiment")
_ACHIEVE = verb_forms("achieve", "obtain", "attain", "reach", "set", "report")
_COMPARE = verb_forms("compare", "contrast")
_CONSIST = verb_forms("consist", "comprise", "compose", "contain", "include")
_COPULA = frozenset({"is", "are", "was", "were", "be", "been", "being", "remains", "remain"})
_EVAL_NOUNS = frozenset({"experiment", "experiments", "evaluation", "evaluations", "results",
                         "benchmarking", "tests"})
_PART_NOUNS = frozenset({"part", "component", "components", "module", "element", "subset"})
_SELF_MODIFIERS = frozenset({"our", "this", "proposed", "present"})
_NEGATIONS = frozenset({"not", "n't", "never", "no", "cannot"})
_FAIL = verb_forms("fail")
_APPLY = verb_forms("apply")
_PURPOSE_PREPS = frozenset({"in", "for", "by"})
# Heads of phrases naming a method, which "X for Y" relates to the task Y it serves.
_METHOD_HEADS = frozenset({
    "model", "models", "network", "networks", "algorithm", "algorithms", "architecture",
    "architectures", "parser", "parsers", "classifier", "classifiers", "representation",
    "representations", "feature", "features", "metric", "metrics", "loss", "encoder", "decoder",
    "module", "modules", "system", "systems", "tool", "tools", "toolkit", "corpus", "dataset",
    "datasets", "benchmark", "benchmarks", "technique", "techniques", "method", "methods",
    "framework", "frameworks", "approach", "approaches", "strategy", "strategies",
})
_HEDGE_VERB_FORMS = frozenset(verb_forms(*HEDGE_VERBS))
_EVAL_PREPS = frozenset({"on", "across", "over", "against"})


@dataclass(frozen=True, slots=True)
class Found:
    subject: int
    predicate: str
    object: int
    negated: bool
    hedged: bool
    trigger: str
    confidence: float


class SentenceRelations:
    """Relations in one parsed sentence; ``token_mention`` maps token index -> mention index."""

    def __init__(
        self,
        sentence: Any,
        token_mention: dict[int, int],
        defined: frozenset[int] = frozenset(),
        refer: Callable[[Any], int | None] | None = None,
    ) -> None:
        self.sentence = sentence
        self.token_mention = token_mention
        self.defined = defined  # mentions that are acronyms defined in this sentence
        self.refer = refer  # a subject "it" -> a mention of what it refers to (rules.py)

    def _defined_within(self, token: Any) -> int | None:
        """An acronym defined inside this phrase ("a method called X with Y (XY)")."""
        for tok in token.subtree:
            mention = self.token_mention.get(tok.i)
            if mention is not None and mention in self.defined:
                return mention
        return None

    # -- arguments ---------------------------------------------------------------------------
    def refs(self, token: Any, depth: int = 0) -> list[int]:
        """What a syntactic argument refers to: mentions, or the paper; conjuncts included."""
        if token is None or depth > 4:
            return []
        found = self._ref(token, depth)
        for child in token.children:
            if child.dep_ == "conj" and child.tag_ in NOUN_TAGS | {"PRP"}:
                found += [r for r in self.refs(child, depth + 1) if r not in found]
        return found

    def _ref(self, token: Any, depth: int) -> list[int]:
        if token.lower_ in PAPER_PRONOUNS:
            return [PAPER_SUBJECT]
        if token.lower_ == "it" and token.dep_ in ("nsubj", "nsubjpass") and self.refer:
            mention = self.refer(token)
            return [] if mention is None else [mention]
        for child in token.children:  # "a method called X", "a model named X"
            if child.dep_ in ("acl", "relcl") and child.lower_ in NAMING_VERBS:
                defined = self._defined_within(child)
                if defined is not None:
                    return [defined]
                for named in child.children:
                    if named.dep_ in ("oprd", "xcomp", "dobj", "attr", "appos", "nsubjpass"):
                        return self.refs(named, depth + 1)
        if token.lower_ in SELF_REFERENCE_NOUNS and any(
            c.lower_ in _SELF_MODIFIERS for c in token.children if c.i < token.i
        ):
            return [PAPER_SUBJECT]
        mention = self.token_mention.get(token.i)
        if mention is not None:
            return [mention]
        for child in token.children:  # a generic noun renamed by apposition
            if child.dep_ == "appos":
                return self.refs(child, depth + 1)
        return []

    @staticmethod
    def _is_paper(token: Any) -> bool:
        """"we", "this paper", "our work": only the paper itself proposes."""
        if token.lower_ in PAPER_PRONOUNS:
            return True
        return token.lower_ in PAPER_NOUNS and any(
            c.lower_ in ("this", "our", "present") for c in token.children if c.i < token.i
        )

    def subjects(self, verb: Any, depth: int = 0) -> tuple[list[Any], bool, bool]:
        """(logical subject tokens, passive?, inherited?) of a verb."""
        passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)
        for child in verb.children:
            if child.dep_ == "agent":
                return [c for c in child.children if c.dep_ == "pobj"], True, False
        for child in verb.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                if child.tag_ in ("WDT", "WP") and verb.dep_ == "relcl":
                    return [verb.head], passive, False
                return ([] if passive else [child]), passive, False
        if depth > 3:
            return [], passive, True
        head = verb.head
        if verb.dep_ in ("conj", "xcomp") and head is not verb:
            subs, _, _ = self.subjects(head, depth + 1)
            return subs, passive, True
        if verb.dep_ in ("relcl", "acl") and head.tag_ in NOUN_TAGS:
            return ([] if verb.tag_ == "VBN" else [head]), passive or verb.tag_ == "VBN", True
        if verb.dep_ == "pcomp" and head.lower_ == "by" and head.head is not head:
            subs, _, _ = self.subjects(head.head, depth + 1)
            return subs, passive, True
        if verb.dep_ == "advcl" and verb.tag_ == "VBG" and head is not verb:
            subs, _, _ = self.subjects(head, depth + 1)
            return subs, passive, True
        return [], passive, True

    def patients(self, verb: Any) -> list[Any]:
        """The logical object: the direct object, or the passive subject."""
        out = [c for c in verb.children if c.dep_ in ("dobj", "nsubjpass")]
        if not out and verb.dep_ == "acl" and verb.tag_ == "VBN" and verb.head.tag_ in NOUN_TAGS:
            out = [verb.head]  # "the features extracted by X", "methods based on X"
        if not out and verb.dep_ == "conj":
            out = [c for c in verb.head.children if c.dep_ in ("dobj", "nsubjpass")]
        return out

    def _on_targets(self, verb: Any, objects: list[Any], preps: frozenset[str]) -> list[Any]:
        """"evaluate X on Y": the parser may attach "on Y" to the verb or to X."""
        targets = self.prep_objects(verb, preps)
        for obj in objects:
            targets += self.prep_objects(obj, preps)
        return targets

    @staticmethod
    def prep_objects(token: Any, preps: frozenset[str]) -> list[Any]:
        out = []
        for child in token.children:
            if child.dep_ in ("prep", "agent", "dative") and child.lower_ in preps:
                out += [c for c in child.children if c.dep_ == "pobj"]
        return out

    # -- attributes --------------------------------------------------------------------------
    @staticmethod
    def negated(verb: Any) -> bool:
        if any(c.dep_ == "neg" or (c.lower_ in _NEGATIONS and c.dep_ == "advmod")
               for c in verb.children):
            return True
        for child in verb.children:
            if child.dep_ in ("nsubj", "nsubjpass") and any(
                d.dep_ == "det" and d.lower_ == "no" for d in child.children
            ):
                return True
        return verb.dep_ == "xcomp" and verb.head.lower_ in _FAIL

    @staticmethod
    def hedged(verb: Any) -> bool:
        for child in verb.children:
            if child.dep_ == "aux" and child.lower_ in HEDGE_MODALS:
                return True
            if child.dep_ == "advmod" and child.lower_ in HEDGE_ADVERBS:
                return True
        node = verb
        for _ in range(3):  # "results suggest that X improves Y", "X appears to improve Y"
            if node.dep_ not in ("ccomp", "xcomp", "conj") or node.head is node:
                break
            node = node.head
            if node.lower_ in _HEDGE_VERB_FORMS:
                return True
        return False

    # -- patterns ----------------------------------------------------------------------------
    def find(self) -> Iterator[Found]:
        for token in self.sentence:
            lower = token.lower_
            if token.tag_ in VERB_TAGS:
                yield from self._verb(token, lower)
            elif token.tag_ in NOUN_TAGS:
                yield from self._noun(token, lower)

    def _emit(
        self,
        subjects: list[Any],
        predicate: str,
        objects: list[Any],
        verb: Any,
        confidence: float,
    ) -> Iterator[Found]:
        negated = self.negated(verb) if verb.tag_ in VERB_TAGS else False
        hedged = self.hedged(verb) if verb.tag_ in VERB_TAGS else False
        subject_refs = [r for s in subjects for r in self.refs(s)]
        object_refs = [r for o in objects for r in self.refs(o)]
        for s in dict.fromkeys(subject_refs):
            for o in dict.fromkeys(object_refs):
                if o == PAPER_SUBJECT or s == o:
                    continue
                if s == PAPER_SUBJECT and predicate in ("part-of", "is-a", "improves"):
                    continue
                yield Found(s, predicate, o, negated, hedged, verb.text, confidence)

    def _verb(self, verb: Any, lower: str) -> Iterator[Found]:
        subjects, passive, inherited = self.subjects(verb)
        confidence = 0.6 if inherited else 0.8
        if lower in _PROPOSE:
            patients = self.patients(verb)
            if passive and not subjects:  # "a new framework, X, is proposed"
                yield from self._paper_relation("proposes", patients, verb)
            elif any(self._is_paper(s) for s in subjects):
                yield from self._emit(subjects, "proposes", patients, verb, confidence)
        elif lower in _USE:
            used = self.patients(verb)
            if passive:
                users = subjects or self.prep_objects(verb, _PURPOSE_PREPS)
                yield from self._emit(users, "uses", used, verb, confidence)
            else:
                yield from self._emit(subjects, "uses", used, verb, confidence)
                # "we use X for Y", "we apply X to Y": Y uses X
                purposes = self._on_targets(verb, used, _PURPOSE_PREPS | {"to"}
                                            if lower in _APPLY else _PURPOSE_PREPS)
                yield from self._emit(purposes, "uses", used, verb, 0.6)
        elif lower in _USE_ON:
            bases = self.prep_objects(verb, frozenset({"on", "upon"}))
            users = self.patients(verb) if passive else subjects
            yield from self._emit(users, "uses", bases, verb, confidence)
        elif lower in _IMPROVE or lower in _OUTPERFORM:
            predicate = "improves" if lower in _IMPROVE else "outperforms"
            compared = self.patients(verb)
            yield from self._emit(subjects, predicate, compared, verb, confidence)
            # "X outperforms Y on D": X was evaluated on D
            benchmarks = self._on_targets(verb, compared, frozenset({"on", "across"}))
            yield from self._emit(subjects, "evaluates-on", benchmarks, verb, 0.6)
        elif lower in _EVALUATE:
            evaluated = self.patients(verb)
            targets = self._on_targets(verb, evaluated, _EVAL_PREPS)
            yield from self._emit(evaluated or subjects, "evaluates-on", targets, verb, confidence)
        elif lower in _ACHIEVE:
            targets = self._on_targets(verb, self.patients(verb), frozenset({"on", "across"}))
            yield from self._emit(subjects, "evaluates-on", targets, verb, confidence)
        elif lower in _COMPARE:
            others = self.prep_objects(verb, frozenset({"with", "to", "against"}))
            compared = self.patients(verb)
            attached = verb.dep_ in ("acl", "advcl", "prep") and verb.head.tag_ in NOUN_TAGS
            if not compared and attached:
                compared = [verb.head]  # "X compared to Y"
            if not others:  # "we compare X and Y"
                for obj in compared:
                    others += [c for c in obj.children if c.dep_ == "conj"]
                    compared = [obj]
            yield from self._emit(compared, "compares-with", others, verb, confidence)
        elif lower in _CONSIST:
            wholes = self.patients(verb) if passive and lower.startswith("compos") else subjects
            parts = self.prep_objects(verb, frozenset({"of"})) or [
                c for c in verb.children if c.dep_ == "dobj"
            ]
            yield from self._emit(parts, "part-of", wholes, verb, confidence)
        elif lower in _COPULA:
            yield from self._copula(verb, subjects)

    def _copula(self, verb: Any, subjects: list[Any]) -> Iterator[Found]:
        for attr in (c for c in verb.children if c.dep_ == "attr" and c.tag_ in NOUN_TAGS):
            if attr.lower_ in _PART_NOUNS:  # "X is a component of Y"
                wholes = self.prep_objects(attr, frozenset({"of"}))
                yield from self._emit(subjects, "part-of", wholes, verb, 0.7)
            elif any(d.lower_ in ("a", "an") for d in attr.children if d.dep_ == "det"):
                yield from self._emit(subjects, "is-a", [attr], verb, 0.6)

    def _noun(self, noun: Any, lower: str) -> Iterator[Found]:
        if lower in _EVAL_NOUNS:  # "experiments on ImageNet show ..."
            targets = self.prep_objects(noun, frozenset({"on", "across", "over"}))
            yield from self._paper_relation("evaluates-on", targets, noun)
        if lower in _METHOD_HEADS and noun.i in self.token_mention:
            # "a convolutional network for image segmentation": the task uses the method
            tasks = self.prep_objects(noun, frozenset({"for"}))
            yield from self._emit(tasks, "uses", [noun], noun, 0.5)
        for child in noun.children:
            if child.dep_ == "appos" and any(
                d.dep_ == "det" and d.lower_ in ("a", "an") for d in child.children
            ):  # "ChatBCI, a Python-based toolbox"
                yield from self._emit([noun], "is-a", [child], noun, 0.6)
            elif child.dep_ == "prep" and child.lower_ in ("as", "including") and (
                child.lower_ == "including"
                or any(g.lower_ == "such" for g in child.children)
                or (noun.i + 1 < len(noun.doc) and noun.doc[noun.i + 1].lower_ == "such")
            ):  # "tasks such as X and Y", "benchmarks, including X"
                members = [c for c in child.children
                           if c.dep_ == "pobj" and c.i in self.token_mention]
                yield from self._emit(members, "is-a", [noun], noun, 0.6)

    def _paper_relation(self, predicate: str, objects: list[Any], trigger: Any) -> Iterator[Found]:
        for o in dict.fromkeys(r for t in objects for r in self.refs(t)):
            if o != PAPER_SUBJECT:
                yield Found(PAPER_SUBJECT, predicate, o, False, False, trigger.text, 0.6)
