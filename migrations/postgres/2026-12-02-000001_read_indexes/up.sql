-- The reads of a page in ref order under a status filter: the status first, then the list's order, so a page is
-- a seek and a walk of its rows rather than every line of that status sorted. It covers what `lines_by_status`
-- did (its first column), which goes.
CREATE INDEX lines_by_status_in_order ON lines (status, directorate, kind, ref_number);
DROP INDEX lines_by_status;
-- A line's profile read from the index alone (a page's 50 profiles, a line's, a year's amounts), without a
-- second look-up of each row in the table.
CREATE INDEX line_years_with_amount ON line_years (line_ref, year_start, amount_pence);
