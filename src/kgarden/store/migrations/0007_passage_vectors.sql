-- Passage vectors (setting embed_passages, off by default): each abstract cut at sentence
-- boundaries into passages of at most 126 word pieces, the title leading the first, one
-- vector each. Dense search then scores a paper by its whole vector and its best passage,
-- so a long abstract is read past the 256 word pieces of its one vector. A paper's passages
-- are current while source_key is its content_hash; they are replaced together.

CREATE TABLE passage_vectors (
    paper_pk    INTEGER NOT NULL REFERENCES papers(pk),
    idx         INTEGER NOT NULL,             -- order within the paper
    start_char  INTEGER NOT NULL,             -- offsets into papers.abstract (the first
    end_char    INTEGER NOT NULL,             -- passage reads the title too)
    embedder    TEXT NOT NULL,
    source_key  TEXT NOT NULL,                -- papers.content_hash
    vector      BLOB NOT NULL,                -- float32, L2-normalised
    PRIMARY KEY (paper_pk, idx)
) WITHOUT ROWID;
