//! A key as the audit trail stores it (never its secret). Keys are recorded, never replayed.

use super::model::ApiKey;
use crate::audit::snapshot::{Audited, KeySnapshotV2};

impl Audited for ApiKey {
    type Snapshot = KeySnapshotV2;
    fn snapshot(&self) -> KeySnapshotV2 {
        KeySnapshotV2 {
            name: self.name.clone(),
            person: self.person.clone(),
            role: self.role.as_str().to_owned(),
            directorates: self.directorates.clone(),
            created_at: self.created_at,
            revoked_at: self.revoked_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::audit::snapshot;
    use crate::auth::Role;
    use crate::domain::DirectorateCode;

    #[test]
    fn a_key_is_stored_with_its_person_and_an_older_key_reads_with_its_name_as_the_person() {
        let key = ApiKey {
            name: "cfe-finance".to_owned(),
            person: "Hannah Doughty".to_owned(),
            role: Role::Editor,
            directorates: vec![DirectorateCode::parse("CFE").unwrap()],
            created_at: datetime!(2021-04-01 09:00 UTC),
            revoked_at: Some(datetime!(2021-06-30 17:00 UTC)),
        };
        let stored = r#"{"created_at":"2021-04-01T09:00:00Z","directorates":["CFE"],"name":"cfe-finance","person":"Hannah Doughty","revoked_at":"2021-06-30T17:00:00Z","role":"editor","snapshot_version":2}"#;
        assert_eq!(snapshot::stored(&key.snapshot()).to_string(), stored);
        let v1 = r#"{"created_at":"2021-04-01T09:00:00Z","directorates":["CFE"],"name":"cfe-finance","revoked_at":"2021-06-30T17:00:00Z","role":"editor"}"#;
        let read: KeySnapshotV2 = snapshot::read(v1).unwrap();
        assert_eq!(read.person, "cfe-finance");
        assert_eq!(read.role, "editor");
    }
}
