//! Body and query extractors that name the offending field in an `application/problem+json` error.
//!
//! actix's own `Json` and `Query` answer in plain text and without a field path; these read through
//! `serde_path_to_error`, so a bad amount deep in a body is reported as `years[2].amount`.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::IntoParams;

use super::body::{check_declared_length, read_body, JSON_BODY_DEADLINE};
use crate::domain::FieldError;
use crate::error::ApiError;

/// The largest JSON body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON request body (`application/json` or any `+json` type, such as `application/merge-patch+json`),
/// with its bytes as sent (to recognise a repeated request).
pub struct JsonBody<T>(pub T, pub Bytes);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let checked =
            check_media_type(req).and_then(|()| check_declared_length(req, MAX_BODY_BYTES));
        let payload = payload.take();
        Box::pin(async move {
            checked?;
            let bytes = read_body(payload, MAX_BODY_BYTES, JSON_BODY_DEADLINE).await?;
            parse_json(&bytes).map(|value| JsonBody(value, bytes))
        })
    }
}

fn check_media_type(req: &HttpRequest) -> Result<(), ApiError> {
    let unsupported = || {
        ApiError::UnsupportedMediaType(
            "send the body as JSON, with Content-Type: application/json".to_owned(),
        )
    };
    match req.mime_type() {
        Ok(Some(mime))
            if mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json")) =>
        {
            Ok(())
        }
        _ => Err(unsupported()),
    }
}

/// Reads JSON into `T`: a syntax error is 400; JSON of the wrong shape or with a bad value is 422 naming the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let message = without_position(&inner.to_string());
        match inner.classify() {
            serde_json::error::Category::Data => {
                ApiError::Validation(vec![field_error(&path, message)])
            }
            _ => ApiError::MalformedBody(format!("the body is not valid JSON: {message}")),
        }
    })?;
    deserializer.end().map_err(|error| {
        ApiError::MalformedBody(format!(
            "the body is not valid JSON: {}",
            without_position(&error.to_string())
        ))
    })?;
    Ok(value)
}

/// Query parameters read into `T`; a bad value is 400 naming the parameter.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned> FromRequest for QueryParams<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let pairs = form_urlencoded::parse(req.query_string().as_bytes());
        let parsed = serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs))
            .map_err(|error| {
                let path = error.path().to_string();
                let message = error.into_inner().to_string();
                ApiError::InvalidParameters(vec![field_error(&path, message)])
            });
        std::future::ready(parsed.map(QueryParams))
    }
}

/// serde names a missing or unknown field only in its message; make it the field.
fn field_error(path: &str, message: String) -> FieldError {
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next());
    let field = match (path, named) {
        (".", Some(name)) => name.to_owned(),
        (path, Some(name)) if !path.ends_with(name) => format!("{path}.{name}"),
        (path, _) => path.to_owned(),
    };
    FieldError { field, message }
}

fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// Reading as at an instant: the query of every read that can answer as it stood.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AsAtParams {
    /// Answer as the service would have at this instant (RFC 3339, e.g. `2021-06-30T17:00:00Z`).
    #[serde(default, deserialize_with = "crate::domain::instant::optional_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub as_at: Option<OffsetDateTime>,
}
