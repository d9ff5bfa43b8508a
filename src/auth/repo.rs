//! Stored keys: created, listed, revoked, and looked up for each request.

use diesel::prelude::*;
use serde::Serialize;
use time::{OffsetDateTime, PrimitiveDateTime};
use utoipa::ToSchema;

use super::{token, Actor, Role, OPERATOR_NAMES};
use crate::audit::{self, Change, Entity};
use crate::db::columns::CodeList;
use crate::db::schema::{api_keys, directorates};
use crate::db::{self, DbConnection};
use crate::domain::line::check_name;
use crate::domain::{DirectorateCode, FieldErrors};
use crate::error::ApiError;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
struct KeyRow {
    name: String,
    key_id: String,
    secret_hash: String,
    role: Role,
    directorates: CodeList,
    created_at: PrimitiveDateTime,
    revoked_at: Option<PrimitiveDateTime>,
}

/// A key as listed: never its secret.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"name": "pmo-tracker", "role": "reader", "directorates": [], "created_at": "2021-04-01T09:00:00Z", "revoked_at": null}))]
pub struct ApiKey {
    pub name: String,
    pub role: Role,
    /// The directorates an editor may change; empty for all.
    pub directorates: Vec<DirectorateCode>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// A new key and its token, which is shown this once (the API's answer is `auth::api::KeyCreated`).
#[derive(Debug)]
pub struct CreatedKey {
    pub key: ApiKey,
    /// Never stored: only its secret's SHA-256 is.
    pub token: String,
}

/// What a presented token turned out to be.
pub enum KeyCheck {
    Valid(Actor),
    /// Refused: `key` names the stored key whose id the token carries (revoked, or the secret is wrong),
    /// when there is one.
    Refused {
        key: Option<String>,
    },
}

const MAX_NAME: usize = 64;

/// Creates a key; the name defaults to the role and the key's id. Records the creation in the audit trail.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    name: Option<&str>,
    role: Role,
    directorates: &[DirectorateCode],
) -> Result<CreatedKey, ApiError> {
    let new = token::generate();
    let name = name
        .map(str::trim)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}-{}", role.as_str(), &new.key_id[..8]));
    let mut errors = FieldErrors::default();
    check_name(&name, "name", MAX_NAME, &mut errors);
    if OPERATOR_NAMES
        .iter()
        .any(|reserved| reserved.eq_ignore_ascii_case(&name))
    {
        errors.add(
            "name",
            format!(
                "`{name}` is reserved: the audit trail records the command line's operator as {}",
                OPERATOR_NAMES.join(", ")
            ),
        );
    }
    if role == Role::Admin && !directorates.is_empty() {
        errors.add(
            "directorates",
            "an admin key covers every directorate; give directorates for editor keys",
        );
    }
    check_directorates_exist(conn, directorates, &mut errors)?;
    errors.into_result(()).map_err(ApiError::Validation)?;
    let row = KeyRow {
        name: name.clone(),
        key_id: new.key_id,
        secret_hash: new.secret_hash,
        role,
        directorates: CodeList(directorates.to_vec()),
        created_at: db::time::now(),
        revoked_at: None,
    };
    diesel::insert_into(api_keys::table)
        .values(&row)
        .execute(conn)
        .map_err(|error| match ApiError::from(error) {
            ApiError::Conflict(_) => ApiError::Conflict(format!(
                "a key named {name} exists; key names are never reused"
            )),
            other => other,
        })?;
    let key = key_from_row(row);
    audit::record(
        conn,
        actor,
        Change::created(key.created_at, Entity::Key, &key.name, &key),
    )?;
    Ok(CreatedKey {
        key,
        token: new.token,
    })
}

/// An editor key's directorates must exist: a key for a directorate nobody can create lines in is a typo.
fn check_directorates_exist(
    conn: &mut DbConnection,
    wanted: &[DirectorateCode],
    errors: &mut FieldErrors,
) -> Result<(), ApiError> {
    if wanted.is_empty() {
        return Ok(());
    }
    let known: Vec<DirectorateCode> = directorates::table
        .filter(directorates::code.eq_any(wanted))
        .select(directorates::code)
        .load(conn)?;
    for (index, code) in wanted.iter().enumerate() {
        if !known.contains(code) {
            errors.add(
                format!("directorates[{index}]"),
                format!("there is no directorate {code}: create it first"),
            );
        }
    }
    Ok(())
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<ApiKey>, ApiError> {
    let rows: Vec<KeyRow> = api_keys::table
        .order(api_keys::name)
        .select(KeyRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(key_from_row).collect())
}

/// Revokes a key at once: its next request is refused.
pub fn revoke(conn: &mut DbConnection, actor: &Actor, name: &str) -> Result<ApiKey, ApiError> {
    let row: Option<KeyRow> = api_keys::table
        .find(name)
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?;
    let before = key_from_row(
        row.ok_or_else(|| ApiError::NotFound(format!("there is no key named {name}")))?,
    );
    if before.revoked_at.is_some() {
        return Ok(before);
    }
    if before.role == Role::Admin && active_admins(conn)? <= 1 {
        return Err(ApiError::Conflict(format!(
            "{name} is the last active admin key: create another admin key before revoking it"
        )));
    }
    let now = db::time::now();
    diesel::update(api_keys::table.find(name))
        .set(api_keys::revoked_at.eq(Some(now)))
        .execute(conn)?;
    let after = ApiKey {
        revoked_at: Some(db::time::utc(now)),
        ..before.clone()
    };
    audit::record(
        conn,
        actor,
        Change::updated(
            db::time::utc(now),
            Entity::Key,
            name,
            "revoked",
            &before,
            &after,
            None,
        ),
    )?;
    Ok(after)
}

/// Active admin keys. Counted inside the revoking write transaction, which is serialised, so two admins
/// revoking each other at once cannot leave none.
fn active_admins(conn: &mut DbConnection) -> Result<i64, ApiError> {
    Ok(api_keys::table
        .filter(api_keys::role.eq(Role::Admin))
        .filter(api_keys::revoked_at.is_null())
        .count()
        .get_result(conn)?)
}

/// The actor behind a bearer token, if the token belongs to a key that is not revoked; otherwise the key its
/// id names, if any, so that the refusal can be counted against it.
pub fn authenticate(conn: &mut DbConnection, bearer: &str) -> Result<KeyCheck, ApiError> {
    let Some((key_id, secret)) = token::parse(bearer) else {
        return Ok(KeyCheck::Refused { key: None });
    };
    let row: Option<KeyRow> = api_keys::table
        .filter(api_keys::key_id.eq(key_id))
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = row else {
        return Ok(KeyCheck::Refused { key: None });
    };
    if row.revoked_at.is_some() || !token::matches(secret, &row.secret_hash) {
        return Ok(KeyCheck::Refused {
            key: Some(row.name),
        });
    }
    let key = key_from_row(row);
    Ok(KeyCheck::Valid(Actor {
        name: key.name,
        role: key.role,
        directorates: key.directorates,
    }))
}

fn key_from_row(row: KeyRow) -> ApiKey {
    ApiKey {
        role: row.role,
        directorates: row.directorates.0,
        created_at: db::time::utc(row.created_at),
        revoked_at: row.revoked_at.map(db::time::utc),
        name: row.name,
    }
}
