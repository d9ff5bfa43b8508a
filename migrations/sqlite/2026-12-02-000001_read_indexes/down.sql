DROP INDEX line_years_with_amount;
CREATE INDEX lines_by_status ON lines (status);
DROP INDEX lines_by_status_in_order;
