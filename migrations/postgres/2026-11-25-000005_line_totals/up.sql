-- Totals of line amounts by directorate, kind, nature, withdrawn or not, and year: kept exact in each line
-- write's transaction, so a summary reads a few rows instead of every amount.
CREATE TABLE line_totals (
    directorate  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    nature       TEXT NOT NULL,
    withdrawn    BOOLEAN NOT NULL,
    year_start   INTEGER NOT NULL,
    amount_pence BIGINT NOT NULL,
    entries      INTEGER NOT NULL CHECK (entries > 0), -- line_years rows summed; the row goes when none are left
    PRIMARY KEY (directorate, kind, nature, withdrawn, year_start)
);

INSERT INTO line_totals (directorate, kind, nature, withdrawn, year_start, amount_pence, entries)
SELECT lines.directorate, lines.kind, lines.nature, lines.status = 'withdrawn', line_years.year_start,
       SUM(line_years.amount_pence), COUNT(*)
FROM line_years JOIN lines ON lines.line_ref = line_years.line_ref
GROUP BY lines.directorate, lines.kind, lines.nature, lines.status = 'withdrawn', line_years.year_start;
