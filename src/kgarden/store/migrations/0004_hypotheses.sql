-- The hypothesis ledger: concept pairs that no paper mentions together, proposed by
-- `kgarden hypotheses` with the paths and evidence sentences they rest on. One row per pair
-- (a_id < b_id): re-running updates the scores and evidence of a proposed entry and never
-- touches the status a person gave it.
CREATE TABLE hypotheses (
    id           INTEGER PRIMARY KEY,
    a_id         INTEGER NOT NULL REFERENCES concepts(id),
    b_id         INTEGER NOT NULL REFERENCES concepts(id),
    score        REAL NOT NULL,             -- plausibility x novelty, the ranking
    plausibility REAL NOT NULL,             -- graph/linkpred.py combined score
    novelty      REAL NOT NULL,             -- 1 / (1 + ln(1 + shared neighbours))
    signals      TEXT NOT NULL,             -- JSON: adamic_adar, common_neighbours, cosine, ...
    paths        TEXT NOT NULL,             -- JSON: supporting paths, each edge with its sentence
    components   TEXT NOT NULL,             -- JSON: ranker, weights, embedder, graph settings
    statement    TEXT,                      -- an LLM's hypothesis statement, citations checked
    statement_by TEXT,                      -- JSON: model, prompt id
    status       TEXT NOT NULL DEFAULT 'proposed'
                 CHECK (status IN ('proposed', 'accepted', 'rejected', 'tested')),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (a_id, b_id),
    CHECK (a_id < b_id)
);
CREATE INDEX hypotheses_score ON hypotheses(score DESC);
