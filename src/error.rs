//! The one error type a client can see, written as RFC 9457 `application/problem+json`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::version::StaleVersion;
use crate::domain::FieldError;
use crate::request_id;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON, or not the JSON of this request.
    #[error("{0}")]
    MalformedBody(String),
    /// Query or path parameters that cannot be read.
    #[error("a query or path parameter is not valid")]
    InvalidParameters(Vec<FieldError>),
    /// A well-formed body whose fields break the rules.
    #[error("the request has fields that are not valid")]
    Validation(Vec<FieldError>),
    /// Like `Validation`, for a request with more problems than are listed (a big import): the first ones,
    /// and how many there are in all.
    #[error("the request has {total} problems; the first {} are listed", listed.len())]
    TooManyProblems {
        listed: Vec<FieldError>,
        total: usize,
    },
    /// No key, or one that is unknown or revoked.
    #[error("{0}")]
    Unauthorized(String),
    /// A key whose role or directorates do not cover the request.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// `If-Match` names a version that is no longer current.
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    Conflict(String),
    /// A direct write to a field of an approved line that changes only by an approved change request.
    #[error("{0}")]
    NeedsChangeRequest(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The body did not arrive in time (a stalled or trickled upload).
    #[error("{0}")]
    RequestTimeout(String),
    #[error("{method} is not allowed here; allowed: {}", allowed.join(", "))]
    MethodNotAllowed {
        method: String,
        allowed: Vec<String>,
    },
    #[error("{0}")]
    Unavailable(String),
    /// Anything unexpected: logged in full, answered without internals.
    #[error("{0}")]
    Internal(String),
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation",
    "title": "Unprocessable request",
    "status": 422,
    "detail": "the request has fields that are not valid",
    "errors": [{"field": "years[0].amount", "message": "`1.005` has more than two decimal places: amounts are in pounds and pence and are never rounded"}]
}))]
pub struct Problem {
    /// A URI reference naming the kind of problem; stable, so clients can branch on it.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For validation problems: every field that is wrong, and why (for a big import, the first 100).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldError>,
    /// How many problems there are in all, when `errors` lists only the first of them.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub errors_total: Option<usize>,
    /// The request this answers, as `urn:uuid:<X-Request-Id>`: quote it, and the service's log lines of that
    /// request can be found.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub instance: Option<String>,
}

impl ApiError {
    /// A single field's problem in a request body.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// Validation problems of which `listed` are the first `listed.len()` of `total`.
    pub fn validation_capped(listed: Vec<FieldError>, total: usize) -> ApiError {
        if total <= listed.len() {
            ApiError::Validation(listed)
        } else {
            ApiError::TooManyProblems { listed, total }
        }
    }

    /// A single query or path parameter's problem.
    pub fn parameter(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::InvalidParameters(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    fn slug(&self) -> &'static str {
        match self {
            ApiError::MalformedBody(_) => "malformed-request",
            ApiError::InvalidParameters(_) => "invalid-parameter",
            ApiError::Validation(_) | ApiError::TooManyProblems { .. } => "validation",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not-found",
            ApiError::PreconditionFailed(_) => "precondition-failed",
            ApiError::Conflict(_) => "conflict",
            ApiError::NeedsChangeRequest(_) => "change-request-needed",
            ApiError::UnsupportedMediaType(_) => "unsupported-media-type",
            ApiError::PayloadTooLarge(_) => "payload-too-large",
            ApiError::RequestTimeout(_) => "request-timeout",
            ApiError::MethodNotAllowed { .. } => "method-not-allowed",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let detail = match self {
            ApiError::Internal(_) => "an unexpected error occurred; it has been logged".to_owned(),
            other => other.to_string(),
        };
        let errors = match self {
            ApiError::Validation(errors)
            | ApiError::InvalidParameters(errors)
            | ApiError::TooManyProblems { listed: errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        let errors_total = match self {
            ApiError::TooManyProblems { total, .. } => Some(*total),
            _ => None,
        };
        Problem {
            problem_type: format!("/problems/{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            errors,
            errors_total,
            instance: request_id::current().map(|id| id.urn()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::MalformedBody(_) | ApiError::InvalidParameters(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) | ApiError::TooManyProblems { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::Conflict(_) | ApiError::NeedsChangeRequest(_) => StatusCode::CONFLICT,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            log::error!("internal error: {cause}");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        match self {
            ApiError::MethodNotAllowed { allowed, .. } => {
                response.insert_header((header::ALLOW, allowed.join(", ")));
            }
            ApiError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            // The rest of a late body may still be coming: the connection cannot be reused (RFC 9110 §15.5.9).
            ApiError::RequestTimeout(_) => {
                response.force_close();
            }
            // Busy or briefly cut off, never broken for good: a client may ask again (RFC 9110 §10.2.3).
            ApiError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

impl From<DieselError> for ApiError {
    fn from(error: DieselError) -> ApiError {
        match error {
            DieselError::NotFound => ApiError::NotFound("not found".to_owned()),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                ApiError::Conflict(format!("already exists ({})", info.message()))
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                log::warn!("lost a database connection: {}", info.message());
                ApiError::Unavailable("the database connection was lost; try again".to_owned())
            }
            other => ApiError::Internal(format!("database: {other}")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(error: diesel::r2d2::PoolError) -> ApiError {
        log::error!("no database connection: {error}");
        ApiError::Unavailable("the database cannot be reached; try again shortly".to_owned())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> ApiError {
        ApiError::Internal(format!("blocking task: {error}"))
    }
}

/// A stale `If-Match` is 412: the change was made against another version, so nothing changed.
impl From<StaleVersion> for ApiError {
    fn from(stale: StaleVersion) -> ApiError {
        ApiError::PreconditionFailed(stale.to_string())
    }
}
