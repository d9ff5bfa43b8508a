-- The approved budget (issue 16). Every key belongs to a named person (an approver may never approve what the
-- same person proposed, whichever key); existing keys are given their own name as the person's. `approver`, a new
-- role, approves changes to approved lines.
ALTER TABLE api_keys ADD COLUMN person TEXT;
UPDATE api_keys SET person = name;
ALTER TABLE api_keys ALTER COLUMN person SET NOT NULL;
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('reader', 'editor', 'approver', 'admin'));

-- Decisions: which body decided what, on which day, under which reference. Never changed once recorded.
CREATE TABLE decisions (
    id          BIGSERIAL PRIMARY KEY,
    body        TEXT NOT NULL CHECK (body IN ('cabinet', 'council', 'scrutiny', 's151_officer', 'executive_director', 'schools_forum', 'improvement_board', 'other')),
    body_name   TEXT, -- the body, when `other`
    decided_on  DATE NOT NULL,
    reference   TEXT NOT NULL,
    summary     TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    CHECK ((body = 'other') = (body_name IS NOT NULL))
);

-- Baselines: the approved budget as a decision set it, line by line and year by year. Never changed afterwards.
CREATE TABLE baselines (
    name        TEXT PRIMARY KEY NOT NULL,
    decision_id BIGINT NOT NULL REFERENCES decisions (id),
    set_by      TEXT NOT NULL,
    set_at      TIMESTAMP NOT NULL
);
CREATE TABLE baseline_lines (
    baseline    TEXT NOT NULL REFERENCES baselines (name),
    line_ref    TEXT NOT NULL REFERENCES lines (line_ref),
    directorate TEXT NOT NULL,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    PRIMARY KEY (baseline, line_ref)
);
CREATE INDEX baseline_lines_by_line ON baseline_lines (line_ref);
CREATE TABLE baseline_years (
    baseline     TEXT NOT NULL,
    line_ref     TEXT NOT NULL,
    year_start   INTEGER NOT NULL,
    amount_pence BIGINT NOT NULL,
    PRIMARY KEY (baseline, line_ref, year_start),
    FOREIGN KEY (baseline, line_ref) REFERENCES baseline_lines (baseline, line_ref)
);
-- Each baseline's sums by directorate, kind and year, added up once when it is set: a report reads a few rows.
CREATE TABLE baseline_totals (
    baseline     TEXT NOT NULL REFERENCES baselines (name),
    directorate  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    year_start   INTEGER NOT NULL,
    amount_pence BIGINT NOT NULL,
    PRIMARY KEY (baseline, directorate, kind, year_start)
);
