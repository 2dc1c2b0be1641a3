-- Curation (issue 5). The fact tables (mentions, relations, evidence, counts) hold what the
-- extractors found with every human decision applied. Decisions come from the append-only
-- `events`; `decisions` is their current value (derived: replaying the events rebuilds it), and
-- `extractions` keeps each paper's extraction record, so the facts of a paper can be derived
-- again after a merge, split, relabel or retraction, or the undo of one, without parsing it again.

-- the active extraction record of each paper: zlib-compressed JSON (curate/records.py)
CREATE TABLE extractions (
    paper_pk INTEGER PRIMARY KEY REFERENCES papers(pk),
    run_id   INTEGER NOT NULL REFERENCES extraction_runs(id),
    record   BLOB NOT NULL
);

-- the current value of every curated property (last event wins; absent = the machine's default)
CREATE TABLE decisions (
    target_kind TEXT NOT NULL,               -- relation, concept, paper, hypothesis, fact, garden
    target      TEXT NOT NULL,               -- a stable key (curate/keys.py), never a rowid
    property    TEXT NOT NULL,               -- status, predicate, into, name, split:<key>, ...
    value       TEXT NOT NULL,               -- JSON
    event_id    INTEGER NOT NULL REFERENCES events(id),
    actor       TEXT NOT NULL,
    PRIMARY KEY (target_kind, target, property)
) WITHOUT ROWID;

-- the concept the extractor's own resolution gave a mention, before human decisions; only
-- mentions a decision moved are indexed (a merge or split is undone through them)
ALTER TABLE mentions ADD COLUMN extracted_id INTEGER;
CREATE INDEX mentions_curated ON mentions(extracted_id) WHERE extracted_id != concept_id;

-- support for a relation that is not a sentence an extractor read: a person's statement (with
-- a note, or a sentence of a paper they chose) or a language model's answer (harvest)
CREATE TABLE assertions (
    id          INTEGER PRIMARY KEY,
    relation_id INTEGER NOT NULL REFERENCES relations(id),
    kind        TEXT NOT NULL CHECK (kind IN ('human', 'model')),
    fact        TEXT NOT NULL,               -- the decisions target of the fact
    actor       TEXT NOT NULL,
    note        TEXT,
    paper_pk    INTEGER,                     -- the sentence a person gave as evidence, by its
    field       TEXT,                        -- place (sentence ids change when a paper's
    start_char  INTEGER,                     -- facts are derived again)
    model       TEXT,                        -- harvest: model and prompt that answered
    prompt_id   TEXT,
    score       REAL,
    event_id    INTEGER NOT NULL REFERENCES events(id)
);
CREATE INDEX assertions_relation ON assertions(relation_id);

-- hypotheses whose evidence lost a paper (retracted) say so
ALTER TABLE hypotheses ADD COLUMN flags TEXT NOT NULL DEFAULT '[]';

CREATE INDEX events_target ON events(target_kind, target);
