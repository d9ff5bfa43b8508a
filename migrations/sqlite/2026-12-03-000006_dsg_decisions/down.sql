-- Back to transfers without decisions. A decision of the Secretary of State becomes a body `other` so named.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE dsg_transfers_without_decisions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    year_start   INTEGER NOT NULL,
    from_block   TEXT NOT NULL,
    to_block     TEXT NOT NULL,
    amount_pence BIGINT NOT NULL CHECK (amount_pence > 0),
    approved_by  TEXT NOT NULL CHECK (approved_by IN ('schools_forum', 'secretary_of_state')),
    reference    TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    CHECK (from_block <> to_block)
);
INSERT INTO dsg_transfers_without_decisions (id, year_start, from_block, to_block, amount_pence, approved_by, reference, created_at)
    SELECT id, year_start, from_block, to_block, amount_pence, approved_by, reference, created_at FROM dsg_transfers;
DROP TABLE dsg_transfers;
ALTER TABLE dsg_transfers_without_decisions RENAME TO dsg_transfers;
CREATE INDEX dsg_transfers_by_year ON dsg_transfers (year_start);

ALTER TABLE dsg_balances DROP COLUMN allocation_before_recoupment_pence;

CREATE TABLE decisions_before AS SELECT * FROM decisions;
DROP TABLE decisions;
CREATE TABLE decisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    body        TEXT NOT NULL CHECK (body IN ('cabinet', 'council', 'scrutiny', 's151_officer', 'executive_director', 'schools_forum', 'improvement_board', 'other')),
    body_name   TEXT, -- the body, when `other`
    decided_on  DATE NOT NULL,
    reference   TEXT NOT NULL,
    summary     TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    CHECK ((body = 'other') = (body_name IS NOT NULL))
);
INSERT INTO decisions (id, body, body_name, decided_on, reference, summary, recorded_by, recorded_at)
    SELECT id, CASE body WHEN 'secretary_of_state' THEN 'other' ELSE body END,
           CASE body WHEN 'secretary_of_state' THEN 'Secretary of State' ELSE body_name END,
           decided_on, reference, summary, recorded_by, recorded_at FROM decisions_before;
DROP TABLE decisions_before;
