-- Each line's JSON (and each kept state's), written in the transaction of the change that made it, so a read of
-- a line or a page serves stored text instead of decoding rows and writing JSON afresh. `body_format` names the
-- shape the body was written in (`lines::stored::FORMAT`); a body of another format, or none (rows written
-- before this migration), is not served: the row is read and written as JSON as before, and start-up rewrites it.
-- `body_version` is the version the body was written for: a process of an older release changes a line (and puts
-- its version up) without writing its body, and such a body is not served either.
ALTER TABLE lines ADD COLUMN body TEXT;
ALTER TABLE lines ADD COLUMN body_format INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lines ADD COLUMN body_version BIGINT;
ALTER TABLE line_states ADD COLUMN body TEXT;
ALTER TABLE line_states ADD COLUMN body_format INTEGER NOT NULL DEFAULT 0;
