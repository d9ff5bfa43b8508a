//! The delivery-plan report (issue 19) for the improvement board: every approved saving of the year with its
//! money (planned in the baseline; at risk and RAG from its latest assessment by the day) beside its plan on the
//! day (how many actions are complete, on track, overdue, slipped, not dated; the next milestone; each action's
//! slip), and the delivery risk a RAG can hide: a saving rated green or amber whose critical action is overdue.
//!
//! Approved means what the other reports mean: the latest baseline's savings with an amount in the financial
//! year the day falls in. Nothing with a plan vanishes: every other line with actions (a growth line, a saving
//! the baseline does not hold or holds with nothing that year, or any line while no baseline is set) is listed
//! in `not_approved`, saying why, with its plan but no money (with no baseline there are no approved savings:
//! the report does not guess an approved budget from the plan as it stands).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

use crate::budget;
use crate::budget::model::BaselineLine;
use crate::db;
use crate::domain::directorate_code::AnyCaseDirectorate;
use crate::domain::money::Unit;
use crate::domain::monitoring::{Period, Rag};
use crate::domain::plan::{ActionRef, Slip};
use crate::domain::{DirectorateCode, FinancialYear, LineKind, LineRef, Money};
use crate::error::ApiError;
use crate::http::QueryParams;
use crate::lines;
use crate::monitoring;
use crate::monitoring::model::Assessment;
use crate::monitoring::snapshot::Monitoring;
use crate::plans::api::PlanDayParams;
use crate::plans::model::Action;
use crate::plans::service as plans;
use crate::plans::view::{self, JudgedAction, NextMilestone, PlanCounts, Standing};
use crate::present::table::{Cell, Table, Tabular};
use crate::present::{present, rounding_differences, Format, Output, RoundingDifference, Summed};
use crate::state::AppState;

/// The day a plan is judged on (as `GET /lines/{ref}/actions` takes it), whose directorate, and how to write it.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryPlanParams {
    /// One directorate only (any case); without it, every directorate.
    #[param(value_type = Option<String>, example = "CFE")]
    pub directorate: Option<AnyCaseDirectorate>,
    /// The day actions are judged overdue on (`2021-07-31`); the money is that of the financial year it falls
    /// in, assessed in the latest period ended by then. Default: the period's last day when `year` and `period`
    /// are given, else `as_at`'s day, else today.
    #[serde(default, deserialize_with = "crate::domain::instant::optional_date")]
    #[param(value_type = Option<String>, format = Date)]
    pub on: Option<Date>,
    /// With `period`: judge on the period's last day, with the assessments up to that period.
    #[param(value_type = Option<String>, example = "2021/22")]
    pub year: Option<FinancialYear>,
    #[param(value_type = Option<String>, example = "P4")]
    pub period: Option<Period>,
    /// Answer as the service would have at this instant (RFC 3339): the baseline, assessments and plans then.
    #[serde(default, deserialize_with = "crate::domain::instant::optional_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub as_at: Option<OffsetDateTime>,
    /// `pounds` (the default) or `thousands`: whole £000s as council tables print them.
    pub unit: Option<Unit>,
    /// `json` (the default), `csv` or `xlsx`; or ask by `Accept: text/csv` or the XLSX media type.
    #[param(value_type = Option<String>, example = "xlsx")]
    pub format: Option<Format>,
}

/// The day a report judges plans on, from the parameters plans take (400 naming what does not fit).
pub fn plan_day(
    on: Option<Date>,
    year: Option<FinancialYear>,
    period: Option<Period>,
    as_at: Option<OffsetDateTime>,
) -> Result<Date, ApiError> {
    PlanDayParams {
        on,
        year,
        period,
        as_at,
    }
    .day()
}

/// The financial year a day falls in, and the latest of its periods ended by then (none before P1's last day);
/// none when the year is outside those the tracker holds.
pub fn year_and_period(on: Date) -> Option<(FinancialYear, Option<Period>)> {
    let start = if on.month() >= Month::April {
        on.year()
    } else {
        on.year() - 1
    };
    let year = FinancialYear::starting(start)?;
    let ended = (1..=12)
        .rev()
        .filter_map(Period::new)
        .find(|period| period.last_day(year) <= on);
    Some((year, ended))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPlanReport {
    /// The day the plans are judged on.
    #[serde(with = "crate::domain::instant::iso_date")]
    #[schema(value_type = String, format = Date)]
    pub on: Date,
    /// The financial year the day falls in: the year of the money.
    pub year: FinancialYear,
    /// The latest period of the year ended by the day: at risk and RAG are each saving's latest assessment up to
    /// it. Null before the year's first period has ended (nothing assessed yet).
    pub assessed_up_to: Option<Period>,
    /// Null: every directorate.
    pub directorate: Option<DirectorateCode>,
    /// The latest baseline (by `as_at`, when given) the approved savings are read from; absent when none is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// Each approved saving of the year, by ref.
    pub rows: Vec<DeliveryPlanRow>,
    /// The other lines with actions, by ref, and why they are not rows.
    pub not_approved: Vec<NotApprovedPlan>,
    /// The rows added up by directorate, by code.
    pub directorates: Vec<DeliveryPlanTotal>,
    pub total: DeliveryPlanTotal,
    pub unit: Unit,
    /// In thousands: each total whose rounded rows do not add up to it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rounding_differences: Vec<RoundingDifference>,
}

/// An approved saving's money and its plan on the day.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPlanRow {
    #[serde(rename = "ref")]
    pub line_ref: LineRef,
    pub directorate: DirectorateCode,
    /// As the baseline holds it.
    pub title: String,
    /// The baseline's amount in the year.
    pub planned: Money,
    /// The period the RAG and amount at risk come from (a carried assessment's, the period it was carried
    /// from); null when not assessed this year by the day.
    pub assessed_in: Option<Period>,
    pub rag: Option<Rag>,
    pub at_risk: Option<Money>,
    pub counts: PlanCounts,
    pub next_milestone: Option<NextMilestone>,
    /// Rated green or amber with a critical action overdue: the RAG does not show it yet. Null otherwise
    /// (red already says it; blue is delivered; a saving not assessed is not rated).
    pub delivery_risk: Option<DeliveryRisk>,
    /// Its actions in plan order, judged on the day.
    pub actions: Vec<ReportedAction>,
}

#[derive(Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"rag": "amber", "overdue_critical": ["6.4 overdue since 2021-08-31"]}))]
pub struct DeliveryRisk {
    /// The RAG that does not show it.
    pub rag: Rag,
    /// Each critical action overdue, earliest due first: `6.4 overdue since 2021-08-31` (its due day).
    pub overdue_critical: Vec<String>,
}

/// An action as the report shows it.
#[derive(Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReportedAction {
    #[schema(value_type = String, example = "6.4")]
    pub action: ActionRef,
    pub text: String,
    pub critical: bool,
    pub standing: Standing,
    #[serde(with = "crate::domain::instant::iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_by: Option<Date>,
    #[serde(with = "crate::domain::instant::iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub original_due_by: Option<Date>,
    /// How far `due_by` moved from `original_due_by`, when both are known.
    pub slip: Option<Slip>,
    /// Days past `due_by` on the day, when overdue.
    pub days_overdue: Option<i64>,
    /// Each owner: the person's name, or as printed when it names nobody in the directory.
    pub owners: Vec<String>,
}

/// A line with actions that is not an approved saving of the year: its plan, without money.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotApprovedPlan {
    #[serde(rename = "ref")]
    pub line_ref: LineRef,
    pub directorate: DirectorateCode,
    /// The line's title (as at `as_at`, when given); null if the line cannot be read.
    pub title: Option<String>,
    #[schema(example = "not in the baseline Budget Council, February 2021")]
    pub why: String,
    pub counts: PlanCounts,
    pub next_milestone: Option<NextMilestone>,
    pub actions: Vec<ReportedAction>,
}

/// The approved savings of a directorate (or all) added up: their money and their plans.
#[derive(Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeliveryPlanTotal {
    /// Null on the total over every directorate.
    pub directorate: Option<DirectorateCode>,
    pub savings: usize,
    pub planned: Money,
    /// How many are assessed this year by the day, what they have at risk, and the planned amounts of the rest.
    pub assessed: usize,
    pub at_risk: Money,
    pub not_assessed: Money,
    /// How many are named a delivery risk.
    pub delivery_risks: usize,
    pub counts: PlanCounts,
}

/// What the report is built from, as loaded.
pub struct DeliveryPlanData {
    pub baseline: Option<String>,
    /// The baseline's lines of the directorate asked for (every year).
    pub held: Vec<BaselineLine>,
    /// The year's assessments up to the period.
    pub assessments: Vec<Assessment>,
    /// Every action of the directorate's plans (or all).
    pub actions: Vec<Action>,
    /// The titles of the lines with actions that are not approved savings of the year.
    pub titles: HashMap<LineRef, String>,
}

/// Approved savings with their money beside their delivery plans on a day, and the savings the RAG does not
/// show at risk: rated green or amber with a critical action overdue.
#[utoipa::path(
    tag = "reports",
    params(DeliveryPlanParams),
    responses(
        (status = 200, body = DeliveryPlanReport),
        (status = 400, description = "`on` with `year` or `period`, or one of `year` and `period` without the other", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/delivery-plan")]
pub async fn delivery_plan_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: QueryParams<DeliveryPlanParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.0;
    let on = plan_day(params.on, params.year, params.period, params.as_at)?;
    let (year, up_to) = year_and_period(on).ok_or_else(|| {
        let field = if params.on.is_none() && params.as_at.is_some() {
            "as_at"
        } else {
            "on"
        };
        ApiError::parameter(field, format!("{on} is outside the financial years held"))
    })?;
    let directorate = params.directorate.map(|code| code.0);
    let at = params.as_at;
    let data = db::scan(&state.pool, {
        let directorate = directorate.clone();
        move |conn| load(conn, directorate.as_ref(), (year, up_to), at)
    })
    .await?;
    let unit = params.unit.unwrap_or_default();
    let report = build(data, directorate, (on, year, up_to), unit);
    let output = Output {
        format: params.format,
        unit,
        as_at: params.as_at,
    };
    present(&req, output, &report)
}

/// The latest baseline by `at` (now when `None`) with its lines, the year's assessments up to `up_to`, the plans
/// and the titles of the lines with actions not approved, of one directorate or all, now or as at `at`.
pub fn load(
    conn: &mut db::DbConnection,
    directorate: Option<&DirectorateCode>,
    (year, up_to): (FinancialYear, Option<Period>),
    at: Option<OffsetDateTime>,
) -> Result<DeliveryPlanData, ApiError> {
    let then = at.map(db::time::stored);
    let baseline = budget::repo::list_baselines(conn, then)?.into_iter().next();
    let held: Vec<BaselineLine> = match &baseline {
        Some(row) => budget::repo::lines_of(conn, &row.name)?
            .into_iter()
            .filter(|line| directorate.is_none_or(|code| &line.directorate == code))
            .collect(),
        None => Vec::new(),
    };
    let assessments = match (up_to, at) {
        (None, _) => Vec::new(),
        (Some(up_to), None) => monitoring::repo::assessments_up_to(conn, year, up_to, directorate)?,
        (Some(up_to), Some(at)) => {
            Monitoring::up_to_at(conn, year, up_to, directorate, at)?.assessments
        }
    };
    let actions = plans::plans_of(conn, directorate, then)?;
    let approved: HashSet<&LineRef> = approved_in(&held, year)
        .map(|(line, _)| &line.line_ref)
        .collect();
    let others: BTreeSet<LineRef> = actions
        .iter()
        .map(|action| &action.line_ref)
        .filter(|line_ref| !approved.contains(line_ref))
        .cloned()
        .collect();
    let titles = line_titles(conn, &others, at)?;
    Ok(DeliveryPlanData {
        baseline: baseline.map(|row| row.name),
        held,
        assessments,
        actions,
        titles,
    })
}

/// The titles of these lines, now or as they stood at `at` (a line that cannot be read is left out).
pub fn line_titles(
    conn: &mut db::DbConnection,
    refs: &BTreeSet<LineRef>,
    at: Option<OffsetDateTime>,
) -> Result<HashMap<LineRef, String>, ApiError> {
    match at {
        None => {
            let refs: Vec<LineRef> = refs.iter().cloned().collect();
            Ok(lines::repo::find_many(conn, &refs)?
                .into_iter()
                .map(|(line_ref, line)| (line_ref, line.title))
                .collect())
        }
        Some(at) => {
            let mut titles = HashMap::new();
            for line_ref in refs {
                match lines::history::line_at(conn, line_ref, at) {
                    Ok(line) => {
                        titles.insert(line_ref.clone(), line.title);
                    }
                    Err(ApiError::NotFound(_)) => {}
                    Err(error) => return Err(error),
                }
            }
            Ok(titles)
        }
    }
}

/// The baseline's savings with an amount in `year`, each with it: the approved savings of the year.
fn approved_in(
    held: &[BaselineLine],
    year: FinancialYear,
) -> impl Iterator<Item = (&BaselineLine, Money)> {
    held.iter()
        .filter(|line| line.kind == LineKind::Saving)
        .filter_map(move |line| {
            let amount = line.years.iter().find(|entry| entry.year == year)?.amount;
            (!amount.is_zero()).then_some((line, amount))
        })
}

/// An action as the report shows it, judged on `on`.
fn reported(judged: &JudgedAction, on: Date) -> ReportedAction {
    let action = &judged.action;
    ReportedAction {
        action: action.action.clone(),
        text: action.text.clone(),
        critical: action.critical,
        standing: judged.standing,
        due_by: action.due_by,
        original_due_by: action.original_due_by,
        slip: action.slip,
        days_overdue: judged.days_overdue(on),
        owners: action
            .owners
            .iter()
            .map(|owner| {
                owner
                    .person
                    .clone()
                    .unwrap_or_else(|| owner.printed.clone())
            })
            .collect(),
    }
}

/// Why a line with actions is not a row.
fn why_not_approved(
    line_ref: &LineRef,
    held: &HashMap<&LineRef, &BaselineLine>,
    baseline: Option<&str>,
    year: FinancialYear,
) -> String {
    match baseline {
        None => "no baseline is set: no saving is approved".to_owned(),
        Some(_) if line_ref.kind() != LineKind::Saving => {
            "a growth line: the report sets savings' money beside their plans".to_owned()
        }
        Some(name) if held.contains_key(line_ref) => {
            format!("no amount in {year} in the baseline {name}")
        }
        Some(name) => format!("not in the baseline {name}"),
    }
}

/// Adds a row to a total.
fn add(total: &mut DeliveryPlanTotal, row: &DeliveryPlanRow) {
    total.savings += 1;
    total.planned = total.planned + row.planned;
    match row.at_risk {
        Some(at_risk) => {
            total.assessed += 1;
            total.at_risk = total.at_risk + at_risk;
        }
        None => total.not_assessed = total.not_assessed + row.planned,
    }
    total.delivery_risks += usize::from(row.delivery_risk.is_some());
    total.counts = total.counts.plus(row.counts);
}

/// The report from what was loaded, the plans judged on `on`. Pure.
pub fn build(
    data: DeliveryPlanData,
    directorate: Option<DirectorateCode>,
    (on, year, up_to): (Date, FinancialYear, Option<Period>),
    unit: Unit,
) -> DeliveryPlanReport {
    let mut latest: HashMap<&LineRef, &Assessment> = HashMap::new();
    for assessment in data.assessments.iter().filter(|a| a.year == year) {
        let held = latest.entry(&assessment.line_ref).or_insert(assessment);
        if assessment.period > held.period {
            *held = assessment;
        }
    }
    let mut plans: BTreeMap<LineRef, Vec<JudgedAction>> = BTreeMap::new();
    for judged in view::judge(data.actions, on) {
        plans
            .entry(judged.action.line_ref.clone())
            .or_default()
            .push(judged);
    }
    let mut rows = Vec::new();
    for (line, planned) in approved_in(&data.held, year) {
        let plan = plans.remove(&line.line_ref).unwrap_or_default();
        let assessed = latest.get(&line.line_ref);
        let rag = assessed.map(|a| a.rag);
        let overdue: Vec<String> = view::overdue_critical(&plan)
            .iter()
            .filter_map(|a| {
                let by = a.action.due_by?;
                Some(format!("{} overdue since {by}", a.action.action))
            })
            .collect();
        let delivery_risk = match rag {
            Some(rag @ (Rag::Green | Rag::Amber)) if !overdue.is_empty() => Some(DeliveryRisk {
                rag,
                overdue_critical: overdue,
            }),
            _ => None,
        };
        rows.push(DeliveryPlanRow {
            line_ref: line.line_ref.clone(),
            directorate: line.directorate.clone(),
            title: line.title.clone(),
            planned,
            assessed_in: assessed.map(|a| a.carried_from.unwrap_or(a.period)),
            rag,
            at_risk: assessed.map(|a| a.at_risk),
            counts: view::counts(&plan),
            next_milestone: view::next_milestone(&plan, on),
            delivery_risk,
            actions: plan.iter().map(|a| reported(a, on)).collect(),
        });
    }
    rows.sort_by(|a, b| a.line_ref.cmp(&b.line_ref));
    let held: HashMap<&LineRef, &BaselineLine> = data
        .held
        .iter()
        .map(|line| (&line.line_ref, line))
        .collect();
    let not_approved = plans
        .into_iter()
        .map(|(line_ref, plan)| NotApprovedPlan {
            why: why_not_approved(&line_ref, &held, data.baseline.as_deref(), year),
            directorate: line_ref.directorate().clone(),
            title: data.titles.get(&line_ref).cloned(),
            counts: view::counts(&plan),
            next_milestone: view::next_milestone(&plan, on),
            actions: plan.iter().map(|a| reported(a, on)).collect(),
            line_ref,
        })
        .collect();
    let mut by_directorate: BTreeMap<DirectorateCode, DeliveryPlanTotal> = BTreeMap::new();
    let mut total = DeliveryPlanTotal::default();
    for row in &rows {
        let sum = by_directorate
            .entry(row.directorate.clone())
            .or_insert_with(|| DeliveryPlanTotal {
                directorate: Some(row.directorate.clone()),
                ..DeliveryPlanTotal::default()
            });
        add(sum, row);
        add(&mut total, row);
    }
    let summed = |figure: &str, row: fn(&DeliveryPlanRow) -> Money, total: Money| Summed {
        figure: format!("total {figure}"),
        rows: rows.iter().map(row).collect(),
        total,
    };
    let rounding_differences = rounding_differences(
        unit,
        [
            summed("planned", |r| r.planned, total.planned),
            summed("at risk", |r| r.at_risk.unwrap_or_default(), total.at_risk),
        ],
    );
    DeliveryPlanReport {
        on,
        year,
        assessed_up_to: up_to,
        directorate,
        baseline: data.baseline,
        rows,
        not_approved,
        directorates: by_directorate.into_values().collect(),
        total,
        unit,
        rounding_differences,
    }
}

/// The counts and the next milestone of a plan, as table cells (after the money).
fn plan_cells(counts: &PlanCounts, next: Option<&NextMilestone>) -> Vec<Cell> {
    let mut cells: Vec<Cell> = [
        counts.actions,
        counts.complete,
        counts.cancelled,
        counts.on_track,
        counts.overdue,
        counts.not_dated,
        counts.slipped,
    ]
    .into_iter()
    .map(|count| Cell::from(count.to_string()))
    .collect();
    cells.push(Cell::from(
        next.map(|next| format!("{} {}", next.action, next.text)),
    ));
    cells.push(Cell::from(next.map(|next| next.due_by.to_string())));
    cells
}

impl Tabular for DeliveryPlanReport {
    /// A row per approved saving, the total, then the other lines with plans (no money), each saying why.
    fn table(&self) -> Table {
        let scope = self
            .directorate
            .as_ref()
            .map_or("all directorates".to_owned(), ToString::to_string);
        let title = format!("Delivery plans, {scope}, on {}", self.on);
        let columns = [
            "Ref",
            "Directorate",
            "Title",
            "Planned",
            "Assessed in",
            "RAG",
            "At risk",
            "Actions",
            "Complete",
            "Cancelled",
            "On track",
            "Overdue",
            "Not dated",
            "Slipped",
            "Next milestone",
            "Next milestone due",
            "Delivery risk",
            "Note",
        ];
        let mut table = Table::new(title, columns);
        for row in &self.rows {
            let mut cells = vec![
                Cell::from(row.line_ref.to_string()),
                Cell::from(row.directorate.to_string()),
                Cell::from(row.title.clone()),
                Cell::from(row.planned),
                Cell::from(row.assessed_in.map(|p| p.to_string())),
                Cell::from(row.rag.map(|rag| rag.as_str().to_owned())),
                Cell::from(row.at_risk),
            ];
            cells.extend(plan_cells(&row.counts, row.next_milestone.as_ref()));
            cells.push(Cell::from(
                row.delivery_risk
                    .as_ref()
                    .map(|risk| risk.overdue_critical.join("; ")),
            ));
            table.row(cells);
        }
        let total = &self.total;
        let mut cells = vec![
            Cell::from("Total"),
            Cell::Empty,
            Cell::Empty,
            Cell::from(total.planned),
            Cell::Empty,
            Cell::Empty,
            Cell::from(total.at_risk),
        ];
        cells.extend(plan_cells(&total.counts, None));
        cells.push(Cell::from(format!(
            "{} of {} savings",
            total.delivery_risks, total.savings
        )));
        table.row(cells);
        for plan in &self.not_approved {
            let mut cells = vec![
                Cell::from(plan.line_ref.to_string()),
                Cell::from(plan.directorate.to_string()),
                Cell::from(plan.title.clone()),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
            ];
            cells.extend(plan_cells(&plan.counts, plan.next_milestone.as_ref()));
            cells.push(Cell::Empty);
            cells.push(Cell::from(format!("Not approved: {}", plan.why)));
            table.row(cells);
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::budget::model::BaselineAmount;
    use crate::reports::cfe::{self, money, year};
    use crate::reports::cfe_plan;

    const BASELINE: &str = "Budget Council, February 2021";

    /// Table 8 as the baseline holds it: every CFE line with its three years.
    fn held() -> Vec<BaselineLine> {
        cfe::lines()
            .into_iter()
            .map(|line| BaselineLine {
                years: line
                    .years
                    .iter()
                    .map(|entry| BaselineAmount {
                        year: entry.year,
                        amount: entry.amount,
                    })
                    .collect(),
                line_ref: line.line_ref,
                directorate: line.directorate,
                kind: line.kind,
                title: line.title,
            })
            .collect()
    }

    /// 2021/22 P3 as reported to scrutiny: SAV07 red, SAV09 and SAV10 amber.
    fn p3() -> Vec<Assessment> {
        vec![
            cfe_plan::assessment("P3", "CFE SAV07", Rag::Red, "1065000.00", "1065000.00"),
            cfe_plan::assessment("P3", "CFE SAV09", Rag::Amber, "660000.00", "237000.00"),
            cfe_plan::assessment("P3", "CFE SAV10", Rag::Amber, "587000.00", "15000.00"),
        ]
    }

    fn data(assessments: Vec<Assessment>) -> DeliveryPlanData {
        DeliveryPlanData {
            baseline: Some(BASELINE.to_owned()),
            held: held(),
            assessments,
            actions: cfe_plan::july_2021(),
            titles: HashMap::from([(
                cfe::line_ref("CFE GRO04"),
                "SEND Strategy - support inclusion and access to local provision".to_owned(),
            )]),
        }
    }

    fn report_on(on: Date, assessments: Vec<Assessment>, unit: Unit) -> DeliveryPlanReport {
        let (year, up_to) = year_and_period(on).unwrap();
        build(data(assessments), Some(cfe::cfe()), (on, year, up_to), unit)
    }

    fn row<'a>(report: &'a DeliveryPlanReport, line: &str) -> &'a DeliveryPlanRow {
        report
            .rows
            .iter()
            .find(|row| row.line_ref.to_string() == line)
            .unwrap()
    }

    #[test]
    fn a_day_falls_in_a_financial_year_and_after_the_periods_ended_by_then() {
        let of =
            |on: Date| year_and_period(on).map(|(y, p)| (y.to_string(), p.map(|p| p.to_string())));
        let s = |text: &str| text.to_owned();
        assert_eq!(
            of(date!(2021 - 07 - 31)),
            Some((s("2021/22"), Some(s("P4"))))
        );
        assert_eq!(
            of(date!(2021 - 07 - 30)),
            Some((s("2021/22"), Some(s("P3"))))
        );
        assert_eq!(of(date!(2021 - 04 - 29)), Some((s("2021/22"), None)));
        assert_eq!(
            of(date!(2022 - 03 - 31)),
            Some((s("2021/22"), Some(s("P12"))))
        );
        assert_eq!(
            of(date!(2022 - 02 - 01)),
            Some((s("2021/22"), Some(s("P10"))))
        );
        assert_eq!(of(date!(1990 - 03 - 31)), None);
    }

    #[test]
    fn at_the_end_of_july_sav09s_cabinet_decision_has_slipped_two_months_and_is_the_next_milestone()
    {
        let report = report_on(date!(2021 - 07 - 31), p3(), Unit::Pounds);
        assert_eq!(report.year, year("2021/22"));
        assert_eq!(report.assessed_up_to, Period::new(4));
        let sav09 = row(&report, "CFE SAV09");
        assert_eq!(sav09.planned, money("660000.00"));
        assert_eq!(sav09.assessed_in, Period::new(3));
        assert_eq!(sav09.rag, Some(Rag::Amber));
        assert_eq!(sav09.at_risk, Some(money("237000.00")));
        assert_eq!(
            sav09.counts,
            PlanCounts {
                actions: 5,
                complete: 1,
                cancelled: 0,
                on_track: 3,
                overdue: 1,
                not_dated: 0,
                slipped: 1,
            }
        );
        let next = sav09.next_milestone.as_ref().unwrap();
        assert_eq!(
            (next.action.as_str(), next.due_by),
            ("6.4", date!(2021 - 08 - 31))
        );
        let cabinet = &sav09.actions[2];
        assert_eq!(cabinet.action.as_str(), "6.4");
        assert_eq!(cabinet.standing, Standing::OnTrack);
        assert_eq!(
            cabinet.slip,
            Some(Slip {
                days: 62,
                months: 2
            })
        );
        assert_eq!(cabinet.original_due_by, Some(date!(2021 - 06 - 30)));
        assert_eq!(cabinet.owners, vec!["Shelley Davies"]);
        // 6.3 (the consultation, due 4 June) is overdue, but not critical: no delivery risk.
        assert_eq!(sav09.actions[1].days_overdue, Some(57));
        assert_eq!(sav09.delivery_risk, None);
    }

    #[test]
    fn at_the_end_of_september_an_amber_saving_with_its_cabinet_decision_overdue_is_a_delivery_risk(
    ) {
        let report = report_on(date!(2021 - 09 - 30), p3(), Unit::Pounds);
        let sav09 = row(&report, "CFE SAV09");
        assert_eq!(
            sav09.delivery_risk,
            Some(DeliveryRisk {
                rag: Rag::Amber,
                overdue_critical: vec!["6.4 overdue since 2021-08-31".to_owned()],
            })
        );
        assert_eq!(sav09.counts.overdue, 2);
        let next = sav09.next_milestone.as_ref().unwrap();
        assert_eq!(
            (next.action.as_str(), next.due_by),
            ("6.5", date!(2021 - 11 - 30))
        );
        assert_eq!(report.total.delivery_risks, 1);
        // Rated green in P6 it is named all the same; red, it is not (the RAG says it already).
        for (rag, named) in [(Rag::Green, true), (Rag::Red, false), (Rag::Blue, false)] {
            let mut assessments = p3();
            let at_risk = if rag == Rag::Red { "237000.00" } else { "0.00" };
            assessments.push(cfe_plan::assessment(
                "P6",
                "CFE SAV09",
                rag,
                "660000.00",
                at_risk,
            ));
            let report = report_on(date!(2021 - 09 - 30), assessments, Unit::Pounds);
            let sav09 = row(&report, "CFE SAV09");
            assert_eq!(sav09.rag, Some(rag));
            assert_eq!(sav09.assessed_in, Period::new(6));
            assert_eq!(sav09.delivery_risk.is_some(), named, "{rag:?}");
        }
        // Not assessed at all by then: not rated, so not named.
        let report = report_on(date!(2021 - 09 - 30), Vec::new(), Unit::Pounds);
        assert_eq!(row(&report, "CFE SAV09").delivery_risk, None);
        assert_eq!(row(&report, "CFE SAV09").rag, None);
    }

    #[test]
    fn the_money_adds_up_over_the_years_approved_savings() {
        let report = report_on(date!(2021 - 07 - 31), p3(), Unit::Pounds);
        // Table 8's fourteen CFE savings, each with an amount in 2021/22.
        assert_eq!(report.rows.len(), 14);
        let total = &report.total;
        assert_eq!(total.directorate, None);
        assert_eq!(total.savings, 14);
        assert_eq!(total.planned, money("9433000.00"));
        assert_eq!(total.assessed, 3);
        assert_eq!(total.at_risk, money("1317000.00"));
        assert_eq!(total.not_assessed, money("7121000.00"));
        assert_eq!(total.delivery_risks, 0);
        // SAV04's 2.6 and SAV09's five actions; GRO04's 7.1 is not a saving's.
        assert_eq!(total.counts.actions, 6);
        assert_eq!(report.directorates.len(), 1);
        assert_eq!(report.directorates[0].directorate, Some(cfe::cfe()));
        assert_eq!(report.directorates[0].planned, money("9433000.00"));
        assert!(report.rounding_differences.is_empty());
        // A saving with no plan is a row all the same, with nothing to count.
        let sav02 = row(&report, "CFE SAV02");
        assert_eq!(sav02.counts, PlanCounts::default());
        assert_eq!(sav02.next_milestone, None);
    }

    #[test]
    fn lines_with_plans_but_no_approved_amount_are_listed_saying_why() {
        let report = report_on(date!(2021 - 07 - 31), p3(), Unit::Pounds);
        let listed: Vec<(String, Option<String>, String)> = report
            .not_approved
            .iter()
            .map(|p| (p.line_ref.to_string(), p.title.clone(), p.why.clone()))
            .collect();
        assert_eq!(
            listed,
            vec![(
                "CFE GRO04".to_owned(),
                Some("SEND Strategy - support inclusion and access to local provision".to_owned()),
                "a growth line: the report sets savings' money beside their plans".to_owned()
            )]
        );
        assert_eq!(report.not_approved[0].counts.overdue, 0);
        // A saving the baseline holds with nothing in the year, and one it does not hold.
        let mut data = data(p3());
        data.held
            .retain(|line| line.line_ref.to_string() != "CFE SAV04");
        for line in data
            .held
            .iter_mut()
            .filter(|l| l.line_ref.to_string() == "CFE SAV09")
        {
            line.years.retain(|entry| entry.year != year("2021/22"));
        }
        let on = date!(2021 - 07 - 31);
        let report = build(
            data,
            None,
            (on, year("2021/22"), Period::new(4)),
            Unit::Pounds,
        );
        let why: Vec<(String, String)> = report
            .not_approved
            .iter()
            .map(|p| (p.line_ref.to_string(), p.why.clone()))
            .collect();
        assert_eq!(
            why,
            vec![
                (
                    "CFE GRO04".to_owned(),
                    "a growth line: the report sets savings' money beside their plans".to_owned()
                ),
                (
                    "CFE SAV04".to_owned(),
                    format!("not in the baseline {BASELINE}")
                ),
                (
                    "CFE SAV09".to_owned(),
                    format!("no amount in 2021/22 in the baseline {BASELINE}")
                ),
            ]
        );
        assert_eq!(report.rows.len(), 12);
        // No baseline: nothing is approved, and every plan says so.
        let mut none = self::data(p3());
        none.baseline = None;
        none.held.clear();
        let report = build(
            none,
            None,
            (on, year("2021/22"), Period::new(4)),
            Unit::Pounds,
        );
        assert!(report.rows.is_empty());
        assert_eq!(report.total, DeliveryPlanTotal::default());
        assert_eq!(report.not_approved.len(), 3);
        assert!(report
            .not_approved
            .iter()
            .all(|p| p.why == "no baseline is set: no saving is approved"));
    }

    #[test]
    fn in_thousands_rounded_rows_that_do_not_add_up_are_listed() {
        // SAV09 and SAV10 at half a thousand: 236.5 and 15.5 round up to 237 and 16; 1,317,000.00 is exact.
        let mut assessments = p3();
        assessments[1] =
            cfe_plan::assessment("P3", "CFE SAV09", Rag::Amber, "660000.00", "236500.00");
        assessments[2] =
            cfe_plan::assessment("P3", "CFE SAV10", Rag::Amber, "587000.00", "15500.00");
        let report = report_on(date!(2021 - 07 - 31), assessments, Unit::Thousands);
        let differences: Vec<(&str, &str, &str)> = report
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
        assert_eq!(differences, vec![("total at risk", "1318", "1317")]);
    }

    #[test]
    fn the_table_has_a_row_a_saving_the_total_then_the_plans_not_approved() {
        let report = report_on(date!(2021 - 09 - 30), p3(), Unit::Pounds);
        let table = report.table();
        assert_eq!(table.title, "Delivery plans, CFE, on 2021-09-30");
        assert_eq!(table.rows.len(), 14 + 1 + 1);
        let sav09 = table
            .rows
            .iter()
            .find(|r| r[0] == Cell::from("CFE SAV09"))
            .unwrap();
        let text = |s: &str| Cell::from(s);
        assert_eq!(
            sav09,
            &vec![
                text("CFE SAV09"),
                text("CFE"),
                text("Review Children's Centres Delivery Model"),
                Cell::from(money("660000.00")),
                text("P3"),
                text("amber"),
                Cell::from(money("237000.00")),
                text("5"),
                text("1"),
                text("0"),
                text("2"),
                text("2"),
                text("0"),
                text("1"),
                text("6.5 Procurement of new provision completed Contracts awarded 20.09.21 Mobilisation and TUPE transfer 21.09.21-22.10.21"),
                text("2021-11-30"),
                text("6.4 overdue since 2021-08-31"),
                Cell::Empty,
            ]
        );
        let total = &table.rows[14];
        assert_eq!(total[0], text("Total"));
        assert_eq!(total[3], Cell::from(money("9433000.00")));
        assert_eq!(total[6], Cell::from(money("1317000.00")));
        assert_eq!(total[16], text("1 of 14 savings"));
        let gro04 = &table.rows[15];
        assert_eq!(gro04[0], text("CFE GRO04"));
        assert_eq!(gro04[3], Cell::Empty);
        assert_eq!(
            gro04[17],
            text("Not approved: a growth line: the report sets savings' money beside their plans")
        );
    }
}
