-- Issue 17. An amount at risk is `timing` (delivered later, in slips_to) or `permanent` (never delivered), and
-- the two add up to it exactly; a forecast may exceed the plan (over-delivery: nothing at risk), so at risk is
-- planned − forecast or nothing. Assessments recorded before said neither: one that slips is timing, the rest
-- permanent (the prudent reading of a shortfall nobody explained). SQLite cannot change a CHECK in place, so
-- the table is rebuilt (nothing references it).
CREATE TABLE assessments_new (
    year_start      INTEGER NOT NULL,
    period          INTEGER NOT NULL,
    line_ref        TEXT NOT NULL REFERENCES lines (line_ref),
    rag             TEXT NOT NULL CHECK (rag IN ('blue', 'green', 'amber', 'red')),
    planned_pence   BIGINT NOT NULL CHECK (planned_pence >= 0),
    forecast_pence  BIGINT NOT NULL CHECK (forecast_pence >= 0),
    at_risk_pence   BIGINT NOT NULL CHECK (at_risk_pence >= 0),
    reason          TEXT,
    mitigation      TEXT,
    substitutes     TEXT NOT NULL,
    slips_to        INTEGER,
    updated_at      TIMESTAMP NOT NULL,
    version         BIGINT NOT NULL CHECK (version >= 1),
    timing_pence    BIGINT NOT NULL CHECK (timing_pence >= 0),
    permanent_pence BIGINT NOT NULL CHECK (permanent_pence >= 0),
    carried_from    INTEGER CHECK (carried_from BETWEEN 1 AND 12),
    PRIMARY KEY (year_start, period, line_ref),
    FOREIGN KEY (year_start, period) REFERENCES monitoring_periods (year_start, period),
    CHECK (at_risk_pence = MAX(planned_pence - forecast_pence, 0)),
    CHECK (timing_pence + permanent_pence = at_risk_pence)
);
INSERT INTO assessments_new
SELECT year_start, period, line_ref, rag, planned_pence, forecast_pence, at_risk_pence, reason, mitigation,
       substitutes, slips_to, updated_at, version,
       CASE WHEN slips_to IS NULL THEN 0 ELSE at_risk_pence END,
       CASE WHEN slips_to IS NULL THEN at_risk_pence ELSE 0 END,
       NULL
FROM assessments;
DROP TABLE assessments;
ALTER TABLE assessments_new RENAME TO assessments;
CREATE INDEX assessments_by_line ON assessments (line_ref, year_start, period);

ALTER TABLE assessment_states ADD COLUMN timing_pence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE assessment_states ADD COLUMN permanent_pence BIGINT NOT NULL DEFAULT 0;
-- A period started from an earlier one (copy-from) carries the saving's last assessment: marked with its period.
ALTER TABLE assessment_states ADD COLUMN carried_from INTEGER;
UPDATE assessment_states SET timing_pence = at_risk_pence WHERE slips_to IS NOT NULL;
UPDATE assessment_states SET permanent_pence = at_risk_pence WHERE slips_to IS NULL;

-- The kept at-risk totals also add up what the reports split a year's savings by: the assessed savings'
-- planned and forecast amounts, the timing part at risk, and the permanent part of ongoing savings (a gap in
-- every later year too). Counted afresh from the assessments, and each kept state from the assessments and
-- lines as they stood then.
ALTER TABLE at_risk_totals ADD COLUMN planned_pence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE at_risk_totals ADD COLUMN forecast_pence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE at_risk_totals ADD COLUMN timing_pence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE at_risk_totals ADD COLUMN ongoing_pence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE at_risk_total_states ADD COLUMN planned_pence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE at_risk_total_states ADD COLUMN forecast_pence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE at_risk_total_states ADD COLUMN timing_pence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE at_risk_total_states ADD COLUMN ongoing_pence BIGINT NOT NULL DEFAULT 0;

UPDATE at_risk_totals SET (planned_pence, forecast_pence, timing_pence, ongoing_pence) = (
    SELECT COALESCE(SUM(a.planned_pence), 0), COALESCE(SUM(a.forecast_pence), 0),
           COALESCE(SUM(a.timing_pence), 0),
           COALESCE(SUM(CASE WHEN l.nature = 'ongoing' THEN a.permanent_pence ELSE 0 END), 0)
    FROM assessments a JOIN lines l ON l.line_ref = a.line_ref
    WHERE a.year_start = at_risk_totals.year_start AND a.period = at_risk_totals.period
      AND l.directorate = at_risk_totals.directorate
      AND (l.status = 'withdrawn') = at_risk_totals.withdrawn);

UPDATE at_risk_total_states SET (planned_pence, forecast_pence, timing_pence, ongoing_pence) = (
    SELECT COALESCE(SUM(a.planned_pence), 0), COALESCE(SUM(a.forecast_pence), 0),
           COALESCE(SUM(a.timing_pence), 0),
           COALESCE(SUM(CASE WHEN l.nature = 'ongoing' THEN a.permanent_pence ELSE 0 END), 0)
    FROM assessment_states a JOIN line_states l ON l.line_ref = a.line_ref
    WHERE a.year_start = at_risk_total_states.year_start AND a.period = at_risk_total_states.period
      AND a.valid_from <= at_risk_total_states.valid_from
      AND (a.valid_to IS NULL OR a.valid_to > at_risk_total_states.valid_from)
      AND l.valid_from <= at_risk_total_states.valid_from
      AND (l.valid_to IS NULL OR l.valid_to > at_risk_total_states.valid_from)
      AND l.directorate = at_risk_total_states.directorate
      AND (l.status = 'withdrawn') = at_risk_total_states.withdrawn)
WHERE entries > 0;

-- One-off mitigations a shortfall may be substituted by: an underspend, a grant, a reserve drawdown, each with
-- its amount, year, source, decision and who found it. Recorded, never changed.
CREATE TABLE mitigations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    directorate  TEXT NOT NULL REFERENCES directorates (code),
    year_start   INTEGER NOT NULL CHECK (year_start BETWEEN 1990 AND 2099),
    kind         TEXT NOT NULL CHECK (kind IN ('underspend', 'grant', 'reserve_drawdown')),
    amount_pence BIGINT NOT NULL CHECK (amount_pence > 0),
    source       TEXT NOT NULL,
    decision_id  BIGINT NOT NULL REFERENCES decisions (id),
    found_by     TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  TIMESTAMP NOT NULL
);
CREATE INDEX mitigations_by_year ON mitigations (year_start, directorate);

-- Every substitute an assessment names, kept in the assessment's write, so a claim's room (what the other
-- claims on the same saving or mitigation in that period leave) is one indexed sum, not a walk of the period.
CREATE TABLE substitute_claims (
    year_start    INTEGER NOT NULL,
    period        INTEGER NOT NULL,
    line_ref      TEXT NOT NULL,
    position      INTEGER NOT NULL,
    source_ref    TEXT,
    mitigation_id BIGINT REFERENCES mitigations (id),
    amount_pence  BIGINT NOT NULL,
    PRIMARY KEY (year_start, period, line_ref, position),
    CHECK ((source_ref IS NULL) <> (mitigation_id IS NULL))
);
CREATE INDEX substitute_claims_by_saving ON substitute_claims (source_ref, year_start, period);
CREATE INDEX substitute_claims_by_mitigation ON substitute_claims (mitigation_id);
INSERT INTO substitute_claims (year_start, period, line_ref, position, source_ref, mitigation_id, amount_pence)
SELECT a.year_start, a.period, a.line_ref, CAST(j.key AS INTEGER), json_extract(j.value, '$.ref'), NULL,
       CAST(REPLACE(json_extract(j.value, '$.amount'), '.', '') AS INTEGER)
FROM assessments a, json_each(a.substitutes) j;
