-- Issue 18: each monthly return that came in (not a dry run), written in its import's transaction: when, from
-- which key and person, and what it did, so a period shows per directorate whether its return came in.
CREATE TABLE return_receipts (
    year_start   INTEGER NOT NULL,
    period       INTEGER NOT NULL,
    directorate  TEXT NOT NULL,
    received_at  TIMESTAMP NOT NULL,
    received_by  TEXT NOT NULL,
    person       TEXT NOT NULL,
    rows_read    INTEGER NOT NULL CHECK (rows_read >= 0),
    created      INTEGER NOT NULL CHECK (created >= 0),
    revised      INTEGER NOT NULL CHECK (revised >= 0),
    unchanged    INTEGER NOT NULL CHECK (unchanged >= 0),
    PRIMARY KEY (year_start, period, directorate, received_at)
);
