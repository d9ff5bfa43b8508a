DROP TABLE change_requests;
DROP TABLE change_sets;
