DROP TABLE write_off_years;
DROP TABLE write_offs;
