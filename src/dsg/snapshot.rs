//! DSG balances, transfers and plans as the audit trail stores them, and back.

use super::model::{
    Approval, DsgPlan, ForumDecision, ForumOutcome, PlannedMovement, SecretaryOfStateDecision,
    StoredBalance, Transfer,
};
use crate::audit::snapshot::{
    ApprovalV1, Audited, DsgBalanceSnapshotV2, DsgPlanSnapshotV1, DsgTransferSnapshotV2,
    ForumDecisionV2, ForumOutcomeV2, PlannedMovementV1, Replayed, SecretaryOfStateDecisionV2,
};

impl Audited for StoredBalance {
    type Snapshot = DsgBalanceSnapshotV2;
    fn snapshot(&self) -> DsgBalanceSnapshotV2 {
        DsgBalanceSnapshotV2 {
            year: self.year,
            block: self.block,
            opening: self.opening,
            movement: self.movement,
            closing_reported: self.closing_reported,
            allocation: self.allocation,
            allocation_before_recoupment: self.allocation_before_recoupment,
            expenditure: self.expenditure,
            note: self.note.clone(),
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

impl Replayed for StoredBalance {
    fn from_snapshot(b: DsgBalanceSnapshotV2) -> StoredBalance {
        StoredBalance {
            year: b.year,
            block: b.block,
            opening: b.opening,
            movement: b.movement,
            closing_reported: b.closing_reported,
            allocation: b.allocation,
            allocation_before_recoupment: b.allocation_before_recoupment,
            expenditure: b.expenditure,
            note: b.note,
            updated_at: b.updated_at,
            version: b.version,
        }
    }
}

impl Audited for Transfer {
    type Snapshot = DsgTransferSnapshotV2;
    fn snapshot(&self) -> DsgTransferSnapshotV2 {
        DsgTransferSnapshotV2 {
            id: self.id.clone(),
            year: self.year,
            from_block: self.from_block,
            to_block: self.to_block,
            amount: self.amount,
            approved_by: match self.approved_by {
                Approval::SchoolsForum => ApprovalV1::SchoolsForum,
                Approval::SecretaryOfState => ApprovalV1::SecretaryOfState,
            },
            reference: self.reference.clone(),
            forum: self.forum.as_ref().map(|f| ForumDecisionV2 {
                decision_id: f.decision_id,
                outcome: match f.outcome {
                    ForumOutcome::Approved => ForumOutcomeV2::Approved,
                    ForumOutcome::Refused => ForumOutcomeV2::Refused,
                },
            }),
            secretary_of_state: self.secretary_of_state.as_ref().map(|s| {
                SecretaryOfStateDecisionV2 {
                    decision_id: s.decision_id,
                }
            }),
            allocation_before_recoupment: self.allocation_before_recoupment,
            created_at: self.created_at,
        }
    }
}

impl Replayed for Transfer {
    fn from_snapshot(t: DsgTransferSnapshotV2) -> Transfer {
        Transfer {
            id: t.id,
            year: t.year,
            from_block: t.from_block,
            to_block: t.to_block,
            amount: t.amount,
            approved_by: match t.approved_by {
                ApprovalV1::SchoolsForum => Approval::SchoolsForum,
                ApprovalV1::SecretaryOfState => Approval::SecretaryOfState,
            },
            reference: t.reference,
            forum: t.forum.map(|f| ForumDecision {
                decision_id: f.decision_id,
                outcome: match f.outcome {
                    ForumOutcomeV2::Approved => ForumOutcome::Approved,
                    ForumOutcomeV2::Refused => ForumOutcome::Refused,
                },
            }),
            secretary_of_state: t.secretary_of_state.map(|s| SecretaryOfStateDecision {
                decision_id: s.decision_id,
            }),
            allocation_before_recoupment: t.allocation_before_recoupment,
            created_at: t.created_at,
        }
    }
}

impl Audited for DsgPlan {
    type Snapshot = DsgPlanSnapshotV1;
    fn snapshot(&self) -> DsgPlanSnapshotV1 {
        DsgPlanSnapshotV1 {
            name: self.name.clone(),
            agreed_by: self.agreed_by.clone(),
            agreed_on: self.agreed_on,
            submitted_on: self.submitted_on,
            balanced_in: self.balanced_in,
            movements: self
                .movements
                .iter()
                .map(|m| PlannedMovementV1 {
                    year: m.year,
                    block: m.block,
                    movement: m.movement,
                })
                .collect(),
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

impl Replayed for DsgPlan {
    fn from_snapshot(p: DsgPlanSnapshotV1) -> DsgPlan {
        DsgPlan {
            name: p.name,
            agreed_by: p.agreed_by,
            agreed_on: p.agreed_on,
            submitted_on: p.submitted_on,
            balanced_in: p.balanced_in,
            movements: p
                .movements
                .into_iter()
                .map(|m| PlannedMovement {
                    year: m.year,
                    block: m.block,
                    movement: m.movement,
                })
                .collect(),
            updated_at: p.updated_at,
            version: p.version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::snapshot;

    /// The High Needs block at 31 March 2021 as printed, a transfer and a plan, as stored before snapshots had
    /// types of their own.
    const STORED: [&str; 3] = [
        r#"{"allocation":null,"block":"high_needs","closing_reported":"24222000.00","expenditure":null,"movement":"5744000.00","note":null,"opening":"18478000.00","updated_at":"2021-04-01T09:00:00Z","version":1,"year":"2020/21"}"#,
        r#"{"amount":"1000000.00","approved_by":"schools_forum","created_at":"2021-01-14T18:00:00Z","from_block":"schools","id":"1","reference":"Schools Forum 14 January 2021, item 6","to_block":"high_needs","year":"2020/21"}"#,
        r#"{"agreed_by":"Cabinet","agreed_on":"2021-07-19","balanced_in":"2025/26","movements":[{"block":"high_needs","movement":"4000000.00","year":"2021/22"}],"name":"recovery","submitted_on":null,"updated_at":"2021-07-30T09:00:00Z","version":1}"#,
    ];

    #[test]
    fn dsg_states_stored_before_snapshots_replay_and_are_stored_as_they_were() {
        let balance = StoredBalance::from_snapshot(snapshot::read(STORED[0]).unwrap());
        assert_eq!(balance.closing_reported.unwrap().to_string(), "24222000.00");
        assert_eq!(balance.allocation_before_recoupment, None);
        let transfer = Transfer::from_snapshot(snapshot::read(STORED[1]).unwrap());
        assert_eq!(transfer.approved_by, Approval::SchoolsForum);
        assert_eq!(
            (&transfer.forum, &transfer.secretary_of_state),
            (&None, &None)
        );
        assert_eq!(transfer.allocation_before_recoupment, None);
        let plan = DsgPlan::from_snapshot(snapshot::read(STORED[2]).unwrap());
        assert_eq!(plan.movements[0].movement.to_string(), "4000000.00");
        assert_eq!(snapshot::stored(&plan.snapshot()).to_string(), STORED[2]);
        assert_eq!(serde_json::to_value(&plan).unwrap().to_string(), STORED[2]);
    }

    /// A V1 balance and transfer are written again as V2: the same fields, the new ones null, and the version.
    #[test]
    fn a_balance_and_a_transfer_are_stored_as_v2_and_read_back() {
        let balance = StoredBalance::from_snapshot(snapshot::read(STORED[0]).unwrap());
        let stored = r#"{"allocation":null,"allocation_before_recoupment":null,"block":"high_needs","closing_reported":"24222000.00","expenditure":null,"movement":"5744000.00","note":null,"opening":"18478000.00","snapshot_version":2,"updated_at":"2021-04-01T09:00:00Z","version":1,"year":"2020/21"}"#;
        assert_eq!(snapshot::stored(&balance.snapshot()).to_string(), stored);
        assert_eq!(
            StoredBalance::from_snapshot(snapshot::read(stored).unwrap()),
            balance
        );
        let transfer = Transfer {
            forum: Some(ForumDecision {
                decision_id: 3,
                outcome: ForumOutcome::Refused,
            }),
            secretary_of_state: Some(SecretaryOfStateDecision { decision_id: 4 }),
            allocation_before_recoupment: Some(
                crate::domain::Money::parse("200000000.00").unwrap(),
            ),
            approved_by: Approval::SecretaryOfState,
            reference: "DfE letter 2021/0042".to_owned(),
            ..Transfer::from_snapshot(snapshot::read(STORED[1]).unwrap())
        };
        let stored = r#"{"allocation_before_recoupment":"200000000.00","amount":"1000000.00","approved_by":"secretary_of_state","created_at":"2021-01-14T18:00:00Z","forum":{"decision_id":3,"outcome":"refused"},"from_block":"schools","id":"1","reference":"DfE letter 2021/0042","secretary_of_state":{"decision_id":4},"snapshot_version":2,"to_block":"high_needs","year":"2020/21"}"#;
        assert_eq!(snapshot::stored(&transfer.snapshot()).to_string(), stored);
        assert_eq!(
            Transfer::from_snapshot(snapshot::read(stored).unwrap()),
            transfer
        );
    }
}
