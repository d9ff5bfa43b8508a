//! Liveness and readiness, for load balancers and orchestrators, and metrics for monitoring.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Admin;
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    #[schema(example = "ready")]
    pub status: &'static str,
    /// `sqlite` or `postgresql`.
    #[schema(example = "sqlite")]
    pub database: &'static str,
}

/// The process is alive.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/health")]
pub async fn health() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// The database can be reached and every migration is applied.
#[utoipa::path(tag = "operations", responses((status = 200, body = Readiness), (status = 503, description = "Not ready", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<web::Json<Readiness>, ApiError> {
    db::run(&state.pool, |conn| {
        let database = match conn {
            db::DbConnection::Postgresql(_) => "postgresql",
            db::DbConnection::Sqlite(_) => "sqlite",
        };
        match db::migrations::is_current(conn) {
            Ok(true) => Ok(web::Json(Readiness {
                status: "ready",
                database,
            })),
            Ok(false) => Err(ApiError::Unavailable(
                "the database has migrations still to apply".to_owned(),
            )),
            Err(error) => Err(ApiError::Unavailable(format!(
                "cannot read the migrations applied: {error}"
            ))),
        }
    })
    .await
}

/// This process's metrics in the OpenMetrics text format Prometheus scrapes: requests by route template and
/// status class, latency histograms, the pool's connections in use and waiting, the write queue's depth and
/// wait. An admin key only; each process answers for itself, so scrape every process.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "OpenMetrics text", content_type = "application/openmetrics-text", body = String))
)]
#[get("/metrics")]
pub async fn metrics(_admin: Admin, state: web::Data<AppState>) -> HttpResponse {
    let text = state.metrics.render(state.pool.stats());
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(text)
}
