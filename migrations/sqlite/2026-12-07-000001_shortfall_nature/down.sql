DROP TABLE substitute_claims;
DROP TABLE mitigations;
ALTER TABLE at_risk_total_states DROP COLUMN ongoing_pence;
ALTER TABLE at_risk_total_states DROP COLUMN timing_pence;
ALTER TABLE at_risk_total_states DROP COLUMN forecast_pence;
ALTER TABLE at_risk_total_states DROP COLUMN planned_pence;
ALTER TABLE at_risk_totals DROP COLUMN ongoing_pence;
ALTER TABLE at_risk_totals DROP COLUMN timing_pence;
ALTER TABLE at_risk_totals DROP COLUMN forecast_pence;
ALTER TABLE at_risk_totals DROP COLUMN planned_pence;
ALTER TABLE assessment_states DROP COLUMN carried_from;
ALTER TABLE assessment_states DROP COLUMN permanent_pence;
ALTER TABLE assessment_states DROP COLUMN timing_pence;
-- Over-delivering forecasts cannot be kept under the old rule: they come back as the plan.
CREATE TABLE assessments_old (
    year_start     INTEGER NOT NULL,
    period         INTEGER NOT NULL,
    line_ref       TEXT NOT NULL REFERENCES lines (line_ref),
    rag            TEXT NOT NULL CHECK (rag IN ('blue', 'green', 'amber', 'red')),
    planned_pence  BIGINT NOT NULL CHECK (planned_pence >= 0),
    forecast_pence BIGINT NOT NULL CHECK (forecast_pence >= 0),
    at_risk_pence  BIGINT NOT NULL CHECK (at_risk_pence >= 0),
    reason         TEXT,
    mitigation     TEXT,
    substitutes    TEXT NOT NULL,
    slips_to       INTEGER,
    updated_at     TIMESTAMP NOT NULL,
    version        BIGINT NOT NULL CHECK (version >= 1),
    PRIMARY KEY (year_start, period, line_ref),
    FOREIGN KEY (year_start, period) REFERENCES monitoring_periods (year_start, period),
    CHECK (forecast_pence + at_risk_pence = planned_pence)
);
INSERT INTO assessments_old
SELECT year_start, period, line_ref, rag, planned_pence, planned_pence - at_risk_pence, at_risk_pence, reason,
       mitigation, substitutes, slips_to, updated_at, version
FROM assessments;
DROP TABLE assessments;
ALTER TABLE assessments_old RENAME TO assessments;
CREATE INDEX assessments_by_line ON assessments (line_ref, year_start, period);
