DROP TABLE at_risk_totals;
