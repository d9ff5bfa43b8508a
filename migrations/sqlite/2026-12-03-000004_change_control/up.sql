-- Change control (issue 16): once a baseline holds a line, a change to its profile, its owner or its status is
-- proposed in a change set by an editor and approved (or rejected) by an approver who is not the same person,
-- under a decision. A set's changes are one row per line and field; `open` is 1 while the set is pending, so
-- that a line has at most one pending request per field.
CREATE TABLE change_sets (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    reason         TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
    proposed_by    TEXT NOT NULL, -- the key
    proposer       TEXT NOT NULL, -- the person holding it
    proposed_at    TIMESTAMP NOT NULL,
    decided_by     TEXT,
    decider        TEXT,
    decided_at     TIMESTAMP,
    decision_id    BIGINT REFERENCES decisions (id),
    outcome_reason TEXT,
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE INDEX change_sets_by_status ON change_sets (status, id);

CREATE TABLE change_requests (
    change_set   BIGINT NOT NULL REFERENCES change_sets (id),
    line_ref     TEXT NOT NULL REFERENCES lines (line_ref),
    field        TEXT NOT NULL CHECK (field IN ('years', 'owner', 'status')),
    proposed     TEXT NOT NULL, -- JSON: the years, the owner (or null), the status
    base_version BIGINT NOT NULL,
    open         INTEGER NOT NULL CHECK (open IN (0, 1)),
    PRIMARY KEY (change_set, line_ref, field)
);
CREATE UNIQUE INDEX change_requests_one_pending ON change_requests (line_ref, field) WHERE open = 1;
CREATE INDEX change_requests_by_line ON change_requests (line_ref);
