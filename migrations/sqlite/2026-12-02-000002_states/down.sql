DROP TABLE states_complete;
DROP TABLE at_risk_total_keys;
DROP TABLE at_risk_total_states;
DROP TABLE line_total_keys;
DROP TABLE line_total_states;
DROP TABLE assessment_states;
DROP TABLE line_state_years;
DROP TABLE line_states;
