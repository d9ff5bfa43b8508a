DROP TABLE baseline_totals;
DROP TABLE baseline_years;
DROP TABLE baseline_lines;
DROP TABLE baselines;
DROP TABLE decisions;
UPDATE api_keys SET role = 'reader' WHERE role = 'approver';
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('reader', 'editor', 'admin'));
ALTER TABLE api_keys DROP COLUMN person;
