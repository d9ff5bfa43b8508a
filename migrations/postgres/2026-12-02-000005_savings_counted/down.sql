ALTER TABLE line_totals DROP COLUMN nonzero_entries;
