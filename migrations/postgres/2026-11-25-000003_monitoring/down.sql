DROP TABLE assessments; DROP TABLE monitoring_periods;
