use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::{repo, service, CreateDirectorate, Directorate};
use crate::auth::Admin;
use crate::db;
use crate::error::ApiError;
use crate::http::{idempotency, DirectoratePath, JsonBody};
use crate::state::AppState;

/// Every directorate, by code.
#[utoipa::path(tag = "directorates", responses((status = 200, body = [Directorate])))]
#[get("/directorates")]
pub async fn list_directorates(
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<Directorate>>, ApiError> {
    db::run(&state.pool, |conn| Ok(repo::list(conn)?))
        .await
        .map(web::Json)
}

/// Adds a directorate; lines can then be recorded against it. Admin only.
#[utoipa::path(
    tag = "directorates",
    request_body = CreateDirectorate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat a POST with the same key and body to get the first answer again, creating nothing new")),
    responses(
        (status = 201, body = Directorate, headers(("Location" = String, description = "The new directorate's URL"))),
        (status = 409, description = "A directorate with that code exists", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/directorates")]
pub async fn create_directorate(
    Admin(actor): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<CreateDirectorate>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    idempotency::respond_once(&state.pool, &req, &body.1, actor, move |conn, actor| {
        let created = service::create(conn, actor, &request)?;
        idempotency::StoredResponse::created(
            Some(format!("/api/v1/directorates/{}", created.code)),
            &created,
        )
    })
    .await
}

/// One directorate (code in any case).
#[utoipa::path(
    tag = "directorates",
    params(DirectoratePath),
    responses((status = 200, body = Directorate), (status = 404, description = "No such directorate", body = crate::error::Problem, content_type = "application/problem+json"))
)]
#[get("/directorates/{code}")]
pub async fn get_directorate(
    state: web::Data<AppState>,
    DirectoratePath(code): DirectoratePath,
) -> Result<web::Json<Directorate>, ApiError> {
    db::run(&state.pool, move |conn| service::find(conn, &code))
        .await
        .map(web::Json)
}
