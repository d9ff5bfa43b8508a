-- Back to transfers without decisions. A decision of the Secretary of State becomes a body `other` so named.
ALTER TABLE dsg_transfers DROP COLUMN limit_base_pence;
ALTER TABLE dsg_transfers DROP COLUMN secretary_of_state_decision_id;
ALTER TABLE dsg_transfers DROP COLUMN forum_outcome;
ALTER TABLE dsg_transfers DROP COLUMN forum_decision_id;
ALTER TABLE dsg_balances DROP COLUMN allocation_before_recoupment_pence;
ALTER TABLE decisions DROP CONSTRAINT decisions_body_check;
UPDATE decisions SET body = 'other', body_name = 'Secretary of State' WHERE body = 'secretary_of_state';
ALTER TABLE decisions ADD CONSTRAINT decisions_body_check CHECK (body IN ('cabinet', 'council', 'scrutiny', 's151_officer', 'executive_director', 'schools_forum', 'improvement_board', 'other'));
