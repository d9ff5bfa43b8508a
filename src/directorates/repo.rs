use std::collections::HashSet;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::{CreateDirectorate, Directorate};
use crate::audit::{self, Change, Entity};
use crate::auth::Actor;
use crate::db::schema::directorates;
use crate::db::{self, DbConnection};
use crate::domain::text::{check_text, MAX_NAME};
use crate::domain::{DirectorateCode, FieldErrors};
use crate::error::ApiError;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = directorates)]
struct DirectorateRow {
    code: DirectorateCode,
    name: String,
    created_at: PrimitiveDateTime,
}

pub fn insert(
    conn: &mut DbConnection,
    actor: &Actor,
    request: &CreateDirectorate,
) -> Result<Directorate, ApiError> {
    let mut errors = FieldErrors::default();
    let name = check_text(&request.name, "name", true, MAX_NAME, &mut errors);
    errors.into_result(()).map_err(ApiError::Validation)?;
    let row = DirectorateRow {
        code: request.code.clone(),
        name,
        created_at: db::time::now(),
    };
    diesel::insert_into(directorates::table)
        .values(&row)
        .execute(conn)
        .map_err(|error| match ApiError::from(error) {
            ApiError::Conflict(_) => {
                ApiError::Conflict(format!("directorate {} already exists", request.code))
            }
            other => other,
        })?;
    let directorate = directorate_from_row(row);
    let code = directorate.code.clone();
    let change = Change::created(
        directorate.created_at,
        Entity::Directorate,
        code.as_str(),
        &directorate,
    );
    audit::record(conn, actor, change)?;
    Ok(directorate)
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<Directorate>, ApiError> {
    let rows: Vec<DirectorateRow> = directorates::table
        .order(directorates::code)
        .select(DirectorateRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(directorate_from_row).collect())
}

fn directorate_from_row(row: DirectorateRow) -> Directorate {
    Directorate {
        code: row.code,
        name: row.name,
        created_at: db::time::utc(row.created_at),
    }
}

pub fn find(conn: &mut DbConnection, code: &DirectorateCode) -> Result<Directorate, ApiError> {
    let row: Option<DirectorateRow> = directorates::table
        .find(code)
        .select(DirectorateRow::as_select())
        .first(conn)
        .optional()?;
    Ok(directorate_from_row(row.ok_or_else(|| {
        ApiError::NotFound(format!("there is no directorate {code}"))
    })?))
}

/// The code of every directorate.
pub fn codes(conn: &mut DbConnection) -> Result<HashSet<DirectorateCode>, ApiError> {
    let codes: Vec<DirectorateCode> = directorates::table.select(directorates::code).load(conn)?;
    Ok(codes.into_iter().collect())
}

/// Every directorate that existed at `at`, by code.
pub fn list_at(
    conn: &mut DbConnection,
    at: time::OffsetDateTime,
) -> Result<Vec<Directorate>, ApiError> {
    audit::states_at(conn, Entity::Directorate, db::time::stored(at))
}
