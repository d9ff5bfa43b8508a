//! Planning an import: every row checked against every rule and the tracker as it was read, without writing.
//! Planning is pure CPU over what was read up front (`Known`), so it runs off the HTTP workers and outside the
//! write turn; the turn then only checks that what the plan relied on has not moved (`Basis`).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::amounts;
use super::limits::Capped;
use super::model::{CellProblem, ImportReport, ImportRow};
use crate::auth::Actor;
use crate::db::DbConnection;
use crate::domain::money::Unit;
use crate::domain::{
    DirectorateCode, FieldError, FieldErrors, FinancialYear, LineKind, LineNature, LineRef,
    LineStatus, YearAmount,
};
use crate::error::ApiError;
use crate::lines::model::{CreateLine, Line, LinePatch};
use crate::lines::repo;

/// A row made ready to write.
pub enum Planned {
    Create(usize, Box<CreateLine>),
    Update(usize, LineRef, Box<LinePatch>),
    Unchanged(LineRef),
}

/// What planning checks rows against: the lines the file names and the known directorates, read up front in a
/// few queries.
pub struct Known {
    pub lines: HashMap<LineRef, Line>,
    pub directorates: HashSet<DirectorateCode>,
    /// Those of the lines a baseline holds: their years, owner and status change only by change request.
    pub approved: HashSet<LineRef>,
}

/// What a plan relied on: the version of every line the file names (none for a ref still free), and the
/// directorates. When these are unchanged in the write turn, the plan still holds.
#[derive(Debug, PartialEq, Eq)]
pub struct Basis {
    versions: BTreeMap<LineRef, Option<i64>>,
    directorates: HashSet<DirectorateCode>,
}

/// Every row planned, with the problems and warnings found; `steps` are only to be written when there are no
/// problems.
pub struct Plan {
    pub steps: Vec<Planned>,
    pub problems: Capped,
    pub warnings: Capped,
    pub basis: Basis,
}

impl Known {
    pub fn load(conn: &mut DbConnection, rows: &[ImportRow]) -> Result<Known, ApiError> {
        let refs = named_refs(rows);
        let named: Vec<&LineRef> = refs.iter().collect();
        Ok(Known {
            approved: repo::approved_among(conn, &named)?,
            lines: repo::find_many(conn, &refs)?,
            directorates: crate::directorates::repo::codes(conn)?,
        })
    }

    pub fn basis(&self, rows: &[ImportRow]) -> Basis {
        Basis {
            versions: named_refs(rows)
                .into_iter()
                .map(|line_ref| {
                    let version = self.lines.get(&line_ref).map(|line| line.version);
                    (line_ref, version)
                })
                .collect(),
            directorates: self.directorates.clone(),
        }
    }
}

fn named_refs(rows: &[ImportRow]) -> Vec<LineRef> {
    rows.iter()
        .filter_map(|row| row.cells.get("ref"))
        .filter_map(|text| LineRef::parse(text.trim()).ok())
        .collect()
}

/// Plans every row, in one pass; `progress` is told how many rows are done.
pub fn plan_rows(
    known: &Known,
    actor: &Actor,
    rows: &[ImportRow],
    unit: Unit,
    progress: &dyn Fn(usize),
) -> Result<Plan, ApiError> {
    let mut plan = Plan {
        steps: Vec::with_capacity(rows.len()),
        problems: Capped::default(),
        warnings: Capped::default(),
        basis: known.basis(rows),
    };
    // Each ref the file has named so far, and the row that named it.
    let mut claimed: HashMap<LineRef, usize> = HashMap::new();
    for (done, row) in rows.iter().enumerate() {
        match plan_row(known, &mut claimed, actor, row, unit, &mut plan.warnings) {
            Ok(step) => plan.steps.push(step),
            Err(ApiError::Validation(errors)) => {
                plan.problems
                    .extend(errors.into_iter().map(|e| CellProblem {
                        row: row.row,
                        column: Some(e.field),
                        message: e.message,
                    }))
            }
            Err(ApiError::Forbidden(message) | ApiError::NotFound(message)) => {
                plan.problems.push(CellProblem {
                    row: row.row,
                    column: None,
                    message,
                })
            }
            Err(other) => return Err(other),
        }
        progress(done + 1);
    }
    Ok(plan)
}

impl Plan {
    /// What a dry run reports: what would happen; refs still to be assigned are named by their row.
    pub fn dry_run_report(&self) -> ImportReport {
        let mut report = self.warnings.report(true);
        for step in &self.steps {
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
        report
    }
}

/// A row's cells read into values, each checked on its own.
pub struct RowValues {
    pub kind: LineKind,
    pub directorate: DirectorateCode,
    pub status: Option<LineStatus>,
    pub nature: Option<LineNature>,
    pub line_ref: Option<LineRef>,
    /// The amounts it states; a blank cell states none.
    pub years: Vec<YearAmount>,
    /// The years whose cells it leaves blank.
    pub blank: Vec<FinancialYear>,
}

/// A cell's text, trimmed; `None` when blank or absent.
pub fn cell(row: &ImportRow, name: &str) -> Option<String> {
    row.cells
        .get(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Reads a row's cells into values, every problem named by its column; warnings for doubtful amounts.
pub fn read_row(row: &ImportRow, unit: Unit, warnings: &mut Capped) -> Result<RowValues, ApiError> {
    let text = |name: &str| cell(row, name);
    let mut errors = FieldErrors::default();
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
    let nature = match text("nature").as_deref().map(LineNature::from_name) {
        Some(Some(nature)) => Some(nature),
        Some(None) => {
            errors.add("nature", format!("use {}", LineNature::names()));
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
    let mut blank = Vec::new();
    for (year, written) in &row.years {
        if written.trim().is_empty() {
            blank.push(*year);
            continue;
        }
        match amounts::amount(written, unit, kind) {
            Ok((amount, warning)) => {
                if let Some(warning) = warning {
                    warnings.push(CellProblem {
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
    warnings.extend(
        amounts::out_of_scale(&years)
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
    Ok(RowValues {
        kind,
        directorate,
        status,
        nature,
        line_ref,
        years,
        blank,
    })
}

/// Checks a row against every rule and the tracker as it is, without writing.
fn plan_row(
    known: &Known,
    claimed: &mut HashMap<LineRef, usize>,
    actor: &Actor,
    row: &ImportRow,
    unit: Unit,
    warnings: &mut Capped,
) -> Result<Planned, ApiError> {
    let text = |name: &str| cell(row, name);
    let RowValues {
        kind,
        directorate,
        status,
        nature,
        line_ref,
        years,
        ..
    } = read_row(row, unit, warnings)?;
    if let Some(line_ref) = &line_ref {
        if let Some(first) = claimed.insert(line_ref.clone(), row.row) {
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
            nature,
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
        return Ok(Planned::Create(row.row, Box::new(request)));
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
        nature,
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
        return Ok(Planned::Unchanged(current.line_ref.clone()));
    }
    let controlled = current.controlled_changes(&fields, years.as_deref());
    if !controlled.is_empty() && known.approved.contains(&current.line_ref) {
        let fields: Vec<&str> = controlled.iter().map(|field| field.as_str()).collect();
        return Err(ApiError::field(
            "ref",
            format!(
                "{} is approved: its {} change only by an approved change request (POST /api/v1/change-sets), \
                 not by an import",
                current.line_ref,
                fields.join(", ")
            ),
        ));
    }
    Ok(Planned::Update(
        row.row,
        current.line_ref.clone(),
        Box::new(patch),
    ))
}

/// Names each field as the file's column: `years[2].amount` is that year's column.
pub fn in_columns(errors: Vec<FieldError>, years: &[YearAmount]) -> Vec<FieldError> {
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
