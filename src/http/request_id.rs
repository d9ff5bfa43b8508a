//! `X-Request-Id` on every response: the client's, when it sent a well-formed one (a UUID), else a new one;
//! current for the whole of the request (`crate::request_id`), so its log lines and its problem+json
//! `instance` name it.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;

use crate::request_id::{self, RequestId};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Outermost but for the access log, so every answer carries the id, those of other middleware included.
pub async fn tag_request(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .and_then(RequestId::parse)
        .unwrap_or_default();
    // The inner layers answer their refusals as responses (`require_key`, `path_text`) and handlers' errors
    // become responses inside the handler, so every problem+json is written while the id is current.
    let mut response = request_id::scope(id, next.call(req))
        .await?
        .map_into_boxed_body();
    let value = HeaderValue::from_str(&id.to_string()).expect("a UUID is a header value");
    response.headers_mut().insert(REQUEST_ID, value);
    Ok(response)
}
