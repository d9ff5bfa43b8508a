//! Who a presented token belongs to: one indexed read of the stored keys.

use diesel::prelude::*;

use super::actor::{Actor, Role};
use super::token;
use crate::db::columns::CodeList;
use crate::db::schema::api_keys;
use crate::db::DbConnection;

/// What a presented token turned out to be.
pub enum KeyCheck {
    Valid(Actor),
    /// Refused: `key` names the stored key whose id the token carries (revoked, or the secret is wrong),
    /// when there is one.
    Refused {
        key: Option<String>,
    },
}

/// The actor behind a bearer token, if the token belongs to a key that is not revoked; otherwise the key its
/// id names, if any, so that the refusal can be counted against it.
pub fn authenticate(conn: &mut DbConnection, bearer: &str) -> QueryResult<KeyCheck> {
    let Some((key_id, secret)) = token::parse(bearer) else {
        return Ok(KeyCheck::Refused { key: None });
    };
    let row: Option<(String, String, String, Role, CodeList, bool)> = api_keys::table
        .filter(api_keys::key_id.eq(key_id))
        .select((
            api_keys::name,
            api_keys::person,
            api_keys::secret_hash,
            api_keys::role,
            api_keys::directorates,
            api_keys::revoked_at.is_not_null(),
        ))
        .first(conn)
        .optional()?;
    let Some((name, person, secret_hash, role, directorates, revoked)) = row else {
        return Ok(KeyCheck::Refused { key: None });
    };
    if revoked || !token::matches(secret, &secret_hash) {
        return Ok(KeyCheck::Refused { key: Some(name) });
    }
    Ok(KeyCheck::Valid(Actor {
        name,
        person,
        role,
        directorates: directorates.0,
    }))
}
