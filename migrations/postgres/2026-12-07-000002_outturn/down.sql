DROP TABLE outturn_years;
DROP TABLE outturns;
