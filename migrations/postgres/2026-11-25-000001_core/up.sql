-- Core tables. Money is whole pence in INTEGER (exact); timestamps are UTC.
CREATE TABLE directorates (
    code       TEXT PRIMARY KEY NOT NULL CHECK (length(code) BETWEEN 2 AND 8),
    name       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE lines (
    line_ref          TEXT PRIMARY KEY NOT NULL,
    directorate       TEXT NOT NULL REFERENCES directorates (code),
    kind              TEXT NOT NULL CHECK (kind IN ('saving', 'growth')),
    ref_number        INTEGER NOT NULL CHECK (ref_number BETWEEN 1 AND 9999),
    title             TEXT NOT NULL,
    owner             TEXT,
    description       TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('proposed', 'agreed', 'in_delivery', 'delivered', 'withdrawn')),
    nature            TEXT NOT NULL CHECK (nature IN ('ongoing', 'one_off')),
    withdrawal_reason TEXT,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    version           BIGINT NOT NULL CHECK (version >= 1),
    UNIQUE (directorate, kind, ref_number)
);

CREATE TABLE line_years (
    line_ref     TEXT NOT NULL REFERENCES lines (line_ref),
    year_start   INTEGER NOT NULL CHECK (year_start BETWEEN 1990 AND 2099),
    amount_pence BIGINT NOT NULL CHECK (amount_pence >= 0),
    PRIMARY KEY (line_ref, year_start)
);

CREATE INDEX line_years_by_year ON line_years (year_start);
CREATE INDEX lines_by_status ON lines (status);
