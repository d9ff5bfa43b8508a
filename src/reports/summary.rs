//! The directorate summary: savings, growth and net per year, as in the council's MTFS tables.

use std::collections::BTreeMap;

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::db;
use crate::directorates;
use crate::domain::directorate_code::AnyCaseDirectorate;
use crate::domain::summary::{year_range, SummaryTotals, YearSummary};
use crate::domain::{DirectorateCode, FinancialYear};
use crate::error::ApiError;
use crate::http::QueryParams;
use crate::lines::history;
use crate::lines::repo::{self as line_repo, LineFilter};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// One directorate only (any case); without it, every directorate and the council total.
    #[param(value_type = Option<String>, example = "CFE")]
    pub directorate: Option<AnyCaseDirectorate>,
    /// The first year; defaults to the earliest year with an amount.
    #[param(value_type = Option<String>, example = "2021/22")]
    pub from: Option<FinancialYear>,
    /// The last year; defaults to the latest year with an amount.
    #[param(value_type = Option<String>, example = "2023/24")]
    pub to: Option<FinancialYear>,
    /// Count withdrawn lines too (left out by default).
    pub include_withdrawn: Option<bool>,
    /// Answer as the service would have at this instant (RFC 3339, e.g. `2021-06-30T17:00:00Z`).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub as_at: Option<OffsetDateTime>,
}

/// Per year savings, growth and net for each directorate and in total.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryReport {
    pub years: Vec<FinancialYear>,
    pub include_withdrawn: bool,
    pub directorates: Vec<DirectorateSummary>,
    /// The sum over the directorates listed.
    pub total: Vec<YearSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DirectorateSummary {
    pub directorate: DirectorateCode,
    pub name: String,
    pub years: Vec<YearSummary>,
}

/// Savings, growth and net (growth − savings) per year, by directorate and in total, exact to the penny.
#[utoipa::path(tag = "reports", params(SummaryParams), responses((status = 200, body = SummaryReport)))]
#[get("/reports/summary")]
pub async fn summary_report(
    state: web::Data<AppState>,
    params: QueryParams<SummaryParams>,
) -> Result<web::Json<SummaryReport>, ApiError> {
    let params = params.0;
    let only = params.directorate.map(|code| code.0);
    if let (Some(from), Some(to)) = (params.from, params.to) {
        if from > to {
            return Err(ApiError::parameter("to", format!("{to} is before {from}")));
        }
    }
    let include_withdrawn = params.include_withdrawn.unwrap_or(false);
    let filter = LineFilter {
        directorate: only.clone(),
        ..LineFilter::default()
    };
    let as_at = params.as_at;
    let (known, sums) = db::run(&state.pool, move |conn| match as_at {
        None => Ok((
            directorates::repo::list(conn)?,
            line_repo::sums(conn, &filter, include_withdrawn)?,
        )),
        Some(at) => Ok((
            directorates::repo::list_at(conn, at)?,
            history::sums(&history::lines_at(conn, at)?, &filter, include_withdrawn),
        )),
    })
    .await?;
    let known: Vec<_> = known
        .into_iter()
        .filter(|d| only.as_ref().is_none_or(|code| &d.code == code))
        .collect();
    if let (Some(code), true) = (&only, known.is_empty()) {
        return Err(ApiError::NotFound(format!(
            "there is no directorate {code}"
        )));
    }

    let mut total = SummaryTotals::default();
    let mut by_directorate: BTreeMap<DirectorateCode, SummaryTotals> = BTreeMap::new();
    for sum in sums {
        total.add(sum.kind, sum.year, sum.amount);
        by_directorate
            .entry(sum.directorate)
            .or_default()
            .add(sum.kind, sum.year, sum.amount);
    }
    let (first, last) = (total.years().next(), total.years().last());
    let years = match (params.from.or(first), params.to.or(last)) {
        (Some(from), Some(to)) => year_range(from, to),
        _ => Vec::new(),
    };
    let empty = SummaryTotals::default();
    let directorates = known
        .into_iter()
        .map(|d| {
            let years = by_directorate.get(&d.code).unwrap_or(&empty).rows(&years);
            DirectorateSummary {
                directorate: d.code,
                name: d.name,
                years,
            }
        })
        .collect();
    Ok(web::Json(SummaryReport {
        total: total.rows(&years),
        years,
        include_withdrawn,
        directorates,
    }))
}
