//! Reading the audit trail: one line's history, and the feed of every change in commit order.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{repo, Entity, Event};
use crate::app::AppState;
use crate::db;
use crate::domain::LineRef;
use crate::error::ApiError;
use crate::http::QueryParams;
use crate::lines;

/// Every change to a line, oldest first: who, when, the line before and after, and why.
#[utoipa::path(
    tag = "audit",
    params(("ref" = String, Path, description = "The line's ref in any printed form", example = "CFE-SAV05")),
    responses((status = 200, body = [Event]))
)]
#[get("/lines/{ref}/history")]
pub async fn line_history(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<Vec<Event>>, ApiError> {
    let line_ref =
        LineRef::parse(&path).map_err(|error| ApiError::parameter("ref", error.to_string()))?;
    db::run(&state.pool, move |conn| {
        lines::repo::find(conn, &line_ref)?;
        repo::history(conn, Entity::Line, &line_ref.to_string())
    })
    .await
    .map(web::Json)
}

pub const DEFAULT_FEED_PAGE: i64 = 100;
pub const MAX_FEED_PAGE: i64 = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// The `next_cursor` of the previous page; absent to start from the first event.
    pub after: Option<String>,
    /// Events per page: 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeFeed {
    pub events: Vec<Event>,
    /// Pass as `after` for the next page. Always present: at the end of the feed it stays where it is, so a
    /// client can poll with it.
    pub next_cursor: String,
}

/// Every change, in commit order, for systems that keep in step (the PMO tracker, finance systems).
/// The cursor never skips or repeats an event, even while writes are happening.
#[utoipa::path(tag = "audit", params(FeedParams), responses((status = 200, body = ChangeFeed)))]
#[get("/changes")]
pub async fn change_feed(
    state: web::Data<AppState>,
    params: QueryParams<FeedParams>,
) -> Result<web::Json<ChangeFeed>, ApiError> {
    let params = params.0;
    let after = match params.after.as_deref() {
        None => 0,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|id| *id >= 0)
            .ok_or_else(|| ApiError::parameter("after", "not a cursor this feed gave"))?,
    };
    let limit = params.limit.unwrap_or(DEFAULT_FEED_PAGE);
    if !(1..=MAX_FEED_PAGE).contains(&limit) {
        return Err(ApiError::parameter(
            "limit",
            format!("must be from 1 to {MAX_FEED_PAGE}"),
        ));
    }
    let events = db::run(&state.pool, move |conn| repo::feed(conn, after, limit)).await?;
    let next_cursor = events
        .last()
        .map_or_else(|| after.to_string(), |event| event.id.clone());
    Ok(web::Json(ChangeFeed {
        events,
        next_cursor,
    }))
}
