//! Queries for monitoring periods and assessments.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use super::model::{Assessment, MonitoringPeriod, PeriodStatus};
use crate::db::columns::Json;
use crate::db::schema::{assessment_states, assessments, line_years, lines, monitoring_periods};
use crate::db::{self, DbConnection};
use crate::domain::monitoring::Substitute;
use crate::domain::monitoring::{Period, Rag};
use crate::domain::{DirectorateCode, FinancialYear, LineKind, LineRef, LineStatus, Money};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = monitoring_periods)]
struct PeriodRow {
    #[diesel(column_name = year_start)]
    year: FinancialYear,
    period: Period,
    as_at: Date,
    closed_at: Option<PrimitiveDateTime>,
    created_at: PrimitiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = assessments, treat_none_as_null = true)]
struct AssessmentRow {
    #[diesel(column_name = year_start)]
    year: FinancialYear,
    period: Period,
    line_ref: LineRef,
    rag: Rag,
    #[diesel(column_name = planned_pence)]
    planned: Money,
    #[diesel(column_name = forecast_pence)]
    forecast: Money,
    #[diesel(column_name = at_risk_pence)]
    at_risk: Money,
    reason: Option<String>,
    mitigation: Option<String>,
    substitutes: Json<Vec<Substitute>>,
    slips_to: Option<FinancialYear>,
    updated_at: PrimitiveDateTime,
    version: i64,
    #[diesel(column_name = timing_pence)]
    timing: Money,
    #[diesel(column_name = permanent_pence)]
    permanent: Money,
    carried_from: Option<Period>,
}

pub fn insert_period(
    conn: &mut DbConnection,
    year: FinancialYear,
    period: Period,
    as_at: Date,
) -> QueryResult<MonitoringPeriod> {
    let row = PeriodRow {
        year,
        period,
        as_at,
        closed_at: None,
        created_at: db::time::now(),
    };
    diesel::insert_into(monitoring_periods::table)
        .values(&row)
        .execute(conn)?;
    Ok(period_from_row(row))
}

pub fn find_period(
    conn: &mut DbConnection,
    year: FinancialYear,
    period: Period,
) -> QueryResult<Option<MonitoringPeriod>> {
    let row: Option<PeriodRow> = monitoring_periods::table
        .find((year, period))
        .select(PeriodRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(period_from_row))
}

/// Every period, or one year's, in order.
pub fn list_periods(
    conn: &mut DbConnection,
    year: Option<FinancialYear>,
) -> QueryResult<Vec<MonitoringPeriod>> {
    let mut query = monitoring_periods::table.into_boxed::<db::MultiBackend>();
    if let Some(year) = year {
        query = query.filter(monitoring_periods::year_start.eq(year));
    }
    let rows: Vec<PeriodRow> = query
        .order((monitoring_periods::year_start, monitoring_periods::period))
        .select(PeriodRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(period_from_row).collect())
}

pub fn close_period(
    conn: &mut DbConnection,
    year: FinancialYear,
    period: Period,
    at: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::update(monitoring_periods::table.find((year, period)))
        .set(monitoring_periods::closed_at.eq(Some(at)))
        .execute(conn)?;
    Ok(())
}

pub fn find_assessment(
    conn: &mut DbConnection,
    year: FinancialYear,
    period: Period,
    line_ref: &LineRef,
) -> QueryResult<Option<Assessment>> {
    let row: Option<AssessmentRow> = assessments::table
        .find((year, period, line_ref))
        .select(AssessmentRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(assessment_from_row))
}

/// Writes an assessment: a new one, or the revision of the one stored for its year, period and line; and
/// keeps its state from its `updated_at` on (`assessment_states`), the one it replaces ending then.
pub fn save_assessment(
    conn: &mut DbConnection,
    assessment: &Assessment,
    is_new: bool,
) -> QueryResult<()> {
    let row = assessment_row(assessment);
    let key = (assessment.year, assessment.period, &assessment.line_ref);
    if is_new {
        diesel::insert_into(assessments::table)
            .values(&row)
            .execute(conn)?;
    } else {
        diesel::update(assessments::table.find(key))
            .set(&row)
            .execute(conn)?;
        diesel::update(
            assessment_states::table
                .filter(assessment_states::year_start.eq(key.0))
                .filter(assessment_states::period.eq(key.1))
                .filter(assessment_states::line_ref.eq(key.2))
                .filter(assessment_states::valid_to.is_null()),
        )
        .set(assessment_states::valid_to.eq(row.updated_at))
        .execute(conn)?;
    }
    diesel::insert_into(assessment_states::table)
        .values((
            assessment_states::year_start.eq(row.year),
            assessment_states::period.eq(row.period),
            assessment_states::line_ref.eq(&row.line_ref),
            assessment_states::version.eq(row.version),
            assessment_states::valid_from.eq(row.updated_at),
            assessment_states::rag.eq(row.rag),
            assessment_states::planned_pence.eq(row.planned),
            assessment_states::forecast_pence.eq(row.forecast),
            assessment_states::at_risk_pence.eq(row.at_risk),
            assessment_states::reason.eq(&row.reason),
            assessment_states::mitigation.eq(&row.mitigation),
            assessment_states::substitutes.eq(&row.substitutes),
            assessment_states::slips_to.eq(row.slips_to),
            assessment_states::updated_at.eq(row.updated_at),
            assessment_states::timing_pence.eq(row.timing),
            assessment_states::permanent_pence.eq(row.permanent),
            assessment_states::carried_from.eq(row.carried_from),
        ))
        .execute(conn)?;
    Ok(())
}

/// `assessments_up_to` as they stood at `at`: their kept states then. (A line's directorate is in its ref
/// and lines are never deleted, so the lines now say which refs are a directorate's.)
pub fn assessments_at(
    conn: &mut DbConnection,
    year: FinancialYear,
    up_to: Period,
    directorate: Option<&DirectorateCode>,
    at: PrimitiveDateTime,
) -> QueryResult<Vec<Assessment>> {
    let mut query = assessment_states::table
        .filter(assessment_states::year_start.eq(year))
        .filter(assessment_states::period.eq_any(up_to.up_to()))
        .filter(assessment_states::valid_from.le(at))
        .filter(
            assessment_states::valid_to
                .is_null()
                .or(assessment_states::valid_to.gt(at)),
        )
        .into_boxed::<db::MultiBackend>();
    if let Some(directorate) = directorate {
        let (from, to) = LineRef::range_of(directorate, LineKind::Saving);
        query = query.filter(
            assessment_states::line_ref
                .ge(from)
                .and(assessment_states::line_ref.lt(to)),
        );
    }
    let rows: Vec<AssessmentRow> = query
        .order((assessment_states::period, assessment_states::line_ref))
        .select((
            assessment_states::year_start,
            assessment_states::period,
            assessment_states::line_ref,
            assessment_states::rag,
            assessment_states::planned_pence,
            assessment_states::forecast_pence,
            assessment_states::at_risk_pence,
            assessment_states::reason,
            assessment_states::mitigation,
            assessment_states::substitutes,
            assessment_states::slips_to,
            assessment_states::updated_at,
            assessment_states::version,
            assessment_states::timing_pence,
            assessment_states::permanent_pence,
            assessment_states::carried_from,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(assessment_from_row).collect())
}

/// Assessments of one period (or every period of the year), by ref.
pub fn assessments_of(
    conn: &mut DbConnection,
    year: FinancialYear,
    period: Option<Period>,
) -> QueryResult<Vec<Assessment>> {
    let mut query = assessments::table
        .filter(assessments::year_start.eq(year))
        .into_boxed::<db::MultiBackend>();
    if let Some(period) = period {
        query = query.filter(assessments::period.eq(period));
    }
    let rows: Vec<AssessmentRow> = query
        .order((assessments::period, assessments::line_ref))
        .select(AssessmentRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(assessment_from_row).collect())
}

/// The assessments of a year up to and including `up_to` (the periods a report of `up_to` compares), of one
/// directorate's lines or all, by period and ref: a directorate's report reads its own rows, not the year's.
pub fn assessments_up_to(
    conn: &mut DbConnection,
    year: FinancialYear,
    up_to: Period,
    directorate: Option<&DirectorateCode>,
) -> QueryResult<Vec<Assessment>> {
    let rows: Vec<AssessmentRow> = of_periods(year, up_to.up_to(), directorate)
        .order((assessments::period, assessments::line_ref))
        .select(AssessmentRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(assessment_from_row).collect())
}

/// The assessments of these periods of a year, of one directorate's savings or all (only savings are
/// assessed): a seek on the primary key for each period, and for a directorate a range of its refs in each,
/// rather than a join to the lines.
fn of_periods(
    year: FinancialYear,
    periods: Vec<Period>,
    directorate: Option<&DirectorateCode>,
) -> assessments::BoxedQuery<'static, db::MultiBackend> {
    let mut query = assessments::table
        .filter(assessments::year_start.eq(year))
        .filter(assessments::period.eq_any(periods))
        .into_boxed::<db::MultiBackend>();
    if let Some(directorate) = directorate {
        let (from, to) = LineRef::range_of(directorate, LineKind::Saving);
        query = query.filter(
            assessments::line_ref
                .ge(from)
                .and(assessments::line_ref.lt(to)),
        );
    }
    query
}

/// Every assessment of one line, by year and period.
pub fn assessments_of_line(
    conn: &mut DbConnection,
    line_ref: &LineRef,
) -> QueryResult<Vec<Assessment>> {
    let rows: Vec<AssessmentRow> = assessments::table
        .filter(assessments::line_ref.eq(line_ref))
        .order((assessments::year_start, assessments::period))
        .select(AssessmentRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(assessment_from_row).collect())
}

fn period_from_row(row: PeriodRow) -> MonitoringPeriod {
    MonitoringPeriod {
        year: row.year,
        period: row.period,
        as_at: row.as_at,
        status: if row.closed_at.is_some() {
            PeriodStatus::Closed
        } else {
            PeriodStatus::Open
        },
        closed_at: row.closed_at.map(db::time::utc),
        created_at: db::time::utc(row.created_at),
    }
}

fn assessment_row(assessment: &Assessment) -> AssessmentRow {
    AssessmentRow {
        year: assessment.year,
        period: assessment.period,
        line_ref: assessment.line_ref.clone(),
        rag: assessment.rag,
        planned: assessment.planned,
        forecast: assessment.forecast,
        at_risk: assessment.at_risk,
        reason: assessment.reason.clone(),
        mitigation: assessment.mitigation.clone(),
        substitutes: Json(assessment.substitutes.clone()),
        slips_to: assessment.slips_to,
        updated_at: db::time::stored(assessment.updated_at),
        version: assessment.version,
        timing: assessment.timing,
        permanent: assessment.permanent,
        carried_from: assessment.carried_from,
    }
}

fn assessment_from_row(row: AssessmentRow) -> Assessment {
    Assessment {
        year: row.year,
        period: row.period,
        line_ref: row.line_ref,
        rag: row.rag,
        planned: row.planned,
        forecast: row.forecast,
        at_risk: row.at_risk,
        timing: row.timing,
        permanent: row.permanent,
        carried_from: row.carried_from,
        substitutes: row.substitutes.0,
        slips_to: row.slips_to,
        updated_at: db::time::utc(row.updated_at),
        version: row.version,
        reason: row.reason,
        mitigation: row.mitigation,
    }
}

/// Every assessment of every period.
pub fn all_assessments(conn: &mut DbConnection) -> QueryResult<Vec<Assessment>> {
    let rows: Vec<AssessmentRow> = assessments::table
        .order((
            assessments::year_start,
            assessments::period,
            assessments::line_ref,
        ))
        .select(AssessmentRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(assessment_from_row).collect())
}

/// An assessment of the at-risk report, with what it needs of its line.
pub struct AssessedRow {
    pub assessment: Assessment,
    pub directorate: DirectorateCode,
    pub title: String,
    pub withdrawn: bool,
    /// The line's amount in the assessment's year now; `None` when it has none.
    pub amount_in_year: Option<Money>,
}

/// The assessments of one period of the savings (of one directorate, or all), each with its line's directorate,
/// title, status and amount that year: the rows of the at-risk report, read by the primary key's year and period.
pub fn assessed_savings(
    conn: &mut DbConnection,
    year: FinancialYear,
    period: Period,
    directorate: Option<&DirectorateCode>,
) -> QueryResult<Vec<AssessedRow>> {
    let in_year = line_years::table.on(line_years::line_ref
        .eq(assessments::line_ref)
        .and(line_years::year_start.eq(year)));
    let mut query = assessments::table
        .inner_join(lines::table)
        .left_join(in_year)
        .filter(assessments::year_start.eq(year))
        .filter(assessments::period.eq(period))
        .filter(lines::kind.eq(LineKind::Saving))
        .into_boxed::<db::MultiBackend>();
    if let Some(directorate) = directorate {
        // A range of the primary key's refs, each line then found by its own: not every line of the directorate.
        let (from, to) = LineRef::range_of(directorate, LineKind::Saving);
        query = query.filter(
            assessments::line_ref
                .ge(from)
                .and(assessments::line_ref.lt(to)),
        );
    }
    let rows: Vec<(
        AssessmentRow,
        DirectorateCode,
        String,
        LineStatus,
        Option<Money>,
    )> = query
        .order(assessments::line_ref)
        .select((
            AssessmentRow::as_select(),
            lines::directorate,
            lines::title,
            lines::status,
            line_years::amount_pence.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(row, directorate, title, status, amount_in_year)| AssessedRow {
                assessment: assessment_from_row(row),
                directorate,
                title,
                withdrawn: status == LineStatus::Withdrawn,
                amount_in_year,
            },
        )
        .collect())
}

/// Each line's (of one directorate, or all) latest amount at risk in a period of `year` before `before`, with
/// that period: what the at-risk report compares a period to, without the assessments' texts.
pub fn earlier_at_risk(
    conn: &mut DbConnection,
    year: FinancialYear,
    before: Period,
    directorate: Option<&DirectorateCode>,
) -> QueryResult<HashMap<LineRef, (Period, Money)>> {
    let rows: Vec<(LineRef, Period, Money)> = of_periods(year, before.before(), directorate)
        .order((assessments::period, assessments::line_ref))
        .select((
            assessments::line_ref,
            assessments::period,
            assessments::at_risk_pence,
        ))
        .load(conn)?;
    // In period order, so each line's last row is its latest.
    Ok(rows
        .into_iter()
        .map(|(line_ref, period, at_risk)| (line_ref, (period, at_risk)))
        .collect())
}

/// By directorate, how many savings are planned in `year` (not withdrawn, a non-zero amount that year) with no
/// assessment in `period`, and their amounts that year added up: the savings planned that year (the kept line
/// totals) less those `assessed` (the period's, from `assessed_savings`), so that no saving of the directorate is
/// read but those assessed.
pub fn not_assessed_sums(
    conn: &mut DbConnection,
    year: FinancialYear,
    directorate: Option<&DirectorateCode>,
    assessed: &[AssessedRow],
) -> QueryResult<BTreeMap<DirectorateCode, (u64, Money)>> {
    let mut planned = crate::totals::lines::savings_planned(conn, directorate, year)?;
    let in_plan = assessed.iter().filter(|row| !row.withdrawn);
    for row in in_plan {
        let Some(amount) = row.amount_in_year.filter(|amount| !amount.is_zero()) else {
            continue;
        };
        if let Some((count, sum)) = planned.get_mut(&row.directorate) {
            *count = count.saturating_sub(1);
            *sum = *sum - amount;
        }
    }
    Ok(planned)
}

/// At most `limit` of the savings `not_assessed_sums` counts (of one directorate or all: lines joined to that
/// year's amount, less those the period's primary key finds), in ref order after `after`: ref, title and amount
/// that year. A seek on the lines' (directorate, kind, ref_number) order, so the page stops after its rows.
pub fn not_assessed_page(
    conn: &mut DbConnection,
    year: FinancialYear,
    period: Period,
    directorate: Option<&DirectorateCode>,
    after: Option<&LineRef>,
    limit: i64,
) -> QueryResult<Vec<(LineRef, String, Money)>> {
    let in_year = line_years::table.on(line_years::line_ref
        .eq(lines::line_ref)
        .and(line_years::year_start.eq(year)));
    let assessed = assessments::table
        .filter(assessments::year_start.eq(year))
        .filter(assessments::period.eq(period))
        .filter(assessments::line_ref.eq(lines::line_ref));
    let mut query = lines::table
        .inner_join(in_year)
        .filter(lines::kind.eq(LineKind::Saving))
        .filter(lines::status.ne(LineStatus::Withdrawn))
        .filter(line_years::amount_pence.ne(Money::ZERO))
        .filter(diesel::dsl::not(diesel::dsl::exists(assessed)))
        .into_boxed::<db::MultiBackend>();
    if let Some(directorate) = directorate {
        query = query.filter(lines::directorate.eq(directorate.clone()));
    }
    if let Some(after) = after {
        let (code, number) = (after.directorate().clone(), i32::from(after.number()));
        // Savings only: a growth ref sorts before its directorate's savings (LineRef orders by kind, growth first).
        query = match (directorate, after.kind()) {
            (Some(wanted), _) if &code < wanted => query,
            (Some(wanted), _) if &code > wanted => return Ok(Vec::new()),
            (Some(_), LineKind::Growth) => query,
            // The directorate fixed, a range on the index's last column: a seek, not a walk to the cursor.
            (Some(_), LineKind::Saving) => query.filter(lines::ref_number.gt(number)),
            (None, LineKind::Growth) => query.filter(lines::directorate.ge(code)),
            (None, LineKind::Saving) => query.filter(
                lines::directorate.gt(code.clone()).or(lines::directorate
                    .eq(code)
                    .and(lines::ref_number.gt(number))),
            ),
        };
    }
    query
        .order((lines::directorate, lines::ref_number))
        .limit(limit)
        .select((lines::line_ref, lines::title, line_years::amount_pence))
        .load(conn)
}
