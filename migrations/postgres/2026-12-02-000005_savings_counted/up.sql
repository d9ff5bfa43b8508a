-- How many of a totals row's amounts are not zero: the lines it counts in that year. With it the at-risk report
-- counts the savings not yet assessed from the kept totals (planned, less those assessed), instead of walking
-- every saving of the directorate. Kept in the same statements as `entries`; filled here from the amounts.
ALTER TABLE line_totals ADD COLUMN nonzero_entries INTEGER NOT NULL DEFAULT 0;
UPDATE line_totals SET nonzero_entries = (
    SELECT COUNT(*)
    FROM line_years JOIN lines ON lines.line_ref = line_years.line_ref
    WHERE lines.directorate = line_totals.directorate
      AND lines.kind = line_totals.kind
      AND lines.nature = line_totals.nature
      AND (lines.status = 'withdrawn') = line_totals.withdrawn
      AND line_years.year_start = line_totals.year_start
      AND line_years.amount_pence <> 0
);
