DROP TABLE line_years; DROP TABLE lines; DROP TABLE directorates;
