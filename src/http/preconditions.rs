//! Conditional writes: `If-Match` against a resource's version.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::ApiError;

/// The version named by `If-Match` (`"3"` or `W/"3"`); `None` when absent or `*`, so the write goes ahead.
pub fn if_match(req: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i64>()
        .map(Some)
        .map_err(|_| {
            ApiError::parameter(
                "If-Match",
                format!("`{text}` is not an ETag this service gave, such as \"3\""),
            )
        })
}

/// A versioned resource's answer: 201 when the write created it, else 200, with its version as the `ETag` to
/// send back in `If-Match`.
pub fn versioned<T: Serialize>(created: bool, version: i64, body: &T) -> HttpResponse {
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, format!("\"{version}\"")))
        .json(body)
}
