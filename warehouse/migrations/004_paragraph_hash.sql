-- Schema 3 -> 4: paragraphs carry the hash boilerplate learning counts (see 001_core.sql).
-- Existing rows stay NULL here (a quick migration); learn_boilerplate fills them once.
ALTER TABLE paragraphs ADD COLUMN IF NOT EXISTS paragraph_hash VARCHAR;
