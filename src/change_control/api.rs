//! HTTP handlers for change sets: extract (the role first, the body last), call one service function, answer.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{
    ApproveChangeSet, ChangeSet, ChangeSetStatus, CreateChangeSet, Dispose, RejectChangeSet,
};
use super::{repo, service};
use crate::auth::{Actor, Approver, Editor};
use crate::db;
use crate::domain::LineRef;
use crate::error::ApiError;
use crate::http::{idempotency, ChangeSetPath, JsonBody, LinePath, QueryParams};
use crate::state::AppState;

const MAX_SETS: i64 = 200;

/// Proposes changes to approved lines (profile, owner, status) with a reason, for an approver to approve.
/// An editor of each line's directorate. Until approved, the lines are as they were.
#[utoipa::path(
    tag = "change control",
    request_body = CreateChangeSet,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat a POST with the same key and body to get the first answer again, creating nothing new")),
    responses(
        (status = 201, body = ChangeSet, headers(("Location" = String, description = "The change set's URL"))),
        (status = 409, description = "A line already has a pending request for that field", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/change-sets")]
pub async fn propose(
    Editor(actor): Editor,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<CreateChangeSet>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    idempotency::respond_once(&state.pool, &req, &body.1, actor, move |conn, actor| {
        let set = service::propose(conn, actor, request)?;
        idempotency::StoredResponse::created(Some(format!("/api/v1/change-sets/{}", set.id)), &set)
    })
    .await
}

/// Filters and paging for the change sets list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangeSetsParams {
    pub status: Option<ChangeSetStatus>,
    /// Only sets that change this line (any printed form of its ref).
    #[param(value_type = Option<String>, example = "CFE SAV04")]
    pub line: Option<LineRef>,
    /// The id of the last set of the previous page (sets come newest first).
    pub before: Option<i64>,
    /// Sets per page: 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// Change sets, newest first: the pending ones (`status=pending`) are what waits for an approver.
#[utoipa::path(tag = "change control", params(ChangeSetsParams), responses((status = 200, body = [ChangeSet])))]
#[get("/change-sets")]
pub async fn list(
    state: web::Data<AppState>,
    params: QueryParams<ChangeSetsParams>,
) -> Result<web::Json<Vec<ChangeSet>>, ApiError> {
    let params = params.0;
    let limit = params.limit.unwrap_or(50);
    if !(1..=MAX_SETS).contains(&limit) {
        return Err(ApiError::parameter(
            "limit",
            format!("must be from 1 to {MAX_SETS}"),
        ));
    }
    let sets = db::run(&state.pool, move |conn| {
        Ok(repo::list(
            conn,
            params.status,
            params.line.as_ref(),
            params.before,
            limit,
        )?)
    })
    .await?;
    Ok(web::Json(sets))
}

/// One change set.
#[utoipa::path(
    tag = "change control",
    params(ChangeSetPath),
    responses(
        (status = 200, body = ChangeSet),
        (status = 404, description = "No such change set", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/change-sets/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    ChangeSetPath(id): ChangeSetPath,
) -> Result<web::Json<ChangeSet>, ApiError> {
    let set = db::read(&state.pool, move |conn| service::find(conn, id)).await?;
    Ok(web::Json(set))
}

/// Approves a pending change set under a recorded decision and applies every change in it, in one
/// transaction. An approver of every directorate in it, who is not the person who proposed it (403); refused
/// (409) when a line has changed since the set was proposed.
#[utoipa::path(
    tag = "change control",
    params(ChangeSetPath),
    request_body = ApproveChangeSet,
    responses(
        (status = 200, body = ChangeSet),
        (status = 409, description = "Not pending, or a line has changed since", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/change-sets/{id}/approve")]
pub async fn approve(
    Approver(actor): Approver,
    state: web::Data<AppState>,
    ChangeSetPath(id): ChangeSetPath,
    body: JsonBody<ApproveChangeSet>,
) -> Result<web::Json<ChangeSet>, ApiError> {
    let request = body.0;
    let set = db::write(&state.pool, move |conn| {
        service::approve(conn, &actor, id, request)
    })
    .await?;
    Ok(web::Json(set))
}

/// Rejects a pending change set, with a reason (and a decision, when there is one): nothing changes.
#[utoipa::path(
    tag = "change control",
    params(ChangeSetPath),
    request_body = RejectChangeSet,
    responses((status = 200, body = ChangeSet))
)]
#[post("/change-sets/{id}/reject")]
pub async fn reject(
    Approver(actor): Approver,
    state: web::Data<AppState>,
    ChangeSetPath(id): ChangeSetPath,
    body: JsonBody<RejectChangeSet>,
) -> Result<web::Json<ChangeSet>, ApiError> {
    let request = body.0;
    let set = db::write(&state.pool, move |conn| {
        service::reject(conn, &actor, id, request)
    })
    .await?;
    Ok(web::Json(set))
}

/// Withdraws a pending change set: only the person who proposed it, with any of their keys.
#[utoipa::path(tag = "change control", params(ChangeSetPath), responses((status = 200, body = ChangeSet)))]
#[post("/change-sets/{id}/withdraw")]
pub async fn withdraw(
    actor: Actor,
    state: web::Data<AppState>,
    ChangeSetPath(id): ChangeSetPath,
) -> Result<web::Json<ChangeSet>, ApiError> {
    let set = db::write(&state.pool, move |conn| service::withdraw(conn, &actor, id)).await?;
    Ok(web::Json(set))
}

/// Gives the disposition of an approved line a pending proposed plan leaves out: `kept`, `withdrawn` (with a
/// reason), `written_off` (a saving: all the baseline still holds of it, under the approving decision, with
/// its `funding`; and withdrawn) or `merged` (`into` another line of its kind; withdrawn). An editor of the
/// line's directorate; a later disposition replaces an earlier one until the set is decided. Applied only
/// when the set is approved, which needs one for every absent line.
#[utoipa::path(
    tag = "change control",
    params(ChangeSetPath, LinePath),
    request_body = Dispose,
    responses(
        (status = 200, body = ChangeSet),
        (status = 404, description = "No such change set, or it lists no such absent line", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The set is no longer pending", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/change-sets/{id}/absent/{ref}")]
pub async fn dispose(
    Editor(actor): Editor,
    state: web::Data<AppState>,
    ChangeSetPath(id): ChangeSetPath,
    LinePath(line_ref): LinePath,
    body: JsonBody<Dispose>,
) -> Result<web::Json<ChangeSet>, ApiError> {
    let request = body.0;
    let set = db::write(&state.pool, move |conn| {
        service::dispose(conn, &actor, id, &line_ref, request)
    })
    .await?;
    Ok(web::Json(set))
}
