//! An import's rows as read, its problems, and its report.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, SchemaType, Type};
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

/// The JSON form of an import, as documented for clients and generators (`read::json_rows` reads it): the same
/// rows as the CSV, `{"rows": [...]}` or the bare array.
// A schema only: the rows are read as JSON values (`read::json_rows`), so that each problem names its cell.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(untagged)]
#[schema(as = ImportJson)]
pub enum ImportJsonDoc {
    Wrapped { rows: Vec<ImportJsonRow> },
    Bare(Vec<ImportJsonRow>),
}

/// One row: the CSV's text columns (each text, a number read as its text, or null for empty) and `years`, each
/// year (`2021/22` or `2021-22`) mapped to its amount as text or a number in the import's `unit`; a blank or
/// null amount is not stated and leaves that year as it is.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct ImportJsonRow {
    #[serde(rename = "ref")]
    #[schema(schema_with = cell)]
    pub line_ref: Option<String>,
    #[schema(schema_with = cell)]
    pub kind: Option<String>,
    #[schema(schema_with = cell)]
    pub directorate: Option<String>,
    #[schema(schema_with = cell)]
    pub title: Option<String>,
    #[schema(schema_with = cell)]
    pub owner: Option<String>,
    #[schema(schema_with = cell)]
    pub status: Option<String>,
    #[schema(schema_with = cell)]
    pub nature: Option<String>,
    #[schema(schema_with = cell)]
    pub description: Option<String>,
    #[schema(schema_with = cell)]
    pub reason: Option<String>,
    #[schema(schema_with = years)]
    pub years: Option<BTreeMap<String, String>>,
}

/// A cell: text, a number (read as its text), or null (empty).
pub fn cell() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([
            Type::String,
            Type::Number,
            Type::Null,
        ]))
        .build()
}

fn years() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(Schema::Object(cell())))
        .build()
}
