//! HTTP handlers for the Dedicated Schools Grant.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::IntoParams;

use super::model::{
    CreateTransfer, DsgBalance, DsgPlan, DsgRange, DsgYear, PlanVariance, PutPlan, SetBalance,
    Transfer,
};
use super::service;
use super::view::DsgData;
use crate::audit::{self, Entity};
use crate::auth::CouncilEditor;
use crate::db;
use crate::domain::money::Unit;
use crate::domain::FinancialYear;
use crate::error::ApiError;
use crate::http::{
    idempotency, if_match, versioned, AsAtParams, BlockPath, JsonBody, PlanNamePath, QueryParams,
    YearPath,
};
use crate::present::{present, Format, Output};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct YearParams {
    /// Answer as the service would have at this instant (RFC 3339).
    #[serde(default, deserialize_with = "crate::domain::instant::optional_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub as_at: Option<OffsetDateTime>,
    /// `pounds` (the default) or `thousands`: whole £000s as council tables print them.
    pub unit: Option<Unit>,
    /// `json` (the default), `csv` or `xlsx`; or ask by `Accept: text/csv` or the XLSX media type.
    #[param(value_type = Option<String>, example = "xlsx")]
    pub format: Option<Format>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RangeParams {
    /// The first year; defaults to the earliest recorded.
    #[param(value_type = Option<String>, example = "2019/20")]
    pub from: Option<FinancialYear>,
    /// The last year; defaults to the latest recorded.
    #[param(value_type = Option<String>, example = "2024/25")]
    pub to: Option<FinancialYear>,
    /// Answer as the service would have at this instant (RFC 3339).
    #[serde(default, deserialize_with = "crate::domain::instant::optional_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub as_at: Option<OffsetDateTime>,
    /// `pounds` (the default) or `thousands`: whole £000s as council tables print them.
    pub unit: Option<Unit>,
    /// `json` (the default), `csv` or `xlsx`; or ask by `Accept: text/csv` or the XLSX media type.
    #[param(value_type = Option<String>, example = "xlsx")]
    pub format: Option<Format>,
}

/// Years side by side: each block's opening, movement and closing, totals, and every check across the range.
#[utoipa::path(tag = "dsg", params(RangeParams), responses((status = 200, body = DsgRange)))]
#[get("/dsg")]
pub async fn dsg_range(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: QueryParams<RangeParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.0;
    if let (Some(from), Some(to)) = (params.from, params.to) {
        if from > to {
            return Err(ApiError::parameter("to", format!("{to} is before {from}")));
        }
    }
    let data = db::run(&state.pool, move |conn| DsgData::load(conn, params.as_at)).await?;
    let recorded = || data.balances.iter().map(|b| b.year);
    match (
        params.from.or_else(|| recorded().min()),
        params.to.or_else(|| recorded().max()),
    ) {
        (Some(from), Some(to)) => {
            let unit = params.unit.unwrap_or_default();
            let output = Output {
                format: params.format,
                unit,
                as_at: params.as_at,
            };
            present(&req, output, &data.range(from, to).in_unit(unit))
        }
        _ => Err(ApiError::NotFound(
            "no DSG figures are recorded: give `from` and `to`".to_owned(),
        )),
    }
}

/// A year's DSG table: the four blocks, totals, and every check — closing not opening + movement, an opening
/// that is not last year's closing, movement not expenditure − funding, a block missing.
#[utoipa::path(
    tag = "dsg",
    params(YearPath, YearParams),
    responses((status = 200, body = DsgYear))
)]
#[get("/dsg/{year}")]
pub async fn dsg_year(
    state: web::Data<AppState>,
    req: HttpRequest,
    YearPath(year): YearPath,
    params: QueryParams<YearParams>,
) -> Result<HttpResponse, ApiError> {
    let (as_at, unit) = (params.0.as_at, params.0.unit.unwrap_or_default());
    let data = db::run(&state.pool, move |conn| DsgData::load(conn, as_at)).await?;
    let output = Output {
        format: params.0.format,
        unit,
        as_at,
    };
    present(&req, output, &data.year_table(year).in_unit(unit))
}

/// Records a block's figures for a year (an editor of every directorate, or an admin).
#[utoipa::path(
    tag = "dsg",
    params(
        YearPath,
        BlockPath,
        ("If-Match" = Option<String>, Header, description = "The `ETag` last read; a stale one gets 412 and changes nothing"),
    ),
    request_body = SetBalance,
    responses(
        (status = 200, description = "Revised", body = DsgBalance, headers(("ETag" = String, description = "The figures' version"))),
        (status = 201, description = "Recorded", body = DsgBalance, headers(("ETag" = String, description = "The figures' version"))),
        (status = 412, description = "`If-Match` names an older version, or figures not recorded yet", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/dsg/{year}/{block}", guard = "not_transfers")]
pub async fn put_balance(
    CouncilEditor(actor): CouncilEditor,
    state: web::Data<AppState>,
    req: HttpRequest,
    YearPath(year): YearPath,
    BlockPath(block): BlockPath,
    body: JsonBody<SetBalance>,
) -> Result<HttpResponse, ApiError> {
    let if_match = if_match(&req)?;
    let request = body.0;
    let (balance, created) = db::write(&state.pool, move |conn| {
        let (stored, created) =
            service::set_balance(conn, &actor, (year, block), if_match, request)?;
        Ok((DsgData::load(conn, None)?.balance(&stored), created))
    })
    .await?;
    Ok(versioned(created, balance.version, &balance))
}

/// `/dsg/{year}/transfers` is a collection, not a block: a PUT there is 405 (from the spec's routes), not a
/// block that fails to parse.
fn not_transfers(ctx: &actix_web::guard::GuardContext) -> bool {
    !ctx.head().uri.path().ends_with("/transfers")
}

/// The block transfers recorded for a year.
#[utoipa::path(tag = "dsg", params(YearPath), responses((status = 200, body = [Transfer])))]
#[get("/dsg/{year}/transfers")]
pub async fn list_transfers(
    state: web::Data<AppState>,
    YearPath(year): YearPath,
) -> Result<web::Json<Vec<Transfer>>, ApiError> {
    let data = db::run(&state.pool, move |conn| DsgData::load(conn, None)).await?;
    Ok(web::Json(
        data.transfers
            .into_iter()
            .filter(|t| t.year == year)
            .collect(),
    ))
}

/// Records a block transfer; it is reflected in both blocks' funding. A transfer out of the Schools block names
/// the recorded decisions it rests on (`POST /decisions`): the Schools Forum's approval while the year's transfers
/// out of the block total no more than 0.5% of its allocation before academy recoupment (recorded first, as
/// `allocation_before_recoupment` on the block's figures); above that, or where the Forum refused, the Secretary
/// of State's (a disapplication). Each refusal is a 422 naming the field and saying what is needed.
#[utoipa::path(
    tag = "dsg",
    params(
        YearPath,
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a POST with the same key and body to get the first answer again, creating nothing new"),
    ),
    request_body = CreateTransfer,
    responses((status = 201, body = Transfer))
)]
#[post("/dsg/{year}/transfers")]
pub async fn create_transfer(
    CouncilEditor(actor): CouncilEditor,
    state: web::Data<AppState>,
    req: HttpRequest,
    YearPath(year): YearPath,
    body: JsonBody<CreateTransfer>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    idempotency::respond_once(&state.pool, &req, &body.1, actor, move |conn, actor| {
        let transfer = service::create_transfer(conn, actor, year, request)?;
        idempotency::StoredResponse::created(None, &transfer)
    })
    .await
}

/// Records or replaces a deficit management plan (an editor of every directorate, or an admin).
#[utoipa::path(
    tag = "dsg",
    params(
        PlanNamePath,
        ("If-Match" = Option<String>, Header, description = "The `ETag` last read; a stale one gets 412 and changes nothing"),
    ),
    request_body = PutPlan,
    responses(
        (status = 200, description = "Replaced", body = DsgPlan, headers(("ETag" = String, description = "The plan's version"))),
        (status = 201, description = "Recorded", body = DsgPlan, headers(("ETag" = String, description = "The plan's version"))),
        (status = 412, description = "`If-Match` names an older version, or a plan that does not exist yet", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/dsg/plans/{name}")]
pub async fn put_plan(
    CouncilEditor(actor): CouncilEditor,
    state: web::Data<AppState>,
    req: HttpRequest,
    PlanNamePath(name): PlanNamePath,
    body: JsonBody<PutPlan>,
) -> Result<HttpResponse, ApiError> {
    let if_match = if_match(&req)?;
    let request = body.0;
    let (plan, created) = db::write(&state.pool, move |conn| {
        service::put_plan(conn, &actor, &name, if_match, request)
    })
    .await?;
    Ok(versioned(created, plan.version, &plan))
}

/// One deficit management plan.
#[utoipa::path(
    tag = "dsg",
    params(PlanNamePath, AsAtParams),
    responses((status = 200, body = DsgPlan, headers(("ETag" = String, description = "The plan's version, for `If-Match`"))))
)]
#[get("/dsg/plans/{name}")]
pub async fn get_plan(
    state: web::Data<AppState>,
    PlanNamePath(name): PlanNamePath,
    params: QueryParams<AsAtParams>,
) -> Result<HttpResponse, ApiError> {
    let as_at = params.0.as_at;
    let plan = db::run(&state.pool, move |conn| plan_at(conn, &name, as_at)).await?;
    Ok(versioned(false, plan.version, &plan))
}

/// The plan against what happened: per year and block, planned and recorded movement, the variance, and the
/// cumulative gap.
#[utoipa::path(tag = "dsg", params(PlanNamePath, AsAtParams), responses((status = 200, body = PlanVariance)))]
#[get("/dsg/plans/{name}/variance")]
pub async fn plan_variance(
    state: web::Data<AppState>,
    PlanNamePath(name): PlanNamePath,
    params: QueryParams<AsAtParams>,
) -> Result<web::Json<PlanVariance>, ApiError> {
    let as_at = params.0.as_at;
    let (plan, data) = db::run(&state.pool, move |conn| {
        Ok((plan_at(conn, &name, as_at)?, DsgData::load(conn, as_at)?))
    })
    .await?;
    Ok(web::Json(data.variance(&plan)))
}

fn plan_at(
    conn: &mut db::DbConnection,
    name: &str,
    as_at: Option<OffsetDateTime>,
) -> Result<DsgPlan, ApiError> {
    let plan = match as_at {
        None => super::repo::find_plan(conn, name)?,
        Some(at) => audit::states_at::<DsgPlan>(conn, Entity::DsgPlan, db::time::stored(at))?
            .into_iter()
            .find(|p| p.name == name),
    };
    plan.ok_or_else(|| ApiError::NotFound(format!("there is no DSG plan named {name}")))
}
