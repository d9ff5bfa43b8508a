DROP TABLE change_set_absences;
ALTER TABLE change_sets DROP COLUMN not_stated;
