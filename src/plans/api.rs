//! `/lines/{ref}/actions`: a line's delivery plan, judged on a day; its actions added and changed by editors
//! of the line's directorate.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

use super::model::{ActionDetail, ActionPatch, CreateAction};
use super::service;
use super::view::{self, JudgedAction, NextMilestone, PlanCounts};
use crate::auth::RefEditor;
use crate::db;
use crate::domain::monitoring::Period;
use crate::domain::{FinancialYear, LineRef};
use crate::error::ApiError;
use crate::http::{idempotency, if_match, versioned, ActionPath, JsonBody, LinePath, QueryParams};
use crate::state::AppState;

/// The day a plan is judged on, and the instant its records are read as at.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanDayParams {
    /// The day actions are judged overdue on (`2021-07-31`); default: the period's last day when `year` and
    /// `period` are given, else `as_at`'s day, else today.
    #[serde(default, deserialize_with = "crate::domain::instant::optional_date")]
    #[param(value_type = Option<String>, format = Date)]
    pub on: Option<Date>,
    /// With `period`: judge on the period's last day.
    #[param(value_type = Option<String>, example = "2021/22")]
    pub year: Option<FinancialYear>,
    #[param(value_type = Option<String>, example = "P4")]
    pub period: Option<Period>,
    /// The plan as recorded at this instant (RFC 3339).
    #[serde(default, deserialize_with = "crate::domain::instant::optional_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub as_at: Option<OffsetDateTime>,
}

impl PlanDayParams {
    /// The day to judge on: 400 naming what does not fit.
    pub fn day(&self) -> Result<Date, ApiError> {
        match (self.on, self.year, self.period) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(ApiError::parameter(
                "on",
                "give `on`, or `year` and `period`, not both",
            )),
            (Some(on), None, None) => Ok(on),
            (None, Some(year), Some(period)) => Ok(period.last_day(year)),
            (None, Some(_), None) => Err(ApiError::parameter("period", "`year` needs `period`")),
            (None, None, Some(_)) => Err(ApiError::parameter("year", "`period` needs `year`")),
            (None, None, None) => Ok(self.as_at.unwrap_or_else(OffsetDateTime::now_utc).date()),
        }
    }
}

/// A line's plan judged on a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinePlan {
    #[serde(rename = "ref")]
    #[schema(value_type = String, example = "CFE SAV09")]
    pub line_ref: LineRef,
    #[serde(with = "crate::domain::instant::iso_date")]
    #[schema(value_type = String, format = Date)]
    pub on: Date,
    pub counts: PlanCounts,
    pub next_milestone: Option<NextMilestone>,
    /// Owners as printed that name nobody in the directory, each once.
    pub unresolved_owners: Vec<String>,
    pub actions: Vec<JudgedAction>,
}

/// A line's delivery plan: its actions in plan order, each judged on the day (complete, on track, overdue,
/// not dated; slipped; brought forward while an action it waits on slipped), now or as at an instant.
#[utoipa::path(
    tag = "delivery plans",
    params(LinePath, PlanDayParams),
    responses(
        (status = 200, body = LinePlan),
        (status = 404, description = "No such line", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/lines/{ref}/actions")]
pub async fn line_plan(
    state: web::Data<AppState>,
    LinePath(line_ref): LinePath,
    params: QueryParams<PlanDayParams>,
) -> Result<web::Json<LinePlan>, ApiError> {
    let params = params.0;
    let on = params.day()?;
    let at = params.as_at.map(db::time::stored);
    let actions = db::read(&state.pool, {
        let line_ref = line_ref.clone();
        move |conn| service::plan(conn, &line_ref, at)
    })
    .await?;
    let unresolved_owners = service::unresolved_owners(&actions);
    let actions = view::judge(actions, on);
    Ok(web::Json(LinePlan {
        line_ref,
        on,
        counts: view::counts(&actions),
        next_milestone: view::next_milestone(&actions, on),
        unresolved_owners,
        actions,
    }))
}

/// Adds an action to a line's plan (an editor of its directorate). Owners resolve through the directory: one
/// naming nobody is kept as printed, one naming two people is refused with both named.
#[utoipa::path(
    tag = "delivery plans",
    params(LinePath, ("Idempotency-Key" = Option<String>, Header, description = "Repeat a POST with the same key and body to get the first answer again, creating nothing new")),
    request_body = CreateAction,
    responses(
        (status = 201, body = crate::plans::model::Action, headers(("Location" = String, description = "The action"), ("ETag" = String, description = "The action's version"))),
        (status = 404, description = "No such line", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The plan has an action of that ref already", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/lines/{ref}/actions")]
pub async fn create_action(
    RefEditor(actor): RefEditor,
    state: web::Data<AppState>,
    req: HttpRequest,
    LinePath(line_ref): LinePath,
    body: JsonBody<CreateAction>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    idempotency::respond_once(&state.pool, &req, &body.1, actor, move |conn, actor| {
        let action = service::create(conn, actor, &line_ref, request)?;
        idempotency::StoredResponse::created_versioned(
            format!(
                "/api/v1/lines/{}/actions/{}",
                line_ref.path_form(),
                action.action
            ),
            action.version,
            &action,
        )
    })
    .await
}

/// One action, with every due date it has had (now, or as recorded at `as_at`).
#[utoipa::path(
    tag = "delivery plans",
    params(LinePath, ActionPath, crate::http::AsAtParams),
    responses(
        (status = 200, body = ActionDetail, headers(("ETag" = String, description = "The action's version"))),
        (status = 404, description = "No such line or action", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/lines/{ref}/actions/{action}")]
pub async fn get_action(
    state: web::Data<AppState>,
    LinePath(line_ref): LinePath,
    ActionPath(action_ref): ActionPath,
    params: QueryParams<crate::http::AsAtParams>,
) -> Result<HttpResponse, ApiError> {
    let at = params.0.as_at.map(db::time::stored);
    let detail = db::read(&state.pool, move |conn| {
        service::detail(conn, &line_ref, &action_ref, at)
    })
    .await?;
    Ok(versioned(false, detail.action.version, &detail))
}

/// Changes an action (an editor of the line's directorate): only the fields given. A new due date keeps the
/// first as `original_due` and joins the history with the `reason` given; a new `action` ref links a February
/// milestone to the action it became.
#[utoipa::path(
    tag = "delivery plans",
    params(
        LinePath,
        ActionPath,
        ("If-Match" = Option<String>, Header, description = "The `ETag` last read; a stale one gets 412 and changes nothing"),
    ),
    request_body(content = ActionPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, body = crate::plans::model::Action, headers(("ETag" = String, description = "The action's version"))),
        (status = 404, description = "No such line or action", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/lines/{ref}/actions/{action}")]
pub async fn patch_action(
    RefEditor(actor): RefEditor,
    state: web::Data<AppState>,
    req: HttpRequest,
    LinePath(line_ref): LinePath,
    ActionPath(action_ref): ActionPath,
    body: JsonBody<ActionPatch>,
) -> Result<HttpResponse, ApiError> {
    let if_match = if_match(&req)?;
    let patch = body.0;
    let action = db::write(&state.pool, move |conn| {
        service::patch(conn, &actor, &line_ref, &action_ref, if_match, patch)
    })
    .await?;
    Ok(versioned(false, action.version, &action))
}
