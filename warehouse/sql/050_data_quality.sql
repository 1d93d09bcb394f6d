-- Data-quality results (issue 4): one row per Great Expectations expectation evaluated,
-- written by expectations.store.store_results for the batch gate (before a batch is loaded)
-- and for the warehouse checks (after the load). batch_id is NULL for warehouse checks.
-- Query quality over time with SQL, e.g. failures per run:
--   SELECT run_id, suite, expectation, column_name, severity, count(*) FILTER (NOT success)
--   FROM dq_results GROUP BY ALL ORDER BY run_id;
CREATE TABLE IF NOT EXISTS dq_results (
    run_id           VARCHAR NOT NULL,
    batch_id         VARCHAR,                -- NULL: a check of the whole warehouse after the run
    suite            VARCHAR NOT NULL,       -- documents | paragraphs | ... | warehouse
    expectation      VARCHAR NOT NULL,       -- GX type, e.g. expect_column_values_to_be_unique
    column_name      VARCHAR,
    severity         VARCHAR NOT NULL,       -- critical | warning
    success          BOOLEAN NOT NULL,
    observed_value   VARCHAR,                -- GX observed value, or "error: ..." if it raised
    unexpected_count BIGINT,
    checked_at       TIMESTAMPTZ NOT NULL,
    element_count    BIGINT,                 -- rows the expectation looked at
    description      VARCHAR,                -- what the expectation means, in words
    details          VARCHAR                 -- a few unexpected values (JSON), if any
);
