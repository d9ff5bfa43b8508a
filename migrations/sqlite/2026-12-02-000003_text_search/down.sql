DROP TRIGGER lines_text_update;
DROP TRIGGER lines_text_delete;
DROP TRIGGER lines_text_insert;
DROP TABLE lines_text;
