//! Reading a request body whole, within a byte limit and a time limit.
//!
//! actix's `client_request_timeout` bounds only the request head: without a deadline here, a client that sends
//! its headers and then one byte a second holds its connection, and whatever its handler holds, for as long as
//! it likes. The deadline is for the whole body, so a steady trickle is refused as surely as a stall.

use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut};
use actix_web::HttpRequest;
use futures_util::StreamExt;

use crate::error::ApiError;

/// How long a JSON body (at most [`super::extract::MAX_BODY_BYTES`]) may take to arrive once its head has: a
/// megabyte in this time needs about 1 Mbit/s.
pub const JSON_BODY_DEADLINE: Duration = Duration::from_secs(10);

/// Reads `payload` to its end: 413 past `limit` bytes, 408 when it has not all arrived `within` the time given
/// (counted from this call), 400 when the client breaks off.
pub async fn read_body(
    mut payload: Payload,
    limit: usize,
    within: Duration,
) -> Result<Bytes, ApiError> {
    let whole = async move {
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|error| {
                ApiError::MalformedBody(format!("the body could not be read: {error}"))
            })?;
            if body.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    actix_web::rt::time::timeout(within, whole)
        .await
        .unwrap_or_else(|_elapsed| {
            Err(ApiError::RequestTimeout(format!(
                "the body did not arrive within {} seconds; send it at once",
                within.as_secs()
            )))
        })
}

/// Refuses at once a body whose `Content-Length` already says it is over `limit`, before any of it is read.
pub fn check_declared_length(req: &HttpRequest, limit: usize) -> Result<(), ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    match declared {
        Some(length) if length > limit as u64 => Err(too_large(limit)),
        _ => Ok(()),
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "the body is larger than the limit of {limit} bytes"
    ))
}
