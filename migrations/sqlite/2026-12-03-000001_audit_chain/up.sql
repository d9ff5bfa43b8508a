-- The audit trail's hash chain: each event's SHA-256 of its content as stored (`content_hash`) and of that hash
-- joined to the event before it (`chain_hash`), both in hex, written in the event's own transaction. The events
-- already there are chained by the step in Rust that runs after the migrations (`audit::seal_unchained`); NULL
-- means not yet chained (written by an older release), and the next write chains it first.
ALTER TABLE events ADD COLUMN content_hash TEXT;
ALTER TABLE events ADD COLUMN chain_hash TEXT;
