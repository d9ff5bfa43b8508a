-- A later plan proposed against the baseline (issue 16): the import's change set also lists the approved lines
-- the plan leaves out ("dropped off"), each needing a disposition before the set can be approved, and the
-- cells the plan left blank (not stated: kept as they are).
ALTER TABLE change_sets ADD COLUMN not_stated TEXT NOT NULL DEFAULT '[]'; -- JSON: [{"ref": ..., "year": ...}]

CREATE TABLE change_set_absences (
    change_set     BIGINT NOT NULL REFERENCES change_sets (id),
    line_ref       TEXT NOT NULL REFERENCES lines (line_ref),
    base_version   BIGINT NOT NULL,
    disposition    TEXT CHECK (disposition IN ('kept', 'withdrawn', 'written_off', 'merged')),
    reason         TEXT,
    merged_into    TEXT REFERENCES lines (line_ref),
    funding_source TEXT CHECK (funding_source IN ('contingency', 'reserves', 'saving', 'growth')),
    funding_ref    TEXT REFERENCES lines (line_ref),
    decided_by     TEXT, -- the person who gave the disposition
    PRIMARY KEY (change_set, line_ref),
    CHECK ((disposition = 'merged') = (merged_into IS NOT NULL)),
    CHECK ((disposition = 'written_off') = (funding_source IS NOT NULL))
);
CREATE INDEX change_set_absences_by_line ON change_set_absences (line_ref);
