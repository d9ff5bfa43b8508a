//! Queries for mitigations.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::model::{Mitigation, MitigationKind};
use crate::db::schema::mitigations;
use crate::db::{self, DbConnection, MultiBackend};
use crate::domain::{DirectorateCode, FinancialYear, Money};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = mitigations)]
struct MitigationRow {
    id: i64,
    directorate: DirectorateCode,
    #[diesel(column_name = year_start)]
    year: FinancialYear,
    kind: MitigationKind,
    #[diesel(column_name = amount_pence)]
    amount: Money,
    source: String,
    decision_id: i64,
    found_by: String,
    recorded_by: String,
    recorded_at: PrimitiveDateTime,
}

/// A mitigation to insert: everything but its id.
#[derive(Insertable)]
#[diesel(table_name = mitigations)]
pub struct NewMitigation<'a> {
    pub directorate: &'a DirectorateCode,
    #[diesel(column_name = year_start)]
    pub year: FinancialYear,
    pub kind: MitigationKind,
    #[diesel(column_name = amount_pence)]
    pub amount: Money,
    pub source: &'a str,
    pub decision_id: i64,
    pub found_by: &'a str,
    pub recorded_by: &'a str,
    pub recorded_at: PrimitiveDateTime,
}

/// Inserts a mitigation; answers its id (writes are serialised: the highest id is this one).
pub fn insert(conn: &mut DbConnection, new: &NewMitigation) -> QueryResult<i64> {
    diesel::insert_into(mitigations::table)
        .values(new)
        .execute(conn)?;
    let id: Option<i64> = mitigations::table
        .select(diesel::dsl::max(mitigations::id))
        .first(conn)?;
    Ok(id.unwrap_or_default())
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Mitigation>> {
    mitigations::table
        .find(id)
        .select(MitigationRow::as_select())
        .first(conn)
        .optional()
        .map(|row| row.map(from_row))
}

/// Mitigations in the order recorded, of one year or directorate (or all), recorded by `at` when given.
pub fn list(
    conn: &mut DbConnection,
    year: Option<FinancialYear>,
    directorate: Option<&DirectorateCode>,
    at: Option<PrimitiveDateTime>,
) -> QueryResult<Vec<Mitigation>> {
    let mut query = mitigations::table.into_boxed::<MultiBackend>();
    if let Some(at) = at {
        query = query.filter(mitigations::recorded_at.le(at));
    }
    if let Some(year) = year {
        query = query.filter(mitigations::year_start.eq(year));
    }
    if let Some(directorate) = directorate {
        query = query.filter(mitigations::directorate.eq(directorate.clone()));
    }
    let rows: Vec<MitigationRow> = query
        .order(mitigations::id)
        .select(MitigationRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(from_row).collect())
}

fn from_row(row: MitigationRow) -> Mitigation {
    Mitigation {
        id: row.id,
        directorate: row.directorate,
        year: row.year,
        kind: row.kind,
        amount: row.amount,
        source: row.source,
        decision_id: row.decision_id,
        found_by: row.found_by,
        recorded_by: row.recorded_by,
        recorded_at: db::time::utc(row.recorded_at),
    }
}
