//! Writing a planned import, in the write turn: re-check what the plan relied on, then write in batches.

use super::model::{ImportReport, ImportRow};
use super::plan::{self, Known, Plan, Planned};
use crate::auth::Actor;
use crate::db::DbConnection;
use crate::domain::money::Unit;
use crate::error::ApiError;
use crate::lines::model::CreateLine;
use crate::lines::service;

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
    let mut report = plan.warnings.report(false);
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
