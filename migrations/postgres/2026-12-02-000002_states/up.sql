-- Every state of a line, an assessment and a totals row with the interval it was current in, written in the
-- same transaction as the change, so a read "as at" an instant is an indexed read like a live one rather than
-- a replay of the audit trail. valid_to is NULL while the state is current; a state written and replaced in
-- one instant has valid_from = valid_to and is never seen.
CREATE TABLE line_states (
    line_ref          TEXT NOT NULL,
    version           BIGINT NOT NULL,
    valid_from        TIMESTAMP NOT NULL,
    valid_to          TIMESTAMP,
    directorate       TEXT NOT NULL,
    kind              TEXT NOT NULL,
    ref_number        INTEGER NOT NULL,
    title             TEXT NOT NULL,
    owner             TEXT,
    description       TEXT NOT NULL,
    status            TEXT NOT NULL,
    nature            TEXT NOT NULL,
    withdrawal_reason TEXT,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (line_ref, version)
);
-- A page as at an instant walks refs in order and skips the states not current then (a few per line).
CREATE INDEX line_states_in_order ON line_states (directorate, kind, ref_number, valid_from);

CREATE TABLE line_state_years (
    line_ref     TEXT NOT NULL,
    version      BIGINT NOT NULL,
    year_start   INTEGER NOT NULL,
    amount_pence BIGINT NOT NULL,
    PRIMARY KEY (line_ref, version, year_start)
);

CREATE TABLE assessment_states (
    year_start     INTEGER NOT NULL,
    period         INTEGER NOT NULL,
    line_ref       TEXT NOT NULL,
    version        BIGINT NOT NULL,
    valid_from     TIMESTAMP NOT NULL,
    valid_to       TIMESTAMP,
    rag            TEXT NOT NULL,
    planned_pence  BIGINT NOT NULL,
    forecast_pence BIGINT NOT NULL,
    at_risk_pence  BIGINT NOT NULL,
    reason         TEXT,
    mitigation     TEXT,
    substitutes    TEXT NOT NULL,
    slips_to       INTEGER,
    updated_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (year_start, period, line_ref, version)
);

-- Kept totals as they changed: each row of a totals table with the figures it held from valid_from until its
-- next state (entries = 0: the row was gone then), and every key the table has ever had, so a read as at an
-- instant seeks each key's state then (a few hundred seeks, however long the history).
CREATE TABLE line_total_states (
    directorate  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    nature       TEXT NOT NULL,
    withdrawn    BOOLEAN NOT NULL,
    year_start   INTEGER NOT NULL,
    valid_from   TIMESTAMP NOT NULL,
    amount_pence BIGINT NOT NULL,
    entries      INTEGER NOT NULL,
    PRIMARY KEY (directorate, kind, nature, withdrawn, year_start, valid_from)
);
CREATE TABLE line_total_keys (
    directorate TEXT NOT NULL,
    kind        TEXT NOT NULL,
    nature      TEXT NOT NULL,
    withdrawn   BOOLEAN NOT NULL,
    year_start  INTEGER NOT NULL,
    PRIMARY KEY (directorate, kind, nature, withdrawn, year_start)
);
CREATE TABLE at_risk_total_states (
    year_start    INTEGER NOT NULL,
    period        INTEGER NOT NULL,
    directorate   TEXT NOT NULL,
    withdrawn     BOOLEAN NOT NULL,
    valid_from    TIMESTAMP NOT NULL,
    at_risk_pence BIGINT NOT NULL,
    entries       INTEGER NOT NULL,
    PRIMARY KEY (year_start, period, directorate, withdrawn, valid_from)
);
CREATE TABLE at_risk_total_keys (
    year_start  INTEGER NOT NULL,
    period      INTEGER NOT NULL,
    directorate TEXT NOT NULL,
    withdrawn   BOOLEAN NOT NULL,
    PRIMARY KEY (year_start, period, directorate, withdrawn)
);

-- From when the states above are complete: NULL on a database that had no events when they began; else the
-- last event before them (earlier instants are replayed from the audit trail).
CREATE TABLE states_complete (
    one  INTEGER PRIMARY KEY NOT NULL CHECK (one = 1),
    from_instant TIMESTAMP
);
INSERT INTO states_complete (one, from_instant) SELECT 1, MAX(occurred_at) FROM events;

-- A database that has figures already: their current states, from when each began.
INSERT INTO line_states (line_ref, version, valid_from, valid_to, directorate, kind, ref_number, title, owner,
                         description, status, nature, withdrawal_reason, created_at, updated_at)
SELECT line_ref, version, updated_at, NULL, directorate, kind, ref_number, title, owner, description, status,
       nature, withdrawal_reason, created_at, updated_at
FROM lines;
INSERT INTO line_state_years (line_ref, version, year_start, amount_pence)
SELECT line_years.line_ref, lines.version, line_years.year_start, line_years.amount_pence
FROM line_years JOIN lines ON lines.line_ref = line_years.line_ref;
INSERT INTO assessment_states (year_start, period, line_ref, version, valid_from, valid_to, rag, planned_pence,
                               forecast_pence, at_risk_pence, reason, mitigation, substitutes, slips_to, updated_at)
SELECT year_start, period, line_ref, version, updated_at, NULL, rag, planned_pence, forecast_pence, at_risk_pence,
       reason, mitigation, substitutes, slips_to, updated_at
FROM assessments;
INSERT INTO line_total_keys SELECT directorate, kind, nature, withdrawn, year_start FROM line_totals;
INSERT INTO line_total_states
SELECT directorate, kind, nature, withdrawn, year_start,
       COALESCE((SELECT from_instant FROM states_complete), CURRENT_TIMESTAMP), amount_pence, entries
FROM line_totals;
INSERT INTO at_risk_total_keys SELECT year_start, period, directorate, withdrawn FROM at_risk_totals;
INSERT INTO at_risk_total_states
SELECT year_start, period, directorate, withdrawn,
       COALESCE((SELECT from_instant FROM states_complete), CURRENT_TIMESTAMP), at_risk_pence, entries
FROM at_risk_totals;
