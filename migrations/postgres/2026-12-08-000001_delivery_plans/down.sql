DROP TABLE action_dues;
DROP TABLE action_dependencies;
DROP TABLE action_owners;
DROP TABLE actions;
DROP TABLE person_aliases;
DROP TABLE people;
