-- API keys: only a hash of each secret is kept. Revoked keys stay, so the audit trail can name them.
CREATE TABLE api_keys (
    name         TEXT PRIMARY KEY NOT NULL,
    key_id       TEXT NOT NULL UNIQUE,
    secret_hash  TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    directorates TEXT NOT NULL, -- space-separated codes; empty for every directorate
    created_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP
);

-- The audit trail: one event per write, in the write's transaction, in commit order. Never updated or deleted.
CREATE TABLE events (
    id           BIGSERIAL PRIMARY KEY,
    occurred_at  TIMESTAMP NOT NULL,
    actor        TEXT NOT NULL,
    entity       TEXT NOT NULL, -- what changed: line, directorate, key, period, assessment…
    entity_ref   TEXT NOT NULL,
    action       TEXT NOT NULL,
    before_state TEXT,
    after_state  TEXT,
    reason       TEXT
);
CREATE INDEX events_by_entity ON events (entity, entity_ref, id);
CREATE INDEX events_by_time ON events (occurred_at);

-- Responses to POSTs sent with an Idempotency-Key, replayed when the same request is repeated.
CREATE TABLE idempotency_keys (
    actor           TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    status          INTEGER NOT NULL,
    response_body   TEXT NOT NULL,
    location        TEXT,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (actor, idempotency_key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
