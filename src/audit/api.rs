//! Reading the audit trail: one line's history, and the feed of every change in commit order.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{repo, Entity, Event};
use crate::app::AppState;
use crate::db;
use crate::domain::LineRef;
use crate::error::ApiError;
use crate::http::QueryParams;
use crate::lines;

/// A line's history comes in pages this long unless asked otherwise: every event of a typical line (the CFE
/// lines have a handful each) fits in the first, so clients that read one array see the whole history.
pub const DEFAULT_HISTORY_PAGE: i64 = 1000;
pub const MAX_HISTORY_PAGE: i64 = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Start after the event with this `id` (the `Link` header's `next` page carries it); absent to start from
    /// the line's first event.
    #[param(pattern = "^[0-9]{1,18}$")]
    pub after: Option<String>,
    /// Events per page: 1 to 1000, default 1000.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// Every change to a line, oldest first: who, when, the line before and after, and why. Paged: when more
/// events follow, the `Link` header gives the next page (`rel="next"`); the body stays a plain array.
#[utoipa::path(
    tag = "audit",
    params(("ref" = String, Path, description = "The line's ref in any printed form", example = "CFE-SAV05"), HistoryParams),
    responses((status = 200, body = [Event], headers(
        ("Link" = String, description = "`<…/history?after=ID&limit=N>; rel=\"next\"` when more events follow; absent on the last page")
    )))
)]
#[get("/lines/{ref}/history")]
pub async fn line_history(
    state: web::Data<AppState>,
    path: web::Path<String>,
    params: QueryParams<HistoryParams>,
) -> Result<HttpResponse, ApiError> {
    let line_ref =
        LineRef::parse(&path).map_err(|error| ApiError::parameter("ref", error.to_string()))?;
    let params = params.0;
    let (after, limit) = page(
        params.after.as_deref(),
        params.limit,
        DEFAULT_HISTORY_PAGE,
        MAX_HISTORY_PAGE,
    )?;
    let entity_ref = line_ref.to_string();
    let link_ref = entity_ref.replace(' ', "%20");
    let mut events = db::run(&state.pool, move |conn| {
        lines::repo::find(conn, &line_ref)?;
        // One more than a page tells whether there is a next page.
        repo::history(conn, Entity::Line, &entity_ref, after, limit + 1)
    })
    .await?;
    let mut response = HttpResponse::Ok();
    if events.len() > limit as usize {
        events.truncate(limit as usize);
        if let Some(last) = events.last() {
            response.insert_header((
                header::LINK,
                format!(
                    "</api/v1/lines/{link_ref}/history?after={}&limit={limit}>; rel=\"next\"",
                    last.id
                ),
            ));
        }
    }
    Ok(response.json(events))
}

/// Reads a cursor (`after`: an event id) and a page length within `1..=max`.
fn page(
    after: Option<&str>,
    limit: Option<i64>,
    default: i64,
    max: i64,
) -> Result<(i64, i64), ApiError> {
    let after = match after {
        None => 0,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|id| *id >= 0)
            .ok_or_else(|| ApiError::parameter("after", "not a cursor this service gave"))?,
    };
    let limit = limit.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        return Err(ApiError::parameter(
            "limit",
            format!("must be from 1 to {max}"),
        ));
    }
    Ok((after, limit))
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
    let (after, limit) = page(
        params.after.as_deref(),
        params.limit,
        DEFAULT_FEED_PAGE,
        MAX_FEED_PAGE,
    )?;
    let events = db::run(&state.pool, move |conn| repo::feed(conn, after, limit)).await?;
    let next_cursor = events
        .last()
        .map_or_else(|| after.to_string(), |event| event.id.clone());
    Ok(web::Json(ChangeFeed {
        events,
        next_cursor,
    }))
}
