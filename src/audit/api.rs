//! The feed of every change in commit order. (A line's history is read at the line: lines/api.rs.)

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::Event;
use super::paging::page;
use super::repo;
use crate::db;
use crate::error::ApiError;
use crate::http::QueryParams;
use crate::state::AppState;

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
    /// The newest event's chain hash (the head of the audit chain) when this page was read. Keep it outside
    /// the database: `mtfs verify --head HASH` proves that the trail up to it was not rewritten since.
    pub head: Option<String>,
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
    let (events, head) = db::run(&state.pool, move |conn| {
        Ok((repo::feed(conn, after, limit)?, repo::head(conn)?))
    })
    .await?;
    let next_cursor = events
        .last()
        .map_or_else(|| after.to_string(), |event| event.id.clone());
    Ok(web::Json(ChangeFeed {
        events,
        next_cursor,
        head,
    }))
}
