DROP TABLE line_totals;
