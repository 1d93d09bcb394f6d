-- Schema 2 -> 3: runs record what the quality gate kept out and what it warned about.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS quarantined BIGINT;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS quality JSON;
