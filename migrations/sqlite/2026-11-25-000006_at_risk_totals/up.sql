-- Amounts at risk by year, period, directorate, and withdrawn or not: kept exact in each assessment write's and
-- line withdrawal's transaction, so the summary reads a few rows instead of every assessment.
CREATE TABLE at_risk_totals (
    year_start    INTEGER NOT NULL,
    period        INTEGER NOT NULL,
    directorate   TEXT NOT NULL,
    withdrawn     BOOLEAN NOT NULL,
    at_risk_pence BIGINT NOT NULL,
    entries       INTEGER NOT NULL CHECK (entries > 0), -- assessments summed; the row goes when none are left
    PRIMARY KEY (year_start, period, directorate, withdrawn)
);

INSERT INTO at_risk_totals (year_start, period, directorate, withdrawn, at_risk_pence, entries)
SELECT assessments.year_start, assessments.period, lines.directorate, lines.status = 'withdrawn',
       SUM(assessments.at_risk_pence), COUNT(*)
FROM assessments JOIN lines ON lines.line_ref = assessments.line_ref
GROUP BY assessments.year_start, assessments.period, lines.directorate, lines.status = 'withdrawn';
