-- DSG transfers by decision (issue 16, item 9). A transfer out of the Schools block rests on recorded decisions:
-- the Schools Forum's (approved or refused) and/or the Secretary of State's (a disapplication), checked against
-- 0.5% of the Schools block's allocation before academy recoupment, which the Schools block's figures now record.
-- `secretary_of_state` becomes a body of decisions. SQLite cannot alter a CHECK, so `decisions` is rebuilt; other
-- tables refer to it, so their references are checked at commit, when every decision is back under its own id.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE decisions_before AS SELECT * FROM decisions;
DROP TABLE decisions;
CREATE TABLE decisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    body        TEXT NOT NULL CHECK (body IN ('cabinet', 'council', 'scrutiny', 's151_officer', 'executive_director', 'schools_forum', 'improvement_board', 'secretary_of_state', 'other')),
    body_name   TEXT, -- the body, when `other`
    decided_on  DATE NOT NULL,
    reference   TEXT NOT NULL,
    summary     TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    CHECK ((body = 'other') = (body_name IS NOT NULL))
);
INSERT INTO decisions (id, body, body_name, decided_on, reference, summary, recorded_by, recorded_at)
    SELECT id, body, body_name, decided_on, reference, summary, recorded_by, recorded_at FROM decisions_before;
DROP TABLE decisions_before;

-- The Schools block's allocation as announced, before academy recoupment: the base of the 0.5% limit.
ALTER TABLE dsg_balances ADD COLUMN allocation_before_recoupment_pence BIGINT
    CHECK (allocation_before_recoupment_pence IS NULL OR (block = 'schools' AND allocation_before_recoupment_pence >= 0));

-- A transfer out of the Schools block: its decisions and the base it was checked against. Transfers recorded
-- before, and transfers between other blocks, have none (their `approved_by` and `reference` say it).
ALTER TABLE dsg_transfers ADD COLUMN forum_decision_id BIGINT REFERENCES decisions (id);
ALTER TABLE dsg_transfers ADD COLUMN forum_outcome TEXT
    CHECK ((forum_outcome IS NULL AND forum_decision_id IS NULL) OR (forum_outcome IN ('approved', 'refused') AND forum_decision_id IS NOT NULL));
ALTER TABLE dsg_transfers ADD COLUMN secretary_of_state_decision_id BIGINT REFERENCES decisions (id);
ALTER TABLE dsg_transfers ADD COLUMN limit_base_pence BIGINT;
