//! `/lines/{ref}/actions`: a line's delivery plan, judged on a day; its actions added and changed by editors
//! of the line's directorate.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

use super::model::{ActionDetail, ActionPatch, CreateAction};
use super::view::{self, JudgedAction, NextMilestone, PlanCounts};
use super::{import, read, service};
use crate::auth::RefEditor;
use crate::db;
use crate::domain::monitoring::Period;
use crate::domain::{FinancialYear, LineRef};
use crate::error::ApiError;
use crate::http::body::{check_declared_length, read_body};
use crate::http::{idempotency, if_match, versioned, ActionPath, JsonBody, LinePath, QueryParams};
use crate::imports::limits::{IMPORT_BODY_DEADLINE, MAX_IMPORT_BYTES};
use crate::request_id;
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

/// How a plan's import reads its file.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanImportParams {
    /// `actions` (the July 2021 action tables: `line`, `ref`, `action`, `owners`, `by_when`, `progress`, and
    /// optionally `critical`, `depends_on`, `completed_on`) or `milestones` (the February 2021 high level
    /// milestones: `line`, `milestone`, `owner`, `status`, `date`, and optionally `action_ref`, the action it
    /// became).
    #[param(inline)]
    pub layout: ImportLayout,
    /// Check every row and report what would happen, writing nothing.
    pub dry_run: Option<bool>,
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportLayout {
    Actions,
    Milestones,
}

/// Imports a directorate's printed delivery plan (CSV, the first sheet of an XLSX, or JSON), all or nothing:
/// each row creates its line's action or changes the one of its ref (a February milestone with an
/// `action_ref` is that action, so the July plan moves its due date and the first is kept). Cells the print
/// leaves unclear — several dates or statuses in one cell, a date that cannot be right for the plan's years, a
/// date not understood, an action's text naming a date — load with that value unset and a warning naming the
/// row; owners naming nobody are kept as printed and listed; an owner naming two people refuses the file
/// (422, every problem by row and column). An editor of the directorate, checked before the body is read.
#[utoipa::path(
    tag = "delivery plans",
    params(crate::http::DirectoratePath, PlanImportParams),
    request_body(
        description = "The plan as CSV or XLSX in the layout named, or its rows as JSON",
        content(
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (super::import::PlanJson = "application/json"),
        )
    ),
    responses(
        (status = 200, body = super::import::PlanImportReport),
        (status = 403, description = "A key that may not change the directorate's figures", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such directorate", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The directorate has no lines to plan for", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not CSV, XLSX or JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A problem in the file: each by row and column, the first 100 listed", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/directorates/{code}/delivery-plan")]
pub async fn import_plan(
    state: web::Data<AppState>,
    req: HttpRequest,
    crate::auth::Editor(actor): crate::auth::Editor,
    crate::http::DirectoratePath(directorate): crate::http::DirectoratePath,
    params: QueryParams<PlanImportParams>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    use actix_web::HttpMessage;
    // Whose plan it is, before the body is read.
    actor.require_editor_of(&directorate)?;
    let format = match req.mime_type().ok().flatten() {
        Some(m) if m.type_() == "text" && m.subtype() == "csv" => read::Format::Csv,
        Some(m) if m.essence_str() == crate::present::XLSX => read::Format::Xlsx,
        Some(m)
            if m.type_() == "application"
                && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json")) =>
        {
            read::Format::Json
        }
        _ => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "send the plan as text/csv, {} or application/json",
                crate::present::XLSX
            )))
        }
    };
    check_declared_length(&req, MAX_IMPORT_BYTES)?;
    let code = directorate.clone();
    let window = db::read(&state.pool, move |conn| {
        if crate::directorates::repo::find(conn, &code)?.is_none() {
            return Err(ApiError::NotFound(format!(
                "there is no directorate {code}"
            )));
        }
        import::window(conn, &code)
    })
    .await?;
    let body = read_body(payload.into_inner(), MAX_IMPORT_BYTES, IMPORT_BODY_DEADLINE).await?;
    let params = params.0;
    let layout = match params.layout {
        ImportLayout::Actions => read::Layout::Actions,
        ImportLayout::Milestones => read::Layout::Milestones,
    };
    let dry_run = params.dry_run.unwrap_or(false);
    // Reading: linear, off the HTTP workers.
    let file = web::block(request_id::carry(move || {
        read::read(layout, format, &body, window)
    }))
    .await??;
    let report = db::write(&state.pool, move |conn| {
        let apply =
            |conn: &mut db::DbConnection| import::apply(conn, &actor, &directorate, layout, &file);
        let mut report = if dry_run {
            db::undone(conn, apply)?
        } else {
            apply(conn)?
        };
        report.dry_run = dry_run;
        Ok(report)
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}
