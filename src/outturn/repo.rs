//! The SQL of outturns and of the close of a year's outturn: no rules, no audit.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::model::{Outturn, OutturnClose, OutturnStatus};
use crate::db::schema::{outturn_years, outturns};
use crate::db::{self, DbConnection};
use crate::domain::{DirectorateCode, FinancialYear, LineRef, Money};

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = outturns)]
#[diesel(treat_none_as_null = true)]
struct OutturnRow {
    year_start: FinancialYear,
    line_ref: LineRef,
    directorate: DirectorateCode,
    revised_budget_pence: Money,
    delivered_pence: Money,
    slipped_pence: Money,
    slips_to: Option<FinancialYear>,
    unachieved_pence: Money,
    written_off_pence: Money,
    decision_id: Option<i64>,
    replaced_pence: Money,
    carried_to: Option<LineRef>,
    note: Option<String>,
    recorded_by: String,
    recorder: String,
    updated_at: PrimitiveDateTime,
    version: i64,
}

fn from_row(row: OutturnRow) -> Outturn {
    Outturn {
        year: row.year_start,
        line_ref: row.line_ref,
        directorate: row.directorate,
        revised_budget: row.revised_budget_pence,
        delivered: row.delivered_pence,
        slipped: row.slipped_pence,
        slips_to: row.slips_to,
        unachieved: row.unachieved_pence,
        written_off: row.written_off_pence,
        decision_id: row.decision_id,
        replaced: row.replaced_pence,
        carried_to: row.carried_to,
        note: row.note,
        recorded_by: row.recorded_by,
        recorder: row.recorder,
        updated_at: db::time::utc(row.updated_at),
        version: row.version,
    }
}

fn to_row(outturn: &Outturn) -> OutturnRow {
    OutturnRow {
        year_start: outturn.year,
        line_ref: outturn.line_ref.clone(),
        directorate: outturn.directorate.clone(),
        revised_budget_pence: outturn.revised_budget,
        delivered_pence: outturn.delivered,
        slipped_pence: outturn.slipped,
        slips_to: outturn.slips_to,
        unachieved_pence: outturn.unachieved,
        written_off_pence: outturn.written_off,
        decision_id: outturn.decision_id,
        replaced_pence: outturn.replaced,
        carried_to: outturn.carried_to.clone(),
        note: outturn.note.clone(),
        recorded_by: outturn.recorded_by.clone(),
        recorder: outturn.recorder.clone(),
        updated_at: db::time::stored(outturn.updated_at),
        version: outturn.version,
    }
}

pub fn find(
    conn: &mut DbConnection,
    year: FinancialYear,
    line_ref: &LineRef,
) -> QueryResult<Option<Outturn>> {
    outturns::table
        .find((year, line_ref))
        .select(OutturnRow::as_select())
        .first(conn)
        .optional()
        .map(|row| row.map(from_row))
}

/// Inserts an outturn, or replaces the one stored for its year and line.
pub fn save(conn: &mut DbConnection, outturn: &Outturn, exists: bool) -> QueryResult<()> {
    let row = to_row(outturn);
    if exists {
        diesel::update(outturns::table.find((outturn.year, &outturn.line_ref)))
            .set(&row)
            .execute(conn)?;
    } else {
        diesel::insert_into(outturns::table)
            .values(&row)
            .execute(conn)?;
    }
    Ok(())
}

/// Every outturn of a year, by ref.
pub fn of_year(conn: &mut DbConnection, year: FinancialYear) -> QueryResult<Vec<Outturn>> {
    outturns::table
        .filter(outturns::year_start.eq(year))
        .order(outturns::line_ref)
        .select(OutturnRow::as_select())
        .load(conn)
        .map(|rows| rows.into_iter().map(from_row).collect())
}

/// Every outturn, by year and ref.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Outturn>> {
    outturns::table
        .order((outturns::year_start, outturns::line_ref))
        .select(OutturnRow::as_select())
        .load(conn)
        .map(|rows| rows.into_iter().map(from_row).collect())
}

/// A line's own outturns, by year.
pub fn of_line(conn: &mut DbConnection, line_ref: &LineRef) -> QueryResult<Vec<Outturn>> {
    outturns::table
        .filter(outturns::line_ref.eq(line_ref))
        .order(outturns::year_start)
        .select(OutturnRow::as_select())
        .load(conn)
        .map(|rows| rows.into_iter().map(from_row).collect())
}

/// The outturns carried into a growth line, by year and ref.
pub fn carried_to(conn: &mut DbConnection, line_ref: &LineRef) -> QueryResult<Vec<Outturn>> {
    outturns::table
        .filter(outturns::carried_to.eq(line_ref))
        .order((outturns::year_start, outturns::line_ref))
        .select(OutturnRow::as_select())
        .load(conn)
        .map(|rows| rows.into_iter().map(from_row).collect())
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = outturn_years)]
#[diesel(treat_none_as_null = true)]
struct CloseRow {
    year_start: FinancialYear,
    status: OutturnStatus,
    decision_id: i64,
    reason: Option<String>,
    changed_by: String,
    changed_at: PrimitiveDateTime,
    version: i64,
}

fn close_from_row(row: CloseRow) -> OutturnClose {
    OutturnClose {
        year: row.year_start,
        status: row.status,
        decision_id: row.decision_id,
        reason: row.reason,
        changed_by: row.changed_by,
        changed_at: db::time::utc(row.changed_at),
        version: row.version,
    }
}

/// A year's latest close or reopening, if it was ever closed.
pub fn find_close(
    conn: &mut DbConnection,
    year: FinancialYear,
) -> QueryResult<Option<OutturnClose>> {
    outturn_years::table
        .find(year)
        .select(CloseRow::as_select())
        .first(conn)
        .optional()
        .map(|row| row.map(close_from_row))
}

/// Every year's latest close or reopening.
pub fn all_closes(conn: &mut DbConnection) -> QueryResult<Vec<OutturnClose>> {
    outturn_years::table
        .order(outturn_years::year_start)
        .select(CloseRow::as_select())
        .load(conn)
        .map(|rows| rows.into_iter().map(close_from_row).collect())
}

/// Writes a year's close or reopening over the one before.
pub fn save_close(conn: &mut DbConnection, close: &OutturnClose, exists: bool) -> QueryResult<()> {
    let row = CloseRow {
        year_start: close.year,
        status: close.status,
        decision_id: close.decision_id,
        reason: close.reason.clone(),
        changed_by: close.changed_by.clone(),
        changed_at: db::time::stored(close.changed_at),
        version: close.version,
    };
    if exists {
        diesel::update(outturn_years::table.find(close.year))
            .set(&row)
            .execute(conn)?;
    } else {
        diesel::insert_into(outturn_years::table)
            .values(&row)
            .execute(conn)?;
    }
    Ok(())
}
