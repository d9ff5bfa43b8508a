//! DSG balances, transfers and plans as the audit trail stores them, and back.

use super::model::{Approval, DsgPlan, PlannedMovement, StoredBalance, Transfer};
use crate::audit::snapshot::{
    ApprovalV1, Audited, DsgBalanceSnapshotV1, DsgPlanSnapshotV1, DsgTransferSnapshotV1,
    PlannedMovementV1, Replayed,
};

impl Audited for StoredBalance {
    type Snapshot = DsgBalanceSnapshotV1;
    fn snapshot(&self) -> DsgBalanceSnapshotV1 {
        DsgBalanceSnapshotV1 {
            year: self.year,
            block: self.block,
            opening: self.opening,
            movement: self.movement,
            closing_reported: self.closing_reported,
            allocation: self.allocation,
            expenditure: self.expenditure,
            note: self.note.clone(),
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

impl Replayed for StoredBalance {
    fn from_snapshot(b: DsgBalanceSnapshotV1) -> StoredBalance {
        StoredBalance {
            year: b.year,
            block: b.block,
            opening: b.opening,
            movement: b.movement,
            closing_reported: b.closing_reported,
            allocation: b.allocation,
            expenditure: b.expenditure,
            note: b.note,
            updated_at: b.updated_at,
            version: b.version,
        }
    }
}

impl Audited for Transfer {
    type Snapshot = DsgTransferSnapshotV1;
    fn snapshot(&self) -> DsgTransferSnapshotV1 {
        DsgTransferSnapshotV1 {
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
            created_at: self.created_at,
        }
    }
}

impl Replayed for Transfer {
    fn from_snapshot(t: DsgTransferSnapshotV1) -> Transfer {
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
        assert_eq!(snapshot::stored(&balance.snapshot()).to_string(), STORED[0]);
        assert_eq!(
            serde_json::to_value(&balance).unwrap().to_string(),
            STORED[0]
        );
        let transfer = Transfer::from_snapshot(snapshot::read(STORED[1]).unwrap());
        assert_eq!(transfer.approved_by, Approval::SchoolsForum);
        assert_eq!(
            snapshot::stored(&transfer.snapshot()).to_string(),
            STORED[1]
        );
        assert_eq!(
            serde_json::to_value(&transfer).unwrap().to_string(),
            STORED[1]
        );
        let plan = DsgPlan::from_snapshot(snapshot::read(STORED[2]).unwrap());
        assert_eq!(plan.movements[0].movement.to_string(), "4000000.00");
        assert_eq!(snapshot::stored(&plan.snapshot()).to_string(), STORED[2]);
        assert_eq!(serde_json::to_value(&plan).unwrap().to_string(), STORED[2]);
    }
}
