-- Write-offs (issue 16): an approved saving removed from the budget, all or part of it, by a recorded decision,
-- with the reason and the funding that covers the gap. The revised budget is the baseline less these.
CREATE TABLE write_offs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    line_ref       TEXT NOT NULL REFERENCES lines (line_ref),
    directorate    TEXT NOT NULL,
    decision_id    BIGINT NOT NULL REFERENCES decisions (id),
    reason         TEXT NOT NULL,
    funding_source TEXT NOT NULL CHECK (funding_source IN ('contingency', 'reserves', 'saving', 'growth')),
    funding_ref    TEXT REFERENCES lines (line_ref), -- the saving or growth line that covers it
    recorded_by    TEXT NOT NULL,
    recorder       TEXT NOT NULL,
    recorded_at    TIMESTAMP NOT NULL,
    CHECK ((funding_source IN ('saving', 'growth')) = (funding_ref IS NOT NULL))
);
CREATE INDEX write_offs_by_line ON write_offs (line_ref);
CREATE INDEX write_offs_by_directorate ON write_offs (directorate, recorded_at);

CREATE TABLE write_off_years (
    write_off    BIGINT NOT NULL REFERENCES write_offs (id),
    year_start   INTEGER NOT NULL,
    amount_pence BIGINT NOT NULL CHECK (amount_pence > 0),
    PRIMARY KEY (write_off, year_start)
);
