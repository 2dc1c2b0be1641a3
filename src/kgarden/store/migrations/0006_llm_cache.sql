-- The LLM partner (issue 5): replies of the model, cached by (prompt id, model, input hash), so
-- a rerun makes no call for an input already answered. The LLM extractor writes a paper's
-- entry in the same transaction as that paper's facts: a run killed at any moment resumes from
-- here. `reply` is the JSON object the model returned, after it passed validation; what it means
-- (facts, harvested pairs) is derived from it again on each use.
CREATE TABLE llm_cache (
    prompt_id         TEXT NOT NULL,              -- e.g. 'extract.v1'
    model             TEXT NOT NULL,              -- the model name sent to the endpoint
    input_hash        TEXT NOT NULL,              -- sha256 of the prompt's filled-in values
    reply             TEXT NOT NULL,              -- JSON object
    prompt_tokens     INTEGER,                    -- as the endpoint reported them (NULL: not)
    completion_tokens INTEGER,
    attempts          INTEGER NOT NULL,
    created_at        TEXT NOT NULL,
    PRIMARY KEY (prompt_id, model, input_hash)
) WITHOUT ROWID;
