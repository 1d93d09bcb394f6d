-- Near-duplicate detection state and corpus-learned boilerplate (issue 8).
-- Written by warehouse.near_dupes; signatures come from transforms.near_dupes.

-- One MinHash signature per document in `documents` (rensa RMinHash, uint32 slots).
-- batch_id lets link_batch find the batch's rows without going through `documents`.
CREATE TABLE IF NOT EXISTS minhash_signatures (
    doc_id     VARCHAR PRIMARY KEY,
    signature  UINTEGER[] NOT NULL,
    n_shingles INTEGER NOT NULL,
    batch_id   VARCHAR NOT NULL
);

-- LSH band keys: key already folds in the band number, so a lookup joins on key alone.
-- No ART index: DuckDB never uses one for a join (measured: the hash join scans the key
-- column, ~2 ms per million band rows, and an index makes bulk inserts 6-10x slower).
-- Rows are appended batch by batch, so each batch's rows are contiguous and the batch_id
-- filter that picks "this batch's keys" is cheap on the compressed column.
CREATE TABLE IF NOT EXISTS minhash_bands (
    key      UBIGINT NOT NULL,
    band     SMALLINT NOT NULL,
    doc_id   VARCHAR NOT NULL,
    batch_id VARCHAR NOT NULL
);

-- The signature settings the stored rows were made with (see NearDupConfig.fingerprint):
-- a run whose settings differ must not match against them.
CREATE TABLE IF NOT EXISTS minhash_settings (
    fingerprint VARCHAR PRIMARY KEY,
    first_used  TIMESTAMPTZ NOT NULL
);

-- Paragraphs that recur in many documents of one outlet. n_docs counts distinct clusters
-- (near-duplicate copies of one story count once). Rows are only ever added or raised, never
-- dropped: once stripping starts, a learned paragraph stops appearing in new documents.
CREATE TABLE IF NOT EXISTS boilerplate_paragraphs (
    outlet         VARCHAR NOT NULL,
    paragraph_hash VARCHAR NOT NULL,          -- transforms.near_dupes.paragraph_hash
    n_docs         BIGINT NOT NULL,
    share          DOUBLE,                    -- n_docs / clusters of the outlet when learned
    example        VARCHAR NOT NULL,
    learned_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (outlet, paragraph_hash)
);

-- One row per story: the canonical document of each cluster (a singleton is its own
-- cluster), how many stored documents carry the story, and every outlet that ran it.
CREATE OR REPLACE VIEW articles AS
WITH members AS (
    SELECT coalesce(cluster_id, doc_id) AS cluster_id, doc_id, outlet
    FROM documents
), agg AS (
    SELECT cluster_id,
           count(*) AS n_copies,
           list(DISTINCT outlet ORDER BY outlet) FILTER (WHERE outlet IS NOT NULL) AS outlets
    FROM members
    GROUP BY cluster_id
)
SELECT d.*, agg.n_copies, coalesce(agg.outlets, []::VARCHAR[]) AS outlets
FROM documents d
JOIN agg ON agg.cluster_id = d.doc_id;
