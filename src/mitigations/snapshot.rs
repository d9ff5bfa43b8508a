//! A mitigation as the audit trail stores it: recorded, never replayed.

use super::model::Mitigation;
use crate::audit::snapshot::{Audited, MitigationSnapshotV1};

impl Audited for Mitigation {
    type Snapshot = MitigationSnapshotV1;
    fn snapshot(&self) -> MitigationSnapshotV1 {
        MitigationSnapshotV1 {
            id: self.id,
            directorate: self.directorate.clone(),
            year: self.year,
            kind: self.kind.as_str().to_owned(),
            amount: self.amount,
            source: self.source.clone(),
            decision_id: self.decision_id,
            found_by: self.found_by.clone(),
        }
    }
}
