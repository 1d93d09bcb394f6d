-- Core tables of the warta warehouse. Applied in file-name order by warehouse.schema.
-- Every statement is idempotent so that opening a warehouse twice is harmless.

CREATE TABLE IF NOT EXISTS schema_info (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS runs (
    run_id        VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        VARCHAR NOT NULL,          -- running | completed | failed | crashed
    files_seen    BIGINT,
    files_skipped BIGINT,                    -- already in the ledger, unchanged
    records_seen  BIGINT,
    documents     BIGINT,
    duplicates    BIGINT,
    rejects       BIGINT,
    rejects_by_reason JSON,
    seconds       DOUBLE,
    error         VARCHAR,
    quarantined   BIGINT,                    -- records kept out by the quality gate
    quality       JSON                       -- gate failures, warnings, warehouse checks
);

-- One row per committed batch: the unit of atomic loading.
CREATE TABLE IF NOT EXISTS batches (
    batch_id     VARCHAR PRIMARY KEY,
    run_id       VARCHAR NOT NULL,
    committed_at TIMESTAMPTZ NOT NULL,
    n_files      BIGINT NOT NULL,
    n_records    BIGINT NOT NULL
);

-- The ledger: every raw file version that was read.
CREATE TABLE IF NOT EXISTS raw_files (
    uri          VARCHAR NOT NULL,
    relpath      VARCHAR NOT NULL,           -- path inside the source: part of doc_id
    content_hash VARCHAR NOT NULL,
    size         BIGINT NOT NULL,
    mtime        DOUBLE,
    format       VARCHAR,
    n_records    BIGINT NOT NULL,
    first_run    VARCHAR NOT NULL,
    last_run     VARCHAR NOT NULL,
    batch_id     VARCHAR NOT NULL,
    PRIMARY KEY (uri, content_hash)
);

CREATE TABLE IF NOT EXISTS documents (
    doc_id                VARCHAR PRIMARY KEY,
    source_uri            VARCHAR NOT NULL,
    record_index          BIGINT NOT NULL,
    file_hash             VARCHAR NOT NULL,
    format                VARCHAR NOT NULL,
    url                   VARCHAR,
    title                 VARCHAR,
    title_source          VARCHAR,
    body                  VARCHAR NOT NULL,
    content_hash          VARCHAR NOT NULL,  -- exact-duplicate key: the body before corpus-learned boilerplate was removed
    n_paragraphs          INTEGER NOT NULL,
    n_repeated_paragraphs INTEGER NOT NULL,
    n_boilerplate_lines   INTEGER NOT NULL,
    n_chars               INTEGER NOT NULL,
    n_words               INTEGER,
    encoding              VARCHAR,
    published_date        DATE,
    published_at          TIMESTAMPTZ,
    date_source           VARCHAR,
    date_year_inferred    BOOLEAN,
    outlet                VARCHAR,
    outlet_source         VARCHAR,
    authors               VARCHAR[],
    authors_source        VARCHAR,
    dateline              VARCHAR,
    language              VARCHAR,
    language_score        DOUBLE,
    cluster_id            VARCHAR,
    ingested_at           TIMESTAMPTZ NOT NULL,
    run_id                VARCHAR NOT NULL,
    batch_id              VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS paragraphs (
    doc_id         VARCHAR NOT NULL,
    position       INTEGER NOT NULL,
    text           VARCHAR NOT NULL,
    -- md5 of the normalised text (transforms.near_dupes.paragraph_hash), computed by the
    -- batch task so boilerplate learning never re-normalises the history; NULL in rows
    -- from before schema 4, filled in by the next learning pass.
    paragraph_hash VARCHAR,
    PRIMARY KEY (doc_id, position)
);

CREATE TABLE IF NOT EXISTS duplicates (
    doc_id           VARCHAR NOT NULL,
    source_uri       VARCHAR NOT NULL,
    record_index     BIGINT NOT NULL,
    canonical_doc_id VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL,       -- exact | near
    similarity       DOUBLE,
    run_id           VARCHAR NOT NULL,
    batch_id         VARCHAR NOT NULL,
    PRIMARY KEY (doc_id, kind)
);

CREATE TABLE IF NOT EXISTS rejects (
    source_uri   VARCHAR NOT NULL,
    record_index BIGINT,
    file_hash    VARCHAR,
    reason       VARCHAR NOT NULL,           -- see transforms.validation.RejectReason
    detail       VARCHAR,
    run_id       VARCHAR NOT NULL,
    batch_id     VARCHAR NOT NULL
);
