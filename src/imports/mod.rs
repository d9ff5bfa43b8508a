//! Bulk import of lines, from the PMO tracker's CSV layout or JSON: all or nothing, every problem reported by
//! row and column, and warnings where a figure looks typed in the wrong unit or out of scale.

pub mod api;
pub mod read;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Actor;
use crate::db::DbConnection;
use crate::domain::money::Unit;
use crate::domain::{
    DirectorateCode, FieldError, FinancialYear, LineKind, LineRef, LineStatus, YearAmount,
};
use crate::error::ApiError;
use crate::lines::model::{CreateLine, Line, LinePatch};
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
    let mut known = Known::load(conn, rows)?;
    let mut planned = Vec::new();
    for (done, row) in rows.iter().enumerate() {
        match plan(&mut known, actor, row, unit, &mut report) {
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
    // New lines go in a batch at a time (few statements, bounded memory); changes to existing ones one by one,
    // as a PATCH would make them.
    let mut creates = Vec::new();
    for step in planned {
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

/// What planning checks rows against: the lines the file names and the known directorates, read up front in a
/// few queries, and the refs already claimed by earlier rows of the file.
struct Known {
    lines: HashMap<LineRef, Line>,
    directorates: HashSet<DirectorateCode>,
    /// Each ref the file has named so far, and the row that named it.
    claimed: HashMap<LineRef, usize>,
}

impl Known {
    fn load(conn: &mut DbConnection, rows: &[ImportRow]) -> Result<Known, ApiError> {
        let named: Vec<LineRef> = rows
            .iter()
            .filter_map(|row| row.cells.get("ref"))
            .filter_map(|text| LineRef::parse(text.trim()).ok())
            .collect();
        Ok(Known {
            lines: repo::find_many(conn, &named)?,
            directorates: crate::directorates::repo::codes(conn)?,
            claimed: HashMap::new(),
        })
    }
}

/// Checks a row against every rule and the tracker as it is, without writing.
fn plan(
    known: &mut Known,
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

    if let Some(line_ref) = &line_ref {
        if let Some(first) = known.claimed.insert(line_ref.clone(), row.row) {
            return Err(ApiError::field(
                "ref",
                format!("{line_ref} is on row {first} already; a file names each line once"),
            ));
        }
    }
    let existing = line_ref
        .as_ref()
        .and_then(|line_ref| known.lines.get(line_ref));
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
        if !known.directorates.contains(&request.directorate) {
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
    let (fields, years) = patch.apply(current).map_err(|errors| {
        ApiError::Validation(in_columns(
            errors,
            patch.years.as_deref().unwrap_or_default(),
        ))
    })?;
    if !current.would_change(&fields, years.as_deref()) {
        return Ok(Some(Planned::Unchanged(current.line_ref.clone())));
    }
    Ok(Some(Planned::Update(
        row.row,
        current.line_ref.clone(),
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
