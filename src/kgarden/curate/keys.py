"""Stable keys of what a person can decide about. Events and decisions name their targets by
these keys, never by row ids: re-extraction renumbers rows, but a concept stays its key, a
relation its (subject key, predicate, object key, negated), a paper its id.
"""

from __future__ import annotations

import json
from typing import NamedTuple

# target kinds of events and decisions
RELATION = "relation"
CONCEPT = "concept"
PAPER = "paper"
HYPOTHESIS = "hypothesis"
FACT = "fact"  # a relation a person (or a model, by harvest) asserted
GARDEN = "garden"
GARDEN_TARGET = "garden"


class RelationKey(NamedTuple):
    subject: str
    predicate: str
    object: str
    negated: bool

    def target(self) -> str:
        return json.dumps([self.subject, self.predicate, self.object, int(self.negated)],
                          ensure_ascii=False)

    @classmethod
    def parse(cls, target: str) -> RelationKey:
        subject, predicate, obj, negated = json.loads(target)
        return cls(str(subject), str(predicate), str(obj), bool(negated))


def hypothesis_target(a_key: str, b_key: str) -> str:
    return json.dumps(sorted([a_key, b_key]), ensure_ascii=False)


def paper_node_key(paper_id: str) -> str:
    """The concept key of the node standing for a paper ("we propose X")."""
    return f"paper:{paper_id}"
