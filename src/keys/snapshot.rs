//! A key as the audit trail stores it (never its secret). Keys are recorded, never replayed.

use super::model::ApiKey;
use crate::audit::snapshot::{Audited, KeySnapshotV1};

impl Audited for ApiKey {
    type Snapshot = KeySnapshotV1;
    fn snapshot(&self) -> KeySnapshotV1 {
        KeySnapshotV1 {
            name: self.name.clone(),
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
    fn a_key_is_stored_as_it_always_was() {
        let key = ApiKey {
            name: "cfe-finance".to_owned(),
            role: Role::Editor,
            directorates: vec![DirectorateCode::parse("CFE").unwrap()],
            created_at: datetime!(2021-04-01 09:00 UTC),
            revoked_at: Some(datetime!(2021-06-30 17:00 UTC)),
        };
        let stored = r#"{"created_at":"2021-04-01T09:00:00Z","directorates":["CFE"],"name":"cfe-finance","revoked_at":"2021-06-30T17:00:00Z","role":"editor"}"#;
        assert_eq!(snapshot::stored(&key.snapshot()).to_string(), stored);
        assert_eq!(serde_json::to_value(&key).unwrap().to_string(), stored);
    }
}
