-- Key creations answered before a new key's token was withheld from replays kept the token in the stored
-- answer: keep the record (so a retry still creates nothing) and forget the token, as replays now answer it.
UPDATE idempotency_keys
SET response_body = jsonb_set(response_body::jsonb, '{token}', 'null'::jsonb)::text
WHERE response_body LIKE '%"token":"mtfs%'
  AND jsonb_typeof(response_body::jsonb -> 'token') = 'string';
