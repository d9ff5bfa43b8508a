-- Year-end outturn (issue 17): each approved saving's outturn for a year, recorded by an approver once the year's
-- P12 is closed, with amounts that add up to its revised-budget figure exactly; and each year's close (and
-- reopening), each by a recorded decision. A closed year's outturns are read-only.
CREATE TABLE outturns (
    year_start           INTEGER NOT NULL,
    line_ref             TEXT NOT NULL REFERENCES lines (line_ref),
    directorate          TEXT NOT NULL,
    revised_budget_pence BIGINT NOT NULL, -- the figure the amounts add up to, when recorded
    delivered_pence      BIGINT NOT NULL CHECK (delivered_pence >= 0),
    slipped_pence        BIGINT NOT NULL CHECK (slipped_pence >= 0),
    slips_to             INTEGER, -- the year a slipped amount is delivered in
    unachieved_pence     BIGINT NOT NULL CHECK (unachieved_pence >= 0),
    written_off_pence    BIGINT NOT NULL CHECK (written_off_pence >= 0),
    decision_id          BIGINT REFERENCES decisions (id), -- the decision writing it off
    replaced_pence       BIGINT NOT NULL CHECK (replaced_pence >= 0),
    carried_to           TEXT REFERENCES lines (line_ref), -- the growth line the unachieved part is carried into
    note                 TEXT,
    recorded_by          TEXT NOT NULL,
    recorder             TEXT NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    version              BIGINT NOT NULL,
    PRIMARY KEY (year_start, line_ref),
    CHECK ((slipped_pence > 0) = (slips_to IS NOT NULL)),
    CHECK ((written_off_pence > 0) = (decision_id IS NOT NULL)),
    CHECK (carried_to IS NULL OR unachieved_pence > 0),
    CHECK (delivered_pence + slipped_pence + unachieved_pence + written_off_pence + replaced_pence = revised_budget_pence)
);
CREATE INDEX outturns_by_line ON outturns (line_ref, year_start);
CREATE INDEX outturns_by_carried_to ON outturns (carried_to);

-- A year's outturn closed (or reopened), by a recorded decision; no row while it was never closed.
CREATE TABLE outturn_years (
    year_start  INTEGER PRIMARY KEY NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    decision_id BIGINT NOT NULL REFERENCES decisions (id),
    reason      TEXT,
    changed_by  TEXT NOT NULL,
    changed_at  TIMESTAMP NOT NULL,
    version     BIGINT NOT NULL
);
