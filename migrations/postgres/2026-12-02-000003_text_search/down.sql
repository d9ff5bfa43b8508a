-- The extension stays: other schemas of the database may use it, and it holds no data.
DROP INDEX lines_owner_text;
DROP INDEX lines_title_text;
DROP INDEX lines_ref_text;
