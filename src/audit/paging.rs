//! Pages of events: a cursor (the last event id read) and a length.

use crate::error::ApiError;

/// Reads a cursor (`after`: an event id) and a page length within `1..=max`.
pub fn page(
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
