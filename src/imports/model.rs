//! An import's rows as read, its problems, and its report.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::FinancialYear;

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
