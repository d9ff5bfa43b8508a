//! Bulk import of lines, from the PMO tracker's CSV layout or JSON: all or nothing, every problem reported by
//! row and column, and warnings where a figure looks typed in the wrong unit or out of scale.

pub mod api;
pub mod read;

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Actor;
use crate::db::DbConnection;
use crate::domain::money::Unit;
use crate::domain::{
    DirectorateCode, FieldError, FinancialYear, LineKind, LineRef, LineStatus, YearAmount,
};
use crate::error::ApiError;
use crate::lines::model::{CreateLine, LinePatch};
use crate::lines::{repo, service};

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

/// What an import did, or (in a dry run, or when a row is wrong) would do.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Whether anything was written: only when every row is right and it is not a dry run.
    pub applied: bool,
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    /// Every problem, by row and column; any one rejects the whole file.
    pub problems: Vec<CellProblem>,
    /// Figures that may be typed in the wrong unit or are far out of scale; they do not stop the import.
    pub warnings: Vec<CellProblem>,
}

/// A row made ready to write.
enum Planned {
    Create(usize, Box<CreateLine>),
    Update(usize, LineRef, Box<LinePatch>),
    Unchanged(LineRef),
}

/// Imports every row in one write transaction, or none: problems roll everything back.
pub fn import_lines(
    conn: &mut DbConnection,
    actor: &Actor,
    rows: &[ImportRow],
    unit: Unit,
    dry_run: bool,
    progress: &dyn Fn(usize),
) -> Result<ImportReport, ApiError> {
    let mut report = ImportReport {
        dry_run,
        ..ImportReport::default()
    };
    let mut planned = Vec::new();
    for (done, row) in rows.iter().enumerate() {
        match plan(conn, actor, row, unit, &mut report) {
            Ok(Some(step)) => planned.push(step),
            Ok(None) => {}
            Err(ApiError::Validation(errors)) => {
                report
                    .problems
                    .extend(errors.into_iter().map(|e| CellProblem {
                        row: row.row,
                        column: Some(e.field),
                        message: e.message,
                    }))
            }
            Err(ApiError::Forbidden(message) | ApiError::NotFound(message)) => {
                report.problems.push(CellProblem {
                    row: row.row,
                    column: None,
                    message,
                })
            }
            Err(other) => return Err(other),
        }
        progress(done + 1);
    }
    if !report.problems.is_empty() {
        return Ok(report);
    }
    if dry_run {
        // What would happen; refs still to be assigned are named by their row.
        for step in &planned {
            match step {
                Planned::Create(row, request) => report.created.push(match &request.line_ref {
                    Some(line_ref) => line_ref.to_string(),
                    None => format!(
                        "row {row}: a new {} {} line",
                        request.directorate,
                        request.kind.as_str()
                    ),
                }),
                Planned::Update(_, line_ref, _) => report.updated.push(line_ref.to_string()),
                Planned::Unchanged(line_ref) => report.unchanged.push(line_ref.to_string()),
            }
        }
        return Ok(report);
    }
    for step in planned {
        let outcome = match step {
            Planned::Unchanged(line_ref) => {
                report.unchanged.push(line_ref.to_string());
                Ok(())
            }
            Planned::Create(row, request) => service::create(conn, actor, *request)
                .map(|line| report.created.push(line.line_ref.to_string()))
                .map_err(|e| (row, e)),
            Planned::Update(row, line_ref, patch) => {
                service::patch(conn, actor, &line_ref, None, &patch)
                    .map(|_| report.updated.push(line_ref.to_string()))
                    .map_err(|e| (row, e))
            }
        };
        if let Err((row, error)) = outcome {
            // Caught in planning as a rule, so a late failure (a conflict) still rolls the whole file back.
            return Err(ApiError::Conflict(format!("row {row}: {error}")));
        }
    }
    report.applied = true;
    Ok(report)
}

/// Checks a row against every rule and the tracker as it is, without writing.
fn plan(
    conn: &mut DbConnection,
    actor: &Actor,
    row: &ImportRow,
    unit: Unit,
    report: &mut ImportReport,
) -> Result<Option<Planned>, ApiError> {
    let text = |name: &str| {
        row.cells
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut errors = crate::domain::FieldErrors::default();
    let kind = match text("kind").as_deref().map(LineKind::from_name) {
        Some(Some(kind)) => Some(kind),
        Some(None) => {
            errors.add("kind", format!("use {}", LineKind::names()));
            None
        }
        None => {
            errors.add("kind", "is required");
            None
        }
    };
    let directorate = match text("directorate").map(|d| DirectorateCode::parse_lenient(&d)) {
        Some(Ok(code)) => Some(code),
        Some(Err(error)) => {
            errors.add("directorate", error.to_string());
            None
        }
        None => {
            errors.add("directorate", "is required");
            None
        }
    };
    let status = match text("status").as_deref().map(LineStatus::from_name) {
        Some(Some(status)) => Some(status),
        Some(None) => {
            errors.add("status", format!("use {}", LineStatus::names()));
            None
        }
        None => None,
    };
    let line_ref = match text("ref").map(|r| LineRef::parse(&r)) {
        Some(Ok(line_ref)) => Some(line_ref),
        Some(Err(error)) => {
            errors.add("ref", error.to_string());
            None
        }
        None => None,
    };
    let mut years = Vec::new();
    for (year, written) in &row.years {
        if written.trim().is_empty() {
            continue;
        }
        match read::amount(written, unit, kind) {
            Ok((amount, warning)) => {
                if let Some(warning) = warning {
                    report.warnings.push(CellProblem {
                        row: row.row,
                        column: Some(year.to_string()),
                        message: warning,
                    });
                }
                years.push(YearAmount {
                    year: *year,
                    amount,
                });
            }
            Err(message) => errors.add(year.to_string(), message),
        }
    }
    report.warnings.extend(
        read::out_of_scale(&years)
            .into_iter()
            .map(|(year, message)| CellProblem {
                row: row.row,
                column: Some(year.to_string()),
                message,
            }),
    );
    errors.into_result(()).map_err(ApiError::Validation)?;
    let (Some(kind), Some(directorate)) = (kind, directorate) else {
        return Err(ApiError::Internal(
            "a missing kind or directorate is reported above".to_owned(),
        ));
    };

    let existing = match &line_ref {
        Some(line_ref) => match repo::find(conn, line_ref) {
            Ok(line) => Some(line),
            Err(ApiError::NotFound(_)) => None,
            Err(other) => return Err(other),
        },
        None => None,
    };
    let Some(current) = existing else {
        let request = CreateLine {
            line_ref,
            kind,
            directorate,
            title: text("title").unwrap_or_default(),
            owner: text("owner"),
            description: text("description").unwrap_or_default(),
            status,
            nature: None,
            years,
            reason: text("reason"),
        };
        actor.require_editor_of(&request.directorate)?;
        let known = crate::directorates::repo::find(conn, &request.directorate).is_ok();
        if !known {
            return Err(ApiError::field(
                "directorate",
                format!("there is no directorate {}", request.directorate),
            ));
        }
        // Every rule a new line keeps, checked now so that nothing is written unless every row is right.
        request
            .clone()
            .validate()
            .map_err(|errors| ApiError::Validation(in_columns(errors, &request.years)))?;
        return Ok(Some(Planned::Create(row.row, Box::new(request))));
    };
    actor.require_editor_of(&current.directorate)?;
    if current.kind != kind || current.directorate != directorate {
        return Err(ApiError::field(
            "ref",
            format!(
                "{} is a {} line of {}",
                current.line_ref,
                current.kind.as_str(),
                current.directorate
            ),
        ));
    }
    // The file's years replace those years' amounts; years it leaves out keep theirs.
    let mut profile = current.years.clone();
    for entry in &years {
        profile.retain(|e| e.year != entry.year);
        profile.push(*entry);
    }
    let patch = LinePatch {
        title: text("title"),
        owner: text("owner").map(Some),
        description: text("description"),
        status,
        nature: None,
        years: Some(profile),
        reason: text("reason"),
    };
    let (fields, years) = patch.apply(&current).map_err(|errors| {
        ApiError::Validation(in_columns(
            errors,
            patch.years.as_deref().unwrap_or_default(),
        ))
    })?;
    if !current.would_change(&fields, years.as_deref()) {
        return Ok(Some(Planned::Unchanged(current.line_ref)));
    }
    Ok(Some(Planned::Update(
        row.row,
        current.line_ref,
        Box::new(patch),
    )))
}

/// Names each field as the file's column: `years[2].amount` is that year's column.
fn in_columns(errors: Vec<FieldError>, years: &[YearAmount]) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut error| {
            let index = error
                .field
                .strip_prefix("years[")
                .and_then(|rest| rest.split(']').next())
                .and_then(|i| i.parse::<usize>().ok());
            if let Some(year) = index.and_then(|i| years.get(i)) {
                error.field = year.year.to_string();
            }
            error
        })
        .collect()
}
