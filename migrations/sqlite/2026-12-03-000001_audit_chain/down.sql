ALTER TABLE events DROP COLUMN chain_hash;
ALTER TABLE events DROP COLUMN content_hash;
