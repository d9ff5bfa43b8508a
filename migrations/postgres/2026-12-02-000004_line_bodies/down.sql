ALTER TABLE line_states DROP COLUMN body_format;
ALTER TABLE line_states DROP COLUMN body;
ALTER TABLE lines DROP COLUMN body_version;
ALTER TABLE lines DROP COLUMN body_format;
ALTER TABLE lines DROP COLUMN body;
