"""Answer a question from numbered evidence sentences, and check every citation.

The model's reply is data: it is parsed as JSON and checked field by field, never evaluated.
A claim may only cite numbers we gave; a cite to anything else is removed, and a claim left
with no valid cite is dropped (and reported), so every claim shown rests on a real sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kgarden.errors import KgardenError
from kgarden.llm.client import CallInfo, LLMClient, ReplyInvalid
from kgarden.llm.prompts import load_prompt

ASK_PROMPT = "ask"
INSUFFICIENT_TEXT = "Not enough evidence in the garden to answer this."

# Citation marks the model wrote into a claim's text ("[7]", "[1, 3]"): ours replace them,
# so only checked numbers are ever shown.
_MARKS = re.compile(r"\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]")


@dataclass(frozen=True)
class EvidenceSentence:
    number: int
    paper_id: str
    title: str
    sentence: str


@dataclass(frozen=True)
class Claim:
    text: str
    cites: list[int]

    @property
    def marked(self) -> str:
        """The claim followed by its citation marks: ``"X improves Y [1][3]"``."""
        return self.text + " " + "".join(f"[{n}]" for n in self.cites)


@dataclass(frozen=True)
class LLMAnswer:
    text: str
    claims: list[Claim]
    cited: list[int]
    insufficient: bool
    dropped: list[str]
    info: CallInfo
    evidence: list[EvidenceSentence] = field(default_factory=list)


@dataclass(frozen=True)
class _Checked:
    insufficient: bool
    claims: list[Claim]
    dropped: list[str]


def _one_line(text: str) -> str:
    # A newline in a title or sentence could fake a new "[n]" line in the prompt.
    return " ".join(str(text).split())


def render_evidence(evidence: Sequence[EvidenceSentence]) -> str:
    """The numbered evidence block the prompt gets: ``[n] sentence (paper: title)``."""
    return "\n".join(
        f"[{e.number}] {_one_line(e.sentence)} (paper: {_one_line(e.title) or e.paper_id})"
        for e in evidence
    )


def check_reply(reply: dict[str, Any], numbers: frozenset[int]) -> _Checked:
    """Validate the reply's shape and its citations; raises ReplyInvalid to ask again."""
    enough = reply.get("enough_evidence")
    if not isinstance(enough, bool):
        raise ReplyInvalid("'enough_evidence' must be true or false")
    raw_claims = reply.get("claims")
    if not isinstance(raw_claims, list):
        raise ReplyInvalid("'claims' must be a list")
    if not enough:
        # The model's "no" is the answer; claims it made anyway are not trusted.
        return _Checked(True, [], [])
    claims: list[Claim] = []
    dropped: list[str] = []
    for index, item in enumerate(raw_claims, 1):
        if not isinstance(item, dict):
            raise ReplyInvalid(f"claim {index} is not an object")
        text = item.get("text")
        cites = item.get("cites")
        if not isinstance(text, str) or not _MARKS.sub("", text).strip():
            raise ReplyInvalid(f"claim {index} has no text")
        # bool is an int in Python; true is not a citation.
        if not isinstance(cites, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in cites
        ):
            raise ReplyInvalid(f"claim {index}: 'cites' must be a list of numbers")
        text = _MARKS.sub("", text).strip()
        valid = list(dict.fromkeys(n for n in cites if n in numbers))
        if valid:
            claims.append(Claim(text, valid))
        else:
            dropped.append(text)
    if not claims:
        raise ReplyInvalid(
            "said there is enough evidence but no claim cites a given sentence"
            if raw_claims
            else "said there is enough evidence but made no claims"
        )
    return _Checked(False, claims, dropped)


def answer_with_llm(
    question: str,
    evidence: Sequence[EvidenceSentence],
    client: LLMClient,
    *,
    prompt: str = ASK_PROMPT,
) -> LLMAnswer:
    """Ask the model to answer ``question`` from ``evidence`` only, with checked citations.

    ``prompt`` pins a version ("ask.v1"); the default is the newest. With no evidence at all
    the model is not called: the answer is "not enough evidence" (``info.attempts == 0``).
    """
    numbers = [e.number for e in evidence]
    if len(set(numbers)) != len(numbers):
        raise KgardenError("evidence numbers must be unique")
    if not evidence:
        info = CallInfo(client.config.model, load_prompt(prompt).id, 0)
        return LLMAnswer(INSUFFICIENT_TEXT, [], [], True, [], info, [])
    given = frozenset(numbers)
    checked, info = client.chat_json(
        prompt,
        {"question": _one_line(question), "evidence": render_evidence(evidence)},
        lambda reply: check_reply(reply, given),
    )
    if checked.insufficient:
        return LLMAnswer(INSUFFICIENT_TEXT, [], [], True, [], info, list(evidence))
    cited = sorted({n for claim in checked.claims for n in claim.cites})
    text = " ".join(claim.marked for claim in checked.claims)
    return LLMAnswer(text, checked.claims, cited, False, checked.dropped, info, list(evidence))
