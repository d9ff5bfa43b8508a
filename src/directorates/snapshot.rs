//! A directorate as the audit trail stores it, and back.

use super::Directorate;
use crate::audit::snapshot::{Audited, DirectorateSnapshotV1, Replayed};

impl Audited for Directorate {
    type Snapshot = DirectorateSnapshotV1;
    fn snapshot(&self) -> DirectorateSnapshotV1 {
        DirectorateSnapshotV1 {
            code: self.code.clone(),
            name: self.name.clone(),
            created_at: self.created_at,
        }
    }
}

impl Replayed for Directorate {
    fn from_snapshot(d: DirectorateSnapshotV1) -> Directorate {
        Directorate {
            code: d.code,
            name: d.name,
            created_at: d.created_at,
        }
    }
}
