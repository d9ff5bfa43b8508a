//! The people directory as the API presents it, and a person as stored.

use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::domain::DirectorateCode;

/// What an alias row of a person matches by: the person's name, role, or an alias given for them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum AliasKind {
    Name,
    Role,
    Alias,
}

crate::domain::text_enum!(AliasKind {
    Name => "name",
    Role => "role",
    Alias => "alias",
});

/// A person as stored, email included: what the services work on and the audit trail snapshots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredPerson {
    pub id: i64,
    pub name: String,
    pub role: Option<String>,
    pub email: Option<String>,
    pub directorate: Option<DirectorateCode>,
    /// As given, in the order of their keys (the table keeps no position).
    pub aliases: Vec<String>,
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
    pub version: i64,
}

/// A person as an owner or a shared alias shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct NamedPerson {
    pub id: i64,
    #[schema(example = "Shelley Davies")]
    pub name: String,
}

/// One of a person's aliases, with the other people it also names (whose name, role or alias has the same
/// key): a printed owner with that text is refused as ambiguous while it names more than one person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct PersonAlias {
    #[schema(example = "SD")]
    pub alias: String,
    pub shared_with: Vec<NamedPerson>,
}

/// A person of the directory: who owns delivery plans' actions and holds keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "name": "Shelley Davies", "role": "Head of Service, Early Help",
    "email": "shelley.davies@example.gov.uk", "directorate": "CFE",
    "aliases": [{"alias": "SD", "shared_with": []}], "version": 1,
    "updated_at": "2021-07-01T09:00:00Z", "updated_by": "cfe-editor"}))]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub role: Option<String>,
    /// Only to editor and admin keys (absent for readers and approvers); `null` when none is held.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, required = false)]
    pub email: Option<Option<String>>,
    /// None: council-wide.
    pub directorate: Option<DirectorateCode>,
    pub aliases: Vec<PersonAlias>,
    /// Only on `GET /people/{id}` and the answer to a change, to editor and admin keys: the unrevoked API
    /// keys whose `person` is this person's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub keys: Option<Vec<String>>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The key that last changed it.
    pub updated_by: String,
}

/// A person to add to the directory.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Shelley Davies", "role": "Head of Service, Early Help",
    "email": "Shelley.Davies@example.gov.uk", "directorate": "CFE", "aliases": ["SD"]}))]
pub struct CreatePerson {
    /// Unique in the directory whatever its case and spacing. One line, at most 200 bytes of UTF-8.
    #[schema(max_length = 200)]
    pub name: String,
    /// One line, at most 200 bytes of UTF-8; a printed owner may name the person by it.
    #[schema(max_length = 200)]
    pub role: Option<String>,
    /// One `@` with text either side, a dot in the domain with text either side of each, no spaces; at most
    /// 254 bytes. Stored lower-cased.
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// None: council-wide (changed only by an editor of every directorate or an admin).
    pub directorate: Option<DirectorateCode>,
    /// Other spellings and initials the papers use (`SD`, `Debby MacCormack`): at most 20, each one line of 1
    /// to 100 bytes, none twice whatever its case and spacing. One another person has too is allowed, and
    /// listed in the answer's `shared_with`.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub aliases: Vec<String>,
}

/// A JSON merge-patch of a person: only the fields given change; `null` clears `role`, `email` and
/// `directorate` (council-wide); `aliases`, when given, replaces them all (`null` or `[]`: none).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"aliases": ["SD", "S Davies"]}))]
pub struct PersonPatch {
    /// Never `null`: a person has a name.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, required = false, max_length = 200)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub role: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 254)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<DirectorateCode>)]
    pub directorate: Option<Option<DirectorateCode>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>, max_items = 20)]
    pub aliases: Option<Option<Vec<String>>>,
}

/// What a printed owner names: one person, or nobody (`person` is `null`: kept as printed, unresolved).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"owner": "SD", "person": {"id": 1, "name": "Shelley Davies"}}))]
pub struct Resolution {
    pub owner: String,
    pub person: Option<NamedPerson>,
}

/// Tells a field that is present (even as `null`) from one that is absent, as a merge-patch needs.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}
