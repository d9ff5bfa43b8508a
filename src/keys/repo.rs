//! Stored keys: SQL only.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::model::ApiKey;
use crate::auth::Role;
use crate::db::columns::CodeList;
use crate::db::schema::{api_keys, directorates};
use crate::db::{self, DbConnection};
use crate::domain::DirectorateCode;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
pub struct KeyRow {
    pub name: String,
    pub key_id: String,
    pub secret_hash: String,
    pub role: Role,
    pub directorates: CodeList,
    pub created_at: PrimitiveDateTime,
    pub revoked_at: Option<PrimitiveDateTime>,
    pub person: String,
}

/// Inserts a key and answers it as stored; a name in use is a unique violation.
pub fn insert(conn: &mut DbConnection, row: KeyRow) -> QueryResult<ApiKey> {
    diesel::insert_into(api_keys::table)
        .values(&row)
        .execute(conn)?;
    Ok(key_from_row(row))
}

/// Those of `codes` that name a directorate.
pub fn known_directorates(
    conn: &mut DbConnection,
    codes: &[DirectorateCode],
) -> QueryResult<Vec<DirectorateCode>> {
    directorates::table
        .filter(directorates::code.eq_any(codes))
        .select(directorates::code)
        .load(conn)
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<ApiKey>> {
    let rows: Vec<KeyRow> = api_keys::table
        .order(api_keys::name)
        .select(KeyRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(key_from_row).collect())
}

pub fn find(conn: &mut DbConnection, name: &str) -> QueryResult<Option<ApiKey>> {
    let row: Option<KeyRow> = api_keys::table
        .find(name)
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(key_from_row))
}

pub fn set_revoked(conn: &mut DbConnection, name: &str, at: PrimitiveDateTime) -> QueryResult<()> {
    diesel::update(api_keys::table.find(name))
        .set(api_keys::revoked_at.eq(Some(at)))
        .execute(conn)
        .map(drop)
}

/// Admin keys not revoked.
pub fn active_admins(conn: &mut DbConnection) -> QueryResult<i64> {
    api_keys::table
        .filter(api_keys::role.eq(Role::Admin))
        .filter(api_keys::revoked_at.is_null())
        .count()
        .get_result(conn)
}

fn key_from_row(row: KeyRow) -> ApiKey {
    ApiKey {
        role: row.role,
        directorates: row.directorates.0,
        created_at: db::time::utc(row.created_at),
        revoked_at: row.revoked_at.map(db::time::utc),
        name: row.name,
        person: row.person,
    }
}
