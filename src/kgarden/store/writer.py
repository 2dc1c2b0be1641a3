"""Writing papers and extracted facts, incrementally.

Every method runs inside the caller's transaction. Counts on concepts, surfaces and
co-occurrences are maintained by deltas, so adding or re-extracting a few papers touches only the
rows those papers change, whatever the size of the garden. Row ids of sentences, mentions and
evidence are assigned here (the caller holds the write lock), which lets us insert with
``executemany``.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Protocol

from kgarden import __version__
from kgarden.curate import records
from kgarden.curate.keys import RelationKey, paper_node_key
from kgarden.curate.state import Curation
from kgarden.extract.keys import concept_key, looks_like_acronym
from kgarden.extract.rules import ExtractorStamp
from kgarden.extract.salience import choose_name, specificity
from kgarden.extract.types import PAPER_SUBJECT, PaperExtraction
from kgarden.models import Paper
from kgarden.store.db import chunks, now


class PaperTexts(Protocol):
    """What writing facts needs of a paper (a ``Paper`` or an extractor's ``PaperText``)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def abstract(self) -> str: ...


@dataclass
class IngestPlan:
    """What ingesting a set of papers will do, decided before anything is written."""

    new: list[Paper] = field(default_factory=list)
    changed: list[Paper] = field(default_factory=list)  # text changed: facts are redone
    metadata: list[Paper] = field(default_factory=list)  # only other fields changed
    unextracted: list[Paper] = field(default_factory=list)  # stored, but facts missing
    unchanged: int = 0
    duplicates: int = 0  # the same id twice in the input (the first one is kept)

    @property
    def to_extract(self) -> list[Paper]:
        return self.new + self.changed + self.unextracted


class _Deltas:
    """Count changes gathered over a batch: plain lists while papers are added (cheap), counted
    once in ``totals`` (``Counter`` counts in C) and applied in a few statements."""

    def __init__(self, sign: int) -> None:
        self.sign = sign  # +1 when facts are added, -1 when they are removed
        self.mention_concepts: list[int] = []
        self.sentence_concepts: list[int] = []
        self.paper_concepts: list[int] = []
        self.surfaces: list[tuple[int, str, int, int]] = []
        self.sentence_pairs: list[tuple[int, int]] = []
        self.paper_pairs: list[tuple[int, int]] = []

    def add_paper(self, rows: Sequence[tuple[int, int, str, int, int]]) -> None:
        """rows: (concept_id, sentence_id, display, case_known, acronym) of one paper."""
        by_sentence: dict[int, set[int]] = defaultdict(set)
        for concept_id, sentence_id, *_ in rows:
            by_sentence[sentence_id].add(concept_id)
        self.mention_concepts.extend(r[0] for r in rows)
        self.surfaces.extend((r[0], r[2], r[3], r[4]) for r in rows)
        in_paper: set[int] = set()
        paper_pairs: set[tuple[int, int]] = set()
        for concepts in by_sentence.values():
            self.sentence_concepts.extend(concepts)
            in_paper |= concepts
            if len(concepts) > 1:
                pairs = list(combinations(sorted(concepts), 2))
                self.sentence_pairs.extend(pairs)
                paper_pairs.update(pairs)
        self.paper_concepts.extend(in_paper)
        self.paper_pairs.extend(paper_pairs)


class GardenWriter:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._created: set[int] = set()  # concepts created by the batch being written
        self._curation: Curation | None = None
        # paper pk -> {acronym key used bare: the concept the garden's definitions gave it, or
        # None}; kept only while ``track_bare`` (re-extraction, see stale_bare_acronyms)
        self.track_bare = False
        self.bare_resolutions: dict[int, dict[str, int | None]] = {}

    @property
    def curation(self) -> Curation:
        """Human decisions, applied to everything written (loaded once per writer)."""
        if self._curation is None:
            self._curation = Curation.load(self.conn)
        return self._curation

    # -- runs ----------------------------------------------------------------------------------
    def start_run(self, stamp: ExtractorStamp) -> int:
        cur = self.conn.execute(
            "INSERT INTO extraction_runs(component, kgarden_version, model, prompt_id, parameters,"
            " started_at) VALUES (?, ?, ?, ?, ?, ?)",
            (stamp.component, __version__, stamp.model, stamp.prompt_id,
             json.dumps(stamp.parameters, sort_keys=True), now()),
        )
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, papers: int) -> None:
        self.conn.execute(
            "UPDATE extraction_runs SET finished_at = ?, papers = papers + ? WHERE id = ?",
            (now(), papers, run_id),
        )

    # -- papers --------------------------------------------------------------------------------
    def plan(self, papers: Sequence[Paper]) -> IngestPlan:
        plan = IngestPlan()
        unique: dict[str, Paper] = {}
        for paper in papers:
            if paper.id in unique:
                plan.duplicates += 1
            else:
                unique[paper.id] = paper
        stored: dict[str, tuple[str, str, str | None]] = {}
        ids = list(unique)
        for part in chunks(ids):
            marks = ",".join("?" * len(part))
            for row in self.conn.execute(
                f"SELECT id, content_hash, record_hash, extracted_hash FROM papers"
                f" WHERE id IN ({marks})",
                list(part),
            ):
                stored[row[0]] = (row[1], row[2], row[3])
        for paper in unique.values():
            old = stored.get(paper.id)
            if old is None:
                plan.new.append(paper)
            elif old[0] != paper.content_hash:
                plan.changed.append(paper)
            elif old[2] != paper.content_hash:
                plan.unextracted.append(paper)
                if old[1] != paper.record_hash:
                    plan.metadata.append(paper)
            elif old[1] != paper.record_hash:
                plan.metadata.append(paper)
            else:
                plan.unchanged += 1
        return plan

    def save_papers(self, papers: Sequence[Paper]) -> dict[str, int]:
        """Insert new papers and update changed ones; returns id -> pk."""
        stamp = now()
        self.conn.executemany(
            "INSERT INTO papers(id, title, abstract, authors, date, year, venue, doi, arxiv_id,"
            " url, source, origin, extra, content_hash, record_hash, added_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(id) DO UPDATE SET title=excluded.title, abstract=excluded.abstract,"
            " authors=excluded.authors, date=excluded.date, year=excluded.year,"
            " venue=excluded.venue, doi=excluded.doi, arxiv_id=excluded.arxiv_id, url=excluded.url,"
            " extra=excluded.extra, content_hash=excluded.content_hash,"
            " record_hash=excluded.record_hash, updated_at=excluded.updated_at",
            [
                (p.id, p.title, p.abstract, json.dumps(list(p.authors), ensure_ascii=False),
                 p.date, p.year, p.venue, p.doi, p.arxiv_id, p.url, p.source, p.origin,
                 json.dumps(p.extra, ensure_ascii=False, sort_keys=True, default=str),
                 p.content_hash, p.record_hash, stamp, stamp)
                for p in papers
            ],
        )
        return self.paper_pks([p.id for p in papers])

    def paper_pks(self, ids: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for part in chunks(ids):
            marks = ",".join("?" * len(part))
            out.update(self.conn.execute(
                f"SELECT id, pk FROM papers WHERE id IN ({marks})", list(part)
            ).fetchall())
        return out

    # -- removing a paper's facts --------------------------------------------------------------
    def remove_facts(self, pks: Sequence[int], *, prune: bool = True) -> list[int]:
        """Take every extracted fact of these papers out of the garden, counts included; returns
        the relations that lost evidence. ``prune=False`` keeps relations left without evidence
        (so facts written again at once keep their ids and statuses): ``prune_relations`` later.
        """
        if not pks:
            return []
        deltas = _Deltas(-1)
        rel_counts: Counter[int] = Counter()
        for part in chunks(pks):
            marks = ",".join("?" * len(part))
            by_paper: dict[int, list[tuple[int, int, str, int, int]]] = defaultdict(list)
            for row in self.conn.execute(
                f"SELECT paper_pk, concept_id, sentence_id, display, case_known, acronym"
                f" FROM mentions WHERE paper_pk IN ({marks})", list(part),
            ):
                by_paper[row[0]].append(row[1:])
            for rows in by_paper.values():
                deltas.add_paper(rows)
            rel_counts.update(dict(self.conn.execute(
                f"SELECT relation_id, count(*) FROM evidence WHERE paper_pk IN ({marks})"
                f" GROUP BY relation_id", list(part),
            ).fetchall()))
            for table in ("evidence", "mentions", "aliases", "extraction_errors", "sentences"):
                self.conn.execute(f"DELETE FROM {table} WHERE paper_pk IN ({marks})", list(part))
            self.conn.execute(
                f"UPDATE papers SET extracted_hash = NULL, run_id = NULL WHERE pk IN ({marks})",
                list(part),
            )
        self._apply(deltas)
        self.conn.executemany(
            "UPDATE relations SET evidence_count = evidence_count - ? WHERE id = ?",
            [(n, rid) for rid, n in rel_counts.items()],
        )
        touched = sorted(rel_counts)
        if prune:
            self.prune_relations(touched)
        return touched

    def prune_relations(self, relation_ids: Sequence[int]) -> None:
        """A relation with no evidence left is gone, unless an assertion (a person's or a
        model's) holds it."""
        self.conn.executemany(
            "DELETE FROM relations WHERE id = ? AND evidence_count <= 0"
            " AND NOT EXISTS (SELECT 1 FROM assertions a WHERE a.relation_id = relations.id)",
            [(rid,) for rid in relation_ids],
        )

    # -- writing facts -------------------------------------------------------------------------
    def write_facts(
        self, extractions: Sequence[PaperExtraction], pk_of: Mapping[str, int],
        papers: Mapping[str, PaperTexts], run_id: int | Mapping[str, int], *,
        save_records: bool = True,
    ) -> set[int]:
        """Write the facts of these extractions with every human decision applied, and (with
        ``save_records``) keep each as its paper's record. ``run_id`` is one run for all, or
        the run of each paper id. A retracted paper keeps its record and gets no facts.
        Returns the relations that got evidence."""
        conn = self.conn
        run_of = (run_id if isinstance(run_id, Mapping)
                  else {ex.paper_id: run_id for ex in extractions})
        if save_records:
            records.save(conn, [(pk_of[ex.paper_id], run_of[ex.paper_id], ex)
                                for ex in extractions])
        retracted = self._retracted([pk_of[ex.paper_id] for ex in extractions])
        extractions = [ex for ex in extractions if pk_of[ex.paper_id] not in retracted]
        self._created = set()
        concept_ids, expanded, key_of = self._resolve_concepts(extractions, pk_of, papers)
        curation = self.curation
        next_sentence = self._next_id("sentences")
        next_mention = self._next_id("mentions")
        next_evidence = self._next_id("evidence")
        sentence_rows, mention_rows, evidence_rows = [], [], []
        relation_counts: Counter[tuple[int, str, int, int]] = Counter()
        relation_evidence: list[tuple[tuple[int, str, int, int], tuple[object, ...]]] = []
        deltas = _Deltas(+1)
        for ex in extractions:
            pk, paper, run = pk_of[ex.paper_id], papers[ex.paper_id], run_of[ex.paper_id]
            sentence_ids = []
            for sp in ex.sentences:
                text = (paper.title if sp.field == "title" else paper.abstract)[sp.start:sp.end]
                sentence_rows.append((next_sentence, pk, sp.field, sp.index, sp.start, sp.end,
                                      text))
                sentence_ids.append(next_sentence)
                next_sentence += 1
            machine = concept_ids[ex.paper_id]
            mention_concepts = concept_ids[("curated", ex.paper_id)]
            paper_rows = []
            for m, extracted_id, concept_id in zip(ex.mentions, machine, mention_concepts,
                                                   strict=True):
                sid = sentence_ids[m.sentence]
                acronym = int(m.acronym or m.key in expanded)
                mention_rows.append((next_mention, pk, sid, concept_id, m.start, m.end, m.surface,
                                     m.display, int(m.case_known), acronym, run, extracted_id))
                paper_rows.append((concept_id, sid, m.display, int(m.case_known), acronym))
                next_mention += 1
            deltas.add_paper(paper_rows)
            for r in ex.relations:
                obj = mention_concepts[r.object]
                if r.subject == PAPER_SUBJECT:
                    subj = concept_ids[("paper", ex.paper_id)][0]
                    s_start: int | None = None
                    s_end: int | None = None
                else:
                    subj = mention_concepts[r.subject]
                    s_start, s_end = ex.mentions[r.subject].start, ex.mentions[r.subject].end
                if subj == obj:
                    continue
                predicate = r.predicate
                if curation.relabels:
                    predicate = curation.predicate(
                        RelationKey(key_of[subj], r.predicate, key_of[obj], r.negated))
                key = (subj, predicate, obj, int(r.negated))
                relation_counts[key] += 1
                o = ex.mentions[r.object]
                relation_evidence.append((key, (pk, sentence_ids[r.sentence], s_start, s_end,
                                                o.start, o.end, r.trigger, int(r.hedged),
                                                r.confidence, run)))
        conn.executemany(
            "INSERT INTO sentences(id, paper_pk, field, idx, start_char, end_char, text)"
            " VALUES (?,?,?,?,?,?,?)", sentence_rows,
        )
        conn.executemany(
            "INSERT INTO mentions(id, paper_pk, sentence_id, concept_id, start_char, end_char,"
            " surface, display, case_known, acronym, run_id, extracted_id)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            mention_rows,
        )
        first_new = self._next_id("relations")
        relation_ids = self._upsert_relations(relation_counts)
        self._decided_statuses([(rid, key) for key, rid in relation_ids.items()
                                if rid >= first_new], key_of)
        for key, row in relation_evidence:
            evidence_rows.append((next_evidence, relation_ids[key], *row))
            next_evidence += 1
        conn.executemany(
            "INSERT INTO evidence(id, relation_id, paper_pk, sentence_id, subject_start,"
            " subject_end, object_start, object_end, trigger, hedged, confidence, run_id)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", evidence_rows,
        )
        self._apply(deltas)
        conn.executemany(
            "UPDATE papers SET extracted_hash = content_hash, run_id = ? WHERE pk = ?",
            [(run_of[ex.paper_id], pk_of[ex.paper_id]) for ex in extractions],
        )
        return set(relation_ids.values())

    def _retracted(self, pks: Sequence[int]) -> set[int]:
        out: set[int] = set()
        for part in chunks(pks):
            marks = ",".join("?" * len(part))
            out.update(int(r[0]) for r in self.conn.execute(
                f"SELECT pk FROM papers WHERE retracted = 1 AND pk IN ({marks})", list(part)))
        return out

    def _decided_statuses(self, new: Sequence[tuple[int, tuple[int, str, int, int]]],
                          key_of: Mapping[int, str]) -> None:
        """A relation row made now may be one a person decided on before (a merge or a
        re-extraction brought it back): it takes that decision."""
        statuses = self.curation.statuses
        if not statuses or not new:
            return
        updates = []
        for rid, (subj, predicate, obj, negated) in new:
            decided = statuses.get(RelationKey(key_of[subj], predicate, key_of[obj],
                                               bool(negated)))
            if decided is not None:
                updates.append((decided[0], rid))
        self.conn.executemany("UPDATE relations SET status = ? WHERE id = ?", updates)

    def record_error(self, pk: int, run_id: int, message: str) -> None:
        self.conn.execute(
            "INSERT INTO extraction_errors(paper_pk, run_id, message, at) VALUES (?, ?, ?, ?)",
            (pk, run_id, message, now()),
        )

    def _next_id(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0])

    def _upsert_relations(
        self, counts: Counter[tuple[int, str, int, int]]
    ) -> dict[tuple[int, str, int, int], int]:
        """Insert or count up each relation; returns the id of every key in ``counts``."""
        stamp = now()
        self.conn.executemany(
            "INSERT INTO relations(subject_id, predicate, object_id, negated, evidence_count,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(subject_id, predicate, object_id, negated)"
            " DO UPDATE SET evidence_count = evidence_count + excluded.evidence_count",
            [(*key, n, stamp) for key, n in sorted(counts.items())],
        )
        ids: dict[tuple[int, str, int, int], int] = {}
        subjects = sorted({key[0] for key in counts})
        for part in chunks(subjects):
            marks = ",".join("?" * len(part))
            for rid, *key in self.conn.execute(
                f"SELECT id, subject_id, predicate, object_id, negated FROM relations"
                f" WHERE subject_id IN ({marks})", list(part),
            ):
                if tuple(key) in counts:
                    ids[(key[0], key[1], key[2], key[3])] = rid
        return ids

    # -- concepts ------------------------------------------------------------------------------
    def _resolve_concepts(
        self, extractions: Sequence[PaperExtraction], pk_of: Mapping[str, int],
        papers: Mapping[str, PaperTexts],
    ) -> tuple[dict[object, list[int]], set[str], dict[int, str]]:
        """Concept ids of every mention (per paper, in order), creating concepts as needed: as
        the extractor resolved them (``paper id``) and with human decisions applied (``("curated",
        paper id)``); the acronym keys resolved through the garden's definitions; and the key of
        every concept id involved.

        Acronyms defined in this batch are stored first, so an acronym used without its
        definition ("KD" alone) resolves through definitions from any paper in the garden.
        """
        display_of: dict[str, str] = {}
        for ex in extractions:
            for m in ex.mentions:
                display_of.setdefault(m.key, m.display)
        long_keys = {a.key for ex in extractions for a in ex.acronyms}
        ids = self._concept_ids(sorted(long_keys), display_of)
        alias_rows = []
        for ex in extractions:
            for a in ex.acronyms:
                alias_rows.append((concept_key(a.short), ids[a.key], a.short, a.long_form,
                                   pk_of[ex.paper_id]))
        self.conn.executemany(
            "INSERT INTO aliases(alias, concept_id, surface, long_form, kind, paper_pk)"
            " VALUES (?, ?, ?, ?, 'acronym', ?)", alias_rows,
        )
        bare = sorted({m.key for ex in extractions for m in ex.mentions
                       if not m.acronym and looks_like_acronym(m.surface)})
        expansions = self._dominant_expansions(bare)
        if self.track_bare:
            bare_keys = set(bare)
            for ex in extractions:
                used = {m.key for m in ex.mentions if not m.acronym and m.key in bare_keys}
                if used:
                    self.bare_resolutions[pk_of[ex.paper_id]] = {
                        k: expansions.get(k) for k in used}
        keys = sorted({m.key for ex in extractions for m in ex.mentions} - set(expansions))
        ids.update(self._concept_ids(keys, display_of))
        key_of = {cid: key for key, cid in ids.items()}
        key_of.update(self._keys(sorted(set(expansions.values()) - set(key_of))))
        out: dict[object, list[int]] = {}
        for ex in extractions:
            out[ex.paper_id] = [expansions.get(m.key) or ids[m.key] for m in ex.mentions]
            if any(r.subject == PAPER_SUBJECT for r in ex.relations):
                node = self._paper_node(papers[ex.paper_id])
                out[("paper", ex.paper_id)] = [node]
                key_of[node] = paper_node_key(ex.paper_id)
        curation = self.curation
        if not curation.moves_concepts:
            for ex in extractions:
                out[("curated", ex.paper_id)] = out[ex.paper_id]
            return out, set(expansions), key_of
        finals: dict[str, list[str]] = {}
        for ex in extractions:
            finals[ex.paper_id] = [
                curation.resolve(key_of[cid], m.surface,
                                 (ex.paper_id, ex.sentences[m.sentence].field, m.start, m.end))
                for m, cid in zip(ex.mentions, out[ex.paper_id], strict=True)]
        names = curation.names
        wanted = sorted({k for keys_ in finals.values() for k in keys_} - set(ids))
        final_ids = dict(ids)
        final_ids.update(self._concept_ids(wanted, {k: names.get(k, k) for k in wanted}))
        key_of.update({cid: key for key, cid in final_ids.items()})
        for ex in extractions:
            out[("curated", ex.paper_id)] = [final_ids[k] for k in finals[ex.paper_id]]
        return out, set(expansions), key_of

    def _keys(self, concept_ids: Sequence[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for part in chunks(concept_ids):
            marks = ",".join("?" * len(part))
            out.update((int(i), str(k)) for i, k in self.conn.execute(
                f"SELECT id, key FROM concepts WHERE id IN ({marks})", list(part)))
        return out

    def stale_bare_acronyms(self) -> set[int]:
        """Papers whose bare acronyms the garden's definitions now resolve otherwise than when
        they were written. A whole-garden re-extraction replaces the definitions paper by
        paper, so an early paper's "LLMs" may have followed definitions that later papers of
        the same pass replaced (an older extractor's concept)."""
        keys = sorted({k for used in self.bare_resolutions.values() for k in used})
        now = self._dominant_expansions(keys)
        return {pk for pk, used in self.bare_resolutions.items()
                if any(now.get(k) != concept for k, concept in used.items())}

    def _dominant_expansions(self, keys: Sequence[str]) -> dict[str, int]:
        """Acronym key -> concept, where the garden's definitions clearly agree (2:1 or more)."""
        votes: dict[str, Counter[int]] = defaultdict(Counter)
        for part in chunks(keys):
            marks = ",".join("?" * len(part))
            for alias, concept_id, n in self.conn.execute(
                f"SELECT alias, concept_id, count(*) FROM aliases WHERE alias IN ({marks})"
                f" GROUP BY alias, concept_id", list(part),
            ):
                votes[alias][concept_id] = n
        out = {}
        for alias, counter in votes.items():
            ranked = counter.most_common(2)
            if len(ranked) == 1 or ranked[0][1] >= 2 * ranked[1][1]:
                out[alias] = ranked[0][0]
        return out

    def _concept_ids(self, keys: Sequence[str], display_of: dict[str, str]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for part in chunks(keys):
            marks = ",".join("?" * len(part))
            ids.update(self.conn.execute(
                f"SELECT key, id FROM concepts WHERE key IN ({marks})", list(part)
            ).fetchall())
        missing = [k for k in keys if k not in ids]
        if missing:
            stamp = now()
            rows = []
            for k in missing:
                display = display_of.get(k, k)
                rows.append((k, display, len(display.split()), specificity(display), stamp))
            self.conn.executemany(
                "INSERT INTO concepts(key, name, words, specificity, created_at)"
                " VALUES (?, ?, ?, ?, ?)", rows,
            )
            for part in chunks(missing):
                marks = ",".join("?" * len(part))
                created = self.conn.execute(
                    f"SELECT key, id FROM concepts WHERE key IN ({marks})", list(part)
                ).fetchall()
                ids.update(created)
                self._created.update(cid for _, cid in created)
        return ids

    def _paper_node(self, paper: PaperTexts) -> int:
        """The node standing for a paper as the subject of "we propose X"."""
        key = f"paper:{paper.id}"
        row = self.conn.execute(
            "INSERT INTO concepts(key, name, kind, words, paper_count, created_at)"
            " VALUES (?, ?, 'paper', ?, 1, ?)"
            " ON CONFLICT(key) DO UPDATE SET name = excluded.name RETURNING id",
            (key, paper.title or paper.id, len(paper.title.split()), now()),
        ).fetchone()
        return int(row[0])

    # -- counts --------------------------------------------------------------------------------
    def _apply(self, deltas: _Deltas) -> None:
        conn, sign = self.conn, deltas.sign
        mentions = Counter(deltas.mention_concepts)
        papers = Counter(deltas.paper_concepts)
        sentences = Counter(deltas.sentence_concepts)
        conn.executemany(
            "UPDATE concepts SET mention_count = mention_count + ?, paper_count = paper_count + ?,"
            " sentence_count = sentence_count + ? WHERE id = ?",
            [(sign * n, sign * papers[cid], sign * sentences[cid], cid)
             for cid, n in mentions.items()],
        )
        surfaces = Counter(deltas.surfaces)
        conn.executemany(
            "INSERT INTO concept_surfaces(concept_id, surface, case_known, acronym, count)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(concept_id, surface, case_known, acronym)"
            " DO UPDATE SET count = count + excluded.count",
            [(*key, sign * n) for key, n in surfaces.items()],
        )
        if sign < 0:
            conn.executemany(
                "DELETE FROM concept_surfaces WHERE concept_id = ? AND surface = ?"
                " AND case_known = ? AND acronym = ? AND count <= 0", list(surfaces),
            )
        pair_papers = Counter(deltas.paper_pairs)
        conn.executemany(
            "INSERT INTO cooccurrences(a, b, sentences, papers) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(a, b) DO UPDATE SET sentences = sentences + excluded.sentences,"
            " papers = papers + excluded.papers",
            [(a, b, sign * n, sign * pair_papers[(a, b)])
             for (a, b), n in Counter(deltas.sentence_pairs).items()],
        )
        if sign < 0:
            conn.executemany(
                "DELETE FROM cooccurrences WHERE a = ? AND b = ? AND sentences <= 0",
                list(pair_papers),
            )
        # a concept created by this batch and written one way only is named that way already
        forms: dict[int, set[str]] = defaultdict(set)
        for cid, surface, *_ in surfaces:
            forms[cid].add(surface)
        self._rename([cid for cid in mentions
                      if sign < 0 or cid not in self._created or len(forms[cid]) > 1])

    def _rename(self, concept_ids: Sequence[int]) -> None:
        """Names follow usage (extract/salience.py ``choose_name``)."""
        surfaces: dict[int, list[tuple[str, int, int, int]]] = defaultdict(list)
        for part in chunks(concept_ids):
            marks = ",".join("?" * len(part))
            for cid, surface, case_known, acronym, count in self.conn.execute(
                f"SELECT concept_id, surface, case_known, acronym, count FROM concept_surfaces"
                f" WHERE concept_id IN ({marks}) AND count > 0", list(part),
            ):
                surfaces[cid].append((surface, case_known, acronym, count))
        named = self.curation.names
        keys = self._keys(list(surfaces)) if named else {}
        updates = []
        for cid, rows in surfaces.items():
            name = named.get(keys.get(cid, "")) or choose_name(rows)  # a person's name stays
            if name is not None:
                updates.append((name, cid))
        self.conn.executemany("UPDATE concepts SET name = ? WHERE id = ? AND name != ?",
                              [(n, c, n) for n, c in updates])
