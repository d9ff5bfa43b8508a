-- Delivery plans (issue 19): the people who own actions (and hold keys), the spellings the papers use for
-- them, and each saving's actions with their owners, dependencies and every due date they have had.

-- A person: name, role, email (shown to editors and admins only), directorate.
CREATE TABLE people (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT,
    email       TEXT,
    directorate TEXT REFERENCES directorates (code),
    updated_at  TIMESTAMP NOT NULL,
    updated_by  TEXT NOT NULL,
    version     BIGINT NOT NULL
);

-- What a printed owner is matched by: the person's name, role and aliases (initials, other spellings), each
-- by its key (lower case, single spaces). One key may name two people: such an owner is refused, not guessed.
CREATE TABLE person_aliases (
    alias_key TEXT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES people (id),
    kind      TEXT NOT NULL CHECK (kind IN ('name', 'role', 'alias')),
    alias     TEXT NOT NULL, -- as given
    PRIMARY KEY (alias_key, person_id, kind)
);
CREATE INDEX person_aliases_by_person ON person_aliases (person_id);

-- An action of a line's delivery plan. `due` is the canonical form (NULL: not stated, or not understood as
-- printed), `due_by` the day it is due by (NULL also while ongoing); the first due date it had stays in
-- `original_*`, every one in `action_dues`.
CREATE TABLE actions (
    id                      BIGSERIAL PRIMARY KEY,
    line_ref                TEXT NOT NULL REFERENCES lines (line_ref),
    action_ref              TEXT NOT NULL,
    directorate             TEXT NOT NULL,
    text                    TEXT NOT NULL,
    critical                BOOLEAN NOT NULL,
    status                  TEXT CHECK (status IN ('not_started', 'in_progress', 'complete', 'on_hold', 'cancelled')),
    status_as_printed       TEXT,
    due                     TEXT,
    due_by                  DATE,
    due_as_printed          TEXT,
    original_due            TEXT,
    original_due_by         DATE,
    original_due_as_printed TEXT,
    completed_on            DATE,
    milestone               TEXT, -- the February milestone it was, as printed
    updated_at              TIMESTAMP NOT NULL,
    updated_by              TEXT NOT NULL,
    version                 BIGINT NOT NULL,
    UNIQUE (line_ref, action_ref)
);
CREATE INDEX actions_by_directorate ON actions (directorate, line_ref);

-- An action's owners in the order printed: the person resolved, or none (kept as printed, listed unresolved).
CREATE TABLE action_owners (
    action_id BIGINT NOT NULL REFERENCES actions (id),
    position  INTEGER NOT NULL,
    printed   TEXT NOT NULL,
    person_id BIGINT REFERENCES people (id),
    PRIMARY KEY (action_id, position)
);
CREATE INDEX action_owners_by_person ON action_owners (person_id);

-- The actions an action waits on (of the same line).
CREATE TABLE action_dependencies (
    action_id  BIGINT NOT NULL REFERENCES actions (id),
    depends_on BIGINT NOT NULL REFERENCES actions (id),
    PRIMARY KEY (action_id, depends_on),
    CHECK (action_id <> depends_on)
);
CREATE INDEX action_dependencies_by_target ON action_dependencies (depends_on);

-- Every due date an action has had, the first at position 1.
CREATE TABLE action_dues (
    action_id      BIGINT NOT NULL REFERENCES actions (id),
    position       INTEGER NOT NULL,
    due            TEXT,
    due_by         DATE,
    due_as_printed TEXT,
    reason         TEXT,
    changed_at     TIMESTAMP NOT NULL,
    changed_by     TEXT NOT NULL,
    PRIMARY KEY (action_id, position)
);
