//! The bearer-key extractor every `/api/v1` handler takes, and the admin endpoints for keys.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::Payload;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{delete, get, post, web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::repo::{self, ApiKey, CreatedKey};
use super::{Actor, Role};
use crate::app::AppState;
use crate::db;
use crate::domain::DirectorateCode;
use crate::error::ApiError;
use crate::http::{idempotency, JsonBody};

/// Requires a valid key for every request under it (the whole `/api/v1` scope), and keeps the caller for the
/// handlers. A key found valid is trusted for a few seconds (auth/cache.rs); a revoked one is refused at once
/// on the process that revoked it.
pub async fn require_key(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    match authenticate(req.request()).await {
        Ok(actor) => {
            req.extensions_mut().insert(actor);
            next.call(req)
                .await
                .map(ServiceResponse::map_into_left_body)
        }
        // Answered here, not passed up as an error, so the access log records the 401 like any answer.
        Err(refused) => Ok(req.error_response(refused).map_into_right_body()),
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
                None => authenticate(&req).await,
            }
        })
    }
}

/// The key behind `Authorization: Bearer <token>`; 401 when it is missing, unknown or revoked.
async fn authenticate(req: &HttpRequest) -> Result<Actor, ApiError> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(|token| token.trim().to_owned())
        .ok_or_else(|| {
            ApiError::Unauthorized("send an API key as `Authorization: Bearer <token>`".to_owned())
        })?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal("no application state".to_owned()))?;
    if let Some(actor) = state.keys.get(&token) {
        return Ok(actor);
    }
    let checked = token.clone();
    let actor = db::read(&state.pool, move |conn| repo::authenticate(conn, &checked))
        .await?
        .ok_or_else(|| {
            ApiError::Unauthorized("the API key is unknown or has been revoked".to_owned())
        })?;
    state.keys.remember(&token, &actor);
    Ok(actor)
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

/// Every key, revoked ones too; never their secrets. Admin only.
#[utoipa::path(tag = "keys", responses((status = 200, body = [ApiKey])))]
#[get("/keys")]
pub async fn list_keys(
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<web::Json<Vec<ApiKey>>, ApiError> {
    actor.require_admin()?;
    db::run(&state.pool, repo::list).await.map(web::Json)
}

/// Creates a key and shows its token, this once. Admin only.
#[utoipa::path(
    tag = "keys",
    request_body = CreateKey,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat a POST with the same key and body to get the first answer again, creating nothing new")),
    responses((status = 201, body = CreatedKey))
)]
#[post("/keys")]
pub async fn create_key(
    state: web::Data<AppState>,
    actor: Actor,
    req: HttpRequest,
    body: JsonBody<CreateKey>,
) -> Result<HttpResponse, ApiError> {
    actor.require_admin()?;
    let request = body.0;
    idempotency::respond_once(&state.pool, &req, &body.1, actor, move |conn, actor| {
        let created = repo::create(
            conn,
            actor,
            request.name.as_deref(),
            request.role,
            &request.directorates,
        )?;
        idempotency::StoredResponse::created(None, &created)
    })
    .await
}

/// Revokes a key: its next request is refused. Admin only.
#[utoipa::path(tag = "keys", params(("name" = String, Path, description = "The key's name")), responses((status = 200, body = ApiKey)))]
#[delete("/keys/{name}")]
pub async fn revoke_key(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<String>,
) -> Result<web::Json<ApiKey>, ApiError> {
    actor.require_admin()?;
    let name = path.into_inner();
    let revoked = db::write(&state.pool, move |conn| repo::revoke(conn, &actor, &name)).await?;
    state.keys.forget_all();
    Ok(web::Json(revoked))
}
