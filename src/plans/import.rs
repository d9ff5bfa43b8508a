//! A printed plan applied, all or nothing, in one write transaction: each row creates its action or changes
//! the one of its ref (a row that says what the action says is left as it is: no version, no event), through
//! the same rules and audit as `POST`/`PATCH /lines/{ref}/actions`. A February milestone linked to the July
//! action it became (`action_ref`) is that action: the July plan moves its due date, the first kept.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::model::Action;
use super::read::{Layout, PlanFile, PlanRow, PlanWarning};
use super::repo;
use super::service::{self, Draft};
use crate::auth::Actor;
use crate::db::DbConnection;
use crate::domain::plan::ActionRef;
use crate::domain::{DirectorateCode, FieldErrors, FinancialYear, LineRef};
use crate::error::ApiError;
use crate::imports::limits::Capped;
use crate::imports::model::CellProblem;
use crate::lines;

/// What the print leaves unclear in one cell: the row loaded with that value unset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlanImportWarning {
    pub row: usize,
    #[serde(rename = "ref")]
    pub line_ref: String,
    pub action: String,
    pub column: String,
    pub message: String,
}

/// What a plan's import did, or (in a dry run) would do: its actions (`CFE SAV09 6.4`) by what became of them.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct PlanImportReport {
    pub directorate: String,
    /// `actions` or `milestones`.
    pub layout: String,
    pub dry_run: bool,
    pub created: Vec<String>,
    pub changed: Vec<String>,
    /// Rows that say what the action says: left as they were.
    pub unchanged: Vec<String>,
    pub warnings: Vec<PlanImportWarning>,
    /// Owners as printed that name nobody in the directory: kept as printed, each once.
    pub unresolved_owners: Vec<String>,
}

/// The years a directorate's plan covers: those of its lines' profiles (a date outside them, give or take a
/// year, is not plausible). A directorate with no lines has no plan to import.
pub fn window(
    conn: &mut DbConnection,
    directorate: &DirectorateCode,
) -> Result<(FinancialYear, FinancialYear), ApiError> {
    repo::years_of(conn, directorate)?.ok_or_else(|| {
        ApiError::Conflict(format!(
            "{directorate} has no lines with amounts: a delivery plan is imported for its savings and growth"
        ))
    })
}

/// Applies every row of `file`; the first problem of any row refuses the whole file (422, each problem by row
/// and column). Runs inside the caller's write transaction, which a refusal rolls back.
pub fn apply(
    conn: &mut DbConnection,
    actor: &Actor,
    directorate: &DirectorateCode,
    layout: Layout,
    file: &PlanFile,
) -> Result<PlanImportReport, ApiError> {
    actor.require_editor_of(directorate)?;
    let mut report = PlanImportReport {
        directorate: directorate.to_string(),
        layout: match layout {
            Layout::Actions => "actions",
            Layout::Milestones => "milestones",
        }
        .to_owned(),
        warnings: file.warnings.iter().map(warning).collect(),
        ..PlanImportReport::default()
    };
    let mut problems = Capped::default();
    let mut lines_read: HashMap<LineRef, Option<lines::model::Line>> = HashMap::new();
    // Each line's plan read once and kept as rows are applied: a row costs a walk of its plan, not a read of it.
    let mut plans: HashMap<LineRef, Vec<Action>> = HashMap::new();
    for row in &file.rows {
        let line = match lines_read.get(&row.line_ref) {
            Some(found) => found.clone(),
            None => {
                let found = lines::repo::find(conn, &row.line_ref)?;
                lines_read.insert(row.line_ref.clone(), found.clone());
                found
            }
        };
        let Some(line) = line.filter(|line| &line.directorate == directorate) else {
            problems.push(problem(
                row,
                "line",
                format!("{directorate} has no line {}", row.line_ref),
            ));
            continue;
        };
        let plan = match plans.entry(line.line_ref.clone()) {
            std::collections::hash_map::Entry::Occupied(held) => held.into_mut(),
            std::collections::hash_map::Entry::Vacant(empty) => {
                empty.insert(repo::of_line(conn, &line.line_ref)?)
            }
        };
        match apply_row(conn, actor, &line, plan, layout, row) {
            Ok(Applied::Created(name)) => report.created.push(name),
            Ok(Applied::Changed(name)) => report.changed.push(name),
            Ok(Applied::Unchanged(name)) => report.unchanged.push(name),
            Err(ApiError::Validation(errors)) => {
                for error in errors {
                    let column = column_of(layout, &error.field);
                    problems.push(problem(row, column, error.message));
                }
            }
            Err(other) => return Err(other),
        }
    }
    if !problems.is_empty() {
        return Err(problems.into_error());
    }
    let loaded = repo::of_directorate(conn, Some(directorate))?;
    report.unresolved_owners = service::unresolved_owners(&loaded);
    Ok(report)
}

enum Applied {
    Created(String),
    Changed(String),
    Unchanged(String),
}

/// Applies one row to its line's `plan`, which it keeps as stored.
fn apply_row(
    conn: &mut DbConnection,
    actor: &Actor,
    line: &lines::model::Line,
    plan: &mut Vec<Action>,
    layout: Layout,
    row: &PlanRow,
) -> Result<Applied, ApiError> {
    let mut errors = FieldErrors::default();
    let action_ref = ActionRef::parse(&row.action_ref).map_err(|message| {
        ApiError::Validation(vec![crate::domain::FieldError {
            field: "action".to_owned(),
            message,
        }])
    })?;
    let owners = service::resolve_owners(conn, &row.owners, "owners", &mut errors)?;
    let depends_on = row
        .depends_on
        .iter()
        .enumerate()
        .filter_map(|(index, text)| match ActionRef::parse(text) {
            Ok(parsed) => Some(parsed),
            Err(message) => {
                errors.add(format!("depends_on[{index}]"), message);
                None
            }
        })
        .collect();
    errors.into_result(()).map_err(ApiError::Validation)?;
    let current = plan
        .iter()
        .find(|action| action.action == action_ref)
        .cloned();
    let milestone = match layout {
        Layout::Milestones => Some(row.text.clone()),
        // An action keeps the milestone it was linked from.
        Layout::Actions => current.as_ref().and_then(|held| held.milestone.clone()),
    };
    let draft = Draft {
        text: row.text.clone(),
        owners,
        due: row.due,
        due_as_printed: row.due_as_printed.clone(),
        critical: row.critical,
        status: row.status,
        status_as_printed: row.status_as_printed.clone(),
        completed_on: row.completed_on,
        depends_on,
        milestone,
    };
    service::check_draft(&draft)?;
    let name = format!("{} {action_ref}", line.line_ref);
    if current
        .as_ref()
        .is_some_and(|held| service::draft_of(held) == draft)
    {
        return Ok(Applied::Unchanged(name));
    }
    let created = current.is_none();
    let saved = service::save(conn, actor, line, plan, current, action_ref, draft, None)?;
    match plan.iter_mut().find(|held| held.id == saved.id) {
        Some(held) => *held = saved,
        None => plan.push(saved),
    }
    Ok(if created {
        Applied::Created(name)
    } else {
        Applied::Changed(name)
    })
}

fn warning(warning: &PlanWarning) -> PlanImportWarning {
    PlanImportWarning {
        row: warning.row,
        line_ref: warning.line_ref.to_string(),
        action: warning.action_ref.clone(),
        column: warning.column.clone(),
        message: warning.message.clone(),
    }
}

fn problem(row: &PlanRow, column: &str, message: String) -> CellProblem {
    CellProblem {
        row: row.row,
        column: Some(column.to_owned()),
        message: format!("{} {}: {message}", row.line_ref, row.action_ref),
    }
}

/// The file's column a service field came from (`owners[1]` is the owners cell).
fn column_of(layout: Layout, field: &str) -> &'static str {
    let field = field.split('[').next().unwrap_or(field);
    match (layout, field) {
        (Layout::Actions, "action") => "ref",
        (Layout::Actions, "text") => "action",
        (Layout::Actions, "owners") => "owners",
        (Layout::Actions, "due") => "by_when",
        (Layout::Actions, "status") => "progress",
        (Layout::Actions, "depends_on") => "depends_on",
        (Layout::Milestones, "action") => "action_ref",
        (Layout::Milestones, "text") => "milestone",
        (Layout::Milestones, "owners") => "owner",
        (Layout::Milestones, "due") => "date",
        (Layout::Milestones, "status") => "status",
        (_, "completed_on") => "completed_on",
        _ => "line",
    }
}

/// A plan's rows as JSON (also a bare array of them): each row the layout's columns as keys, with text values.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the request body; `read` reads it
pub struct PlanJson {
    pub rows: Vec<HashMap<String, String>>,
}
