-- What metadata and entity extraction adds: entities, quotations, cited sources.
-- Offsets (start, "end") are character offsets into documents.body.

CREATE TABLE IF NOT EXISTS entities (
    doc_id       VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,          -- person | organization | location
    text         VARCHAR NOT NULL,
    canonical    VARCHAR,                   -- the full name a short mention links to
    country_code VARCHAR,                   -- ISO 3166-1 alpha-2 when the location is a country
    start        INTEGER NOT NULL,
    "end"        INTEGER NOT NULL,
    batch_id     VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS quotes (
    doc_id   VARCHAR NOT NULL,
    speaker  VARCHAR,
    text     VARCHAR NOT NULL,
    start    INTEGER NOT NULL,
    "end"    INTEGER NOT NULL,
    batch_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS cited_sources (
    doc_id   VARCHAR NOT NULL,
    name     VARCHAR NOT NULL,
    kind     VARCHAR,                       -- agency | newspaper | platform | outlet
    batch_id VARCHAR NOT NULL
);
