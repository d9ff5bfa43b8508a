//! Queries for directorates.

use std::collections::HashSet;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::Directorate;
use crate::audit::{self, Entity};
use crate::db::schema::directorates;
use crate::db::{self, DbConnection};
use crate::domain::DirectorateCode;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = directorates)]
struct DirectorateRow {
    code: DirectorateCode,
    name: String,
    created_at: PrimitiveDateTime,
}

pub fn insert(conn: &mut DbConnection, directorate: &Directorate) -> QueryResult<()> {
    let row = DirectorateRow {
        code: directorate.code.clone(),
        name: directorate.name.clone(),
        created_at: db::time::stored(directorate.created_at),
    };
    diesel::insert_into(directorates::table)
        .values(&row)
        .execute(conn)
        .map(drop)
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Directorate>> {
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

pub fn find(conn: &mut DbConnection, code: &DirectorateCode) -> QueryResult<Option<Directorate>> {
    let row: Option<DirectorateRow> = directorates::table
        .find(code)
        .select(DirectorateRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(directorate_from_row))
}

/// The code of every directorate.
pub fn codes(conn: &mut DbConnection) -> QueryResult<HashSet<DirectorateCode>> {
    let codes: Vec<DirectorateCode> = directorates::table.select(directorates::code).load(conn)?;
    Ok(codes.into_iter().collect())
}

/// Every directorate that existed at `at`, by code.
pub fn list_at(conn: &mut DbConnection, at: time::OffsetDateTime) -> QueryResult<Vec<Directorate>> {
    audit::states_at(conn, Entity::Directorate, db::time::stored(at))
}
