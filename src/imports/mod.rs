//! Bulk import of lines, from the PMO tracker's CSV layout or JSON: all or nothing, every problem reported by
//! row and column (the first of them listed, all counted), and warnings where a figure looks typed in the
//! wrong unit or out of scale.
//!
//! A file goes through: reading within the limits (`read`, `limits`), the key's scope (`scope`), planning
//! against the tracker as read (`plan`), then writing (here) in one write transaction.

pub mod amounts;
pub mod api;
pub mod limits;
pub mod plan;
pub mod read;
pub mod scope;

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use self::limits::Capped;
use self::plan::{Known, Plan, Planned};
use crate::auth::Actor;
use crate::db::DbConnection;
use crate::domain::money::Unit;
use crate::domain::FinancialYear;
use crate::error::ApiError;
use crate::lines::model::CreateLine;
use crate::lines::service;

/// One row of an import, as read: every cell still text, so each problem can name its cell.
#[derive(Clone, Debug, Default)]
pub struct ImportRow {
    /// The row's number in the file: 1 for the first row after the header.
    pub row: usize,
    pub cells: BTreeMap<String, String>,
    /// Amounts by year, as written.
    pub years: Vec<(FinancialYear, String)>,
}

/// A problem with one cell (or a whole row, when `column` is absent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CellProblem {
    pub row: usize,
    pub column: Option<String>,
    pub message: String,
}

/// What an import did, or (in a dry run) would do.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Whether anything was written: only when every row is right and it is not a dry run.
    pub applied: bool,
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    /// Always empty in an answer: any problem rejects the whole file with a 422 naming each (the first 100
    /// listed, `errors_total` counting all).
    pub problems: Vec<CellProblem>,
    /// Figures that may be typed in the wrong unit or are far out of scale; they do not stop the import.
    /// The first 100 are listed.
    #[schema(max_items = 100)]
    pub warnings: Vec<CellProblem>,
    /// How many warnings there are in all, listed or not.
    pub warnings_total: usize,
}

impl ImportReport {
    fn new(dry_run: bool, warnings: &Capped) -> ImportReport {
        ImportReport {
            dry_run,
            warnings: warnings.listed.clone(),
            warnings_total: warnings.total,
            ..ImportReport::default()
        }
    }
}

/// Imports every row in one write transaction (the caller's), or none: reads, plans and writes in turn. The
/// command line's import, where nothing else waits for the turn.
pub fn import_lines(
    conn: &mut DbConnection,
    actor: &Actor,
    rows: &[ImportRow],
    unit: Unit,
    dry_run: bool,
    progress: &dyn Fn(usize),
) -> Result<ImportReport, ApiError> {
    let known = Known::load(conn, rows)?;
    let plan = plan::plan_rows(&known, actor, rows, unit, progress)?;
    if !plan.problems.is_empty() {
        return Err(plan.problems.into_error());
    }
    if dry_run {
        return Ok(plan.dry_run_report());
    }
    write_plan(conn, actor, plan)
}

/// Writes a plan, in the caller's write transaction, when what it relied on still holds; otherwise plans the
/// rows again against the tracker as it is now (still in the turn, so nothing moves meanwhile).
pub fn write_when_current(
    conn: &mut DbConnection,
    actor: &Actor,
    rows: &[ImportRow],
    unit: Unit,
    plan: Plan,
) -> Result<ImportReport, ApiError> {
    let now = Known::load(conn, rows)?;
    let plan = if now.basis(rows) == plan.basis {
        plan
    } else {
        log::info!("an import's lines changed while it was planned: planning it again");
        let again = plan::plan_rows(&now, actor, rows, unit, &|_| {})?;
        if !again.problems.is_empty() {
            return Err(again.problems.into_error());
        }
        again
    };
    write_plan(conn, actor, plan)
}

/// New lines go in a batch at a time (few statements, bounded memory); changes to existing ones one by one,
/// as a PATCH would make them.
fn write_plan(
    conn: &mut DbConnection,
    actor: &Actor,
    plan: Plan,
) -> Result<ImportReport, ApiError> {
    let mut report = ImportReport::new(false, &plan.warnings);
    let mut creates = Vec::new();
    for step in plan.steps {
        match step {
            Planned::Unchanged(line_ref) => report.unchanged.push(line_ref.to_string()),
            Planned::Create(_, request) => creates.push(*request),
            Planned::Update(row, line_ref, patch) => {
                service::patch(conn, actor, &line_ref, None, &patch)
                    .map_err(|error| late_failure(Some(row), error))?;
                report.updated.push(line_ref.to_string());
            }
        }
        if creates.len() == CREATES_PER_BATCH {
            create_batch(conn, actor, std::mem::take(&mut creates), &mut report)?;
        }
    }
    create_batch(conn, actor, creates, &mut report)?;
    report.applied = true;
    Ok(report)
}

/// New lines written together: enough to make statements few, few enough to keep memory small.
const CREATES_PER_BATCH: usize = 1_000;

fn create_batch(
    conn: &mut DbConnection,
    actor: &Actor,
    creates: Vec<CreateLine>,
    report: &mut ImportReport,
) -> Result<(), ApiError> {
    if creates.is_empty() {
        return Ok(());
    }
    let created =
        service::create_many(conn, actor, creates).map_err(|error| late_failure(None, error))?;
    report
        .created
        .extend(created.iter().map(|line| line.line_ref.to_string()));
    Ok(())
}

/// A failure while writing, after planning found every row right: still rolls the whole file back.
fn late_failure(row: Option<usize>, error: ApiError) -> ApiError {
    match row {
        Some(row) => ApiError::Conflict(format!("row {row}: {error}")),
        None => ApiError::Conflict(format!("the new lines: {error}")),
    }
}
