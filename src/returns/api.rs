//! `GET /periods/{year}/{period}/returns/{code}`: a directorate's return for a period.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::template::{self, SavingsReturn};
use crate::db;
use crate::domain::money::Unit;
use crate::error::ApiError;
use crate::http::{DirectoratePath, PeriodPath, QueryParams};
use crate::present::{present, Format, Output};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReturnParams {
    /// `pounds` (the default) or `thousands`: whole £000s as council tables print them.
    pub unit: Option<Unit>,
    /// `json` (the default), `csv` or `xlsx`; or ask by `Accept: text/csv` or the XLSX media type.
    #[param(value_type = Option<String>, example = "xlsx")]
    pub format: Option<Format>,
}

/// The return a directorate fills in for a period: a row per saving with an amount in the year (not withdrawn),
/// by ref, with its title, owner and planned amount, pre-filled from its latest assessment of the year up to the
/// period (`assessed_in`): rag, forecast, at risk, timing, permanent, slips to, reason, mitigation and
/// substitutes (`CFE SAV16: 50000.00; mitigation 3: 10000.00`). Every row names the directorate, year and period;
/// the XLSX title names the as-at date.
#[utoipa::path(
    tag = "monitoring",
    params(PeriodPath, DirectoratePath, ReturnParams),
    responses(
        (status = 200, body = SavingsReturn),
        (status = 404, description = "No such period or directorate", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/periods/{year}/{period}/returns/{code}")]
pub async fn get_return(
    state: web::Data<AppState>,
    req: HttpRequest,
    PeriodPath { year, period }: PeriodPath,
    DirectoratePath(directorate): DirectoratePath,
    params: QueryParams<ReturnParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.0;
    let unit = params.unit.unwrap_or_default();
    let code = directorate.clone();
    let data = db::scan(&state.pool, move |conn| {
        template::load(conn, &code, (year, period))
    })
    .await?;
    let built = template::build(directorate, data, unit);
    let output = Output {
        format: params.format,
        unit,
        as_at: None,
    };
    present(&req, output, &built)
}
