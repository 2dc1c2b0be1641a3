"""Relation harvesting from a language model, as BertNet does it (Hao et al., 2023): ask the
model for entity pairs of a relation from its definition and a few examples, rescore the pairs
for consistency under paraphrases of the relation, and keep the consistent ones as proposed
facts whose evidence is the model itself, never a paper's sentence.

What is done, exactly (component ``harvest.v1``):

1. Prompt ``harvest.v1`` gives the relation's name, definition and example pairs and asks for
   up to ``n`` more pairs (a, b), plus 3 statements of the relation in different words, each
   with the placeholders ``[A]`` and ``[B]``. The reply must hold at least 2 such statements;
   the examples themselves and repeated pairs are left out.
2. Prompt ``harvest-check.v1`` is sent once per statement (so 3 calls): every candidate pair
   put into that statement, numbered, each to be judged true or false. The reply must judge
   every number once.
3. A pair's consistency score is the mean of its judgements over the statements (true = 1,
   false = 0): 1.0 when every paraphrase holds, 0.67 for two of three. Pairs scoring at least
   ``min_score`` (0.5) are kept.
4. Each kept pair is an event of the machine actor ``machine:harvest.v1`` in the curation log
   (action ``harvest``, target the fact's stable key), asserting a fact of kind ``model`` with
   the model's name, the prompt ids and the score. It becomes a relation (origin 'harvested')
   with status proposed, shown as "asserted by model M, prompt harvest.v1"; a person accepts or
   rejects it like any relation, and ``kgarden undo EVENT`` withdraws it. A pair whose fact
   was asserted before, or withdrawn by an undo, is not asserted again.

Entity names become concepts the way the extractors name them: an existing concept by name,
written form or acronym, else a new key made as the rules make keys (extract/names.py).
Replies are cached (llm/cache.py), so the same harvest again makes no call.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from kgarden.curate import events
from kgarden.curate.actions import Curator, Target
from kgarden.curate.keys import FACT, RelationKey
from kgarden.errors import NotFoundError, QueryError
from kgarden.extract.llm import one_line
from kgarden.extract.names import ConceptNamer
from kgarden.llm import cache
from kgarden.llm.budget import Budget, Estimate, prompt_tokens, require_llm
from kgarden.llm.client import CallInfo, LLMClient, ReplyInvalid
from kgarden.registry import registry
from kgarden.settings import Settings
from kgarden.store import queries
from kgarden.store.db import transaction

HARVEST_PROMPT = "harvest.v1"
CHECK_PROMPT = "harvest-check.v1"
STATEMENTS = 3
MIN_SCORE = 0.5
MAX_PAIRS = 100
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
T = TypeVar("T")
_MAX_ENTITY = 120  # characters: longer is a sentence, not an entity's name


@dataclass
class HarvestedPair:
    subject: str
    object: str
    score: float | None = None  # consistency: mean judgement over the statements
    judgements: list[bool] = field(default_factory=list)
    status: str = "candidate"  # recorded, below threshold, already asserted, withdrawn, ...
    event_id: int | None = None
    relation_id: int | None = None


@dataclass
class HarvestReport:
    relation: str
    definition: str
    examples: list[tuple[str, str]]
    model: str
    prompt_id: str = HARVEST_PROMPT
    check_prompt_id: str = CHECK_PROMPT
    harvester: str = "harvest.v1"
    min_score: float = MIN_SCORE
    dry_run: bool = False
    statements: list[str] = field(default_factory=list)
    pairs: list[HarvestedPair] = field(default_factory=list)
    estimate: dict[str, Any] = field(default_factory=dict)
    calls: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    stopped: str | None = None

    @property
    def recorded(self) -> list[HarvestedPair]:
        return [p for p in self.pairs if p.status == "recorded"]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def relation_name(text: str) -> str:
    """ "Capital of" -> capital-of: lower-case words joined by hyphens."""
    name = "-".join(text.replace("_", " ").lower().split())
    if not _NAME.match(name):
        raise QueryError(f"not a relation name: {text!r}",
                         hint="letters and digits, words joined by '-', e.g. uses, capital-of")
    return name


def parse_example(text: str) -> tuple[str, str]:
    """ "BERT:WordPiece" -> (BERT, WordPiece)."""
    a, sep, b = text.partition(":")
    a, b = one_line(a), one_line(b)
    if not sep or not a or not b or ":" in b:
        raise QueryError(f"an example is A:B, one colon between the two names, not {text!r}")
    return a, b


def _statements(reply: dict[str, Any]) -> list[str]:
    raw = reply.get("statements")
    if not isinstance(raw, list):
        raise ReplyInvalid("'statements' must be a list")
    good = [one_line(s) for s in raw if isinstance(s, str)
            and s.count("[A]") == 1 and s.count("[B]") == 1]
    good = list(dict.fromkeys(good))[:STATEMENTS]
    if len(good) < 2:
        raise ReplyInvalid("needs at least 2 statements, each with [A] and [B] once")
    return good


def check_harvest(reply: dict[str, Any], n: int) -> tuple[list[str], list[tuple[str, str]]]:
    """The statements and the pairs of a harvest.v1 reply; raises ReplyInvalid."""
    statements = _statements(reply)
    raw = reply.get("pairs")
    if not isinstance(raw, list):
        raise ReplyInvalid("'pairs' must be a list")
    pairs: list[tuple[str, str]] = []
    for number, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            raise ReplyInvalid(f"pair {number} is not an object")
        a, b = item.get("a"), item.get("b")
        if not isinstance(a, str) or not isinstance(b, str) or not a.strip() or not b.strip():
            raise ReplyInvalid(f"pair {number}: 'a' and 'b' must be non-empty strings")
        if len(a) > _MAX_ENTITY or len(b) > _MAX_ENTITY:
            raise ReplyInvalid(f"pair {number}: an entity name of over {_MAX_ENTITY} characters")
        pairs.append((one_line(a), one_line(b)))
    return statements, pairs[:n]


def check_judgements(reply: dict[str, Any], count: int) -> list[bool]:
    """One boolean per statement number 1..count of a harvest-check.v1 reply."""
    raw = reply.get("judgements")
    if not isinstance(raw, list):
        raise ReplyInvalid("'judgements' must be a list")
    out: dict[int, bool] = {}
    for item in raw:
        number = item.get("n") if isinstance(item, dict) else None
        verdict = item.get("true") if isinstance(item, dict) else None
        if not isinstance(number, int) or isinstance(number, bool) or not isinstance(
                verdict, bool):
            raise ReplyInvalid("each judgement is {\"n\": number, \"true\": true or false}")
        if not 1 <= number <= count or number in out:
            raise ReplyInvalid(f"judgement for statement {number}: not one of 1..{count},"
                               " or judged twice")
        out[number] = verdict
    if len(out) != count:
        missing = sorted(set(range(1, count + 1)) - set(out))
        raise ReplyInvalid(f"no judgement for statement {missing[0]} (of {count})")
    return [out[i] for i in range(1, count + 1)]


def candidate_pairs(candidates: list[tuple[str, str]], examples: list[tuple[str, str]]
                    ) -> list[HarvestedPair]:
    """Each pair once (case aside); the examples, and pairs of one name twice, are marked,
    not judged."""
    seeds = {(a.casefold(), b.casefold()) for a, b in examples}
    seen: set[tuple[str, str]] = set()
    out = []
    for a, b in candidates:
        ident = (a.casefold(), b.casefold())
        if ident not in seen:
            seen.add(ident)
            status = ("an example" if ident in seeds else "not two concepts"
                      if ident[0] == ident[1] else "candidate")
            out.append(HarvestedPair(a, b, status=status))
    return out


def _fill(statement: str, a: str, b: str) -> str:
    return statement.replace("[A]", a).replace("[B]", b)


def _check_variables(relation: str, definition: str, statement: str,
                     pairs: list[tuple[str, str]]) -> dict[str, str]:
    lines = "\n".join(f"[{i}] {_fill(statement, a, b)}" for i, (a, b) in enumerate(pairs, 1))
    return {"relation": relation, "definition": definition, "statements": lines}


@registry.register("harvester", "harvest", 1)
class Harvester:
    """One harvest on one garden (see the module's notes)."""

    name = "harvest"
    version = 1

    def __init__(self, conn: sqlite3.Connection, settings: Settings, *,
                 client: LLMClient | None = None) -> None:
        self.conn = conn
        self.settings = settings
        self.config = client.config if client is not None else require_llm(settings)
        self.client = client
        self.own_client = False

    @property
    def id(self) -> str:
        return f"{self.name}.v{self.version}"

    def _client(self) -> LLMClient:
        if self.client is None:
            self.client = LLMClient(self.config)
            self.own_client = True
        return self.client

    def close(self) -> None:
        if self.own_client and self.client is not None:
            self.client.close()

    def run(self, relation: str, definition: str, examples: list[tuple[str, str]], *,
            n: int = 30, min_score: float = MIN_SCORE, dry_run: bool = False) -> HarvestReport:
        predicate = relation_name(relation)
        definition = one_line(definition)
        if not definition:
            raise QueryError("a harvest needs --definition TEXT: what the relation means")
        if not examples:
            raise QueryError("a harvest needs at least one --example A:B")
        if not 1 <= n <= MAX_PAIRS:
            raise QueryError(f"--n is a number of pairs from 1 to {MAX_PAIRS}")
        if not 0.0 <= min_score <= 1.0:
            raise QueryError("--min-score is a consistency between 0 and 1")
        report = HarvestReport(predicate, definition, list(examples), self.config.model,
                               min_score=min_score, dry_run=dry_run)
        variables = {"relation": predicate, "definition": definition, "n": str(n),
                     "examples": "\n".join(f"- {a} : {b}" for a, b in examples)}
        key = cache.key_for(HARVEST_PROMPT, self.config.model, variables)
        report.estimate = self._estimate(key, variables, n, examples).priced(
            self.settings).to_dict()
        if dry_run:
            return report
        budget = Budget.of(self.settings)
        found = self._ask(report, budget, key, variables, lambda r: check_harvest(r, n),
                          30 + 25 * n + 20 * STATEMENTS)
        if found is None:
            return report
        report.statements, candidates = found
        report.pairs = candidate_pairs(candidates, examples)
        todo = [p for p in report.pairs if p.status == "candidate"]
        if todo and not self._rescore(report, budget, todo):
            return report
        self._record(report, predicate, todo)
        return report

    # -- calls ---------------------------------------------------------------------------------
    def _estimate(self, key: cache.CacheKey, variables: dict[str, str], n: int,
                  examples: list[tuple[str, str]]) -> Estimate:
        estimate = Estimate()
        reply = cache.get(self.conn, key)
        found = None
        if reply is not None:
            try:
                found = check_harvest(reply, n)
            except ReplyInvalid:
                found = None
        if found is None:
            estimate.add(prompt_tokens(HARVEST_PROMPT, variables), 30 + 25 * n + 20 * STATEMENTS)
            base = prompt_tokens(CHECK_PROMPT, _check_variables(
                variables["relation"], variables["definition"], "[A] [B]", []))
            for _ in range(STATEMENTS):
                estimate.add(base + 15 * n, 10 + 12 * n)
            return estimate
        statements, candidates = found
        pairs = [(p.subject, p.object) for p in candidate_pairs(candidates, examples)
                 if p.status == "candidate"]
        for statement in statements:
            check = _check_variables(variables["relation"], variables["definition"], statement,
                                     pairs)
            if pairs and not cache.has(self.conn, cache.key_for(CHECK_PROMPT, self.config.model,
                                                                 check)):
                estimate.add(prompt_tokens(CHECK_PROMPT, check), 10 + 12 * len(pairs))
        return estimate

    def _ask(self, report: HarvestReport, budget: Budget, key: cache.CacheKey,
             variables: dict[str, str], validate: Callable[[dict[str, Any]], T],
             completion: int) -> T | None:
        """A validated reply from the cache or the model (cached at once); None when the
        budget stops it. A cached reply that no longer validates is asked again."""
        cached = cache.get(self.conn, key)
        if cached is not None:
            try:
                value = validate(cached)
                report.cached += 1
                return value
            except ReplyInvalid:
                pass
        estimated = prompt_tokens(key.prompt_id, variables)
        if not budget.allows(estimated + completion):
            report.stopped = budget.stop_reason(estimated + completion)
            return None
        report.calls += 1
        info: CallInfo | None = None
        try:
            value, raw, info = cache.ask_json(self._client(), key.prompt_id, variables, validate)
            with transaction(self.conn):
                cache.put(self.conn, key, raw, info)
        finally:
            budget.spend(info, estimated, completion)
            report.prompt_tokens, report.completion_tokens = (budget.prompt_tokens,
                                                              budget.completion_tokens)
        return value

    def _rescore(self, report: HarvestReport, budget: Budget, todo: list[HarvestedPair]
                 ) -> bool:
        """Each pair judged under each statement; False when the budget stopped it."""
        names = [(p.subject, p.object) for p in todo]
        for statement in report.statements:
            check = _check_variables(report.relation, report.definition, statement, names)
            key = cache.key_for(CHECK_PROMPT, self.config.model, check)
            verdicts = self._ask(report, budget, key, check,
                                 lambda r: check_judgements(r, len(names)), 10 + 12 * len(names))
            if verdicts is None:
                for pair in todo:
                    pair.status = "not scored (budget)"
                return False
            for pair, verdict in zip(todo, verdicts, strict=True):
                pair.judgements.append(bool(verdict))
        for pair in todo:
            pair.score = round(sum(pair.judgements) / len(pair.judgements), 4)
            if pair.score < report.min_score - 1e-9:
                pair.status = "below threshold"
        return True

    # -- facts ---------------------------------------------------------------------------------
    def _record(self, report: HarvestReport, predicate: str, pairs: list[HarvestedPair]
                ) -> None:
        namer: ConceptNamer | None = None
        curator = Curator(self.conn, self.settings, f"{events.MACHINE}{self.id}")
        for pair in pairs:
            if pair.status != "candidate" or pair.score is None:
                continue
            if namer is None:
                namer = ConceptNamer(self.settings.spacy_model)
            s_key, s_name = self._concept(pair.subject, namer)
            o_key, o_name = self._concept(pair.object, namer)
            if not s_key or not o_key or s_key == o_key:
                pair.status = "not two concepts"
                continue
            key = RelationKey(s_key, predicate, o_key, False)
            past = self.conn.execute(
                "SELECT value FROM decisions WHERE target_kind = ? AND target = ?"
                " AND property = 'asserted'", (FACT, key.target())).fetchone()
            if past is not None:
                pair.status = "already asserted" if past[0] != "null" else "withdrawn before"
                continue
            fact = {"kind": "model", "subject": s_key, "subject_name": s_name,
                    "predicate": predicate, "object": o_key, "object_name": o_name,
                    "negated": False, "model": report.model, "prompt_id": HARVEST_PROMPT,
                    "check_prompt_id": CHECK_PROMPT, "score": pair.score,
                    "harvester": self.id, "definition": report.definition,
                    "statements": report.statements}
            outcome = curator.act(
                Target(FACT, key.target(), f"{s_name} {predicate} {o_name}"), "harvest",
                {"asserted": fact},
                f"model {report.model}, prompt {HARVEST_PROMPT}; consistency {pair.score:.2f}"
                f" over {len(pair.judgements)} statements ({CHECK_PROMPT})",
                f"harvested: {s_name} {predicate} {o_name} ({pair.score:.2f})")
            pair.status, pair.event_id = "recorded", outcome.event.id
            row = self.conn.execute("SELECT DISTINCT relation_id FROM assertions WHERE"
                                    " event_id = ?", (outcome.event.id,)).fetchone()
            pair.relation_id = None if row is None else int(row[0])

    def _concept(self, name: str, namer: ConceptNamer) -> tuple[str, str]:
        try:
            row = queries.find_concept(self.conn, name)
            return str(row["key"]), str(row["name"])
        except (NotFoundError, QueryError):
            made = namer.name(name)
            return (made.key, made.display) if made is not None else ("", name)


def harvest(conn: sqlite3.Connection, settings: Settings, relation: str, definition: str,
            examples: list[tuple[str, str]], *, n: int = 30, min_score: float = MIN_SCORE,
            dry_run: bool = False, client: LLMClient | None = None) -> HarvestReport:
    """Harvest pairs of ``relation`` from the model into the garden as proposed facts."""
    harvester = Harvester(conn, settings, client=client)
    try:
        return harvester.run(relation, definition, examples, n=n, min_score=min_score,
                             dry_run=dry_run)
    finally:
        harvester.close()
