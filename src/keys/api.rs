//! The admin endpoints for keys: list (with the requests refused to each), create, revoke.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};

use super::model::{ApiKey, CreateKey, KeyCreated, ListedKey};
use super::service;
use crate::auth::Admin;
use crate::db;
use crate::error::ApiError;
use crate::http::{idempotency, JsonBody, KeyNamePath};
use crate::state::AppState;

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
    let keys = db::run(&state.pool, service::list).await?;
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
        let created = service::create(
            conn,
            actor,
            request.name.as_deref(),
            request.person.as_deref(),
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
    params(KeyNamePath),
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
    KeyNamePath(name): KeyNamePath,
) -> Result<web::Json<ApiKey>, ApiError> {
    let revoked = db::write(&state.pool, move |conn| {
        service::revoke(conn, &actor, &name)
    })
    .await?;
    state.keys.forget_all();
    Ok(web::Json(revoked))
}
