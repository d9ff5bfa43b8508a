//! HTTP handlers for monitoring periods, assessments and the trend of one line.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{Assessment, AssessmentRequest, CreatePeriod, MonitoringPeriod};
use super::repo;
use super::service::{self, CopyOutcome};
use crate::auth::{Admin, Editor, RefEditor};
use crate::db;
use crate::domain::FinancialYear;
use crate::error::ApiError;
use crate::http::{
    idempotency, if_match, versioned, EarlierPeriodPath, JsonBody, LinePath, PeriodPath,
    QueryParams,
};
use crate::lines;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodsParams {
    /// Only this financial year's periods.
    #[param(value_type = Option<String>, example = "2021/22")]
    pub year: Option<FinancialYear>,
}

/// Monitoring periods, in order.
#[utoipa::path(tag = "monitoring", params(PeriodsParams), responses((status = 200, body = [MonitoringPeriod])))]
#[get("/periods")]
pub async fn list_periods(
    state: web::Data<AppState>,
    params: QueryParams<PeriodsParams>,
) -> Result<web::Json<Vec<MonitoringPeriod>>, ApiError> {
    let year = params.0.year;
    db::run(&state.pool, move |conn| Ok(repo::list_periods(conn, year)?))
        .await
        .map(web::Json)
}

/// Opens a monitoring period. Admin only.
#[utoipa::path(
    tag = "monitoring",
    request_body = CreatePeriod,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat a POST with the same key and body to get the first answer again, creating nothing new")),
    responses((status = 201, body = MonitoringPeriod, headers(("Location" = String, description = "The period's URL"))))
)]
#[post("/periods")]
pub async fn create_period(
    Admin(actor): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<CreatePeriod>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    idempotency::respond_once(&state.pool, &req, &body.1, actor, move |conn, actor| {
        let created = service::create_period(conn, actor, request)?;
        let location = format!(
            "/api/v1/periods/{}/{}",
            created.year.path_form(),
            created.period
        );
        idempotency::StoredResponse::created(Some(location), &created)
    })
    .await
}

/// One monitoring period.
#[utoipa::path(tag = "monitoring", params(PeriodPath), responses((status = 200, body = MonitoringPeriod)))]
#[get("/periods/{year}/{period}")]
pub async fn get_period(
    state: web::Data<AppState>,
    PeriodPath { year, period }: PeriodPath,
) -> Result<web::Json<MonitoringPeriod>, ApiError> {
    db::run(&state.pool, move |conn| {
        service::find_period(conn, year, period)
    })
    .await
    .map(web::Json)
}

/// Closes a period: its assessments become read-only, as reported. Admin only.
#[utoipa::path(tag = "monitoring", params(PeriodPath), responses((status = 200, body = MonitoringPeriod)))]
#[post("/periods/{year}/{period}/close")]
pub async fn close_period(
    Admin(actor): Admin,
    state: web::Data<AppState>,
    PeriodPath { year, period }: PeriodPath,
) -> Result<web::Json<MonitoringPeriod>, ApiError> {
    db::write(&state.pool, move |conn| {
        service::close_period(conn, &actor, year, period)
    })
    .await
    .map(web::Json)
}

/// Every assessment of a period, by ref.
#[utoipa::path(tag = "monitoring", params(PeriodPath), responses((status = 200, body = [Assessment])))]
#[get("/periods/{year}/{period}/assessments")]
pub async fn list_assessments(
    state: web::Data<AppState>,
    PeriodPath { year, period }: PeriodPath,
) -> Result<web::Json<Vec<Assessment>>, ApiError> {
    db::run(&state.pool, move |conn| {
        service::find_period(conn, year, period)?;
        Ok(repo::assessments_of(conn, year, Some(period))?)
    })
    .await
    .map(web::Json)
}

/// Records or revises one saving's assessment in a period (an editor of the line's directorate). `forecast`
/// or `at_risk` is derived from the other exactly; a closed period answers 409.
#[utoipa::path(
    tag = "monitoring",
    params(
        PeriodPath,
        LinePath,
        ("If-Match" = Option<String>, Header, description = "The `ETag` last read; a stale one gets 412 and changes nothing"),
    ),
    request_body = AssessmentRequest,
    responses(
        (status = 200, description = "Revised", body = Assessment, headers(("ETag" = String, description = "The assessment's version"))),
        (status = 201, description = "Recorded", body = Assessment, headers(("ETag" = String, description = "The assessment's version"))),
        (status = 409, description = "The period is closed", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version, or an assessment not recorded yet", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/periods/{year}/{period}/assessments/{ref}")]
pub async fn put_assessment(
    RefEditor(actor): RefEditor,
    state: web::Data<AppState>,
    req: HttpRequest,
    PeriodPath { year, period }: PeriodPath,
    LinePath(line_ref): LinePath,
    body: JsonBody<AssessmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let if_match = if_match(&req)?;
    let input = body.0.into();
    let (assessment, created) = db::write(&state.pool, move |conn| {
        service::put_assessment(conn, &actor, (year, period), &line_ref, if_match, input)
    })
    .await?;
    Ok(versioned(created, assessment.version, &assessment))
}

/// Starts a period from an earlier period's assessments, to be revised line by line (an editor: the lines of
/// its directorates are copied, the others skipped).
#[utoipa::path(
    tag = "monitoring",
    params(
        PeriodPath,
        EarlierPeriodPath,
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a POST with the same key to get the first answer again, copying nothing new"),
    ),
    responses((status = 200, body = CopyOutcome))
)]
#[post("/periods/{year}/{period}/copy-from/{from}")]
pub async fn copy_from(
    Editor(actor): Editor,
    state: web::Data<AppState>,
    req: HttpRequest,
    PeriodPath { year, period }: PeriodPath,
    EarlierPeriodPath(earlier): EarlierPeriodPath,
) -> Result<HttpResponse, ApiError> {
    idempotency::respond_once(&state.pool, &req, &[], actor, move |conn, actor| {
        let outcome = service::copy_from(conn, actor, year, period, earlier)?;
        idempotency::StoredResponse::ok(&outcome)
    })
    .await
}

/// Every period's assessment of one saving, in order: the trend.
#[utoipa::path(
    tag = "monitoring",
    params(LinePath),
    responses((status = 200, body = [Assessment]))
)]
#[get("/lines/{ref}/assessments")]
pub async fn line_assessments(
    state: web::Data<AppState>,
    LinePath(line_ref): LinePath,
) -> Result<web::Json<Vec<Assessment>>, ApiError> {
    db::run(&state.pool, move |conn| {
        lines::service::find(conn, &line_ref)?;
        Ok(repo::assessments_of_line(conn, &line_ref)?)
    })
    .await
    .map(web::Json)
}
