-- Monitoring periods (P1 = April … P12 = March) and each period's savings-at-risk assessments.
CREATE TABLE monitoring_periods (
    year_start INTEGER NOT NULL CHECK (year_start BETWEEN 1990 AND 2099),
    period     INTEGER NOT NULL CHECK (period BETWEEN 1 AND 12),
    as_at      DATE NOT NULL,
    closed_at  TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (year_start, period)
);

-- forecast + at_risk = planned, exactly, in pence; planned is the line's amount when it was assessed.
CREATE TABLE assessments (
    year_start     INTEGER NOT NULL,
    period         INTEGER NOT NULL,
    line_ref       TEXT NOT NULL REFERENCES lines (line_ref),
    rag            TEXT NOT NULL CHECK (rag IN ('blue', 'green', 'amber', 'red')),
    planned_pence  BIGINT NOT NULL CHECK (planned_pence >= 0),
    forecast_pence BIGINT NOT NULL CHECK (forecast_pence >= 0),
    at_risk_pence  BIGINT NOT NULL CHECK (at_risk_pence >= 0),
    reason         TEXT,
    mitigation     TEXT,
    substitutes    TEXT NOT NULL, -- JSON: [{"ref": "CFE SAV15", "amount": "100000.00"}]
    slips_to       INTEGER,
    updated_at     TIMESTAMP NOT NULL,
    version        BIGINT NOT NULL CHECK (version >= 1),
    PRIMARY KEY (year_start, period, line_ref),
    FOREIGN KEY (year_start, period) REFERENCES monitoring_periods (year_start, period),
    CHECK (forecast_pence + at_risk_pence = planned_pence)
);
CREATE INDEX assessments_by_line ON assessments (line_ref, year_start, period);
