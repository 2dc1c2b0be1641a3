-- Vectors of papers and concepts, stamped with the embedder that made them (meta 'embedder'
-- names the garden's one embedder; a query from another is refused). A vector is current while
-- its source_key still names the text it was made from, so re-embedding is incremental
-- and an interrupted `kgarden embed` resumes where it stopped.

CREATE TABLE vectors (
    kind        TEXT NOT NULL CHECK (kind IN ('paper', 'concept')),
    item_id     INTEGER NOT NULL,             -- papers.pk or concepts.id
    embedder    TEXT NOT NULL,                -- registry name, e.g. 'minilm.v1'
    source_key  TEXT NOT NULL,                -- papers.content_hash, or the concept's name
    vector      BLOB NOT NULL,                -- float32, L2-normalised
    PRIMARY KEY (kind, item_id)
) WITHOUT ROWID;
