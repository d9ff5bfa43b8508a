//! Decisions and baselines as the audit trail stores them. Both are recorded, never replayed: neither changes.

use super::model::{Baseline, Decision, WriteOff};
use crate::audit::snapshot::{
    Audited, BaselineSnapshotV1, BaselineYearV1, DecisionSnapshotV1, WriteOffSnapshotV1,
    YearAmountV1,
};

impl Audited for WriteOff {
    type Snapshot = WriteOffSnapshotV1;
    fn snapshot(&self) -> WriteOffSnapshotV1 {
        WriteOffSnapshotV1 {
            id: self.id,
            line_ref: self.line_ref.clone(),
            decision_id: self.decision_id,
            reason: self.reason.clone(),
            funding_source: self.funding.source.as_str().to_owned(),
            funding_ref: self.funding.line_ref.clone(),
            years: self
                .years
                .iter()
                .map(|year| YearAmountV1 {
                    year: year.year,
                    amount: year.amount,
                })
                .collect(),
        }
    }
}

impl Audited for Decision {
    type Snapshot = DecisionSnapshotV1;
    fn snapshot(&self) -> DecisionSnapshotV1 {
        DecisionSnapshotV1 {
            id: self.id,
            body: self.body.as_str().to_owned(),
            body_name: self.body_name.clone(),
            decided_on: self.decided_on.to_string(),
            reference: self.reference.clone(),
            summary: self.summary.clone(),
        }
    }
}

impl Audited for Baseline {
    type Snapshot = BaselineSnapshotV1;
    fn snapshot(&self) -> BaselineSnapshotV1 {
        BaselineSnapshotV1 {
            name: self.name.clone(),
            decision_id: self.decision.id,
            line_count: self.line_count,
            years: self
                .years
                .iter()
                .map(|year| BaselineYearV1 {
                    year: year.year,
                    savings: year.savings,
                    growth: year.growth,
                })
                .collect(),
        }
    }
}
