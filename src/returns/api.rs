//! `/periods/{year}/{period}/returns/{code}`: a directorate's return for a period, out (`GET`) and back in
//! (`POST`).

use actix_web::{get, post, web, HttpMessage, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::read::{self, Expected, ReturnFile};
use super::service::{self, ReturnImportReport, ReturnStatus};
use super::template::{self, SavingsReturn};
use crate::auth::Editor;
use crate::db;
use crate::domain::money::Unit;
use crate::error::ApiError;
use crate::http::body::{check_declared_length, read_body};
use crate::http::{DirectoratePath, PeriodPath, QueryParams};
use crate::imports::limits::{IMPORT_BODY_DEADLINE, MAX_IMPORT_BYTES};
use crate::present::{present, Format, Output, XLSX};
use crate::request_id;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReturnParams {
    /// `pounds` (the default) or `thousands`: whole £000s as council tables print them.
    pub unit: Option<Unit>,
    /// `json` (the default), `csv` or `xlsx`; or ask by `Accept: text/csv` or the XLSX media type.
    #[param(value_type = Option<String>, example = "xlsx")]
    pub format: Option<Format>,
}

/// The return a directorate fills in for a period: a row per saving with an amount in the year (not withdrawn),
/// by ref, with its title, owner and planned amount, pre-filled from its latest assessment of the year up to the
/// period (`assessed_in`): rag, forecast, at risk, timing, permanent, slips to, reason, mitigation and
/// substitutes (`CFE SAV16: 50000.00; mitigation 3: 10000.00`). Every row names the directorate, year and period;
/// the XLSX title names the as-at date.
#[utoipa::path(
    tag = "monitoring",
    params(PeriodPath, DirectoratePath, ReturnParams),
    responses(
        (status = 200, body = SavingsReturn),
        (status = 404, description = "No such period or directorate", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/periods/{year}/{period}/returns/{code}")]
pub async fn get_return(
    state: web::Data<AppState>,
    req: HttpRequest,
    PeriodPath { year, period }: PeriodPath,
    DirectoratePath(directorate): DirectoratePath,
    params: QueryParams<ReturnParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.0;
    let unit = params.unit.unwrap_or_default();
    let code = directorate.clone();
    let data = db::scan(&state.pool, move |conn| {
        template::load(conn, &code, (year, period))
    })
    .await?;
    let built = template::build(directorate, data, unit);
    let output = Output {
        format: params.format,
        unit,
        as_at: None,
    };
    present(&req, output, &built)
}

/// Whether each directorate's return for the period came in (how many times; the latest: when, from which key
/// and person, what it did), and how many of its savings planned in the year are still not assessed, by code.
#[utoipa::path(
    tag = "monitoring",
    params(PeriodPath),
    responses(
        (status = 200, body = [ReturnStatus]),
        (status = 404, description = "No such period", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/periods/{year}/{period}/returns")]
pub async fn return_statuses(
    state: web::Data<AppState>,
    PeriodPath { year, period }: PeriodPath,
) -> Result<web::Json<Vec<ReturnStatus>>, ApiError> {
    let statuses = db::scan(&state.pool, move |conn| {
        service::statuses(conn, (year, period))
    })
    .await?;
    Ok(web::Json(statuses))
}

/// What a return came as.
#[derive(Clone, Copy)]
enum Kind {
    Csv,
    Xlsx,
    Json,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReturnImportParams {
    /// The unit the file's amounts are in: `pounds` (the default) or `thousands`.
    pub unit: Option<Unit>,
    /// Check every row and report what would happen, writing nothing.
    pub dry_run: Option<bool>,
}

/// Imports a directorate's return for a period: the layout `GET` sends out (CSV, or the first sheet of an
/// XLSX), all or nothing. Only `ref` and `rag` are needed; amounts as printed (`1,065`, `(237)`) in `unit`;
/// substitutes in one cell (`CFE SAV16: 50,000; mitigation 3: 10,000`). A row that says what the period's
/// assessment says is left as it is (no revision, no event); a row left without a rating is not assessed; any
/// other row is recorded as `PUT …/assessments/{ref}` records it, with every rule and the audit trail. Refused
/// whole: a row of another directorate or period, a ref twice, a withdrawn saving, a substitute without room
/// (422, each problem by row and column), a closed period (409). An editor of the directorate, checked before
/// the body is read; at most 16 MiB and 50,000 rows.
#[utoipa::path(
    tag = "monitoring",
    params(PeriodPath, DirectoratePath, ReturnImportParams),
    request_body(
        description = "The return as CSV or XLSX, in the layout GET sends out, or its rows as JSON",
        content(
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (super::read::ReturnJson = "application/json"),
        )
    ),
    responses(
        (status = 200, body = ReturnImportReport),
        (status = 403, description = "A key that may not change the directorate's figures", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The period is closed", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A problem in the file: each by row and column, the first 100 listed", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/periods/{year}/{period}/returns/{code}")]
pub async fn import_return(
    state: web::Data<AppState>,
    req: HttpRequest,
    Editor(actor): Editor,
    PeriodPath { year, period }: PeriodPath,
    DirectoratePath(directorate): DirectoratePath,
    params: QueryParams<ReturnImportParams>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // Whose return it is, before the body is read.
    actor.require_editor_of(&directorate)?;
    let kind = match req.mime_type().ok().flatten() {
        Some(m) if m.type_() == "text" && m.subtype() == "csv" => Kind::Csv,
        Some(m) if m.essence_str() == XLSX => Kind::Xlsx,
        Some(m)
            if m.type_() == "application"
                && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json")) =>
        {
            Kind::Json
        }
        _ => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "send the return as text/csv, {XLSX} or application/json"
            )))
        }
    };
    check_declared_length(&req, MAX_IMPORT_BYTES)?;
    // The period and the directorate must be there (404) before the body is read.
    let code = directorate.clone();
    db::read(&state.pool, move |conn| {
        service::require_open_return(conn, &code, (year, period))
    })
    .await?;
    let body = read_body(payload.into_inner(), MAX_IMPORT_BYTES, IMPORT_BODY_DEADLINE).await?;
    let params = params.0;
    let dry_run = params.dry_run.unwrap_or(false);
    let expected = Expected {
        directorate: directorate.clone(),
        year,
        period,
        unit: params.unit.unwrap_or_default(),
    };
    // Reading: linear, off the HTTP workers.
    let lines = web::block(request_id::carry(move || {
        let file = match kind {
            Kind::Csv => ReturnFile::Csv(&body),
            Kind::Xlsx => ReturnFile::Xlsx(&body),
            Kind::Json => ReturnFile::Json(&body),
        };
        read::rows(file, &expected)
    }))
    .await??;
    let report = db::write(&state.pool, move |conn| {
        let apply = |conn: &mut db::DbConnection| {
            service::apply(conn, &actor, &directorate, (year, period), &lines, &|_| {})
        };
        let mut report = if dry_run {
            db::undone(conn, apply)?
        } else {
            let report = apply(conn)?;
            let at = (year, period);
            service::record_receipt(conn, &actor, &directorate, at, lines.len(), &report)?;
            report
        };
        report.dry_run = dry_run;
        Ok(report)
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}
