//! The SQL of decisions and baselines: inserts (never an update or a delete: both are immutable) and reads.

use std::collections::BTreeMap;

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use super::model::{
    BaselineAmount, BaselineLine, BaselineYear, Decision, DecisionBody, Funding, FundingSource,
    WriteOff,
};
use crate::db::schema::{
    baseline_lines, baseline_totals, baseline_years, baselines, decisions, line_years, lines,
    outturn_years, write_off_years, write_offs,
};
use crate::db::{self, DbConnection};
use crate::domain::{DirectorateCode, FinancialYear, LineKind, LineRef, LineStatus, Money};

/// The statuses of a line whose profile is approved: what a baseline holds.
pub const APPROVED: [LineStatus; 3] = [
    LineStatus::Agreed,
    LineStatus::InDelivery,
    LineStatus::Delivered,
];

/// Rows per INSERT: well within SQLite's and PostgreSQL's bound parameters.
const BATCH: usize = 1_000;

#[derive(Queryable, Selectable)]
#[diesel(table_name = decisions)]
struct DecisionRow {
    id: i64,
    body: DecisionBody,
    body_name: Option<String>,
    decided_on: Date,
    reference: String,
    summary: String,
    recorded_by: String,
    recorded_at: PrimitiveDateTime,
}

impl From<DecisionRow> for Decision {
    fn from(row: DecisionRow) -> Decision {
        Decision {
            id: row.id,
            body: row.body,
            body_name: row.body_name,
            decided_on: row.decided_on,
            reference: row.reference,
            summary: row.summary,
            recorded_by: row.recorded_by,
            recorded_at: db::time::utc(row.recorded_at),
        }
    }
}

/// A decision to insert: everything but its id.
#[derive(Insertable)]
#[diesel(table_name = decisions)]
pub struct NewDecision<'a> {
    pub body: DecisionBody,
    pub body_name: Option<&'a str>,
    pub decided_on: Date,
    pub reference: &'a str,
    pub summary: &'a str,
    pub recorded_by: &'a str,
    pub recorded_at: PrimitiveDateTime,
}

/// Inserts a decision and answers it with its id (writes are serialised: the highest id is this one).
pub fn insert_decision(conn: &mut DbConnection, new: &NewDecision) -> QueryResult<Decision> {
    diesel::insert_into(decisions::table)
        .values(new)
        .execute(conn)?;
    let id: Option<i64> = decisions::table
        .select(diesel::dsl::max(decisions::id))
        .first(conn)?;
    find_decision(conn, id.unwrap_or_default())?.ok_or(diesel::result::Error::NotFound)
}

pub fn find_decision(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Decision>> {
    decisions::table
        .find(id)
        .select(DecisionRow::as_select())
        .first(conn)
        .optional()
        .map(|row| row.map(Decision::from))
}

/// Decisions in the order they were recorded, after `after`, at most `limit`.
pub fn list_decisions(
    conn: &mut DbConnection,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Decision>> {
    decisions::table
        .filter(decisions::id.gt(after))
        .order(decisions::id)
        .limit(limit)
        .select(DecisionRow::as_select())
        .load(conn)
        .map(|rows| rows.into_iter().map(Decision::from).collect())
}

/// A baseline's own row: its name, decision, and who set it when.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = baselines)]
pub struct BaselineRow {
    pub name: String,
    pub decision_id: i64,
    pub set_by: String,
    pub set_at: PrimitiveDateTime,
}

pub fn find_baseline(conn: &mut DbConnection, name: &str) -> QueryResult<Option<BaselineRow>> {
    baselines::table
        .find(name)
        .select(BaselineRow::as_select())
        .first(conn)
        .optional()
}

/// Every baseline set at or before `at` (every one when `None`), the latest first.
pub fn list_baselines(
    conn: &mut DbConnection,
    at: Option<PrimitiveDateTime>,
) -> QueryResult<Vec<BaselineRow>> {
    let mut query = baselines::table
        .order((baselines::set_at.desc(), baselines::name))
        .select(BaselineRow::as_select())
        .into_boxed::<db::MultiBackend>();
    if let Some(at) = at {
        query = query.filter(baselines::set_at.le(at));
    }
    query.load(conn)
}

/// Sets a baseline from every line whose profile is approved now: its row, its lines and years, and its
/// totals by directorate, kind and year. Answers how many lines it holds; a name in use is a unique violation.
pub fn insert_baseline(conn: &mut DbConnection, row: &BaselineRow) -> QueryResult<usize> {
    diesel::insert_into(baselines::table)
        .values(row)
        .execute(conn)?;
    let held: Vec<(LineRef, DirectorateCode, LineKind, String)> = lines::table
        .filter(lines::status.eq_any(APPROVED))
        .order(lines::line_ref)
        .select((
            lines::line_ref,
            lines::directorate,
            lines::kind,
            lines::title,
        ))
        .load(conn)?;
    let line_rows: Vec<BaselineLineRow> = held
        .iter()
        .map(|(line_ref, directorate, kind, title)| BaselineLineRow {
            baseline: &row.name,
            line_ref,
            directorate,
            kind: *kind,
            title,
        })
        .collect();
    for batch in line_rows.chunks(BATCH) {
        crate::insert_rows!(conn, baseline_lines::table, batch);
    }
    let amounts: Vec<(LineRef, DirectorateCode, LineKind, FinancialYear, Money)> =
        line_years::table
            .inner_join(lines::table)
            .filter(lines::status.eq_any(APPROVED))
            .select((
                line_years::line_ref,
                lines::directorate,
                lines::kind,
                line_years::year_start,
                line_years::amount_pence,
            ))
            .load(conn)?;
    let mut totals: BTreeMap<(&DirectorateCode, LineKind, FinancialYear), Money> = BTreeMap::new();
    for (_, directorate, kind, year, amount) in &amounts {
        let total = totals.entry((directorate, *kind, *year)).or_default();
        *total = *total + *amount;
    }
    let year_rows: Vec<BaselineYearRow> = amounts
        .iter()
        .map(|(line_ref, _, _, year, amount)| BaselineYearRow {
            baseline: &row.name,
            line_ref,
            year_start: *year,
            amount_pence: *amount,
        })
        .collect();
    for batch in year_rows.chunks(BATCH) {
        crate::insert_rows!(conn, baseline_years::table, batch);
    }
    let total_rows: Vec<BaselineTotalRow> = totals
        .into_iter()
        .map(
            |((directorate, kind, year_start), amount_pence)| BaselineTotalRow {
                baseline: &row.name,
                directorate,
                kind,
                year_start,
                amount_pence,
            },
        )
        .collect();
    for batch in total_rows.chunks(BATCH) {
        crate::insert_rows!(conn, baseline_totals::table, batch);
    }
    Ok(held.len())
}

#[derive(Insertable)]
#[diesel(table_name = baseline_lines)]
struct BaselineLineRow<'a> {
    baseline: &'a str,
    line_ref: &'a LineRef,
    directorate: &'a DirectorateCode,
    kind: LineKind,
    title: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = baseline_years)]
struct BaselineYearRow<'a> {
    baseline: &'a str,
    line_ref: &'a LineRef,
    year_start: FinancialYear,
    amount_pence: Money,
}

#[derive(Insertable)]
#[diesel(table_name = baseline_totals)]
struct BaselineTotalRow<'a> {
    baseline: &'a str,
    directorate: &'a DirectorateCode,
    kind: LineKind,
    year_start: FinancialYear,
    amount_pence: Money,
}

/// How many lines a baseline holds.
pub fn line_count(conn: &mut DbConnection, name: &str) -> QueryResult<usize> {
    baseline_lines::table
        .filter(baseline_lines::baseline.eq(name))
        .count()
        .get_result::<i64>(conn)
        .map(|count| count as usize)
}

/// A baseline's savings, growth and net per year, of one directorate or all: from its kept totals.
pub fn years(
    conn: &mut DbConnection,
    name: &str,
    directorate: Option<&DirectorateCode>,
) -> QueryResult<Vec<BaselineYear>> {
    let mut query = baseline_totals::table
        .filter(baseline_totals::baseline.eq(name))
        .select((
            baseline_totals::kind,
            baseline_totals::year_start,
            baseline_totals::amount_pence,
        ))
        .into_boxed::<db::MultiBackend>();
    if let Some(directorate) = directorate {
        query = query.filter(baseline_totals::directorate.eq(directorate));
    }
    let rows: Vec<(LineKind, FinancialYear, Money)> = query.load(conn)?;
    let mut years: BTreeMap<FinancialYear, (Money, Money)> = BTreeMap::new();
    for (kind, year, amount) in rows {
        let (savings, growth) = years.entry(year).or_default();
        match kind {
            LineKind::Saving => *savings = *savings + amount,
            LineKind::Growth => *growth = *growth + amount,
        }
    }
    Ok(years
        .into_iter()
        .map(|(year, (savings, growth))| BaselineYear {
            year,
            savings,
            growth,
            net: growth - savings,
        })
        .collect())
}

/// A baseline's lines in ref order, each with its years.
pub fn lines_of(conn: &mut DbConnection, name: &str) -> QueryResult<Vec<BaselineLine>> {
    let held: Vec<(LineRef, DirectorateCode, LineKind, String)> = baseline_lines::table
        .filter(baseline_lines::baseline.eq(name))
        .order(baseline_lines::line_ref)
        .select((
            baseline_lines::line_ref,
            baseline_lines::directorate,
            baseline_lines::kind,
            baseline_lines::title,
        ))
        .load(conn)?;
    let amounts: Vec<(LineRef, FinancialYear, Money)> = baseline_years::table
        .filter(baseline_years::baseline.eq(name))
        .order((baseline_years::line_ref, baseline_years::year_start))
        .select((
            baseline_years::line_ref,
            baseline_years::year_start,
            baseline_years::amount_pence,
        ))
        .load(conn)?;
    let mut by_line: BTreeMap<LineRef, Vec<BaselineAmount>> = BTreeMap::new();
    for (line_ref, year, amount) in amounts {
        by_line
            .entry(line_ref)
            .or_default()
            .push(BaselineAmount { year, amount });
    }
    Ok(held
        .into_iter()
        .map(|(line_ref, directorate, kind, title)| BaselineLine {
            years: by_line.remove(&line_ref).unwrap_or_default(),
            line_ref,
            directorate,
            kind,
            title,
        })
        .collect())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = write_offs)]
struct WriteOffRow {
    id: i64,
    line_ref: LineRef,
    directorate: DirectorateCode,
    decision_id: i64,
    reason: String,
    funding_source: FundingSource,
    funding_ref: Option<LineRef>,
    recorded_by: String,
    recorder: String,
    recorded_at: PrimitiveDateTime,
}

/// A write-off to insert: everything but its id and years.
#[derive(Insertable)]
#[diesel(table_name = write_offs)]
pub struct NewWriteOff<'a> {
    pub line_ref: &'a LineRef,
    pub directorate: &'a DirectorateCode,
    pub decision_id: i64,
    pub reason: &'a str,
    pub funding_source: FundingSource,
    pub funding_ref: Option<&'a LineRef>,
    pub recorded_by: &'a str,
    pub recorder: &'a str,
    pub recorded_at: PrimitiveDateTime,
}

/// Inserts a write-off and its years; answers its id (writes are serialised: the highest id is this one).
pub fn insert_write_off(
    conn: &mut DbConnection,
    new: &NewWriteOff,
    years: &[(FinancialYear, Money)],
) -> QueryResult<i64> {
    diesel::insert_into(write_offs::table)
        .values(new)
        .execute(conn)?;
    let id: Option<i64> = write_offs::table
        .select(diesel::dsl::max(write_offs::id))
        .first(conn)?;
    let id = id.unwrap_or_default();
    for (year, amount) in years {
        diesel::insert_into(write_off_years::table)
            .values((
                write_off_years::write_off.eq(id),
                write_off_years::year_start.eq(*year),
                write_off_years::amount_pence.eq(*amount),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

/// A baseline's amounts for one line, by year (none when it does not hold the line).
pub fn baseline_amounts(
    conn: &mut DbConnection,
    baseline: &str,
    line_ref: &LineRef,
) -> QueryResult<Vec<(FinancialYear, Money)>> {
    baseline_years::table
        .filter(baseline_years::baseline.eq(baseline))
        .filter(baseline_years::line_ref.eq(line_ref))
        .order(baseline_years::year_start)
        .select((baseline_years::year_start, baseline_years::amount_pence))
        .load(conn)
}

/// The latest baseline that holds a line, if any.
pub fn latest_baseline_of(
    conn: &mut DbConnection,
    line_ref: &LineRef,
) -> QueryResult<Option<String>> {
    baselines::table
        .filter(
            baselines::name.eq_any(
                baseline_lines::table
                    .filter(baseline_lines::line_ref.eq(line_ref.clone()))
                    .select(baseline_lines::baseline),
            ),
        )
        .order((baselines::set_at.desc(), baselines::name))
        .select(baselines::name)
        .first(conn)
        .optional()
}

/// Every write-off, of one line or all, in the order recorded.
pub fn write_offs(conn: &mut DbConnection, line: Option<&LineRef>) -> QueryResult<Vec<WriteOff>> {
    let mut query = write_offs::table
        .order(write_offs::id)
        .select(WriteOffRow::as_select())
        .into_boxed::<db::MultiBackend>();
    if let Some(line) = line {
        query = query.filter(write_offs::line_ref.eq(line.clone()));
    }
    let rows: Vec<WriteOffRow> = query.load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut years: BTreeMap<i64, Vec<BaselineAmount>> = BTreeMap::new();
    for chunk in ids.chunks(BATCH) {
        let amounts: Vec<(i64, FinancialYear, Money)> = write_off_years::table
            .filter(write_off_years::write_off.eq_any(chunk))
            .order((write_off_years::write_off, write_off_years::year_start))
            .select((
                write_off_years::write_off,
                write_off_years::year_start,
                write_off_years::amount_pence,
            ))
            .load(conn)?;
        for (id, year, amount) in amounts {
            years
                .entry(id)
                .or_default()
                .push(BaselineAmount { year, amount });
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let years = years.remove(&row.id).unwrap_or_default();
            WriteOff {
                total: years
                    .iter()
                    .map(|y| y.amount)
                    .fold(Money::default(), |a, b| a + b),
                years,
                id: row.id,
                line_ref: row.line_ref,
                directorate: row.directorate,
                decision_id: row.decision_id,
                reason: row.reason,
                funding: Funding {
                    source: row.funding_source,
                    line_ref: row.funding_ref,
                },
                recorded_by: row.recorded_by,
                recorder: row.recorder,
                recorded_at: db::time::utc(row.recorded_at),
            }
        })
        .collect())
}

/// Savings written off by year, of one directorate or all, recorded at or before `at` (all when `None`).
pub fn written_off(
    conn: &mut DbConnection,
    directorate: Option<&DirectorateCode>,
    at: Option<PrimitiveDateTime>,
) -> QueryResult<BTreeMap<FinancialYear, Money>> {
    let mut query = write_off_years::table
        .inner_join(write_offs::table)
        .select((write_off_years::year_start, write_off_years::amount_pence))
        .into_boxed::<db::MultiBackend>();
    if let Some(directorate) = directorate {
        query = query.filter(write_offs::directorate.eq(directorate.clone()));
    }
    if let Some(at) = at {
        query = query.filter(write_offs::recorded_at.le(at));
    }
    let rows: Vec<(FinancialYear, Money)> = query.load(conn)?;
    let mut by_year: BTreeMap<FinancialYear, Money> = BTreeMap::new();
    for (year, amount) in rows {
        let total = by_year.entry(year).or_default();
        *total = *total + amount;
    }
    Ok(by_year)
}

/// Whether a year's outturn is closed (issue 17): its approved savings' figures are as reported, so nothing of
/// that year is written off until a decision reopens it.
pub fn outturn_closed(conn: &mut DbConnection, year: FinancialYear) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        outturn_years::table
            .filter(outturn_years::year_start.eq(year))
            .filter(outturn_years::status.eq("closed")),
    ))
    .get_result(conn)
}
