//! `/mitigations`: record one-off mitigations and list them.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{CreateMitigation, Mitigation};
use super::{repo, service};
use crate::auth::Editor;
use crate::db;
use crate::domain::directorate_code::AnyCaseDirectorate;
use crate::domain::FinancialYear;
use crate::error::ApiError;
use crate::http::{idempotency, JsonBody, MitigationPath, QueryParams};
use crate::state::AppState;

/// Records a one-off mitigation (an underspend, a grant, a reserve drawdown) that an assessment may name as a
/// substitute: its directorate, year, amount, source, decision and who found it. An editor of the directorate;
/// never changed.
#[utoipa::path(
    tag = "monitoring",
    request_body = CreateMitigation,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat a POST with the same key and body to get the first answer again, creating nothing new")),
    responses((status = 201, body = Mitigation, headers(("Location" = String, description = "The mitigation"))))
)]
#[post("/mitigations")]
pub async fn record_mitigation(
    Editor(actor): Editor,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<CreateMitigation>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    idempotency::respond_once(&state.pool, &req, &body.1, actor, move |conn, actor| {
        let recorded = service::record(conn, actor, request)?;
        idempotency::StoredResponse::created(
            Some(format!("/api/v1/mitigations/{}", recorded.id)),
            &recorded,
        )
    })
    .await
}

/// Which mitigations to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MitigationsParams {
    #[param(value_type = Option<String>, example = "2021/22")]
    pub year: Option<FinancialYear>,
    /// One directorate only (any case).
    #[param(value_type = Option<String>, example = "CFE")]
    pub directorate: Option<AnyCaseDirectorate>,
    /// Those recorded by this instant (RFC 3339): a mitigation never changes, so this is all it was then.
    #[serde(default, deserialize_with = "crate::domain::instant::optional_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub as_at: Option<time::OffsetDateTime>,
}

/// Mitigations in the order recorded.
#[utoipa::path(tag = "monitoring", params(MitigationsParams), responses((status = 200, body = [Mitigation])))]
#[get("/mitigations")]
pub async fn list_mitigations(
    state: web::Data<AppState>,
    params: QueryParams<MitigationsParams>,
) -> Result<web::Json<Vec<Mitigation>>, ApiError> {
    let MitigationsParams {
        year,
        directorate,
        as_at,
    } = params.0;
    let listed = db::scan(&state.pool, move |conn| {
        let directorate = directorate.map(|code| code.0);
        let then = as_at.map(db::time::stored);
        Ok(repo::list(conn, year, directorate.as_ref(), then)?)
    })
    .await?;
    Ok(web::Json(listed))
}

/// One mitigation.
#[utoipa::path(
    tag = "monitoring",
    params(MitigationPath),
    responses(
        (status = 200, body = Mitigation),
        (status = 404, description = "No such mitigation", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/mitigations/{id}")]
pub async fn get_mitigation(
    state: web::Data<AppState>,
    MitigationPath(id): MitigationPath,
) -> Result<web::Json<Mitigation>, ApiError> {
    let found = db::read(&state.pool, move |conn| {
        Ok::<_, ApiError>(repo::find(conn, id)?)
    })
    .await?;
    found
        .map(web::Json)
        .ok_or_else(|| ApiError::NotFound(format!("there is no mitigation {id}")))
}
