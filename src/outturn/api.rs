//! HTTP handlers for year-end outturn: extract (the role first, then the path, the body last), call one service
//! function, answer.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};

use super::model::{
    CloseOutturn, LineOutturns, Outturn, OutturnClose, OutturnRequest, OutturnYear, ReopenOutturn,
};
use super::service;
use crate::auth::{Approver, Closer};
use crate::db;
use crate::error::ApiError;
use crate::http::{if_match, versioned, JsonBody, LinePath, YearPath};
use crate::state::AppState;

/// A year's outturn: its status (`not_due` until its P12 is closed, `open`, `closed`), and every approved saving
/// of the year (held in the latest baseline with an amount that year) with its revised budget, the outturn
/// proposed from its last assessment of the year (none, and `not_assessed`, when never assessed) and its
/// outturn as recorded.
#[utoipa::path(tag = "outturn", params(YearPath), responses((status = 200, body = OutturnYear)))]
#[get("/outturns/{year}")]
pub async fn get_year(
    state: web::Data<AppState>,
    YearPath(year): YearPath,
) -> Result<web::Json<OutturnYear>, ApiError> {
    db::scan(&state.pool, move |conn| service::year(conn, year))
        .await
        .map(web::Json)
}

/// Records or revises an approved saving's outturn (an approver of its directorate), once the year's P12 is
/// closed: delivered in the year, slipped (to a later year), unachieved, written off (by a recorded decision)
/// and replaced, adding up to its revised budget exactly; an unachieved ongoing saving may name the growth line
/// of the next year that carries it (`carried_to`). A closed year answers 409.
#[utoipa::path(
    tag = "outturn",
    params(
        YearPath,
        LinePath,
        ("If-Match" = Option<String>, Header, description = "The `ETag` last read; a stale one gets 412 and changes nothing"),
    ),
    request_body = OutturnRequest,
    responses(
        (status = 200, description = "Revised", body = Outturn, headers(("ETag" = String, description = "The outturn's version"))),
        (status = 201, description = "Recorded", body = Outturn, headers(("ETag" = String, description = "The outturn's version"))),
        (status = 404, description = "No such line", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The year's P12 is not closed, or its outturn is closed", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version, or an outturn not recorded yet", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/outturns/{year}/lines/{ref}")]
pub async fn put_outturn(
    Approver(actor): Approver,
    state: web::Data<AppState>,
    req: HttpRequest,
    YearPath(year): YearPath,
    LinePath(line_ref): LinePath,
    body: JsonBody<OutturnRequest>,
) -> Result<HttpResponse, ApiError> {
    let if_match = if_match(&req)?;
    let request = body.0;
    let (outturn, created) = db::write(&state.pool, move |conn| {
        service::put(conn, &actor, year, &line_ref, if_match, request)
    })
    .await?;
    Ok(versioned(created, outturn.version, &outturn))
}

/// Closes a year's outturn by a recorded decision (an admin, or an approver of every directorate with an
/// approved saving that year), once every approved saving's outturn is recorded against its revised budget as
/// it is now; its outturns are read-only afterwards.
#[utoipa::path(
    tag = "outturn",
    params(YearPath),
    request_body = CloseOutturn,
    responses(
        (status = 200, body = OutturnClose),
        (status = 409, description = "The year's P12 is not closed, the year is closed already, or an approved saving has no outturn", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/outturns/{year}/close")]
pub async fn close_year(
    Closer(actor): Closer,
    state: web::Data<AppState>,
    YearPath(year): YearPath,
    body: JsonBody<CloseOutturn>,
) -> Result<web::Json<OutturnClose>, ApiError> {
    let request = body.0;
    db::write(&state.pool, move |conn| {
        service::close(conn, &actor, year, request)
    })
    .await
    .map(web::Json)
}

/// Reopens a closed year's outturn by a recorded decision, with the reason (an admin, or an approver of every
/// directorate with an approved saving that year).
#[utoipa::path(
    tag = "outturn",
    params(YearPath),
    request_body = ReopenOutturn,
    responses(
        (status = 200, body = OutturnClose),
        (status = 409, description = "The year's outturn is not closed", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/outturns/{year}/reopen")]
pub async fn reopen_year(
    Closer(actor): Closer,
    state: web::Data<AppState>,
    YearPath(year): YearPath,
    body: JsonBody<ReopenOutturn>,
) -> Result<web::Json<OutturnClose>, ApiError> {
    let request = body.0;
    db::write(&state.pool, move |conn| {
        service::reopen(conn, &actor, year, request)
    })
    .await
    .map(web::Json)
}

/// A line's outturns: a saving's own, by year, and for a growth line the outturns carried into it.
#[utoipa::path(
    tag = "outturn",
    params(LinePath),
    responses(
        (status = 200, body = LineOutturns),
        (status = 404, description = "No such line", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/lines/{ref}/outturns")]
pub async fn line_outturns(
    state: web::Data<AppState>,
    LinePath(line_ref): LinePath,
) -> Result<web::Json<LineOutturns>, ApiError> {
    db::run(&state.pool, move |conn| service::of_line(conn, &line_ref))
        .await
        .map(web::Json)
}
