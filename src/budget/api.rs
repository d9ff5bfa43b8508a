//! HTTP handlers for decisions and baselines: extract (the role first, the body last), call one service
//! function, answer.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{
    Baseline, BaselineWithLines, CreateBaseline, CreateDecision, CreateWriteOff, Decision, WriteOff,
};
use super::{repo, service, write_offs};
use crate::auth::{Admin, Approver, Recorder};
use crate::db;
use crate::domain::LineRef;
use crate::error::ApiError;
use crate::http::{idempotency, BaselineNamePath, DecisionPath, JsonBody, QueryParams};
use crate::state::AppState;

const MAX_DECISIONS: i64 = 500;

/// Records a decision: which body decided what, on which day (today or before), under which reference.
/// Decisions never change. Any key but a reader's.
#[utoipa::path(
    tag = "budget",
    request_body = CreateDecision,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat a POST with the same key and body to get the first answer again, creating nothing new")),
    responses(
        (status = 201, body = Decision, headers(("Location" = String, description = "The decision's URL"))),
    )
)]
#[post("/decisions")]
pub async fn record_decision(
    Recorder(actor): Recorder,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<CreateDecision>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    idempotency::respond_once(&state.pool, &req, &body.1, actor, move |conn, actor| {
        let decision = service::record_decision(conn, actor, request)?;
        idempotency::StoredResponse::created(
            Some(format!("/api/v1/decisions/{}", decision.id)),
            &decision,
        )
    })
    .await
}

/// Paging for the decisions list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DecisionsParams {
    /// The id of the last decision of the previous page.
    pub after: Option<i64>,
    /// Decisions per page: 1 to 500, default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Decisions in the order they were recorded.
#[utoipa::path(tag = "budget", params(DecisionsParams), responses((status = 200, body = [Decision])))]
#[get("/decisions")]
pub async fn list_decisions(
    state: web::Data<AppState>,
    params: QueryParams<DecisionsParams>,
) -> Result<web::Json<Vec<Decision>>, ApiError> {
    let limit = params.0.limit.unwrap_or(100);
    if !(1..=MAX_DECISIONS).contains(&limit) {
        return Err(ApiError::parameter(
            "limit",
            format!("must be from 1 to {MAX_DECISIONS}"),
        ));
    }
    let after = params.0.after.unwrap_or(0);
    let decisions = db::read(&state.pool, move |conn| {
        Ok(repo::list_decisions(conn, after, limit)?)
    })
    .await?;
    Ok(web::Json(decisions))
}

/// One decision.
#[utoipa::path(
    tag = "budget",
    params(DecisionPath),
    responses(
        (status = 200, body = Decision),
        (status = 404, description = "No such decision", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/decisions/{id}")]
pub async fn get_decision(
    state: web::Data<AppState>,
    DecisionPath(id): DecisionPath,
) -> Result<web::Json<Decision>, ApiError> {
    let decision = db::read(&state.pool, move |conn| service::find_decision(conn, id)).await?;
    Ok(web::Json(decision))
}

/// Sets a baseline — the approved budget of a budget round — from every line whose profile is approved now
/// (`agreed`, `in_delivery`, `delivered`), with the decision that approved it. A baseline never changes; a
/// later one (a revised budget) is set under a new name. Admin only.
#[utoipa::path(
    tag = "budget",
    request_body = CreateBaseline,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat a POST with the same key and body to get the first answer again, creating nothing new")),
    responses(
        (status = 201, body = Baseline, headers(("Location" = String, description = "The baseline's URL"))),
        (status = 409, description = "A baseline of that name is set", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/baselines")]
pub async fn set_baseline(
    Admin(actor): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<CreateBaseline>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    idempotency::respond_once(&state.pool, &req, &body.1, actor, move |conn, actor| {
        let baseline = service::set_baseline(conn, actor, request)?;
        let location = format!(
            "/api/v1/baselines/{}",
            form_urlencoded::byte_serialize(baseline.name.as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        );
        idempotency::StoredResponse::created(Some(location), &baseline)
    })
    .await
}

/// Every baseline, the latest first, with its decision and its savings, growth and net per year.
#[utoipa::path(tag = "budget", responses((status = 200, body = [Baseline])))]
#[get("/baselines")]
pub async fn list_baselines(
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<Baseline>>, ApiError> {
    let baselines = db::run(&state.pool, service::list_baselines).await?;
    Ok(web::Json(baselines))
}

/// One baseline with every line it holds, as approved.
#[utoipa::path(
    tag = "budget",
    params(BaselineNamePath),
    responses(
        (status = 200, body = BaselineWithLines),
        (status = 404, description = "No such baseline", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/baselines/{name}")]
pub async fn get_baseline(
    state: web::Data<AppState>,
    BaselineNamePath(name): BaselineNamePath,
) -> Result<web::Json<BaselineWithLines>, ApiError> {
    let baseline = db::scan(&state.pool, move |conn| service::find_baseline(conn, &name)).await?;
    Ok(web::Json(baseline))
}

/// Writes off all or part of an approved saving: the decision, the amount by year (with earlier write-offs, no
/// more than the baseline holds), the reason, and the funding that covers it. The revised budget is the
/// baseline less write-offs. An approver of the saving's directorate; never changed.
#[utoipa::path(
    tag = "budget",
    request_body = CreateWriteOff,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat a POST with the same key and body to get the first answer again, creating nothing new")),
    responses((status = 201, body = WriteOff, headers(("Location" = String, description = "The write-offs of the line"))))
)]
#[post("/write-offs")]
pub async fn record_write_off(
    Approver(actor): Approver,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<CreateWriteOff>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    idempotency::respond_once(&state.pool, &req, &body.1, actor, move |conn, actor| {
        let written = write_offs::record(conn, actor, request)?;
        idempotency::StoredResponse::created(
            Some(format!(
                "/api/v1/write-offs?line={}",
                written.line_ref.path_form()
            )),
            &written,
        )
    })
    .await
}

/// Which write-offs to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WriteOffsParams {
    /// Only this line's (any printed form of its ref).
    #[param(value_type = Option<String>, example = "CFE SAV10")]
    pub line: Option<LineRef>,
}

/// Write-offs in the order recorded.
#[utoipa::path(tag = "budget", params(WriteOffsParams), responses((status = 200, body = [WriteOff])))]
#[get("/write-offs")]
pub async fn list_write_offs(
    state: web::Data<AppState>,
    params: QueryParams<WriteOffsParams>,
) -> Result<web::Json<Vec<WriteOff>>, ApiError> {
    let line = params.0.line;
    let listed = db::scan(&state.pool, move |conn| {
        Ok(repo::write_offs(conn, line.as_ref())?)
    })
    .await?;
    Ok(web::Json(listed))
}
