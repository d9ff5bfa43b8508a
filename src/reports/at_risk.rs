//! The scrutiny table: savings at risk in one period, line by line, with reasons, mitigations, substitutes
//! and the change since the previous period; totals by directorate; and the savings not yet assessed.

use std::collections::{BTreeMap, HashMap, HashSet};

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::db;
use crate::domain::directorate_code::AnyCaseDirectorate;
use crate::domain::money::Unit;
use crate::domain::monitoring::{Period, Rag, Substitute};
use crate::domain::{DirectorateCode, FinancialYear, LineKind, LineRef, LineStatus, Money};
use crate::error::ApiError;
use crate::http::QueryParams;
use crate::lines::history;
use crate::lines::repo::{self as line_repo, LineFilter, SavingInYear};
use crate::monitoring::model::{Assessment, MonitoringPeriod};
use crate::monitoring::snapshot::Monitoring;
use crate::present::table::{Cell, Table, Tabular};
use crate::present::{present, rounding_differences, Format, Output, RoundingDifference, Summed};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AtRiskParams {
    #[param(value_type = String, example = "2021/22")]
    pub year: FinancialYear,
    #[param(value_type = String, example = "P3")]
    pub period: Period,
    /// One directorate only (any case).
    #[param(value_type = Option<String>, example = "CFE")]
    pub directorate: Option<AnyCaseDirectorate>,
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

#[derive(Debug, Serialize, ToSchema)]
pub struct AtRiskReport {
    pub period: MonitoringPeriod,
    /// One row per assessed saving, by ref.
    pub rows: Vec<AtRiskRow>,
    /// Per directorate, by code.
    pub directorates: Vec<AtRiskTotal>,
    pub total: AtRiskTotal,
    /// Savings planned in the year (not withdrawn) with no assessment in this period.
    pub not_assessed: Vec<NotAssessed>,
    pub unit: Unit,
    /// In thousands: each total whose rounded rows do not add up to it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rounding_differences: Vec<RoundingDifference>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AtRiskRow {
    #[serde(rename = "ref")]
    pub line_ref: LineRef,
    pub directorate: DirectorateCode,
    pub title: String,
    pub planned: Money,
    pub forecast: Money,
    pub at_risk: Money,
    pub rag: Rag,
    pub reason: Option<String>,
    pub mitigation: Option<String>,
    pub substitutes: Vec<Substitute>,
    pub slips_to: Option<FinancialYear>,
    /// The period this line was last assessed in before this one; null when this is its first assessment.
    pub previous_period: Option<Period>,
    /// At risk now less at risk then; null when this is its first assessment.
    pub at_risk_change: Option<Money>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct AtRiskTotal {
    /// Null on the overall total.
    pub directorate: Option<DirectorateCode>,
    pub planned: Money,
    pub forecast: Money,
    pub at_risk: Money,
    /// The sum of the substitute savings offered.
    pub substituted: Money,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotAssessed {
    #[serde(rename = "ref")]
    pub line_ref: LineRef,
    pub title: String,
    pub planned: Money,
}

/// Savings at risk in one period, as reported to scrutiny.
#[utoipa::path(tag = "reports", params(AtRiskParams), responses((status = 200, body = AtRiskReport)))]
#[get("/reports/at-risk")]
pub async fn at_risk_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: QueryParams<AtRiskParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.0;
    let filter = LineFilter {
        directorate: params.directorate.map(|code| code.0),
        kind: Some(LineKind::Saving),
        ..LineFilter::default()
    };
    let as_at = params.as_at;
    let year = params.year;
    let (monitoring, lines) = db::scan(&state.pool, move |conn| {
        let monitoring = Monitoring::load_year(conn, year, as_at)?;
        let lines = match as_at {
            None => line_repo::savings_in_year(conn, filter.directorate.as_ref(), year)?,
            Some(at) => history::lines_at(conn, at)?
                .iter()
                .filter(|line| filter.matches(line))
                .map(|line| SavingInYear::of(line, year))
                .collect(),
        };
        Ok((monitoring, lines))
    })
    .await?;
    let mut report = build(&monitoring, &lines, params.year, params.period)?;
    report.unit = params.unit.unwrap_or_default();
    let summed = |figure: &str, row: fn(&AtRiskRow) -> Money, total: Money| Summed {
        figure: format!("total {figure}"),
        rows: report.rows.iter().map(row).collect(),
        total,
    };
    let totals = vec![
        summed("planned", |r| r.planned, report.total.planned),
        summed("forecast", |r| r.forecast, report.total.forecast),
        summed("at risk", |r| r.at_risk, report.total.at_risk),
    ];
    report.rounding_differences = rounding_differences(report.unit, totals);
    let output = Output {
        format: params.format,
        unit: report.unit,
        as_at: params.as_at,
    };
    present(&req, output, &report)
}

/// The report from `lines` (the savings it covers) and the monitoring data.
fn build(
    monitoring: &Monitoring,
    lines: &[SavingInYear],
    year: FinancialYear,
    period: Period,
) -> Result<AtRiskReport, ApiError> {
    let found = monitoring.period(year, period).ok_or_else(|| {
        ApiError::NotFound(format!("there is no monitoring period {year} {period}"))
    })?;
    let by_ref: HashMap<&LineRef, &SavingInYear> =
        lines.iter().map(|line| (&line.line_ref, line)).collect();
    // Each line's latest assessment in an earlier period of the year.
    let mut previous: HashMap<&LineRef, &Assessment> = HashMap::new();
    for earlier in monitoring
        .assessments
        .iter()
        .filter(|a| a.year == year && a.period < period)
    {
        let latest = previous.entry(&earlier.line_ref).or_insert(earlier);
        if earlier.period > latest.period {
            *latest = earlier;
        }
    }
    let mut rows = Vec::new();
    let mut totals: BTreeMap<DirectorateCode, AtRiskTotal> = BTreeMap::new();
    let mut total = AtRiskTotal::default();
    for assessment in monitoring.in_period(year, period) {
        let Some(line) = by_ref.get(&assessment.line_ref) else {
            continue;
        };
        let previous = previous.get(&assessment.line_ref);
        let substituted: Money = assessment.substitutes.iter().map(|s| s.amount).sum();
        for sum in [
            totals.entry(line.directorate.clone()).or_default(),
            &mut total,
        ] {
            sum.planned = sum.planned + assessment.planned;
            sum.forecast = sum.forecast + assessment.forecast;
            sum.at_risk = sum.at_risk + assessment.at_risk;
            sum.substituted = sum.substituted + substituted;
        }
        rows.push(AtRiskRow {
            line_ref: line.line_ref.clone(),
            directorate: line.directorate.clone(),
            title: line.title.clone(),
            planned: assessment.planned,
            forecast: assessment.forecast,
            at_risk: assessment.at_risk,
            rag: assessment.rag,
            reason: assessment.reason.clone(),
            mitigation: assessment.mitigation.clone(),
            substitutes: assessment.substitutes.clone(),
            slips_to: assessment.slips_to,
            previous_period: previous.map(|p| p.period),
            at_risk_change: previous.map(|p| assessment.at_risk - p.at_risk),
        });
    }
    rows.sort_by(|a, b| a.line_ref.cmp(&b.line_ref));
    let assessed: HashSet<&LineRef> = rows.iter().map(|row| &row.line_ref).collect();
    let not_assessed = lines
        .iter()
        .filter(|line| line.status != LineStatus::Withdrawn && !assessed.contains(&&line.line_ref))
        .filter(|line| !line.planned.is_zero())
        .map(|line| NotAssessed {
            line_ref: line.line_ref.clone(),
            title: line.title.clone(),
            planned: line.planned,
        })
        .collect();
    let directorates = totals
        .into_iter()
        .map(|(code, sum)| AtRiskTotal {
            directorate: Some(code),
            ..sum
        })
        .collect();
    Ok(AtRiskReport {
        period: found.clone(),
        rows,
        directorates,
        total,
        not_assessed,
        unit: Unit::Pounds,
        rounding_differences: Vec::new(),
    })
}

impl Tabular for AtRiskReport {
    fn table(&self) -> Table {
        let title = format!(
            "Savings at risk {} {}",
            self.period.year, self.period.period
        );
        let columns = [
            "Ref",
            "Directorate",
            "Title",
            "RAG",
            "Planned",
            "Forecast",
            "At risk",
            "Change since previous",
            "Reason",
            "Mitigation",
            "Substitutes",
            "Slips to",
        ];
        let mut table = Table::new(title, columns);
        for row in &self.rows {
            let rag = serde_json::to_value(row.rag)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned));
            let substitutes = row
                .substitutes
                .iter()
                .map(|s| format!("{} {}", s.line_ref, s.amount))
                .collect::<Vec<_>>()
                .join("; ");
            table.row([
                Cell::from(row.line_ref.to_string()),
                Cell::from(row.directorate.to_string()),
                Cell::from(row.title.clone()),
                Cell::from(rag),
                Cell::from(row.planned),
                Cell::from(row.forecast),
                Cell::from(row.at_risk),
                Cell::from(row.at_risk_change),
                Cell::from(row.reason.clone()),
                Cell::from(row.mitigation.clone()),
                Cell::from(substitutes),
                Cell::from(row.slips_to.map(|y| y.to_string())),
            ]);
        }
        let total = &self.total;
        table.row([
            Cell::from("Total"),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            total.planned.into(),
            total.forecast.into(),
            total.at_risk.into(),
        ]);
        table
    }
}
