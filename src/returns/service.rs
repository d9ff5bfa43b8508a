//! Applying a return that came back, all or nothing, in one write transaction: each row against the saving's
//! assessment in the period. A row that says what the assessment says already is left as it is (no revision, no
//! event); any other is recorded as `PUT …/assessments/{ref}` would record it, with its checks and its audit.

use serde::Serialize;
use utoipa::ToSchema;

use std::collections::BTreeMap;

use super::read::ReturnLine;
use super::receipts::{self, Receipt};
use crate::auth::Actor;
use crate::db::DbConnection;
use crate::domain::monitoring::{check_assessment, AssessmentInput, Period};
use crate::domain::{DirectorateCode, FieldErrors, FinancialYear, Money};
use crate::error::ApiError;
use crate::imports::limits::Capped;
use crate::imports::model::CellProblem;
use crate::lines;
use crate::monitoring;
use crate::monitoring::model::Assessment;

/// What a return did, or (in a dry run) would do: the savings by what became of their rows.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ReturnImportReport {
    pub directorate: String,
    pub year: String,
    pub period: String,
    pub dry_run: bool,
    /// Assessed in the period for the first time.
    pub created: Vec<String>,
    /// Their assessment in the period revised.
    pub revised: Vec<String>,
    /// Rows that say what the period's assessment says: left as they were.
    pub unchanged: Vec<String>,
    /// Rows left without a rating: not assessed in this return.
    pub not_assessed: Vec<String>,
}

/// The period and the directorate of a return: 404 when either is not there, 409 when the period is closed.
pub fn require_open_return(
    conn: &mut DbConnection,
    directorate: &DirectorateCode,
    (year, period): (FinancialYear, Period),
) -> Result<(), ApiError> {
    let found = monitoring::service::find_period(conn, year, period)?;
    if crate::directorates::repo::find(conn, directorate)?.is_none() {
        return Err(ApiError::NotFound(format!(
            "there is no directorate {directorate}"
        )));
    }
    match found.closed_at {
        Some(closed_at) => Err(ApiError::Conflict(format!(
            "period {year} {period} was closed at {closed_at}: its assessments are as reported and take no return"
        ))),
        None => Ok(()),
    }
}

/// Applies every row; the first problem of any row refuses the whole return (422, each problem by row and
/// column), a closed period 409, a substitute the key may not name 403.
pub fn apply(
    conn: &mut DbConnection,
    actor: &Actor,
    directorate: &DirectorateCode,
    (year, period): (FinancialYear, Period),
    lines: &[ReturnLine],
    progress: &dyn Fn(usize),
) -> Result<ReturnImportReport, ApiError> {
    actor.require_editor_of(directorate)?;
    require_open_return(conn, directorate, (year, period))?;
    let mut report = ReturnImportReport {
        directorate: directorate.to_string(),
        year: year.to_string(),
        period: period.to_string(),
        ..ReturnImportReport::default()
    };
    let mut problems = Capped::default();
    for (done, line) in lines.iter().enumerate() {
        progress(done);
        let Some(line_ref) = &line.line_ref else {
            continue;
        };
        let name = line_ref.to_string();
        if line.rag.is_none() {
            report.not_assessed.push(name);
            continue;
        }
        let current = monitoring::repo::find_assessment(conn, year, period, line_ref)?;
        let input = input_for(line);
        if let Some(current) = &current {
            if comes_to(conn, current, &input)? {
                report.unchanged.push(name);
                continue;
            }
        }
        match monitoring::service::put_assessment(
            conn,
            actor,
            (year, period),
            line_ref,
            None,
            input,
        ) {
            Ok((_, true)) => report.created.push(name),
            Ok((_, false)) => report.revised.push(name),
            Err(ApiError::Validation(errors)) => {
                for error in errors {
                    problems.push(CellProblem {
                        row: line.row,
                        column: Some(error.field),
                        message: error.message,
                    });
                }
            }
            Err(ApiError::NotFound(message)) => problems.push(CellProblem {
                row: line.row,
                column: Some("ref".to_owned()),
                message,
            }),
            Err(other) => return Err(other),
        }
    }
    if problems.is_empty() {
        Ok(report)
    } else {
        Err(problems.into_error())
    }
}

/// Whether a row's assessment comes to what the period's assessment says already, checked as a PUT would check
/// it against the saving's plan now (a carried assessment included: the service sent it out and it came back as
/// it was). A row that breaks a rule does not: the PUT names the problem.
fn comes_to(
    conn: &mut DbConnection,
    current: &Assessment,
    input: &AssessmentInput,
) -> Result<bool, ApiError> {
    let line = lines::service::find(conn, &current.line_ref)?;
    let Some(planned) = line
        .years
        .iter()
        .find(|entry| entry.year == current.year)
        .map(|entry| entry.amount)
    else {
        return Ok(false);
    };
    let mut errors = FieldErrors::default();
    let checked = check_assessment(
        input.clone(),
        &current.line_ref,
        current.year,
        planned,
        &mut errors,
    );
    Ok(errors.is_empty() && monitoring::service::says_the_same(current, &checked))
}

/// The assessment a row asks for, as written: a figure left blank is derived from the others (as a PUT derives
/// it), and figures filled in must agree (forecast and at risk with the plan, timing and permanent with the
/// amount at risk), so a service revising one of a pair revises or clears the other.
fn input_for(line: &ReturnLine) -> AssessmentInput {
    AssessmentInput {
        rag: line.rag.unwrap_or(crate::domain::monitoring::Rag::Green),
        forecast: line.forecast,
        at_risk: line.at_risk,
        reason: line.reason.clone(),
        mitigation: line.mitigation.clone(),
        substitutes: line.substitutes.clone(),
        slips_to: line.slips_to,
        timing: line.timing,
        permanent: line.permanent,
    }
}

/// Records that a return came in (not a dry run), in its import's transaction: when, from whom, what it did.
pub fn record_receipt(
    conn: &mut DbConnection,
    actor: &Actor,
    directorate: &DirectorateCode,
    (year, period): (FinancialYear, Period),
    rows: usize,
    report: &ReturnImportReport,
) -> Result<(), ApiError> {
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    receipts::insert(
        conn,
        &Receipt {
            year,
            period,
            directorate: directorate.clone(),
            received_at: crate::db::time::now(),
            received_by: actor.name.clone(),
            person: actor.person.clone(),
            rows_read: count(rows),
            created: count(report.created.len()),
            revised: count(report.revised.len()),
            unchanged: count(report.unchanged.len()),
        },
    )?;
    Ok(())
}

/// A directorate's return in a period: whether it came in (the latest, and how many times), and what is still
/// not assessed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnStatus {
    #[schema(value_type = String)]
    pub directorate: DirectorateCode,
    /// How many returns came in for the period.
    pub received: usize,
    /// The latest, when any came in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<ReceivedReturn>,
    /// The directorate's savings planned in the year (not withdrawn) with no assessment in the period: how many
    /// and their planned total (the at-risk report lists them).
    pub not_assessed: usize,
    pub not_assessed_planned: Money,
}

/// When a return came in, from whom, and what it did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedReturn {
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
    /// The key that sent it, and the person holding it.
    pub by: String,
    pub person: String,
    pub rows: i32,
    pub created: i32,
    pub revised: i32,
    pub unchanged: i32,
}

/// Every directorate with savings planned in the year, or a return in the period: its return's status, by code.
pub fn statuses(
    conn: &mut DbConnection,
    (year, period): (FinancialYear, Period),
) -> Result<Vec<ReturnStatus>, ApiError> {
    monitoring::service::find_period(conn, year, period)?;
    let assessed = monitoring::repo::assessed_savings(conn, year, period, None)?;
    let not_assessed = monitoring::repo::not_assessed_sums(conn, year, None, &assessed)?;
    let mut statuses: BTreeMap<DirectorateCode, ReturnStatus> = BTreeMap::new();
    let status_of = |code: &DirectorateCode| ReturnStatus {
        directorate: code.clone(),
        received: 0,
        latest: None,
        not_assessed: 0,
        not_assessed_planned: Money::ZERO,
    };
    for (code, (count, planned)) in not_assessed {
        let status = statuses
            .entry(code.clone())
            .or_insert_with(|| status_of(&code));
        status.not_assessed = usize::try_from(count).unwrap_or(usize::MAX);
        status.not_assessed_planned = planned;
    }
    for receipt in receipts::of_period(conn, (year, period))? {
        let code = receipt.directorate.clone();
        let status = statuses
            .entry(code.clone())
            .or_insert_with(|| status_of(&code));
        status.received += 1;
        status.latest = Some(ReceivedReturn {
            at: crate::db::time::utc(receipt.received_at),
            by: receipt.received_by,
            person: receipt.person,
            rows: receipt.rows_read,
            created: receipt.created,
            revised: receipt.revised,
            unchanged: receipt.unchanged,
        });
    }
    Ok(statuses.into_values().collect())
}
