-- Dedicated Schools Grant balances by year and block, block transfers, and deficit management plans.
-- Positive amounts are deficits, negative surpluses, as in the council's tables; all in whole pence.
CREATE TABLE dsg_balances (
    year_start             INTEGER NOT NULL CHECK (year_start BETWEEN 1990 AND 2099),
    block                  TEXT NOT NULL CHECK (block IN ('schools', 'central_school_services', 'early_years', 'high_needs')),
    opening_pence          BIGINT NOT NULL,
    movement_pence         BIGINT NOT NULL,
    closing_reported_pence BIGINT, -- as reported; NULL when computed as opening + movement
    allocation_pence       BIGINT, -- funding after recoupment, before the transfers recorded here
    expenditure_pence      BIGINT,
    note                   TEXT,
    updated_at             TIMESTAMP NOT NULL,
    version                BIGINT NOT NULL CHECK (version >= 1),
    PRIMARY KEY (year_start, block)
);

CREATE TABLE dsg_transfers (
    id           BIGSERIAL PRIMARY KEY,
    year_start   INTEGER NOT NULL,
    from_block   TEXT NOT NULL,
    to_block     TEXT NOT NULL,
    amount_pence BIGINT NOT NULL CHECK (amount_pence > 0),
    approved_by  TEXT NOT NULL CHECK (approved_by IN ('schools_forum', 'secretary_of_state')),
    reference    TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    CHECK (from_block <> to_block)
);
CREATE INDEX dsg_transfers_by_year ON dsg_transfers (year_start);

CREATE TABLE dsg_plans (
    name         TEXT PRIMARY KEY NOT NULL,
    agreed_by    TEXT NOT NULL,
    agreed_on    DATE NOT NULL,
    submitted_on DATE,
    balanced_in  INTEGER NOT NULL,
    movements    TEXT NOT NULL, -- JSON: [{"year": "2021/22", "block": "high_needs", "movement": "4000000.00"}]
    updated_at   TIMESTAMP NOT NULL,
    version      BIGINT NOT NULL CHECK (version >= 1)
);
