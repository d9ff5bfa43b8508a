//! A change set as the audit trail stores it. Recorded, never replayed.

use super::model::ChangeSet;
use crate::audit::snapshot::{Audited, ChangeRequestV1, ChangeSetSnapshotV1, YearAmountV1};

impl Audited for ChangeSet {
    type Snapshot = ChangeSetSnapshotV1;
    fn snapshot(&self) -> ChangeSetSnapshotV1 {
        ChangeSetSnapshotV1 {
            id: self.id,
            status: self.status.as_str().to_owned(),
            reason: self.reason.clone(),
            proposed_by: self.proposed_by.clone(),
            proposer: self.proposer.clone(),
            decided_by: self.decided_by.clone(),
            decider: self.decider.clone(),
            decision_id: self.decision_id,
            changes: self
                .changes
                .iter()
                .map(|requested| ChangeRequestV1 {
                    line_ref: requested.line_ref.clone(),
                    years: requested.years.as_ref().map(|years| {
                        years
                            .iter()
                            .map(|entry| YearAmountV1 {
                                year: entry.year,
                                amount: entry.amount,
                            })
                            .collect()
                    }),
                    owner: requested.owner.clone(),
                    status: requested.status,
                    base_version: requested.base_version,
                })
                .collect(),
        }
    }
}
