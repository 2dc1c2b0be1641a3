"""Hypotheses: concept pairs no paper mentions together, ranked by plausibility x novelty x
specificity / popularity, kept in a ledger with the paths and evidence sentences they rest on.

Plausibility is graph/linkpred.py's combined link-prediction score (measured on a time split in
bench/discovery.py), as exp(score) so that it is positive; novelty is 1 / (1 + ln(1 + shared
neighbours)): a pair bridged by a single concept is a further leap than one with fifty shared
neighbours. Plausibility alone favours frequent concepts (a walk ends at a concept about as
often as papers mention it), so the list divides by popularity, the square root of the two
concepts' paper counts, halfway between the walk's chance and its lift over chance; and
multiplies by the specificity of both names (everyday single words such as "answer" or
"policy" score low), each less the share of the concept's papers that name it in a sentence
with a web address (paper boilerplate: "project page", "source code"). Partners must be in
enough papers to be established (PARTNER_SHARE), and pairs whose names are variants of one
idea are no leap (``_variants``). Without --about, no concept fills the list (``spread``). On
the arXiv time splits this list's pairs meet in later papers 1.6-4.1x as often as their paper
counts predict, against 0.5-0.9x for plausibility x novelty (bench/hypothesis_list.py). Every
candidate has at least one shared neighbour, so every hypothesis has a supporting path whose
two edges each have a sentence holding both ends.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from kgarden.embed.vectors import garden_embedder
from kgarden.errors import LLMError, NotFoundError, QueryError
from kgarden.extract.lexicon import FUNCTION_WORDS, GENERIC_NOUNS, GENERIC_TAILS
from kgarden.search.cache import IndexCache
from kgarden.search.paths import PathEdge, path_edges
from kgarden.settings import Settings
from kgarden.store.db import chunks, now, transaction
from kgarden.store.queries import SALIENCE_SQL, find_concept, live_paper_count

# linkpred brings scipy (0.2 s): imported where used, so that commands which only read the
# ledger (and every command's start, through Garden) do not pay for it
if TYPE_CHECKING:
    from kgarden.graph.linkpred import ConceptGraph

RANKER = "linkpred.v3"  # v3: a walk over papers, the contexts and growth
LIST_RANKING = "interest.v3"  # v1: plausibility x novelty x specificity / popularity;
# v2: specificity less the share of a concept's papers naming it beside a web address;
# v3: each concept in at most PER_CONCEPT of the list while others are left
MIN_PAPERS = 3  # concepts in fewer papers are too thin to reason about
POPULARITY = 0.5  # exponent of the paper counts' product: 0 ranks by chance, 1 by lift
PARTNER_SHARE = 1 / 5000  # a partner is in this share of the garden's papers (at least)
SOURCES = 100  # without --about: the most salient concepts are the sources
PATHS = 3  # supporting paths kept per hypothesis
# without --about: a concept ends at most this share of the list (and at least 2 pairs) while
# other pairs are left, so one generic source ("complex task") cannot fill it
PER_CONCEPT = 0.15
STATUSES = ("proposed", "accepted", "rejected", "tested")
HYPOTHESIS_PROMPT = "hypothesis"


@dataclass
class Hypothesis:
    id: int
    a: str
    b: str
    score: float
    plausibility: float
    novelty: float
    signals: dict[str, float]
    paths: list[list[dict[str, Any]]]
    components: dict[str, Any]
    statement: str | None
    statement_by: dict[str, Any] | None
    status: str
    created_at: str
    updated_at: str
    flags: list[dict[str, Any]] = field(default_factory=list)  # e.g. a cited paper retracted

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _graph(conn: sqlite3.Connection) -> tuple[ConceptGraph, int]:
    """The co-occurrence graph; small gardens keep concepts in 2 papers, so they have one."""
    from kgarden.graph.linkpred import ConceptGraph

    graph = ConceptGraph.build(conn, min_papers=MIN_PAPERS)
    if len(graph) < 200:
        return ConceptGraph.build(conn, min_papers=2), 2
    return graph, MIN_PAPERS


def _sources(conn: sqlite3.Connection, graph: ConceptGraph, about: str | None,
             graph_min_papers: int = 1) -> list[int]:
    """The nodes to propose partners for. Concepts in fewer than ``graph_min_papers`` (stored
    counts) cannot be nodes: leaving them out of the salience sort spares sorting ~1M rows."""
    if about is not None:
        concept = find_concept(conn, about)
        node = graph.index.get(int(concept["id"]))
        if node is None:
            raise QueryError(
                f"{concept['name']!r} is in too few papers to propose hypotheses about",
                hint=f"hypotheses need concepts in at least {MIN_PAPERS} papers")
        return [node]
    rows = conn.execute(
        f"SELECT c.id FROM concepts c WHERE c.kind = 'concept' AND c.paper_count >= :least"
        f" ORDER BY {SALIENCE_SQL} DESC",
        {"papers": max(1, live_paper_count(conn)), "least": graph_min_papers})
    out: list[int] = []
    for (cid,) in rows:
        if int(cid) in graph.index:
            out.append(graph.index[int(cid)])
            if len(out) == SOURCES:
                break
    return out


def _candidates(graph: ConceptGraph, sources: list[int], cache: IndexCache,
                conn: sqlite3.Connection, n: int) -> list[tuple[int, int, dict[str, float]]]:
    """The ``n`` best pairs of a source and a partner, best first, with their signals."""
    from kgarden.graph.linkpred import features, plausibility

    # the papers' vectors, for the contexts; the names' (1.8 s to load on a large garden)
    # have no weight in plausibility since linkpred.v3
    paper_vectors = cache.get(conn, "paper") if garden_embedder(conn) else None
    papers = np.maximum(graph.paper_counts, 1).astype(np.float32)
    # a name's specificity, less the share of the concept's papers where it is boilerplate
    specific = node_specificity(conn, graph) * np.maximum(
        1.0 - web_address_share(conn, graph), np.float32(1e-3))
    # (every node is in the graph's minimum of papers already: 3, or 2 in a small garden)
    established = papers >= math.ceil(PARTNER_SHARE * graph.incidence.shape[0])
    # in logs: what the source and the partner each add to the pair's interest
    weight = np.log(specific) - np.float32(POPULARITY) * np.log(papers)
    best: dict[tuple[int, int], tuple[float, dict[str, float]]] = {}
    names: dict[int, str] = {}
    for start in range(0, len(sources), 50):
        batch = sources[start:start + 50]
        f = features(graph, batch, None, papers=paper_vectors)
        raw = plausibility(f)
        tops: list[np.ndarray[Any, Any]] = []
        for row in range(len(batch)):
            ok = (~f.linked[row]) & (f.common[row] > 0) & established
            score = np.where(ok, raw[row] - np.log1p(np.log1p(f.common[row])) + weight, -np.inf)
            top = _best(score, n)
            tops.append(top[np.isfinite(score[top])])
        missing = {int(graph.ids[i]) for top, a in zip(tops, batch, strict=True)
                   for i in (*top, a)} - names.keys()
        names.update(_names(conn, sorted(missing)))
        for row, (a, top) in enumerate(zip(batch, tops, strict=True)):
            for b in top:
                if _variants(names[int(graph.ids[a])], names[int(graph.ids[b])]):
                    continue
                common = float(f.common[row, b])
                novelty = 1.0 / (1.0 + math.log1p(common))
                signals = {"plausibility": float(math.exp(raw[row, b])), "novelty": novelty,
                           "specificity": float(specific[a] * specific[b]),
                           "popularity": float((papers[a] * papers[b]) ** POPULARITY),
                           "paper_walk": float(f.paper_walk[row, b]),
                           "adamic_adar": float(f.adamic_adar[row, b]),
                           "common_neighbours": common, "context": float(f.context[row, b]),
                           "growth": float(f.growth[row, b]),
                           "preferential": float(f.preferential[row, b])}
                key = (int(min(a, b)), int(max(a, b)))
                total = interest(signals)
                if key not in best or best[key][0] < total:
                    best[key] = (total, signals)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:n]
    return [(a, b, signals) for (a, b), (_, signals) in ranked]


def interest(signals: dict[str, float]) -> float:
    """A hypothesis's score: plausibility x novelty x specificity / popularity."""
    return (signals["plausibility"] * signals["novelty"] * signals["specificity"]
            / max(signals["popularity"], 1e-9))


def node_specificity(conn: sqlite3.Connection, graph: ConceptGraph) -> np.ndarray[Any, Any]:
    """Per node: the stored specificity of its name (extract/salience.py), 1.0 if unknown."""
    out = np.ones(len(graph), dtype=np.float32)
    for ids in chunks([int(i) for i in graph.ids]):
        for cid, value in conn.execute(
                f"SELECT id, specificity FROM concepts WHERE id IN ({','.join('?' * len(ids))})",
                list(ids)):
            if value is not None:
                out[graph.index[int(cid)]] = max(float(value), 1e-3)
    return out


def web_address_share(conn: sqlite3.Connection, graph: ConceptGraph) -> np.ndarray[Any, Any]:
    """Per node: the share of its papers (of the graph) that mention it in a sentence holding a
    web address. Near 1 for paper boilerplate ("project page", "source code": "Project page:
    https://..."), which otherwise reads as a concept of every field it is common in; near 0
    for research concepts. The sentences come from the full-text index (13k of 580k sentences
    on the 74,728-paper garden)."""
    rows = np.array(conn.execute(
        "SELECT DISTINCT m.paper_pk, m.concept_id FROM sentences_fts f"
        " JOIN mentions m ON m.sentence_id = f.rowid"
        " WHERE sentences_fts MATCH '\"http\" OR \"https\" OR \"www\"'").fetchall(),
        dtype=np.int64).reshape(-1, 2)
    out = np.zeros(len(graph), dtype=np.float32)
    if not len(rows) or not len(graph):
        return out
    rows = rows[np.isin(rows[:, 0], graph.paper_pks) & np.isin(rows[:, 1], graph.ids)]
    counts = np.bincount(np.searchsorted(graph.ids, rows[:, 1]), minlength=len(graph))
    return np.minimum(counts / np.maximum(graph.paper_counts, 1), 1.0).astype(np.float32)


def per_concept_cap(n: int) -> int:
    return max(2, math.ceil(PER_CONCEPT * n))


def spread(found: list[tuple[int, int, dict[str, float]]], cap: int
           ) -> list[tuple[int, int, dict[str, float]]]:
    """``found`` in its order, but a pair whose concept already ends ``cap`` earlier pairs
    waits until every other pair has had its turn."""
    used: dict[int, int] = {}
    kept, waiting = [], []
    for item in found:
        a, b = item[0], item[1]
        if used.get(a, 0) < cap and used.get(b, 0) < cap:
            kept.append(item)
            used[a], used[b] = used.get(a, 0) + 1, used.get(b, 0) + 1
        else:
            waiting.append(item)
    return kept + waiting


def _best(score: np.ndarray[Any, Any], n: int) -> np.ndarray[Any, Any]:
    """Indexes of the ``n`` highest scores, highest first (ties: lower index first)."""
    if n < len(score):
        part = np.argpartition(-score, n - 1)[:n]
        threshold = score[part].min()
        part = np.flatnonzero(score >= threshold)  # every tie at the cut, then cut stably
        return part[np.argsort(-score[part], kind="stable")][:n]
    return np.argsort(-score, kind="stable")[:n]


def _names(conn: sqlite3.Connection, ids: list[int]) -> dict[int, str]:
    return {int(i): str(n) for part in chunks(ids) for i, n in conn.execute(
        f"SELECT id, name FROM concepts WHERE id IN ({','.join('?' * len(part))})", list(part))}


def _variants(a: str, b: str) -> bool:
    """Whether one name's words run inside the other's ("language model" and "large language
    model": a kind of, not a leap), the two share a word ("low-resource language" and
    "low-resource dialect translation", "AI agent" and "AI safety", "point cloud" and "point
    map"), or an acronym in one is the initials of words in the other ("AI research" and
    "artificial intelligence"): variants of one idea, not a leap. Sharing only a generic head
    ("reinforcement learning" and "federated learning": lexicon.GENERIC_NOUNS) makes siblings,
    which may well meet."""
    x, y = f" {a.casefold()} ", f" {b.casefold()} "
    if x in y or y in x:
        return True
    words_a, words_b = _words(a), _words(b)
    shared = (set(words_a) & set(words_b)) - _FUNCTION_WORDS
    if words_a and words_b and words_a[-1] == words_b[-1] and (
            words_a[-1] in GENERIC_NOUNS or words_a[-1] in GENERIC_TAILS):
        shared.discard(words_a[-1])
    return bool(shared) or _abbreviates(a, b) or _abbreviates(b, a)


def _words(name: str) -> list[str]:
    """Lower-case words without a plural s (two letters or more: "3D" and "AI" count)."""
    return [w.removesuffix("s") for w in name.casefold().replace("-", " ").replace("/", " ").split()
            if len(w) >= 2]


def _abbreviates(short: str, long: str) -> bool:
    """Whether a capitalised word of ``short`` ("AI", "LLMs") spells the initials of
    consecutive words of ``long``."""
    initials = "".join(w[0] for w in long.casefold().replace("-", " ").split() if w)
    for word in short.replace("-", " ").split():
        letters = word.removesuffix("s")
        if 2 <= len(letters) <= 6 and letters.isupper() and letters.casefold() in initials:
            return True
    return False


# words two names may share and still be two ideas
_FUNCTION_WORDS = FUNCTION_WORDS | frozenset({"into", "based", "using", "its", "their", "non",
                                              "over", "under", "between", "towards"})


def _supporting_paths(conn: sqlite3.Connection, graph: ConceptGraph, a: int, b: int
                      ) -> list[list[PathEdge]]:
    """a - x - b through the shared neighbours x with the most sentences on both sides."""
    row_a = graph.sentences.getrow(a)
    row_b = graph.sentences.getrow(b)
    shared = np.intersect1d(row_a.indices, row_b.indices)
    strength = np.minimum(np.asarray(row_a[:, shared].todense()).ravel(),
                          np.asarray(row_b[:, shared].todense()).ravel())
    order = shared[np.argsort(-strength / np.log(np.maximum(graph.degree[shared], 2)),
                              kind="stable")]
    paths: list[list[PathEdge]] = []
    ids = graph.ids
    for x in order[:PATHS * 2]:
        edges = path_edges(conn, [(int(ids[a]), int(ids[x]), None), (int(ids[x]), int(ids[b]),
                                                                     None)])
        if edges:
            paths.append(edges)
        if len(paths) == PATHS:
            break
    return paths


def propose(conn: sqlite3.Connection, settings: Settings, cache: IndexCache, *,
            about: str | None = None, n: int = 20, use_llm: bool = True) -> list[Hypothesis]:
    """Rank new hypotheses, write them to the ledger (one entry per pair), return them."""
    if n < 1 or n > 500:
        raise QueryError(f"--n must be between 1 and 500, got {n}")
    graph, min_papers = _graph(conn)
    if len(graph) < 3:
        return []
    sources = _sources(conn, graph, about, min_papers)
    found = _candidates(graph, sources, cache, conn, 4 * n)
    if about is None:
        found = spread(found, per_concept_cap(n))
    from kgarden.graph.linkpred import WEIGHTS

    components = {"ranker": RANKER, "weights": dict(WEIGHTS), "min_papers": min_papers,
                  "list_ranking": LIST_RANKING, "popularity_exponent": POPULARITY,
                  "embedder": garden_embedder(conn), "sources": "about" if about else "salient"}
    entries: list[tuple[int, int, dict[str, float], list[list[PathEdge]]]] = []
    for a, b, signals in found:
        paths = _supporting_paths(conn, graph, a, b)
        if paths:
            entries.append((int(graph.ids[a]), int(graph.ids[b]), signals, paths))
        if len(entries) == n:
            break
    statements = _statements(conn, settings, entries) if use_llm else {}
    ids: list[int] = []
    with transaction(conn):
        for a_id, b_id, signals, paths in entries:
            ids.append(_upsert(conn, min(a_id, b_id), max(a_id, b_id), signals, paths,
                               components, statements.get((a_id, b_id))))
    return [get(conn, i) for i in ids]


def _upsert(conn: sqlite3.Connection, a_id: int, b_id: int, signals: dict[str, float],
            paths: list[list[PathEdge]], components: dict[str, Any],
            statement: tuple[str, dict[str, Any]] | None) -> int:
    stamp = now()
    score = interest(signals)
    values = (score, signals["plausibility"], signals["novelty"], json.dumps(signals),
              json.dumps([[e.to_dict() for e in p] for p in paths]), json.dumps(components))
    row = conn.execute(
        "INSERT INTO hypotheses(a_id, b_id, score, plausibility, novelty, signals, paths,"
        " components, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(a_id, b_id) DO UPDATE SET score = excluded.score,"
        " plausibility = excluded.plausibility, novelty = excluded.novelty,"
        " signals = excluded.signals, paths = excluded.paths, components = excluded.components,"
        " updated_at = excluded.updated_at WHERE hypotheses.status = 'proposed'"
        " RETURNING id", (a_id, b_id, *values, stamp, stamp)).fetchone()
    if row is None:  # decided by a person: left as it is
        row = conn.execute("SELECT id FROM hypotheses WHERE a_id = ? AND b_id = ?",
                           (a_id, b_id)).fetchone()
    hypothesis_id = int(row[0])
    if statement is not None:
        conn.execute("UPDATE hypotheses SET statement = ?, statement_by = ? WHERE id = ?"
                     " AND status = 'proposed'",
                     (statement[0], json.dumps(statement[1]), hypothesis_id))
    return hypothesis_id


def _statements(conn: sqlite3.Connection, settings: Settings,
                entries: list[tuple[int, int, dict[str, float], list[list[PathEdge]]]]
                ) -> dict[tuple[int, int], tuple[str, dict[str, Any]]]:
    """With an LLM configured: one paragraph per hypothesis, citing its evidence sentences."""
    from kgarden.llm import EvidenceSentence, LLMClient, LLMConfig, answer_with_llm

    config = LLMConfig.from_settings(settings)
    if config is None or not entries:
        return {}
    names = _names(conn, [i for a, b, _, _ in entries for i in (a, b)])
    out: dict[tuple[int, int], tuple[str, dict[str, Any]]] = {}
    with LLMClient(config) as client:
        for a, b, _, paths in entries:
            edges = [e for p in paths for e in p]
            evidence = [EvidenceSentence(i, e.paper_id, e.title, e.sentence)
                        for i, e in enumerate(edges, start=1)]
            topic = f"How might {names[a]} relate to {names[b]}?"
            try:
                reply = answer_with_llm(topic, evidence, client, prompt=HYPOTHESIS_PROMPT)
            except LLMError:
                continue  # no statement; the ranked hypothesis and its evidence still stand
            if not reply.insufficient:
                out[(a, b)] = (reply.text, {"model": reply.info.model,
                                            "prompt_id": reply.info.prompt_id,
                                            "cited": reply.cited})
    return out


def get(conn: sqlite3.Connection, hypothesis_id: int) -> Hypothesis:
    row = conn.execute(
        "SELECT h.*, ca.name AS a_name, cb.name AS b_name FROM hypotheses h"
        " JOIN concepts ca ON ca.id = h.a_id JOIN concepts cb ON cb.id = h.b_id"
        " WHERE h.id = ?", (hypothesis_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no hypothesis {hypothesis_id} in this garden")
    return _record(row)


def ledger(conn: sqlite3.Connection, *, status: str | None = None,
           limit: int | None = None) -> list[Hypothesis]:
    if status is not None and status not in STATUSES:
        raise QueryError(f"unknown status {status!r}", hint="one of: " + ", ".join(STATUSES))
    rows = conn.execute(
        "SELECT h.*, ca.name AS a_name, cb.name AS b_name FROM hypotheses h"
        " JOIN concepts ca ON ca.id = h.a_id JOIN concepts cb ON cb.id = h.b_id"
        " WHERE (? IS NULL OR h.status = ?) ORDER BY h.score DESC, h.id LIMIT ?",
        (status, status, -1 if limit is None else limit)).fetchall()
    return [_record(r) for r in rows]


def _record(row: Any) -> Hypothesis:
    return Hypothesis(
        id=int(row["id"]), a=row["a_name"], b=row["b_name"], score=float(row["score"]),
        plausibility=float(row["plausibility"]), novelty=float(row["novelty"]),
        signals=json.loads(row["signals"]), paths=json.loads(row["paths"]),
        components=json.loads(row["components"]), statement=row["statement"],
        statement_by=json.loads(row["statement_by"]) if row["statement_by"] else None,
        status=row["status"], created_at=row["created_at"], updated_at=row["updated_at"],
        flags=json.loads(row["flags"]))
