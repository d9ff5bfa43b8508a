-- The `q` filter (text in the ref, title or owner, in any case) answered from an index rather than a LIKE over
-- three columns of every line walked: GIN trigram indexes on the lower case of each column, which PostgreSQL
-- keeps in step with `lines` itself, and which answer `lower(column) LIKE '%text%'` as the query writes it.
-- pg_trgm is a trusted extension (the database owner may create it). It goes in `public`, named in full below,
-- so that databases whose search_path is another schema (one per test) share one copy; the advisory lock stops
-- two migrations creating it at once.
SELECT pg_advisory_xact_lock(7263519);
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE INDEX lines_ref_text ON lines USING gin (lower(line_ref) public.gin_trgm_ops);
CREATE INDEX lines_title_text ON lines USING gin (lower(title) public.gin_trgm_ops);
CREATE INDEX lines_owner_text ON lines USING gin (lower(owner) public.gin_trgm_ops);
