-- The `q` filter (text in the ref, title or owner, in any case) answered from an index rather than a LIKE over
-- three columns of every line walked: an FTS5 table with the trigram tokenizer (case-insensitive), holding no
-- copy of the text (external content on `lines`, a rowid table), kept in step by triggers so that no write can
-- forget it. A phrase MATCH of 3 or more characters finds every line holding that text in a column; the query
-- keeps the LIKE beside it, so the answer is exactly the LIKE's.
CREATE VIRTUAL TABLE lines_text USING fts5 (
    line_ref, title, owner,
    content = 'lines', content_rowid = 'rowid', tokenize = 'trigram case_sensitive 0'
);
INSERT INTO lines_text (lines_text) VALUES ('rebuild');

CREATE TRIGGER lines_text_insert AFTER INSERT ON lines BEGIN
    INSERT INTO lines_text (rowid, line_ref, title, owner) VALUES (new.rowid, new.line_ref, new.title, new.owner);
END;
CREATE TRIGGER lines_text_delete AFTER DELETE ON lines BEGIN
    INSERT INTO lines_text (lines_text, rowid, line_ref, title, owner)
        VALUES ('delete', old.rowid, old.line_ref, old.title, old.owner);
END;
-- Only when an indexed column changes: most writes (status, profile, version) leave the text as it was.
CREATE TRIGGER lines_text_update AFTER UPDATE OF line_ref, title, owner ON lines BEGIN
    INSERT INTO lines_text (lines_text, rowid, line_ref, title, owner)
        VALUES ('delete', old.rowid, old.line_ref, old.title, old.owner);
    INSERT INTO lines_text (rowid, line_ref, title, owner) VALUES (new.rowid, new.line_ref, new.title, new.owner);
END;
