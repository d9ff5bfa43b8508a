//! What changed between two instants, and why: lines added, lines withdrawn (with their reasons), lines whose
//! figures changed, and the effect on the totals — the quarterly "what dropped off and why" view for scrutiny.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::change_control;
use crate::change_control::model::LineApproval;
use crate::db;
use crate::domain::directorate_code::AnyCaseDirectorate;
use crate::domain::money::Unit;
use crate::domain::summary::{SummaryTotals, YearSummary};
use crate::domain::{DirectorateCode, FinancialYear, LineKind, LineRef, LineStatus, Money};
use crate::error::ApiError;
use crate::http::QueryParams;
use crate::lines::history;
use crate::lines::model::Line;
use crate::lines::repo::LineFilter;
use crate::present::table::{Cell, Table, Tabular};
use crate::present::{present, Format, Output};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesParams {
    /// The start (RFC 3339, e.g. `2021-04-01T00:00:00Z`).
    #[serde(deserialize_with = "crate::domain::instant::instant")]
    #[param(value_type = String, format = DateTime)]
    pub from: OffsetDateTime,
    /// The end; defaults to now.
    #[serde(default, deserialize_with = "crate::domain::instant::optional_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<OffsetDateTime>,
    /// One directorate only (any case).
    #[param(value_type = Option<String>, example = "CFE")]
    pub directorate: Option<AnyCaseDirectorate>,
    /// `pounds` (the default) or `thousands`: whole £000s as council tables print them.
    pub unit: Option<Unit>,
    /// `json` (the default), `csv` or `xlsx`; or ask by `Accept: text/csv` or the XLSX media type.
    #[param(value_type = Option<String>, example = "xlsx")]
    pub format: Option<Format>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesReport {
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub to: OffsetDateTime,
    /// Lines that did not exist at `from` and do at `to`, as at `to`.
    pub added: Vec<Line>,
    /// Lines withdrawn between `from` and `to`, as at `to`, each with its `withdrawal_reason`.
    pub withdrawn: Vec<Line>,
    /// Lines withdrawn at `from` and back in the plan at `to`, as at `to`.
    pub reinstated: Vec<Line>,
    /// Lines in the plan at both instants whose amounts changed.
    pub changed: Vec<ChangedLine>,
    /// Per year, the summary at `to` less the summary at `from` (withdrawn lines left out of both), so
    /// the summary at `from` plus these equals the summary at `to`.
    pub totals: Vec<YearSummary>,
    pub unit: Unit,
    /// Every change to an approved line approved between `from` and `to`, each with its change set and the
    /// decision it was approved under.
    pub approvals: Vec<LineApproval>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangedLine {
    #[serde(rename = "ref")]
    pub line_ref: LineRef,
    pub kind: LineKind,
    pub directorate: DirectorateCode,
    pub title: String,
    /// Each year whose amount differs; a year missing at one instant counts as zero there.
    pub years: Vec<YearChange>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct YearChange {
    pub year: FinancialYear,
    pub before: Money,
    pub after: Money,
    /// `after − before`.
    pub difference: Money,
}

/// Lines added, withdrawn (with reasons) and changed between two instants, with the effect on the totals.
#[utoipa::path(tag = "reports", params(ChangesParams), responses((status = 200, body = ChangesReport)))]
#[get("/reports/changes")]
pub async fn changes_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: QueryParams<ChangesParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.0;
    let (from, to) = (
        params.from,
        params.to.unwrap_or_else(OffsetDateTime::now_utc),
    );
    if from > to {
        return Err(ApiError::parameter("to", "is before `from`"));
    }
    let filter = LineFilter {
        directorate: params.directorate.map(|code| code.0),
        ..LineFilter::default()
    };
    let scope = filter.directorate.clone();
    let (before, after, approvals) = db::scan(&state.pool, move |conn| {
        let (since, until) = (db::time::stored(from), db::time::stored(to));
        let approvals: Vec<LineApproval> =
            change_control::service::approvals(conn, since, Some(until))?
                .into_iter()
                .filter(|approval| {
                    scope
                        .as_ref()
                        .is_none_or(|d| approval.line_ref.directorate() == d)
                })
                .collect();
        Ok((
            history::lines_at(conn, from)?,
            history::lines_at(conn, to)?,
            approvals,
        ))
    })
    .await?;
    let unit = params.unit.unwrap_or_default();
    let output = Output {
        format: params.format,
        unit,
        as_at: Some(to),
    };
    let mut report = build(from, to, &filter, before, after, unit);
    report.approvals = approvals;
    present(&req, output, &report)
}

/// The changes between the lines as they stood at `from` (`before`) and at `to` (`after`), of those `filter`
/// keeps. Pure: no connection, no request.
pub fn build(
    from: OffsetDateTime,
    to: OffsetDateTime,
    filter: &LineFilter,
    before: Vec<Line>,
    after: Vec<Line>,
    unit: Unit,
) -> ChangesReport {
    let before: BTreeMap<LineRef, Line> = before
        .into_iter()
        .filter(|l| filter.matches(l))
        .map(|l| (l.line_ref.clone(), l))
        .collect();
    let after: Vec<Line> = after.into_iter().filter(|l| filter.matches(l)).collect();
    let withdrawn_now = |line: &Line| line.status == LineStatus::Withdrawn;

    let mut report = ChangesReport {
        from,
        to,
        added: Vec::new(),
        withdrawn: Vec::new(),
        reinstated: Vec::new(),
        changed: Vec::new(),
        approvals: Vec::new(),
        totals: Vec::new(),
        unit,
    };
    let (mut total_before, mut total_after) = (SummaryTotals::default(), SummaryTotals::default());
    for line in before.values().filter(|line| !withdrawn_now(line)) {
        line.years
            .iter()
            .for_each(|e| total_before.add(line.kind, e.year, e.amount));
    }
    for line in &after {
        if !withdrawn_now(line) {
            line.years
                .iter()
                .for_each(|e| total_after.add(line.kind, e.year, e.amount));
        }
        match before.get(&line.line_ref) {
            None => report.added.push(line.clone()),
            Some(earlier) if withdrawn_now(line) && !withdrawn_now(earlier) => {
                report.withdrawn.push(line.clone())
            }
            Some(earlier) if !withdrawn_now(line) && !withdrawn_now(earlier) => {
                let years = year_changes(earlier, line);
                if !years.is_empty() {
                    report.changed.push(ChangedLine {
                        line_ref: line.line_ref.clone(),
                        kind: line.kind,
                        directorate: line.directorate.clone(),
                        title: line.title.clone(),
                        years,
                    });
                }
            }
            Some(earlier) if !withdrawn_now(line) && withdrawn_now(earlier) => {
                report.reinstated.push(line.clone())
            }
            Some(_) => {}
        }
    }
    let years: BTreeSet<FinancialYear> = total_before.years().chain(total_after.years()).collect();
    let years: Vec<FinancialYear> = years.into_iter().collect();
    report.totals = total_after
        .rows(&years)
        .into_iter()
        .zip(total_before.rows(&years))
        .map(|(now, then)| YearSummary {
            year: now.year,
            savings: now.savings - then.savings,
            growth: now.growth - then.growth,
            net: now.net - then.net,
        })
        .collect();
    report
}

fn year_changes(before: &Line, after: &Line) -> Vec<YearChange> {
    let amount = |line: &Line, year| {
        line.years
            .iter()
            .find(|e| e.year == year)
            .map_or(Money::ZERO, |e| e.amount)
    };
    let years: BTreeSet<FinancialYear> = before
        .years
        .iter()
        .chain(&after.years)
        .map(|e| e.year)
        .collect();
    years
        .into_iter()
        .map(|year| (year, amount(before, year), amount(after, year)))
        .filter(|(_, then, now)| then != now)
        .map(|(year, before, after)| YearChange {
            year,
            before,
            after,
            difference: after - before,
        })
        .collect()
}

impl Tabular for ChangesReport {
    /// A row per line and year that changed: added, withdrawn (with the reason), reinstated or changed.
    fn table(&self) -> Table {
        let columns = [
            "Change",
            "Ref",
            "Title",
            "Year",
            "Before",
            "After",
            "Difference",
            "Reason",
        ];
        let mut table = Table::new("MTFS changes", columns);
        let whole_lines = [
            ("Added", &self.added, false),
            ("Withdrawn", &self.withdrawn, true),
            ("Reinstated", &self.reinstated, false),
        ];
        for (change, lines, gone) in whole_lines {
            for line in lines.iter() {
                for entry in &line.years {
                    let (before, after) = if gone {
                        (Some(entry.amount), Money::ZERO)
                    } else {
                        (None, entry.amount)
                    };
                    table.row([
                        Cell::from(change),
                        Cell::from(line.line_ref.to_string()),
                        Cell::from(line.title.clone()),
                        Cell::from(entry.year.to_string()),
                        Cell::from(before),
                        Cell::from(after),
                        Cell::from(after - before.unwrap_or(Money::ZERO)),
                        Cell::from(line.withdrawal_reason.clone()),
                    ]);
                }
            }
        }
        for line in &self.changed {
            for year in &line.years {
                table.row([
                    Cell::from("Changed"),
                    Cell::from(line.line_ref.to_string()),
                    Cell::from(line.title.clone()),
                    Cell::from(year.year.to_string()),
                    Cell::from(year.before),
                    Cell::from(year.after),
                    Cell::from(year.difference),
                    Cell::Empty,
                ]);
            }
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::reports::cfe::{self, money, year};

    const FROM: OffsetDateTime = datetime!(2021-04-01 00:00 UTC);
    const TO: OffsetDateTime = datetime!(2021-07-01 00:00 UTC);

    /// Between April and July 2021: CFE SAV13 withdrawn (the service transferred to a trust), SAV05's 2022/23
    /// saving cut from 1,654,000.00 to 1,500,000.00, and GRO04 recorded.
    fn before_and_after() -> (Vec<Line>, Vec<Line>) {
        let gro04 = cfe::line("CFE GRO04");
        let before: Vec<Line> = cfe::lines()
            .into_iter()
            .filter(|l| l.line_ref != gro04.line_ref)
            .collect();
        let after = cfe::lines()
            .into_iter()
            .map(|mut line| {
                match line.line_ref.to_string().as_str() {
                    "CFE SAV13" => {
                        line.status = LineStatus::Withdrawn;
                        line.withdrawal_reason = Some("Service transferred to a trust".to_owned());
                    }
                    "CFE SAV05" => line.years[1].amount = money("1500000.00"),
                    _ => {}
                }
                line
            })
            .collect();
        (before, after)
    }

    #[test]
    fn what_was_added_withdrawn_and_changed_and_the_effect_on_the_totals() {
        let (before, after) = before_and_after();
        let report = build(
            FROM,
            TO,
            &LineFilter::default(),
            before,
            after,
            Unit::Pounds,
        );
        let refs = |lines: &[Line]| {
            lines
                .iter()
                .map(|l| l.line_ref.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(refs(&report.added), ["CFE GRO04"]);
        assert_eq!(refs(&report.withdrawn), ["CFE SAV13"]);
        assert_eq!(
            report.withdrawn[0].withdrawal_reason.as_deref(),
            Some("Service transferred to a trust")
        );
        assert!(report.reinstated.is_empty());
        assert_eq!(report.changed.len(), 1);
        let changed = &report.changed[0];
        assert_eq!(changed.line_ref.to_string(), "CFE SAV05");
        let years: Vec<_> = changed
            .years
            .iter()
            .map(|y| {
                (
                    y.year.to_string(),
                    y.before.to_string(),
                    y.after.to_string(),
                    y.difference.to_string(),
                )
            })
            .collect();
        assert_eq!(
            years,
            [(
                "2022/23".to_owned(),
                "1654000.00".to_owned(),
                "1500000.00".to_owned(),
                "-154000.00".to_owned()
            )]
        );
        let totals: Vec<_> = report
            .totals
            .iter()
            .map(|t| {
                (
                    t.year.to_string(),
                    t.savings.to_string(),
                    t.growth.to_string(),
                    t.net.to_string(),
                )
            })
            .collect();
        let row = |y: &str, s: &str, g: &str, n: &str| {
            (y.to_owned(), s.to_owned(), g.to_owned(), n.to_owned())
        };
        assert_eq!(
            totals,
            [
                row("2021/22", "-126000.00", "866000.00", "992000.00"),
                row("2022/23", "-154000.00", "0.00", "154000.00"),
                row("2023/24", "0.00", "0.00", "0.00"),
            ]
        );
        assert_eq!((report.from, report.to), (FROM, TO));
    }

    #[test]
    fn back_in_the_plan_is_reinstated_and_a_filter_keeps_its_directorate() {
        let (before, after) = before_and_after();
        // From July back to April: SAV13 comes back; GRO04 did not exist yet, so it is in neither list.
        let report = build(
            TO,
            FROM,
            &LineFilter {
                kind: Some(LineKind::Saving),
                ..LineFilter::default()
            },
            after,
            before,
            Unit::Pounds,
        );
        let refs = |lines: &[Line]| {
            lines
                .iter()
                .map(|l| l.line_ref.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(refs(&report.reinstated), ["CFE SAV13"]);
        assert!(report.added.is_empty() && report.withdrawn.is_empty());
        assert_eq!(report.changed[0].years[0].difference, money("154000.00"));
        assert_eq!(report.totals[0].savings, money("126000.00"));
        assert_eq!(report.totals[0].growth, Money::ZERO);
        assert_eq!(report.totals[0].year, year("2021/22"));
    }
}
