//! `POST /api/v1/imports/lines`: a CSV or JSON file of lines, imported all or nothing.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{post, web, FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{import_lines, read, CellProblem, ImportReport, ImportRow};
use crate::app::AppState;
use crate::auth::Actor;
use crate::db;
use crate::domain::money::Unit;
use crate::domain::FieldError;
use crate::error::ApiError;
use crate::http::extract::parse_json;
use crate::http::QueryParams;

/// The largest import file accepted: room for tens of thousands of lines.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The unit the file's amounts are in: `pounds` (the default) or `thousands`.
    pub unit: Option<Unit>,
    /// Check every row and report what would happen, writing nothing.
    pub dry_run: Option<bool>,
}

/// An import file: CSV (`text/csv`) or JSON.
pub enum ImportFile {
    Csv(Bytes),
    Json(Bytes),
}

impl FromRequest for ImportFile {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let media = req.mime_type().ok().flatten();
        let mut payload = payload.take();
        Box::pin(async move {
            let is_json = |m: &mime::Mime| {
                m.type_() == "application"
                    && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"))
            };
            let csv = match &media {
                Some(m) if m.type_() == "text" && m.subtype() == "csv" => true,
                Some(m) if is_json(m) => false,
                _ => {
                    return Err(ApiError::UnsupportedMediaType(
                        "send the file as text/csv or application/json".to_owned(),
                    ))
                }
            };
            let mut body = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|error| {
                    ApiError::MalformedBody(format!("the file could not be read: {error}"))
                })?;
                if body.len() + chunk.len() > MAX_IMPORT_BYTES {
                    return Err(ApiError::PayloadTooLarge(format!(
                        "the file is larger than the limit of {MAX_IMPORT_BYTES} bytes"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            let bytes = body.freeze();
            Ok(if csv {
                ImportFile::Csv(bytes)
            } else {
                ImportFile::Json(bytes)
            })
        })
    }
}

impl ImportFile {
    pub fn rows(&self) -> Result<Vec<ImportRow>, ApiError> {
        let rows = match self {
            ImportFile::Csv(bytes) => read::csv_rows(bytes),
            ImportFile::Json(bytes) => read::json_rows(&parse_json::<serde_json::Value>(bytes)?),
        };
        rows.map_err(problems)
    }
}

/// Every problem as a validation error naming the row and column.
pub fn problems(problems: Vec<CellProblem>) -> ApiError {
    ApiError::Validation(
        problems
            .into_iter()
            .map(|p| FieldError {
                field: match p.column {
                    Some(column) => format!("row {}: {column}", p.row),
                    None => format!("row {}", p.row),
                },
                message: p.message,
            })
            .collect(),
    )
}

/// Imports lines from CSV (the PMO tracker layout: `ref`, `kind`, `directorate`, `title`, `owner`, `status`,
/// then a column per year such as `2021/22`) or JSON (`{"rows": [{..., "years": {"2021/22": "794000.00"}}]}`).
/// All or nothing: one wrong row rejects the file, with every problem by row and column. New refs (or none)
/// create lines; existing refs update them, with the audit trail. Warnings name figures that look typed in
/// the wrong unit or far out of scale.
#[utoipa::path(
    tag = "lines",
    params(ImportParams),
    request_body(content = String, content_type = "text/csv", description = "CSV, or the same rows as JSON"),
    responses((status = 200, body = ImportReport))
)]
#[post("/imports/lines")]
pub async fn import(
    state: web::Data<AppState>,
    actor: Actor,
    params: QueryParams<ImportParams>,
    file: ImportFile,
) -> Result<web::Json<ImportReport>, ApiError> {
    let rows = file.rows()?;
    let (unit, dry_run) = (
        params.0.unit.unwrap_or_default(),
        params.0.dry_run.unwrap_or(false),
    );
    let report = db::write(&state.pool, move |conn| {
        let report = import_lines(conn, &actor, &rows, unit, dry_run, &|_| {})?;
        if report.problems.is_empty() {
            Ok(report)
        } else {
            // Rolls the transaction back: nothing of the file is written.
            Err(problems(report.problems))
        }
    })
    .await?;
    Ok(web::Json(report))
}
