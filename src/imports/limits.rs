//! What one import may hold. Each limit admits real work with room (the 20,000-line, 2 MB bench file is well
//! within them) and bounds what any request can cost; each is named when it refuses a file.

use std::time::Duration;

use super::model::{CellProblem, ImportReport};
use crate::domain::FieldError;
use crate::error::ApiError;

/// The largest import body, in bytes (413 past it): eight times the 20,000-line bench file.
pub const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;
/// How long an import's body may take to arrive: 16 MiB in this time needs about 2.3 Mbit/s.
pub const IMPORT_BODY_DEADLINE: Duration = Duration::from_secs(60);
/// Rows in one import, after the header.
pub const MAX_ROWS: usize = 50_000;
/// Columns of a CSV header (or named in a JSON row): the text columns, `total`, and many years.
pub const MAX_COLUMNS: usize = 64;
/// Bytes in one cell (a title, a description, an amount as written).
pub const MAX_CELL_BYTES: usize = 8 * 1024;
/// Problems (and warnings) listed in an answer; the total is always given.
pub const MAX_LISTED: usize = 100;
/// Rows an editor's refusal names; the rest are counted.
pub const MAX_ROWS_NAMED: usize = 10;

/// A list kept to its first [`MAX_LISTED`] entries, counting every one.
#[derive(Clone, Debug, Default)]
pub struct Capped {
    pub listed: Vec<CellProblem>,
    pub total: usize,
}

impl Capped {
    /// An empty report (of a dry run or not) carrying these as its warnings.
    pub fn report(&self, dry_run: bool) -> ImportReport {
        ImportReport {
            dry_run,
            warnings: self.listed.clone(),
            warnings_total: self.total,
            ..ImportReport::default()
        }
    }

    pub fn push(&mut self, problem: CellProblem) {
        self.total += 1;
        if self.listed.len() < MAX_LISTED {
            self.listed.push(problem);
        }
    }

    pub fn extend(&mut self, problems: impl IntoIterator<Item = CellProblem>) {
        for problem in problems {
            self.push(problem);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The problems as a validation error naming each row and column, with the total when not all are listed.
    pub fn into_error(self) -> ApiError {
        let listed: Vec<FieldError> = self
            .listed
            .into_iter()
            .map(|p| FieldError {
                field: match p.column {
                    Some(column) => format!("row {}: {column}", p.row),
                    None => format!("row {}", p.row),
                },
                message: p.message,
            })
            .collect();
        ApiError::validation_capped(listed, self.total)
    }
}

/// The problem of a cell past [`MAX_CELL_BYTES`], if it is.
pub fn oversized(row: usize, column: &str, value: &str) -> Option<CellProblem> {
    (value.len() > MAX_CELL_BYTES).then(|| CellProblem {
        row,
        column: Some(column.to_owned()),
        message: format!(
            "is {} bytes; a cell holds at most {MAX_CELL_BYTES} bytes",
            value.len()
        ),
    })
}

/// A file past [`MAX_ROWS`], refused as soon as the row past the limit is read.
pub fn too_many_rows() -> ApiError {
    too_many_rows_of(MAX_ROWS)
}

/// A file past a module's own row limit (at most [`MAX_ROWS`]).
pub fn too_many_rows_of(limit: usize) -> ApiError {
    ApiError::field(
        "rows",
        format!("the file has more rows than the limit: import at most {limit} rows at a time"),
    )
}

/// A header (or a JSON row) past [`MAX_COLUMNS`], refused before any row is read.
pub fn too_many_columns(found: usize) -> ApiError {
    ApiError::field(
        "columns",
        format!("{found} columns: a file has at most {MAX_COLUMNS} columns"),
    )
}
