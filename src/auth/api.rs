//! The bearer-key extractor every `/api/v1` handler takes, and the admin endpoints for keys.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::Payload;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{delete, get, post, web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::repo::{self, ApiKey, KeyCheck};
use super::{Actor, Admin, Role};
use crate::app::AppState;
use crate::db;
use crate::domain::DirectorateCode;
use crate::error::ApiError;
use crate::http::{idempotency, JsonBody};

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
    let check = db::read(&state.pool, move |conn| repo::authenticate(conn, &checked))
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "cfe-finance", "role": "editor", "directorates": ["CFE"]}))]
pub struct CreateKey {
    /// Letters, digits, `-`, `_` and `.`; defaults to the role and the key's id. Names are never reused.
    pub name: Option<String>,
    pub role: Role,
    /// For editor keys: the directorates whose figures the key may change; empty or absent for all.
    #[serde(default)]
    pub directorates: Vec<DirectorateCode>,
}

/// A key as listed to admins, with the requests refused to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListedKey {
    #[serde(flatten)]
    pub key: ApiKey,
    /// Requests refused with 401 (revoked, or a wrong secret with this key's id) or 403 (role or directorates
    /// do not cover them), counted by the process answering since it started: each process of a scaled-out
    /// deployment counts its own.
    pub refused_requests: u64,
}

/// A new key, as answered to its creation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CreatedKey)]
pub struct KeyCreated {
    #[serde(flatten)]
    pub key: ApiKey,
    /// Send as `Authorization: Bearer <token>`. Shown this once and never stored (only its secret's SHA-256
    /// is), so a replayed creation (`Idempotent-Replayed: true`) gives back the key's record with `null` here.
    pub token: Option<String>,
}

const REFUSED_WITHOUT_KEY: &str = "Refused-Without-Key";

/// Every key, revoked ones too, never their secrets, with the requests refused to each. Admin only.
#[utoipa::path(
    tag = "keys",
    responses((status = 200, body = [ListedKey], headers(("Refused-Without-Key" = u64, description = "Requests refused with 401 that named no stored key (none, a malformed token, an unknown key id), counted by this process since it started"))))
)]
#[get("/keys")]
pub async fn list_keys(
    Admin(_admin): Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let keys = db::run(&state.pool, repo::list).await?;
    let listed: Vec<ListedKey> = keys
        .into_iter()
        .map(|key| ListedKey {
            refused_requests: state.refusals.of(&key.name),
            key,
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((
            REFUSED_WITHOUT_KEY,
            state.refusals.without_key().to_string(),
        ))
        .json(listed))
}

/// Creates a key and shows its token, this once. Admin only.
#[utoipa::path(
    tag = "keys",
    request_body = CreateKey,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat a POST with the same key and body to get the first answer again, creating nothing new; the token is not in the replay")),
    responses(
        (status = 201, body = KeyCreated),
        (status = 409, description = "A key with that name exists (names are never reused)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/keys")]
pub async fn create_key(
    Admin(actor): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<CreateKey>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    idempotency::respond_once(&state.pool, &req, &body.1, actor, move |conn, actor| {
        let created = repo::create(
            conn,
            actor,
            request.name.as_deref(),
            request.role,
            &request.directorates,
        )?;
        let first = KeyCreated {
            key: created.key.clone(),
            token: Some(created.token),
        };
        let replayed = KeyCreated {
            key: created.key,
            token: None,
        };
        idempotency::StoredResponse::created_with_secret(&first, &replayed)
    })
    .await
}

/// Revokes a key: its next request is refused. The last active admin key cannot be revoked (409). Admin only.
#[utoipa::path(
    tag = "keys",
    params(("name" = String, Path, description = "The key's name")),
    responses(
        (status = 200, body = ApiKey),
        (status = 404, description = "No such key", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last active admin key", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/keys/{name}")]
pub async fn revoke_key(
    Admin(actor): Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<ApiKey>, ApiError> {
    let name = path.into_inner();
    let revoked = db::write(&state.pool, move |conn| repo::revoke(conn, &actor, &name)).await?;
    state.keys.forget_all();
    Ok(web::Json(revoked))
}
