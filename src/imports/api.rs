//! `POST /api/v1/imports/lines`: a CSV or JSON file of lines, imported all or nothing.
//!
//! The order is the cost order: the key's role before the body is read (the `Editor` extractor); the media
//! type; the body within its byte and time limits; reading and the key's directorates in one linear pass; planning against a read of the
//! tracker; and only then the write turn, which checks that the plan still holds before writing.

use std::sync::Arc;

use actix_web::web::Bytes;
use actix_web::{post, web, HttpMessage, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::limits::{IMPORT_BODY_DEADLINE, MAX_IMPORT_BYTES};
use super::model::{ImportReport, ImportRow};
use super::plan::{self, Known};
use super::{propose, read, scope, write};
use crate::auth::Editor;
use crate::change_control;
use crate::db;
use crate::domain::money::Unit;
use crate::error::ApiError;
use crate::http::body::{check_declared_length, read_body};
use crate::http::extract::parse_json;
use crate::http::idempotency::{idempotency_key, respond_once, StoredResponse};
use crate::http::QueryParams;
use crate::present::XLSX;
use crate::request_id;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The unit the file's amounts are in: `pounds` (the default) or `thousands`.
    pub unit: Option<Unit>,
    /// Check every row and report what would happen, writing nothing.
    pub dry_run: Option<bool>,
    /// `apply` (the default) writes the rows; `propose` makes the file one change set against the baseline:
    /// the approved lines whose years, owner or status differ, the approved lines of the file's directorates
    /// that it leaves out (each needing a disposition), and its blank amounts (not stated, kept). Nothing is
    /// written to the lines until an approver approves the set. Every row must name an approved line.
    #[param(inline)]
    pub mode: Option<ImportMode>,
    /// Why the plan is proposed (its name and date, say): needed with `mode=propose`; at most 2,000 bytes.
    pub reason: Option<String>,
}

/// What an import does with its rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    #[default]
    Apply,
    Propose,
}

/// An import file: CSV (`text/csv`), an XLSX workbook, or JSON.
pub enum ImportFile {
    Csv(Bytes),
    Xlsx(Bytes),
    Json(Bytes),
}

impl ImportFile {
    /// The file's kind from its media type, before any of it is read.
    fn kind_of(req: &HttpRequest) -> Result<fn(Bytes) -> ImportFile, ApiError> {
        let media = req.mime_type().ok().flatten();
        match &media {
            Some(m) if m.type_() == "text" && m.subtype() == "csv" => Ok(ImportFile::Csv),
            Some(m) if m.essence_str() == XLSX => Ok(ImportFile::Xlsx),
            Some(m)
                if m.type_() == "application"
                    && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json")) =>
            {
                Ok(ImportFile::Json)
            }
            _ => Err(ApiError::UnsupportedMediaType(format!(
                "send the file as text/csv, {XLSX} or application/json"
            ))),
        }
    }

    /// Every row, read within the limits; or the file's problems, the first of them listed.
    pub fn rows(&self) -> Result<Vec<ImportRow>, ApiError> {
        match self {
            ImportFile::Csv(bytes) => read::csv_rows(bytes),
            ImportFile::Xlsx(bytes) => read::xlsx_rows(bytes),
            ImportFile::Json(bytes) => read::json_rows(&parse_json::<serde_json::Value>(bytes)?),
        }
    }

    fn bytes(&self) -> &Bytes {
        match self {
            ImportFile::Csv(bytes) | ImportFile::Xlsx(bytes) | ImportFile::Json(bytes) => bytes,
        }
    }
}

/// Imports lines from CSV (the PMO tracker layout: `ref`, `kind`, `directorate`, `title`, `owner`, `status`,
/// `nature`, `description`, `reason`, then a column per year such as `2021/22`; the tracker's own CSV export
/// reads back unchanged), the first sheet of an XLSX workbook in the same layout (numbers read through their
/// shortest decimal text: more decimals than pence is a problem naming the cell, never rounded), or JSON (`{"rows": [{..., "years": {"2021/22": "794000.00"}}]}`). All or nothing:
/// one wrong row rejects the file with a 422 naming each problem by row and column (the first 100 listed,
/// `errors_total` counting all). New refs (or none) create lines; existing refs update them, with the audit
/// trail. Amounts are read as printed, exactly (`1,608`, `(1,065)`, `-1065`, `£272,000`, `126.4` in £000s; `0`
/// or `-` for zero); a blank amount is not stated and leaves that year as it is. Warnings name figures that look
/// typed in the wrong unit or far out of scale.
///
/// Limits: at most 16 MiB (413), sent within 60 seconds (408), 50,000 rows (422 naming `rows`), 64 columns (`columns`), 8 KiB per cell,
/// each column once (`2021/22` and `2021-22` are one column). A reader key is refused (403) before the body is
/// read; an editor's rows for other directorates are refused (403) naming the rows, before any planning.
///
/// An `Idempotency-Key` makes a retry safe: the same file again gets the first answer and imports nothing
/// twice (a dry run writes nothing, so it needs none).
#[utoipa::path(
    tag = "lines",
    params(
        ImportParams,
        ("Idempotency-Key" = Option<String>, Header, description = "Any 1-255 characters; a retry with the same key and file gets the first answer again, imports nothing twice, and says `Idempotent-Replayed: true`. The same key with another file is 422.")
    ),
    request_body(
        description = "CSV, or the same rows as JSON; at most 16 MiB, 50,000 rows, 64 columns, 8 KiB per cell",
        content(
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (super::model::ImportJsonDoc = "application/json"),
        )
    ),
    responses(
        (status = 200, body = ImportReport),
        (status = 201, description = "`mode=propose`: the plan as one pending change set", body = crate::change_control::model::ChangeSet, headers(("Location" = String, description = "The change set's URL"))),
        (status = 403, description = "A reader key, or an editor's rows for directorates it may not change", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "A file past 16 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A problem in the file, or a limit passed: each by row and column, the first 100 listed", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[post("/imports/lines")]
pub async fn import(
    state: web::Data<AppState>,
    req: HttpRequest,
    Editor(actor): Editor,
    params: QueryParams<ImportParams>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    idempotency_key(&req)?;
    let kind = ImportFile::kind_of(&req)?;
    check_declared_length(&req, MAX_IMPORT_BYTES)?;
    let file = kind(read_body(payload.into_inner(), MAX_IMPORT_BYTES, IMPORT_BODY_DEADLINE).await?);
    let params = params.0;
    let (unit, dry_run) = (
        params.unit.unwrap_or_default(),
        params.dry_run.unwrap_or(false),
    );
    let proposing = params.mode.unwrap_or_default() == ImportMode::Propose;
    if proposing && dry_run {
        return Err(ApiError::parameter(
            "dry_run",
            "a proposal writes only a pending change set, which its proposer may withdraw: leave dry_run out",
        ));
    }
    if !proposing && params.reason.is_some() {
        return Err(ApiError::parameter(
            "reason",
            "only a proposed plan (mode=propose) takes a reason; give each row's in its reason column",
        ));
    }
    let reason = match (proposing, params.reason) {
        (true, None) => {
            return Err(ApiError::parameter(
                "reason",
                "say why the plan is proposed (its name and date, say)",
            ))
        }
        (_, reason) => reason.unwrap_or_default(),
    };
    let body = file.bytes().clone();

    // Reading and the key's scope: one linear pass, off the HTTP workers.
    let reader = actor.clone();
    let rows = web::block(request_id::carry(move || {
        let rows = file.rows()?;
        scope::require_rows_in_scope(&reader, &rows)?;
        Ok::<_, ApiError>(Arc::new(rows))
    }))
    .await??;

    // Planning against a read, outside the write turn: other writers go on meanwhile.
    let to_load = Arc::clone(&rows);
    let known = db::scan(&state.pool, move |conn| Known::load(conn, &to_load)).await?;
    if proposing {
        let (planner, to_plan) = (actor.clone(), Arc::clone(&rows));
        let proposed = web::block(request_id::carry(move || {
            propose::propose_rows(&known, &planner, &to_plan, unit, reason)
        }))
        .await??;
        if !proposed.problems.is_empty() {
            return Err(proposed.problems.into_error());
        }
        // The write turn: the service checks each change again against the lines as they are now.
        return respond_once(&state.pool, &req, &body, actor, move |conn, actor| {
            let set = change_control::service::propose_plan(conn, actor, proposed.proposal)?;
            StoredResponse::created(Some(format!("/api/v1/change-sets/{}", set.id)), &set)
        })
        .await;
    }
    let (planner, to_plan) = (actor.clone(), Arc::clone(&rows));
    let plan = web::block(request_id::carry(move || {
        plan::plan_rows(&known, &planner, &to_plan, unit, &|_| {})
    }))
    .await??;
    if !plan.problems.is_empty() {
        return Err(plan.problems.into_error());
    }
    if dry_run {
        return Ok(HttpResponse::Ok().json(plan.dry_run_report()));
    }

    // The write turn: the plan written if it still holds, else planned again within the turn.
    respond_once(&state.pool, &req, &body, actor, move |conn, actor| {
        let report = write::write_when_current(conn, actor, &rows, unit, plan)?;
        StoredResponse::ok(&report)
    })
    .await
}
