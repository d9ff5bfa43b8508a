//! A change set as the audit trail stores it. Recorded, never replayed.

use super::model::ChangeSet;
use crate::audit::snapshot::{
    AbsenceV1, Audited, ChangeRequestV1, ChangeSetSnapshotV1, NotStatedV1, YearAmountV1,
};

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
            absent: self
                .absent
                .iter()
                .map(|absent| AbsenceV1 {
                    line_ref: absent.line_ref.clone(),
                    base_version: absent.base_version,
                    disposition: absent.disposition.map(|d| d.as_str().to_owned()),
                    reason: absent.reason.clone(),
                    merged_into: absent.merged_into.clone(),
                    funding_source: absent
                        .funding
                        .as_ref()
                        .map(|f| f.source.as_str().to_owned()),
                    funding_ref: absent.funding.as_ref().and_then(|f| f.line_ref.clone()),
                })
                .collect(),
            not_stated: self
                .not_stated
                .iter()
                .map(|blank| NotStatedV1 {
                    line_ref: blank.line_ref.clone(),
                    year: blank.year,
                })
                .collect(),
        }
    }
}
