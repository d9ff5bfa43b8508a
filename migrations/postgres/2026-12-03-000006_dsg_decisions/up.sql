-- DSG transfers by decision (issue 16, item 9). A transfer out of the Schools block rests on recorded decisions:
-- the Schools Forum's (approved or refused) and/or the Secretary of State's (a disapplication), checked against
-- 0.5% of the Schools block's allocation before academy recoupment, which the Schools block's figures now record.
-- `secretary_of_state` becomes a body of decisions.
ALTER TABLE decisions DROP CONSTRAINT decisions_body_check;
ALTER TABLE decisions ADD CONSTRAINT decisions_body_check CHECK (body IN ('cabinet', 'council', 'scrutiny', 's151_officer', 'executive_director', 'schools_forum', 'improvement_board', 'secretary_of_state', 'other'));

-- The Schools block's allocation as announced, before academy recoupment: the base of the 0.5% limit.
ALTER TABLE dsg_balances ADD COLUMN allocation_before_recoupment_pence BIGINT;
ALTER TABLE dsg_balances ADD CONSTRAINT dsg_balances_before_recoupment_check
    CHECK (allocation_before_recoupment_pence IS NULL OR (block = 'schools' AND allocation_before_recoupment_pence >= 0));

-- A transfer out of the Schools block: its decisions and the base it was checked against. Transfers recorded
-- before, and transfers between other blocks, have none (their `approved_by` and `reference` say it).
ALTER TABLE dsg_transfers ADD COLUMN forum_decision_id BIGINT REFERENCES decisions (id);
ALTER TABLE dsg_transfers ADD COLUMN forum_outcome TEXT;
ALTER TABLE dsg_transfers ADD CONSTRAINT dsg_transfers_forum_check
    CHECK ((forum_outcome IS NULL AND forum_decision_id IS NULL) OR (forum_outcome IN ('approved', 'refused') AND forum_decision_id IS NOT NULL));
ALTER TABLE dsg_transfers ADD COLUMN secretary_of_state_decision_id BIGINT REFERENCES decisions (id);
ALTER TABLE dsg_transfers ADD COLUMN limit_base_pence BIGINT;
