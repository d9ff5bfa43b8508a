//! The variance against a baseline: per line, directorate and year, what the baseline approved, what is
//! written off since, the revised budget, the current plan and the gap between the last two, with every
//! approved change to the line since the baseline and the decision it was approved under. The Section 151
//! officer's view of "what changed from what Council approved, and who decided".

use std::collections::{BTreeMap, BTreeSet, HashMap};

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::budget;
use crate::budget::model::{BaselineLine, WriteOff};
use crate::budget::repo::BaselineRow;
use crate::change_control;
use crate::change_control::model::LineApproval;
use crate::db;
use crate::domain::directorate_code::AnyCaseDirectorate;
use crate::domain::money::Unit;
use crate::domain::{DirectorateCode, FinancialYear, LineKind, LineRef, LineStatus, Money};
use crate::error::ApiError;
use crate::http::QueryParams;
use crate::lines::model::Line;
use crate::lines::repo::LineFilter;
use crate::lines::{history, repo as lines_repo};
use crate::present::table::{Cell, Table, Tabular};
use crate::present::{present, Format, Output};
use crate::state::AppState;

/// The most lines one report sets against a baseline; past it, ask for one directorate or kind.
pub const MAX_VARIANCE_LINES: usize = 20_000;
const PAGE: usize = 1_000;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VarianceParams {
    /// The baseline's name; by default the latest set (by `as_at`, when given).
    #[param(example = "Budget Council, February 2021")]
    pub baseline: Option<String>,
    /// One directorate only (any case).
    #[param(value_type = Option<String>, example = "CFE")]
    pub directorate: Option<AnyCaseDirectorate>,
    /// `saving` or `growth` only; both by default.
    pub kind: Option<LineKind>,
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
pub struct BaselineVarianceReport {
    /// The baseline's name, the decision that approved it, and when it was set.
    pub baseline: String,
    pub decision_id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub set_at: OffsetDateTime,
    pub years: Vec<FinancialYear>,
    /// Every line the baseline holds or the plan has now (within the filters), by ref.
    pub lines: Vec<BaselineVarianceLine>,
    /// By directorate and kind, then in total by kind.
    pub totals: Vec<BaselineVarianceTotal>,
    pub unit: Unit,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BaselineVarianceLine {
    #[serde(rename = "ref")]
    #[schema(value_type = String)]
    pub line_ref: LineRef,
    pub directorate: DirectorateCode,
    pub kind: LineKind,
    pub title: String,
    /// Its status now; null for a line the baseline holds that no longer exists (never: lines are kept).
    pub status: Option<LineStatus>,
    /// Whether the baseline holds the line: a line added since has a baseline of 0.00.
    pub in_baseline: bool,
    pub years: Vec<BaselineVarianceYear>,
    /// Every change to it approved since the baseline was set, with the decision approving it.
    pub changes: Vec<LineApproval>,
}

/// One year of a line or total against the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct BaselineVarianceYear {
    pub year: FinancialYear,
    pub baseline: Money,
    pub written_off: Money,
    /// `baseline` − `written_off`.
    pub revised_budget: Money,
    /// The line's amount now (0.00 when withdrawn: a withdrawn line plans nothing).
    pub current_plan: Money,
    /// `current_plan` − `revised_budget`: negative where less is planned than approved.
    pub variance: Money,
}

#[derive(Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct BaselineVarianceTotal {
    /// Null on the total over every directorate.
    pub directorate: Option<DirectorateCode>,
    pub kind: LineKind,
    pub years: Vec<BaselineVarianceYear>,
}

/// What the report is built from, as loaded.
pub struct VarianceData {
    pub baseline: BaselineRow,
    pub held: Vec<BaselineLine>,
    pub lines: Vec<Line>,
    pub write_offs: Vec<WriteOff>,
    pub changes: Vec<LineApproval>,
}

/// The plan against a baseline, per line, directorate and year.
#[utoipa::path(
    tag = "reports",
    params(VarianceParams),
    responses(
        (status = 200, body = BaselineVarianceReport),
        (status = 404, description = "No such baseline, or none set by then", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 400, description = "More lines than one report sets against a baseline: ask for one directorate or kind", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/variance")]
pub async fn variance_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: QueryParams<VarianceParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.0;
    let filter = LineFilter {
        directorate: params.directorate.map(|code| code.0),
        kind: params.kind,
        ..LineFilter::default()
    };
    let (name, at) = (params.baseline, params.as_at);
    let data = db::scan(&state.pool, move |conn| {
        load(conn, name.as_deref(), &filter, at)
    })
    .await?;
    let unit = params.unit.unwrap_or_default();
    let report = build(&data, unit);
    let output = Output {
        format: params.format,
        unit,
        as_at: params.as_at,
    };
    present(&req, output, &report)
}

/// The baseline (named, or the latest by then), its lines, the lines now or as at `at`, the write-offs and
/// approved changes since it was set, and the decisions they name.
pub fn load(
    conn: &mut db::DbConnection,
    name: Option<&str>,
    filter: &LineFilter,
    at: Option<OffsetDateTime>,
) -> Result<VarianceData, ApiError> {
    let then = at.map(db::time::stored);
    let baseline = match name {
        Some(name) => budget::repo::find_baseline(conn, name)?
            .filter(|row| then.is_none_or(|then| row.set_at <= then))
            .ok_or_else(|| ApiError::NotFound(format!("there is no baseline {name:?} by then")))?,
        None => budget::repo::list_baselines(conn, then)?
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::NotFound("no baseline is set by then".to_owned()))?,
    };
    let in_scope = |directorate: &DirectorateCode, kind: LineKind| {
        filter.directorate.as_ref().is_none_or(|d| d == directorate)
            && filter.kind.is_none_or(|k| k == kind)
    };
    let held: Vec<BaselineLine> = budget::repo::lines_of(conn, &baseline.name)?
        .into_iter()
        .filter(|line| in_scope(&line.directorate, line.kind))
        .collect();
    let mut lines = Vec::new();
    loop {
        let after = lines.last().map(|line: &Line| line.line_ref.clone());
        let page = match at {
            None => lines_repo::list(conn, filter, after.as_ref(), PAGE as i64)?,
            Some(at) => history::page_at(conn, filter, after.as_ref(), PAGE, at)?,
        };
        let done = page.len() < PAGE;
        lines.extend(page);
        if lines.len() > MAX_VARIANCE_LINES {
            return Err(ApiError::parameter(
                "directorate",
                format!(
                    "more than {MAX_VARIANCE_LINES} lines: ask for one directorate or kind at a time"
                ),
            ));
        }
        if done {
            break;
        }
    }
    let write_offs: Vec<WriteOff> = budget::repo::write_offs(conn, None)?
        .into_iter()
        .filter(|write_off| {
            in_scope(&write_off.directorate, LineKind::Saving)
                && at.is_none_or(|at| write_off.recorded_at <= at)
        })
        .collect();
    let changes = change_control::service::approvals(conn, baseline.set_at, then)?;
    Ok(VarianceData {
        baseline,
        held,
        lines,
        write_offs,
        changes,
    })
}

/// The report from what was loaded: each line's years, then the totals by directorate and kind and by kind.
pub fn build(data: &VarianceData, unit: Unit) -> BaselineVarianceReport {
    let held: HashMap<&LineRef, &BaselineLine> = data
        .held
        .iter()
        .map(|line| (&line.line_ref, line))
        .collect();
    let now: HashMap<&LineRef, &Line> = data
        .lines
        .iter()
        .map(|line| (&line.line_ref, line))
        .collect();
    let mut written_off: HashMap<&LineRef, BTreeMap<FinancialYear, Money>> = HashMap::new();
    for write_off in &data.write_offs {
        let by_year = written_off.entry(&write_off.line_ref).or_default();
        for entry in &write_off.years {
            let sum = by_year.entry(entry.year).or_default();
            *sum = *sum + entry.amount;
        }
    }
    let mut changes: HashMap<&LineRef, Vec<LineApproval>> = HashMap::new();
    for change in &data.changes {
        changes
            .entry(&change.line_ref)
            .or_default()
            .push(change.clone());
    }
    let refs: BTreeSet<&LineRef> = held.keys().chain(now.keys()).copied().collect();
    let mut years: BTreeSet<FinancialYear> = BTreeSet::new();
    for line in &data.held {
        years.extend(line.years.iter().map(|entry| entry.year));
    }
    for line in &data.lines {
        years.extend(line.years.iter().map(|entry| entry.year));
    }
    let years: Vec<FinancialYear> = years.into_iter().collect();
    let lines: Vec<BaselineVarianceLine> = refs
        .into_iter()
        .filter_map(|line_ref| {
            let approved = held.get(line_ref).copied();
            let current = now.get(line_ref).copied();
            let (directorate, kind, title) = match (current, approved) {
                (Some(line), _) => (line.directorate.clone(), line.kind, line.title.clone()),
                (None, Some(line)) => (line.directorate.clone(), line.kind, line.title.clone()),
                (None, None) => return None,
            };
            let written = written_off.get(line_ref);
            let line_years = years
                .iter()
                .map(|&year| {
                    let baseline = approved
                        .and_then(|line| line.years.iter().find(|entry| entry.year == year))
                        .map_or(Money::ZERO, |entry| entry.amount);
                    let current_plan = current
                        .filter(|line| line.status != LineStatus::Withdrawn)
                        .and_then(|line| line.years.iter().find(|entry| entry.year == year))
                        .map_or(Money::ZERO, |entry| entry.amount);
                    let written_off = written
                        .and_then(|by_year| by_year.get(&year).copied())
                        .unwrap_or_default();
                    figures(year, baseline, written_off, current_plan)
                })
                .collect();
            Some(BaselineVarianceLine {
                status: current.map(|line| line.status),
                in_baseline: approved.is_some(),
                changes: changes.remove(line_ref).unwrap_or_default(),
                line_ref: line_ref.clone(),
                directorate,
                kind,
                title,
                years: line_years,
            })
        })
        .collect();
    let totals = totals(&lines, &years);
    BaselineVarianceReport {
        baseline: data.baseline.name.clone(),
        decision_id: data.baseline.decision_id,
        set_at: db::time::utc(data.baseline.set_at),
        years,
        lines,
        totals,
        unit,
    }
}

fn figures(
    year: FinancialYear,
    baseline: Money,
    written_off: Money,
    current_plan: Money,
) -> BaselineVarianceYear {
    let revised_budget = baseline - written_off;
    BaselineVarianceYear {
        year,
        baseline,
        written_off,
        revised_budget,
        current_plan,
        variance: current_plan - revised_budget,
    }
}

/// The lines added up by directorate and kind, then over every directorate by kind.
fn totals(lines: &[BaselineVarianceLine], years: &[FinancialYear]) -> Vec<BaselineVarianceTotal> {
    let mut sums: BTreeMap<(Option<DirectorateCode>, LineKind), Vec<BaselineVarianceYear>> =
        BTreeMap::new();
    for line in lines {
        for key in [
            (Some(line.directorate.clone()), line.kind),
            (None, line.kind),
        ] {
            let sum = sums.entry(key).or_insert_with(|| {
                years
                    .iter()
                    .map(|&year| figures(year, Money::ZERO, Money::ZERO, Money::ZERO))
                    .collect()
            });
            for (total, entry) in sum.iter_mut().zip(&line.years) {
                *total = figures(
                    total.year,
                    total.baseline + entry.baseline,
                    total.written_off + entry.written_off,
                    total.current_plan + entry.current_plan,
                );
            }
        }
    }
    // Directorates first (in code order), then the totals over all of them.
    let (mut by_directorate, overall): (Vec<_>, Vec<_>) = sums
        .into_iter()
        .map(|((directorate, kind), years)| BaselineVarianceTotal {
            directorate,
            kind,
            years,
        })
        .partition(|total| total.directorate.is_some());
    by_directorate.extend(overall);
    by_directorate
}

impl Tabular for BaselineVarianceReport {
    fn table(&self) -> Table {
        let title = format!("Variance against the baseline {}", self.baseline);
        let columns = [
            "Ref",
            "Directorate",
            "Kind",
            "Title",
            "Year",
            "Baseline",
            "Written off",
            "Revised budget",
            "Current plan",
            "Variance",
            "Approved changes",
        ];
        let mut table = Table::new(title, columns);
        for line in &self.lines {
            let decided = line
                .changes
                .iter()
                .map(|change| {
                    format!(
                        "change set {} ({}), decision {} ({})",
                        change.change_set,
                        change.changed.join(", "),
                        change.decision_id,
                        change.decision
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            for year in &line.years {
                table.row(row(
                    Some(line.line_ref.to_string()),
                    Some(line.directorate.to_string()),
                    line.kind,
                    line.title.clone(),
                    year,
                    decided.clone(),
                ));
            }
        }
        for total in &self.totals {
            let name = match &total.directorate {
                Some(directorate) => format!("Total {directorate}"),
                None => "Total".to_owned(),
            };
            for year in &total.years {
                table.row(row(
                    None,
                    total.directorate.as_ref().map(|d| d.to_string()),
                    total.kind,
                    name.clone(),
                    year,
                    String::new(),
                ));
            }
        }
        table
    }
}

fn row(
    line_ref: Option<String>,
    directorate: Option<String>,
    kind: LineKind,
    title: String,
    year: &BaselineVarianceYear,
    decided: String,
) -> [Cell; 11] {
    [
        Cell::from(line_ref),
        Cell::from(directorate),
        Cell::from(kind.as_str()),
        Cell::from(title),
        Cell::from(year.year.to_string()),
        Cell::from(year.baseline),
        Cell::from(year.written_off),
        Cell::from(year.revised_budget),
        Cell::from(year.current_plan),
        Cell::from(year.variance),
        Cell::from(decided),
    ]
}
