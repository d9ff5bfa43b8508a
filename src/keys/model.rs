//! Keys as the API shows them: never a secret, and a token only in the answer to its creation.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::auth::Role;
use crate::domain::DirectorateCode;

/// A key as listed: never its secret.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"name": "pmo-tracker", "person": "PMO team", "role": "reader", "directorates": [], "created_at": "2021-04-01T09:00:00Z", "revoked_at": null}))]
pub struct ApiKey {
    pub name: String,
    /// Who holds the key: an approver never approves what the same person proposed, whichever key.
    pub person: String,
    pub role: Role,
    /// The directorates an editor may change; empty for all.
    pub directorates: Vec<DirectorateCode>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// A new key and its token, which is shown this once (the API's answer is `KeyCreated`).
#[derive(Debug)]
pub struct CreatedKey {
    pub key: ApiKey,
    /// Never stored: only its secret's SHA-256 is.
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "cfe-finance", "person": "Hannah Doughty", "role": "editor", "directorates": ["CFE"]}))]
pub struct CreateKey {
    /// Letters, digits, `-`, `_` and `.`; defaults to the role and the key's id. Names are never reused.
    pub name: Option<String>,
    /// The person who holds the key; defaults to its name. At most 200 bytes, one line.
    pub person: Option<String>,
    pub role: Role,
    /// For editor and approver keys: the directorates whose figures the key may change or whose changes it may
    /// approve; empty or absent for all.
    #[serde(default)]
    pub directorates: Vec<DirectorateCode>,
}

/// A key as listed to admins, with the requests refused to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListedKey {
    #[serde(flatten)]
    pub key: ApiKey,
    /// Requests refused with 401 (revoked, or a wrong secret with this key's id) or 403 (role or directorates
    /// do not cover them), counted by the process answering since it started: each process of a scaled-out
    /// deployment counts its own.
    pub refused_requests: u64,
}

/// A new key, as answered to its creation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CreatedKey)]
pub struct KeyCreated {
    #[serde(flatten)]
    pub key: ApiKey,
    /// Send as `Authorization: Bearer <token>`. Shown this once and never stored (only its secret's SHA-256
    /// is), so a replayed creation (`Idempotent-Replayed: true`) gives back the key's record with `null` here.
    pub token: Option<String>,
}
