-- Schema 1 -> 2: the ledger records each file's path inside its source (part of doc_id).
-- Rows written by schema 1 get the file name, which is what a one-file source gives.
ALTER TABLE raw_files ADD COLUMN IF NOT EXISTS relpath VARCHAR;
UPDATE raw_files SET relpath = regexp_extract(uri, '[^/]*$') WHERE relpath IS NULL;
