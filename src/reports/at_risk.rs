//! The scrutiny table: savings at risk in one period, line by line, with reasons, mitigations, substitutes
//! and the change since the previous period; totals by directorate; and the savings not yet assessed.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::budget::comparison::BudgetData;
use crate::db;
use crate::domain::directorate_code::AnyCaseDirectorate;
use crate::domain::money::Unit;
use crate::domain::monitoring::{over_delivery, Period, Rag, Substitute};
use crate::domain::{
    DirectorateCode, FinancialYear, LineNature, LineRef, LineStatus, Money, YearAmount,
};
use crate::error::ApiError;
use crate::http::QueryParams;
use crate::lines::history;
use crate::lines::repo::{self as lines_repo, SavingInYear};
use crate::monitoring::model::{Assessment, MonitoringPeriod};
use crate::monitoring::repo as monitoring_repo;
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
    /// How many of the savings not assessed to list in `not_assessed.lines`, by ref: 0 to 1000, default 50
    /// (0 answers only their count and planned total).
    #[param(minimum = 0, maximum = 1000)]
    pub not_assessed_limit: Option<u32>,
    /// Where the list of savings not assessed starts: the `not_assessed.next_cursor` of the previous answer.
    #[param(value_type = Option<String>, example = "CFE-SAV05")]
    pub not_assessed_cursor: Option<String>,
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
    /// Savings planned in the year (not withdrawn) with no assessment in this period: how many, their planned
    /// total, and a page of them.
    pub not_assessed: NotAssessedPage,
    pub unit: Unit,
    /// In thousands: each total whose rounded rows do not add up to it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rounding_differences: Vec<RoundingDifference>,
    /// The year's savings against the approved budget (the latest baseline then): absent when none is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<AtRiskBudget>,
}

/// The shortfall against the revised budget, and what makes it up: the savings at risk in the plan, and the
/// approved savings withdrawn or re-profiled out of it and not written off (a withdrawal is not a write-off).
#[derive(Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct AtRiskBudget {
    /// The baseline's name, and the decision that approved it.
    pub baseline: String,
    pub decision_id: i64,
    /// The year's savings in the baseline, less those written off since.
    pub revised_budget: Money,
    /// The year's savings planned now: the assessed savings' `planned` (withdrawn ones left out) and those not
    /// assessed.
    pub current_plan: Money,
    /// `revised_budget` − `current_plan`: approved savings no longer in the plan, not written off.
    pub not_in_plan: Money,
    /// What the assessed savings are forecast to deliver (a withdrawn saving forecasts nothing; an
    /// over-delivery counts). A saving not assessed is never counted as delivered.
    pub forecast: Money,
    /// The planned amounts of the savings not assessed: neither delivered nor short, unknown.
    pub not_assessed: Money,
    /// `revised_budget` − `forecast` − `not_assessed`: `not_in_plan` + the total `at_risk` − what over-delivers.
    pub shortfall: Money,
}

impl AtRiskBudget {
    /// The report's figures against the budget, for the report's year.
    pub fn of(report: &AtRiskReport, budget: &BudgetData) -> AtRiskBudget {
        let (_, _, revised_budget) = budget.revised_budget(report.period.year);
        let in_plan = report.rows.iter().filter(|row| !row.withdrawn);
        let (planned, forecast) = in_plan.fold((Money::ZERO, Money::ZERO), |(p, f), row| {
            (p + row.planned, f + row.forecast)
        });
        let not_assessed = report.not_assessed.planned;
        let current_plan = planned + not_assessed;
        AtRiskBudget {
            baseline: budget.name.clone(),
            decision_id: budget.decision_id,
            revised_budget,
            current_plan,
            not_in_plan: revised_budget - current_plan,
            forecast,
            not_assessed,
            shortfall: revised_budget - forecast - not_assessed,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AtRiskRow {
    #[serde(rename = "ref")]
    pub line_ref: LineRef,
    pub directorate: DirectorateCode,
    pub title: String,
    /// The saving is withdrawn since it was assessed: against the budget it forecasts nothing.
    pub withdrawn: bool,
    pub planned: Money,
    pub forecast: Money,
    pub at_risk: Money,
    /// The part at risk delivered in `slips_to`: a one-off gap this year.
    pub timing: Money,
    /// The part at risk never delivered.
    pub permanent: Money,
    /// What the forecast delivers beyond the plan.
    pub over_delivery: Money,
    pub rag: Rag,
    pub reason: Option<String>,
    pub mitigation: Option<String>,
    pub substitutes: Vec<Substitute>,
    pub slips_to: Option<FinancialYear>,
    /// Carried forward from the saving's assessment in this earlier period (`copy-from`), not assessed afresh.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<Period>,
    /// The period this line was last assessed in before this one; null when this is its first assessment.
    pub previous_period: Option<Period>,
    /// At risk now less at risk then; null when this is its first assessment.
    pub at_risk_change: Option<Money>,
}

/// The assessed savings of a directorate (or all), and what is not assessed: the gross shortfall (`at_risk`), what
/// substitutes cover of it by kind, and the `net_shortfall` left.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct AtRiskTotal {
    /// Null on the overall total.
    pub directorate: Option<DirectorateCode>,
    /// The assessed savings' planned amounts.
    pub planned: Money,
    pub forecast: Money,
    /// The gross shortfall.
    pub at_risk: Money,
    pub timing: Money,
    pub permanent: Money,
    pub over_delivery: Money,
    /// The planned amounts of the savings not assessed (withdrawn ones aside).
    pub not_assessed: Money,
    /// The planned amounts of the assessed savings carried forward from an earlier period (`copy-from`) rather
    /// than assessed afresh: counted as assessed, marked on their rows with `carried_from`.
    pub carried: Money,
    /// The sum of the substitutes offered: `substituted_one_off` + `substituted_ongoing`.
    pub substituted: Money,
    /// Substitutes that cover this year only: one-off savings and mitigations.
    pub substituted_one_off: Money,
    /// Substitutes that are ongoing savings.
    pub substituted_ongoing: Money,
    /// `at_risk` − `substituted`.
    pub net_shortfall: Money,
    /// The timing shortfalls by the year they are delivered in (`slips_to`): the full-year effect in the year it
    /// lands, by year.
    pub lands: Vec<YearAmount>,
}

/// The savings planned in the year (not withdrawn) with no assessment in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotAssessedPage {
    /// How many there are (every page).
    pub count: u64,
    /// Their amounts planned in the year, added up (every page).
    pub planned: Money,
    /// At most `not_assessed_limit` of them, by ref, after `not_assessed_cursor`.
    pub lines: Vec<NotAssessed>,
    /// Pass as `not_assessed_cursor` for the next page of `lines`; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Which of the savings not assessed a report lists.
#[derive(Clone, Debug)]
pub struct NotAssessedPaging {
    /// The list starts after this ref.
    pub after: Option<LineRef>,
    /// At most this many.
    pub limit: usize,
}

pub const DEFAULT_NOT_ASSESSED: u32 = 50;
pub const MAX_NOT_ASSESSED: u32 = 1000;

impl NotAssessedPaging {
    /// The first `DEFAULT_NOT_ASSESSED`.
    pub fn first() -> NotAssessedPaging {
        NotAssessedPaging {
            after: None,
            limit: DEFAULT_NOT_ASSESSED as usize,
        }
    }

    /// From the query's parameters; 400 naming the one that cannot be read.
    fn from_params(params: &AtRiskParams) -> Result<NotAssessedPaging, ApiError> {
        let limit = params.not_assessed_limit.unwrap_or(DEFAULT_NOT_ASSESSED);
        if limit > MAX_NOT_ASSESSED {
            return Err(ApiError::parameter(
                "not_assessed_limit",
                format!("must be from 0 to {MAX_NOT_ASSESSED}"),
            ));
        }
        let after = params
            .not_assessed_cursor
            .as_deref()
            .map(|cursor| {
                LineRef::parse(cursor)
                    .map_err(|error| ApiError::parameter("not_assessed_cursor", error.to_string()))
            })
            .transpose()?;
        Ok(NotAssessedPaging {
            after,
            limit: limit as usize,
        })
    }
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
    let paging = NotAssessedPaging::from_params(&params)?;
    let directorate = params.directorate.map(|code| code.0);
    let (year, period) = (params.year, params.period);
    let unit = params.unit.unwrap_or_default();
    let (then, budget_scope) = (params.as_at.map(db::time::stored), directorate.clone());
    let mut report = match params.as_at {
        // Live: what the page needs, found by index: the period's assessed savings and what they compare to,
        // the page of savings not assessed and their count and total. Still ~10 ms a report (one directorate's
        // assessed rows built and written), so it takes its turn as a scan: run unqueued on the blocking pool, 32
        // at once answered fewer a second and a p99 twice as long (bench, one sitting).
        None => {
            let load = move |conn: &mut db::DbConnection| {
                load_live(conn, year, period, directorate.as_ref(), unit, &paging)
            };
            db::scan(&state.pool, load).await?
        }
        // As at an instant: every saving and assessment as they stood, then the full build.
        Some(at) => {
            let (monitoring, lines, natures) = db::scan(&state.pool, move |conn| {
                let directorate = directorate.as_ref();
                let monitoring = Monitoring::up_to_at(conn, year, period, directorate, at)?;
                let lines = history::savings_in_year_at(conn, directorate, year, at)?;
                let named = substitute_refs(monitoring.in_period(year, period));
                let natures = lines_repo::natures(conn, &named)?;
                Ok((monitoring, lines, natures))
            })
            .await?;
            let kinds = SubstituteKinds(natures);
            build(&monitoring, &lines, year, period, unit, &paging, &kinds)?
        }
    };
    let budget = db::read(&state.pool, move |conn| {
        Ok::<_, ApiError>(BudgetData::load(conn, budget_scope.as_ref(), then)?)
    })
    .await?;
    report.budget = budget.map(|budget| AtRiskBudget::of(&report, &budget));
    let output = Output {
        format: params.format,
        unit: report.unit,
        as_at: params.as_at,
    };
    present(&req, output, &report)
}

/// The live report of one period, read from the database a page at a time: `build`'s answer without reading
/// every saving.
fn load_live(
    conn: &mut db::DbConnection,
    year: FinancialYear,
    period: Period,
    directorate: Option<&DirectorateCode>,
    unit: Unit,
    paging: &NotAssessedPaging,
) -> Result<AtRiskReport, ApiError> {
    let found =
        monitoring_repo::find_period(conn, year, period)?.ok_or_else(|| no_period(year, period))?;
    let mut earlier = monitoring_repo::earlier_at_risk(conn, year, period, directorate)?;
    let rows = monitoring_repo::assessed_savings(conn, year, period, directorate)?;
    let by_directorate = monitoring_repo::not_assessed_sums(conn, year, directorate, &rows)?;
    let kinds = SubstituteKinds(lines_repo::natures(
        conn,
        &substitute_refs(rows.iter().map(|row| &row.assessment)),
    )?);
    let (count, planned) = by_directorate
        .values()
        .fold((0, Money::ZERO), |(count, sum), &(c, s)| {
            (count + c, sum + s)
        });
    let not_assessed_by: BTreeMap<DirectorateCode, Money> = by_directorate
        .into_iter()
        .map(|(code, (_, planned))| (code, planned))
        .collect();
    let assessed = rows
        .into_iter()
        .map(|row| AssessedSaving {
            previous: earlier.remove(&row.assessment.line_ref),
            assessment: row.assessment,
            directorate: row.directorate,
            title: row.title,
            withdrawn: row.withdrawn,
        })
        .collect();
    // One more than the page, to know whether another follows.
    let mut listed = monitoring_repo::not_assessed_page(
        conn,
        year,
        period,
        directorate,
        paging.after.as_ref(),
        paging.limit as i64 + 1,
    )?;
    let more = listed.len() > paging.limit;
    listed.truncate(paging.limit);
    let lines: Vec<NotAssessed> = listed
        .into_iter()
        .map(|(line_ref, title, planned)| NotAssessed {
            line_ref,
            title,
            planned,
        })
        .collect();
    let not_assessed = NotAssessedPage {
        count,
        planned,
        next_cursor: more
            .then(|| lines.last().map(|line| line.line_ref.path_form()))
            .flatten(),
        lines,
    };
    Ok(assemble(
        found,
        assessed,
        (not_assessed, not_assessed_by),
        unit,
        &kinds,
    ))
}

/// The savings named as substitutes by `assessments`.
fn substitute_refs<'a>(assessments: impl Iterator<Item = &'a Assessment>) -> BTreeSet<LineRef> {
    assessments
        .flat_map(|a| &a.substitutes)
        .filter_map(|s| s.line_ref.clone())
        .collect()
}

/// Whether each substitute covers this year only (a mitigation, a one-off saving) or every year: the natures of
/// the savings named.
pub struct SubstituteKinds(pub HashMap<LineRef, LineNature>);

impl SubstituteKinds {
    fn is_ongoing(&self, substitute: &Substitute) -> bool {
        substitute
            .line_ref
            .as_ref()
            .and_then(|line_ref| self.0.get(line_ref))
            == Some(&LineNature::Ongoing)
    }
}

fn no_period(year: FinancialYear, period: Period) -> ApiError {
    ApiError::NotFound(format!("there is no monitoring period {year} {period}"))
}

/// The report from `lines` (the savings it covers) and the monitoring data; in thousands, with the totals
/// whose rounded rows do not add up; the page of savings not assessed that `paging` asks for. Pure: no
/// connection, no request.
pub fn build(
    monitoring: &Monitoring,
    lines: &[SavingInYear],
    year: FinancialYear,
    period: Period,
    unit: Unit,
    paging: &NotAssessedPaging,
    kinds: &SubstituteKinds,
) -> Result<AtRiskReport, ApiError> {
    let found = monitoring
        .period(year, period)
        .ok_or_else(|| no_period(year, period))?;
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
    let assessed: Vec<AssessedSaving> = monitoring
        .in_period(year, period)
        .filter_map(|assessment| {
            let line = by_ref.get(&assessment.line_ref)?;
            Some(AssessedSaving {
                assessment: assessment.clone(),
                directorate: line.directorate.clone(),
                title: line.title.clone(),
                withdrawn: line.status == LineStatus::Withdrawn,
                previous: previous
                    .get(&assessment.line_ref)
                    .map(|p| (p.period, p.at_risk)),
            })
        })
        .collect();
    let refs: HashSet<&LineRef> = assessed.iter().map(|a| &a.assessment.line_ref).collect();
    let mut not_assessed: Vec<&SavingInYear> = lines
        .iter()
        .filter(|line| line.status != LineStatus::Withdrawn && !refs.contains(&line.line_ref))
        .filter(|line| !line.planned.is_zero())
        .collect();
    not_assessed.sort_by(|a, b| a.line_ref.cmp(&b.line_ref));
    let mut not_assessed_by: BTreeMap<DirectorateCode, Money> = BTreeMap::new();
    for line in &not_assessed {
        let sum = not_assessed_by.entry(line.directorate.clone()).or_default();
        *sum = *sum + line.planned;
    }
    let not_assessed = not_assessed_page(&not_assessed, paging);
    let not_assessed = (not_assessed, not_assessed_by);
    Ok(assemble(found.clone(), assessed, not_assessed, unit, kinds))
}

/// An assessment of the reported period, with its saving's directorate and title and the period and amount at
/// risk it was last assessed at earlier in the year.
struct AssessedSaving {
    assessment: Assessment,
    directorate: DirectorateCode,
    title: String,
    withdrawn: bool,
    previous: Option<(Period, Money)>,
}

/// The rows by ref, the totals by directorate and overall (with what is not assessed, by directorate), and the
/// rounding differences of `unit`.
fn assemble(
    period: MonitoringPeriod,
    assessed: Vec<AssessedSaving>,
    (not_assessed, not_assessed_by): (NotAssessedPage, BTreeMap<DirectorateCode, Money>),
    unit: Unit,
    kinds: &SubstituteKinds,
) -> AtRiskReport {
    let mut rows = Vec::new();
    let mut totals: BTreeMap<DirectorateCode, AtRiskTotal> = BTreeMap::new();
    let mut total = AtRiskTotal::default();
    let mut landing: BTreeMap<DirectorateCode, BTreeMap<FinancialYear, Money>> = BTreeMap::new();
    let mut total_landing: BTreeMap<FinancialYear, Money> = BTreeMap::new();
    for (code, planned) in not_assessed_by {
        totals.entry(code).or_default().not_assessed = planned;
        total.not_assessed = total.not_assessed + planned;
    }
    for AssessedSaving {
        assessment,
        directorate,
        title,
        withdrawn,
        previous,
    } in assessed
    {
        let (ongoing, one_off): (Vec<&Substitute>, Vec<&Substitute>) = assessment
            .substitutes
            .iter()
            .partition(|s| kinds.is_ongoing(s));
        let added =
            |substitutes: Vec<&Substitute>| -> Money { substitutes.iter().map(|s| s.amount).sum() };
        let (ongoing, one_off) = (added(ongoing), added(one_off));
        let over_delivery = over_delivery(assessment.planned, assessment.forecast);
        if let (Some(later), false) = (assessment.slips_to, assessment.timing.is_zero()) {
            for lands in [
                landing.entry(directorate.clone()).or_default(),
                &mut total_landing,
            ] {
                let sum = lands.entry(later).or_default();
                *sum = *sum + assessment.timing;
            }
        }
        for sum in [totals.entry(directorate.clone()).or_default(), &mut total] {
            sum.planned = sum.planned + assessment.planned;
            if assessment.carried_from.is_some() {
                sum.carried = sum.carried + assessment.planned;
            }
            sum.forecast = sum.forecast + assessment.forecast;
            sum.at_risk = sum.at_risk + assessment.at_risk;
            sum.timing = sum.timing + assessment.timing;
            sum.permanent = sum.permanent + assessment.permanent;
            sum.over_delivery = sum.over_delivery + over_delivery;
            sum.substituted_one_off = sum.substituted_one_off + one_off;
            sum.substituted_ongoing = sum.substituted_ongoing + ongoing;
            sum.substituted = sum.substituted + one_off + ongoing;
            sum.net_shortfall = sum.at_risk - sum.substituted;
        }
        rows.push(AtRiskRow {
            line_ref: assessment.line_ref,
            directorate,
            title,
            withdrawn,
            planned: assessment.planned,
            forecast: assessment.forecast,
            at_risk: assessment.at_risk,
            timing: assessment.timing,
            permanent: assessment.permanent,
            over_delivery,
            rag: assessment.rag,
            reason: assessment.reason,
            mitigation: assessment.mitigation,
            substitutes: assessment.substitutes,
            slips_to: assessment.slips_to,
            carried_from: assessment.carried_from,
            previous_period: previous.map(|(period, _)| period),
            at_risk_change: previous.map(|(_, then)| assessment.at_risk - then),
        });
    }
    rows.sort_by(|a, b| a.line_ref.cmp(&b.line_ref));
    let by_year = |lands: BTreeMap<FinancialYear, Money>| -> Vec<YearAmount> {
        lands
            .into_iter()
            .map(|(year, amount)| YearAmount { year, amount })
            .collect()
    };
    total.lands = by_year(total_landing);
    let directorates = totals
        .into_iter()
        .map(|(code, sum)| AtRiskTotal {
            lands: by_year(landing.remove(&code).unwrap_or_default()),
            directorate: Some(code),
            ..sum
        })
        .collect();
    let summed = |figure: &str, row: fn(&AtRiskRow) -> Money, total: Money| Summed {
        figure: format!("total {figure}"),
        rows: rows.iter().map(row).collect(),
        total,
    };
    let totals = vec![
        summed("planned", |r| r.planned, total.planned),
        summed("forecast", |r| r.forecast, total.forecast),
        summed("at risk", |r| r.at_risk, total.at_risk),
    ];
    let rounding_differences = rounding_differences(unit, totals);
    AtRiskReport {
        period,
        rows,
        directorates,
        total,
        not_assessed,
        unit,
        rounding_differences,
        budget: None,
    }
}

/// The count and planned total of every saving not assessed (`lines`, by ref), and the page `paging` asks for.
fn not_assessed_page(lines: &[&SavingInYear], paging: &NotAssessedPaging) -> NotAssessedPage {
    let start = paging.after.as_ref().map_or(0, |after| {
        lines.partition_point(|line| &line.line_ref <= after)
    });
    let page = &lines[start..(start + paging.limit).min(lines.len())];
    let more = start + page.len() < lines.len();
    NotAssessedPage {
        count: lines.len() as u64,
        planned: lines.iter().map(|line| line.planned).sum(),
        lines: page
            .iter()
            .map(|line| NotAssessed {
                line_ref: line.line_ref.clone(),
                title: line.title.clone(),
                planned: line.planned,
            })
            .collect(),
        next_cursor: more
            .then(|| page.last().map(|line| line.line_ref.path_form()))
            .flatten(),
    }
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
            "Timing",
            "Permanent",
            "Over-delivery",
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
                .map(ToString::to_string)
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
                Cell::from(row.timing),
                Cell::from(row.permanent),
                Cell::from(row.over_delivery),
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
            total.timing.into(),
            total.permanent.into(),
            total.over_delivery.into(),
        ]);
        table
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;
    use crate::domain::LineKind;
    use crate::monitoring::model::PeriodStatus;
    use crate::reports::cfe::{self, line_ref, money, year};

    fn period(text: &str) -> Period {
        Period::parse(text).unwrap()
    }

    fn assessment(at: &str, line: &str, rag: Rag, planned: &str, at_risk: &str) -> Assessment {
        let (planned, at_risk) = (money(planned), money(at_risk));
        Assessment {
            year: year("2021/22"),
            period: period(at),
            line_ref: line_ref(line),
            rag,
            planned,
            forecast: planned - at_risk,
            at_risk,
            timing: Money::ZERO,
            permanent: at_risk,
            carried_from: None,
            reason: Some("Reported to scrutiny as at risk, position at 2021-06-30".to_owned()),
            mitigation: None,
            substitutes: Vec::new(),
            slips_to: None,
            updated_at: datetime!(2021-07-05 10:00 UTC),
            version: 1,
        }
    }

    /// 2021/22 P3 as reported to scrutiny (SAV07 red, SAV09 and SAV10 amber), and a P2 assessment of SAV09.
    fn monitoring() -> Monitoring {
        let opened = |p: &str| MonitoringPeriod {
            year: year("2021/22"),
            period: period(p),
            as_at: date!(2021 - 06 - 30),
            status: PeriodStatus::Open,
            closed_at: None,
            created_at: datetime!(2021-07-01 09:00 UTC),
        };
        Monitoring {
            periods: vec![opened("P2"), opened("P3")],
            assessments: vec![
                assessment("P2", "CFE SAV09", Rag::Amber, "660000.00", "300000.00"),
                assessment("P3", "CFE SAV07", Rag::Red, "1065000.00", "1065000.00"),
                assessment("P3", "CFE SAV09", Rag::Amber, "660000.00", "237000.00"),
                assessment("P3", "CFE SAV10", Rag::Amber, "587000.00", "15000.00"),
            ],
        }
    }

    fn savings() -> Vec<SavingInYear> {
        cfe::lines()
            .iter()
            .filter(|line| line.kind == LineKind::Saving)
            .map(|line| SavingInYear::of(line, year("2021/22")))
            .collect()
    }

    #[test]
    fn p3_as_reported_to_scrutiny() {
        let report = build(
            &monitoring(),
            &savings(),
            year("2021/22"),
            period("P3"),
            Unit::Pounds,
            &NotAssessedPaging::first(),
            &SubstituteKinds(HashMap::new()),
        )
        .unwrap();
        let rows: Vec<_> = report
            .rows
            .iter()
            .map(|r| {
                (
                    r.line_ref.to_string(),
                    r.planned.to_string(),
                    r.forecast.to_string(),
                    r.at_risk.to_string(),
                    r.previous_period.map(|p| p.to_string()),
                    r.at_risk_change.map(|c| c.to_string()),
                )
            })
            .collect();
        let s = |text: &str| text.to_owned();
        assert_eq!(
            rows,
            vec![
                (
                    s("CFE SAV07"),
                    s("1065000.00"),
                    s("0.00"),
                    s("1065000.00"),
                    None,
                    None
                ),
                (
                    s("CFE SAV09"),
                    s("660000.00"),
                    s("423000.00"),
                    s("237000.00"),
                    Some(s("P2")),
                    Some(s("-63000.00"))
                ),
                (
                    s("CFE SAV10"),
                    s("587000.00"),
                    s("572000.00"),
                    s("15000.00"),
                    None,
                    None
                ),
            ]
        );
        assert_eq!(report.total.planned, money("2312000.00"));
        assert_eq!(report.total.forecast, money("995000.00"));
        assert_eq!(report.total.at_risk, money("1317000.00"));
        assert_eq!(report.total.directorate, None);
        assert_eq!(report.directorates.len(), 1);
        assert_eq!(report.directorates[0].directorate, Some(cfe::cfe()));
        assert_eq!(report.directorates[0].at_risk, money("1317000.00"));
        assert_eq!(report.not_assessed.count, 11);
        assert_eq!(report.not_assessed.planned, money("7121000.00"));
        assert_eq!(report.not_assessed.next_cursor, None);
        let not_assessed: Vec<_> = report
            .not_assessed
            .lines
            .iter()
            .map(|n| (n.line_ref.to_string(), n.planned.to_string()))
            .collect();
        let expected: Vec<(String, String)> = [
            ("CFE SAV02", "424000.00"),
            ("CFE SAV03", "1608000.00"),
            ("CFE SAV04", "384000.00"),
            ("CFE SAV05", "794000.00"),
            ("CFE SAV06", "295000.00"),
            ("CFE SAV08", "272000.00"),
            ("CFE SAV12", "82000.00"),
            ("CFE SAV13", "126000.00"),
            ("CFE SAV14", "203000.00"),
            ("CFE SAV15", "1462000.00"),
            ("CFE SAV16", "1471000.00"),
        ]
        .into_iter()
        .map(|(r, p)| (s(r), s(p)))
        .collect();
        assert_eq!(not_assessed, expected);
        assert!(report.rounding_differences.is_empty());
    }

    #[test]
    fn in_thousands_the_rounded_rows_are_checked_against_the_totals() {
        let mut monitoring = monitoring();
        // SAV09 and SAV10 at half a thousand: forecasts 423.5 and 571.5 round up to 424 and 572, at risk 236.5
        // and 15.5 to 237 and 16; the totals, 995,000.00 and 1,317,000.00, are exact.
        monitoring.assessments[2] =
            assessment("P3", "CFE SAV09", Rag::Amber, "660000.00", "236500.00");
        monitoring.assessments[3] =
            assessment("P3", "CFE SAV10", Rag::Amber, "587000.00", "15500.00");
        let report = build(
            &monitoring,
            &savings(),
            year("2021/22"),
            period("P3"),
            Unit::Thousands,
            &NotAssessedPaging::first(),
            &SubstituteKinds(HashMap::new()),
        )
        .unwrap();
        let differences: Vec<_> = report
            .rounding_differences
            .iter()
            .map(|d| {
                (
                    d.figure.as_str(),
                    d.rows_add_up_to.as_str(),
                    d.total.as_str(),
                )
            })
            .collect();
        assert_eq!(
            differences,
            vec![
                ("total forecast", "996", "995"),
                ("total at risk", "1318", "1317")
            ]
        );
        assert_eq!(report.unit, Unit::Thousands);
    }

    #[test]
    fn the_savings_not_assessed_come_in_pages_after_a_cursor_with_their_count_and_total_on_each() {
        let page = |after: Option<&str>, limit: usize| {
            let paging = NotAssessedPaging {
                after: after.map(line_ref),
                limit,
            };
            let report = build(
                &monitoring(),
                &savings(),
                year("2021/22"),
                period("P3"),
                Unit::Pounds,
                &paging,
                &SubstituteKinds(HashMap::new()),
            )
            .unwrap();
            let listed: Vec<String> = report
                .not_assessed
                .lines
                .iter()
                .map(|n| n.line_ref.to_string())
                .collect();
            (
                report.not_assessed.count,
                report.not_assessed.planned.to_string(),
                listed,
                report.not_assessed.next_cursor,
            )
        };
        let total = |listed: Vec<&str>, next: Option<&str>| {
            (
                11,
                "7121000.00".to_owned(),
                listed.into_iter().map(str::to_owned).collect::<Vec<_>>(),
                next.map(str::to_owned),
            )
        };
        assert_eq!(
            page(None, 4),
            total(
                vec!["CFE SAV02", "CFE SAV03", "CFE SAV04", "CFE SAV05"],
                Some("CFE-SAV05")
            )
        );
        assert_eq!(
            page(Some("CFE SAV05"), 4),
            total(
                vec!["CFE SAV06", "CFE SAV08", "CFE SAV12", "CFE SAV13"],
                Some("CFE-SAV13")
            )
        );
        assert_eq!(
            page(Some("CFE SAV13"), 4),
            total(vec!["CFE SAV14", "CFE SAV15", "CFE SAV16"], None)
        );
        // A cursor that is not itself a saving not assessed (SAV07 is assessed) starts after its place.
        assert_eq!(
            page(Some("CFE SAV07"), 1),
            total(vec!["CFE SAV08"], Some("CFE-SAV08"))
        );
        assert_eq!(page(None, 0), total(vec![], None));
    }

    #[test]
    fn a_period_that_does_not_exist_is_not_found() {
        let built = build(
            &monitoring(),
            &savings(),
            year("2021/22"),
            period("P4"),
            Unit::Pounds,
            &NotAssessedPaging::first(),
            &SubstituteKinds(HashMap::new()),
        );
        assert!(matches!(
            built,
            Err(ApiError::NotFound(message)) if message == "there is no monitoring period 2021/22 P4"
        ));
    }
}
