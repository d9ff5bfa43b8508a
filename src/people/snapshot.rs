//! A person as the audit trail stores them: recorded, never replayed. No email: the change feed is read by
//! every key, an email only by editors and admins; `email_set` says whether one is held.

use super::model::StoredPerson;
use crate::audit::snapshot::{Audited, PersonSnapshotV1};

impl Audited for StoredPerson {
    type Snapshot = PersonSnapshotV1;
    fn snapshot(&self) -> PersonSnapshotV1 {
        PersonSnapshotV1 {
            id: self.id,
            name: self.name.clone(),
            role: self.role.clone(),
            email_set: self.email.is_some(),
            directorate: self.directorate.clone(),
            aliases: self.aliases.clone(),
            version: self.version,
        }
    }
}
