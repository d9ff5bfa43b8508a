//! The gate of `/api/v1`: the middleware that finds the caller behind `Authorization: Bearer <token>` before
//! any handler runs (401 otherwise), and the `Actor` extractor handlers take.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use crate::auth::lookup::{self, KeyCheck};
use crate::auth::Actor;
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

/// Requires a valid key for every request under it (the whole `/api/v1` scope), and keeps the caller for the
/// handlers. A key found valid is trusted for a few seconds (auth/cache.rs); a revoked one is refused at once
/// on the process that revoked it. Every 401 and 403 is counted, in memory (auth/refusals.rs).
pub async fn require_key(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let refusals = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.refusals.clone());
    match authenticate(req.request()).await {
        Ok(actor) => {
            let name = actor.name.clone();
            req.extensions_mut().insert(actor);
            let response = next.call(req).await?;
            if response.status() == StatusCode::FORBIDDEN {
                if let Some(refusals) = &refusals {
                    refusals.count(Some(&name));
                }
            }
            Ok(response.map_into_left_body())
        }
        // Answered here, not passed up as an error, so the access log records the 401 like any answer.
        Err(refused) => {
            if let Some(refusals) = &refusals {
                refusals.count(refused.key.as_deref());
            }
            Ok(req.error_response(refused.error).map_into_right_body())
        }
    }
}

/// The caller of a request under `/api/v1`, as `require_key` found it.
impl FromRequest for Actor {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Actor, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let known = req.extensions().get::<Actor>().cloned();
        let req = req.clone();
        Box::pin(async move {
            match known {
                Some(actor) => Ok(actor),
                None => authenticate(&req).await.map_err(|refused| refused.error),
            }
        })
    }
}

/// A 401, and the stored key the token named, if any, to count it against.
struct Refused {
    error: ApiError,
    key: Option<String>,
}

/// The key behind `Authorization: Bearer <token>`; 401 when it is missing, unknown or revoked.
async fn authenticate(req: &HttpRequest) -> Result<Actor, Refused> {
    let refused = |key: Option<String>, message: &str| Refused {
        error: ApiError::Unauthorized(message.to_owned()),
        key,
    };
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(|token| token.trim().to_owned())
        .ok_or_else(|| refused(None, "send an API key as `Authorization: Bearer <token>`"))?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| Refused {
            error: ApiError::Internal("no application state".to_owned()),
            key: None,
        })?;
    if let Some(actor) = state.keys.get(&token) {
        return Ok(actor);
    }
    let checked = token.clone();
    let check = db::read(&state.pool, move |conn| {
        Ok(lookup::authenticate(conn, &checked)?)
    })
    .await
    .map_err(|error| Refused { error, key: None })?;
    match check {
        KeyCheck::Valid(actor) => {
            state.keys.remember(&token, &actor);
            Ok(actor)
        }
        KeyCheck::Refused { key } => {
            Err(refused(key, "the API key is unknown or has been revoked"))
        }
    }
}
