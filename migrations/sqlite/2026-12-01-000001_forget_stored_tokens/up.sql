-- Key creations answered before a new key's token was withheld from replays kept the token in the stored
-- answer: keep the record (so a retry still creates nothing) and forget the token, as replays now answer it.
UPDATE idempotency_keys
SET response_body = json_set(response_body, '$.token', json('null'))
WHERE response_body LIKE '%"token":"mtfs%'
  AND json_valid(response_body)
  AND json_type(response_body, '$.token') = 'text';
