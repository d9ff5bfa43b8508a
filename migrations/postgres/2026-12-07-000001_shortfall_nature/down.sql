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
ALTER TABLE assessment_states DROP COLUMN permanent_pence;
ALTER TABLE assessment_states DROP COLUMN timing_pence;
ALTER TABLE assessments DROP CONSTRAINT assessments_nature_check;
ALTER TABLE assessments DROP CONSTRAINT assessments_at_risk_check;
-- Over-delivering forecasts cannot be kept under the old rule: they come back as the plan.
UPDATE assessments SET forecast_pence = planned_pence - at_risk_pence;
ALTER TABLE assessments DROP COLUMN permanent_pence;
ALTER TABLE assessments DROP COLUMN timing_pence;
ALTER TABLE assessments ADD CONSTRAINT assessments_check CHECK (forecast_pence + at_risk_pence = planned_pence);
