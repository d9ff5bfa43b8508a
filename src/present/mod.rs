//! How a report is written: in pounds, or in whole £000s as council tables print them. Figures are always
//! computed exactly; in thousands each is rounded half away from zero when written, totals from their exact
//! values, and the report lists where the rounded rows do not add up to the rounded total.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::macros::format_description;
use time::OffsetDateTime;
use utoipa::ToSchema;

pub mod download;
pub mod table;
pub mod thousands;

use table::{Table, Tabular};

use crate::domain::money::Unit;
use crate::domain::Money;
use crate::error::ApiError;

/// Where rounding to £000s makes a table not add up: the rounded rows' sum differs from the rounded total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"figure": "2021/22 savings", "rows_add_up_to": "9432", "total": "9433"}))]
pub struct RoundingDifference {
    /// Which total.
    pub figure: String,
    /// The rounded rows added up, in £000s.
    pub rows_add_up_to: String,
    /// The total rounded from its exact value, in £000s.
    pub total: String,
}

/// A total and the rows it is the sum of, to check after rounding.
pub struct Summed {
    pub figure: String,
    pub rows: Vec<Money>,
    pub total: Money,
}

/// In thousands, every total whose rounded rows do not add up to it; in pounds, none (they always do).
pub fn rounding_differences(
    unit: Unit,
    totals: impl IntoIterator<Item = Summed>,
) -> Vec<RoundingDifference> {
    if unit == Unit::Pounds {
        return Vec::new();
    }
    totals
        .into_iter()
        .filter_map(|summed| {
            let rows_add_up_to: Decimal = summed.rows.iter().map(|row| row.thousands()).sum();
            let total = summed.total.thousands();
            (rows_add_up_to != total).then(|| RoundingDifference {
                figure: summed.figure,
                rows_add_up_to: rows_add_up_to.to_string(),
                total: total.to_string(),
            })
        })
        .collect()
}

/// What a report is written as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Json,
    Csv,
    Xlsx,
}

/// A format that is a table: CSV or XLSX.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableFormat {
    Csv,
    Xlsx,
}

impl Format {
    pub fn as_table(self) -> Option<TableFormat> {
        match self {
            Format::Json => None,
            Format::Csv => Some(TableFormat::Csv),
            Format::Xlsx => Some(TableFormat::Xlsx),
        }
    }
}

pub const CSV: &str = "text/csv";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// How a report is to be written: asked for by `format` (or else the `Accept` header) and `unit`.
pub struct Output {
    pub format: Option<Format>,
    pub unit: Unit,
    /// The instant the figures are as at; now when absent.
    pub as_at: Option<OffsetDateTime>,
}

impl Output {
    /// The format asked for: by `format`, else by the `Accept` header, else JSON.
    pub fn format(&self, req: &HttpRequest) -> Format {
        let accepts = |media_type: &str| {
            req.headers()
                .get(header::ACCEPT)
                .and_then(|value| value.to_str().ok())
                .is_some_and(|accept| {
                    accept
                        .split(',')
                        .any(|part| part.trim().starts_with(media_type))
                })
        };
        self.format.unwrap_or(if accepts(XLSX) {
            Format::Xlsx
        } else if accepts(CSV) {
            Format::Csv
        } else {
            Format::Json
        })
    }
}

/// A report as JSON (its amounts written in the unit asked for), or as a CSV or XLSX table.
pub fn present<T: Serialize + Tabular>(
    req: &HttpRequest,
    output: Output,
    report: &T,
) -> Result<HttpResponse, ApiError> {
    let unit = output.unit;
    match output.format(req).as_table() {
        None => json(unit, report),
        Some(TableFormat::Csv) => {
            attachment(report.table(), CSV, "csv", |table| table.to_csv(unit))
        }
        Some(TableFormat::Xlsx) => attachment(report.table(), XLSX, "xlsx", |table| {
            table.to_xlsx(unit, &xlsx_title(&table.title, unit, output.as_at))
        }),
    }
}

/// A value as JSON, its amounts in `unit`.
pub fn json<T: Serialize>(unit: Unit, value: &T) -> Result<HttpResponse, ApiError> {
    let body = thousands::to_json(unit, value)
        .map_err(|error| ApiError::Internal(format!("writing a report: {error}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

/// An XLSX sheet's title row: what, in which unit, as at when (now when `as_at` is absent).
pub fn xlsx_title(what: &str, unit: Unit, as_at: Option<OffsetDateTime>) -> String {
    let when = as_a_person_reads_it(as_at.unwrap_or_else(OffsetDateTime::now_utc));
    let in_unit = match unit {
        Unit::Pounds => "£",
        Unit::Thousands => "£000s",
    };
    format!("{what}, {in_unit}, as at {when}")
}

/// An instant as a title gives it: "1 December 2026, 18:46 UTC" (to the minute, in UTC).
pub fn as_a_person_reads_it(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[day padding:none] [month repr:long] [year], [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
}

/// A table as a download named after its title.
fn attachment(
    table: Table,
    content_type: &str,
    extension: &str,
    write: impl FnOnce(&Table) -> Result<Vec<u8>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let body = write(&table)?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}.{extension}\"",
                file_name(&table.title)
            ),
        ))
        .body(body))
}

/// A download's file name from its title: "MTFS summary, CFE" is `mtfs-summary-cfe`.
fn file_name(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}
