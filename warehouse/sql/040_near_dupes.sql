-- Near-duplicate detection state and corpus-learned boilerplate (issue 8).
-- Written by warehouse.near_dupes; signatures come from transforms.near_dupes.

-- One MinHash signature per document in `documents`: rensa RMinHash, num_perm uint32 slots
-- stored as one little-endian BLOB (DuckDB fetches a blob ~4x faster than a UINTEGER[]).
-- seq numbers signatures in load order (1, 2, ...): minhash_bands refers to documents by it,
-- and a batch's rows form one seq range, found through the zone maps without a scan.
CREATE TABLE IF NOT EXISTS minhash_signatures (
    doc_id     VARCHAR PRIMARY KEY,
    seq        BIGINT NOT NULL,
    signature  BLOB NOT NULL,
    n_shingles INTEGER NOT NULL,
    batch_id   VARCHAR NOT NULL
);

-- LSH band keys. key folds in the band number, so a lookup joins on key alone; seq is the
-- document's minhash_signatures.seq. The table is kept this narrow on purpose: DuckDB uses
-- no index for a join (an ART index is also 6-10x slower to insert into), so finding the
-- candidates of a batch reads the key column of the whole history once (~8 bytes a row,
-- 32 rows a document) and the seq column only for matching rows; a VARCHAR doc_id here
-- made that step 4x slower at 200,000 documents.
CREATE TABLE IF NOT EXISTS minhash_bands (
    key  UBIGINT NOT NULL,
    seq  BIGINT NOT NULL,
    band SMALLINT NOT NULL
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

-- Batches whose paragraphs boilerplate learning has counted. Learning recounts, over the
-- whole history, only the paragraphs of batches not listed here: a crashed or failed run's
-- batches are picked up by the next run. Each learning pass writes its rows of this table
-- and of boilerplate_paragraphs to the lake (this table's file last, marking the pass
-- complete); `warta rebuild` replays them.
CREATE TABLE IF NOT EXISTS boilerplate_learned_batches (
    batch_id   VARCHAR PRIMARY KEY,
    learned_at TIMESTAMPTZ NOT NULL
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
