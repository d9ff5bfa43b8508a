//! Creating and revoking keys: the rules (names, reserved names, an admin covers every directorate, the last
//! admin stays), and the audit trail.

use super::model::{ApiKey, CreatedKey};
use super::repo::{self, KeyRow};
use crate::audit::{self, Change, Entity};
use crate::auth::{token, Actor, Role, OPERATOR_NAMES};
use crate::db::columns::CodeList;
use crate::db::{self, DbConnection};
use crate::domain::line::check_name;
use crate::domain::text::{self, check_text};
use crate::domain::{DirectorateCode, FieldErrors};
use crate::error::ApiError;

const MAX_NAME: usize = 64;

/// Creates a key; the name defaults to the role and the key's id. Records the creation in the audit trail.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    name: Option<&str>,
    person: Option<&str>,
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
    let person = match person {
        Some(person) => check_text(person, "person", true, text::MAX_NAME, &mut errors),
        None => name.clone(),
    };
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
            "an admin key covers every directorate; give directorates for editor and approver keys",
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
        person,
    };
    let key = repo::insert(conn, row).map_err(|error| match ApiError::from(error) {
        ApiError::Conflict(_) => ApiError::Conflict(format!(
            "a key named {name} exists; key names are never reused"
        )),
        other => other,
    })?;
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
    let known = repo::known_directorates(conn, wanted)?;
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
    Ok(repo::list(conn)?)
}

/// Revokes a key at once: its next request is refused. Revoked inside the write transaction, which is
/// serialised, so two admins revoking each other at once cannot leave no admin.
pub fn revoke(conn: &mut DbConnection, actor: &Actor, name: &str) -> Result<ApiKey, ApiError> {
    let before = repo::find(conn, name)?
        .ok_or_else(|| ApiError::NotFound(format!("there is no key named {name}")))?;
    if before.revoked_at.is_some() {
        return Ok(before);
    }
    if before.role == Role::Admin && repo::active_admins(conn)? <= 1 {
        return Err(ApiError::Conflict(format!(
            "{name} is the last active admin key: create another admin key before revoking it"
        )));
    }
    let now = db::time::now();
    repo::set_revoked(conn, name, now)?;
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
