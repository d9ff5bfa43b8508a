-- A `201 Created` of a versioned resource (a line) answers its version as the `ETag`; a retry with the same
-- Idempotency-Key gets the same header back, so it is kept beside the stored answer. NULL: no ETag.
ALTER TABLE idempotency_keys ADD COLUMN etag TEXT;
