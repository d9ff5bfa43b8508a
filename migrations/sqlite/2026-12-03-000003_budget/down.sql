DROP TABLE baseline_totals;
DROP TABLE baseline_years;
DROP TABLE baseline_lines;
DROP TABLE baselines;
DROP TABLE decisions;
CREATE TABLE api_keys_without_people (
    name         TEXT PRIMARY KEY NOT NULL,
    key_id       TEXT NOT NULL UNIQUE,
    secret_hash  TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    directorates TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP
);
INSERT INTO api_keys_without_people (name, key_id, secret_hash, role, directorates, created_at, revoked_at)
    SELECT name, key_id, secret_hash, CASE role WHEN 'approver' THEN 'reader' ELSE role END, directorates, created_at, revoked_at FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_without_people RENAME TO api_keys;
