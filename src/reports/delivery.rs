//! The delivery record: by directorate and year, and in total, what the approved budget asked of savings
//! (the baseline, less write-offs: the revised budget) and what the year-end outturns say came of it —
//! delivered in the year, slipped, unachieved, written off at outturn, replaced — with the delivery rate
//! (delivered ÷ revised budget) where every approved saving has an outturn. The evidence for a Section 25
//! robustness statement: what share of the savings this council approves does it deliver, year after year?

use std::collections::{BTreeMap, BTreeSet, HashMap};

use actix_web::{get, web, HttpRequest, HttpResponse};
use rust_decimal::RoundingStrategy;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::audit::{self, Entity};
use crate::budget;
use crate::budget::model::{BaselineLine, WriteOff};
use crate::db;
use crate::domain::directorate_code::AnyCaseDirectorate;
use crate::domain::money::Unit;
use crate::domain::{DirectorateCode, FinancialYear, LineKind, LineRef, Money};
use crate::error::ApiError;
use crate::http::QueryParams;
use crate::outturn;
use crate::outturn::model::Outturn;
use crate::present::table::{Cell, Table, Tabular};
use crate::present::{present, Format, Output};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// One directorate only (any case); without it, every directorate and the council total.
    #[param(value_type = Option<String>, example = "CFE")]
    pub directorate: Option<AnyCaseDirectorate>,
    /// The first year; defaults to the earliest year the baseline holds savings in.
    #[param(value_type = Option<String>, example = "2021/22")]
    pub from: Option<FinancialYear>,
    /// The last year; defaults to the latest.
    #[param(value_type = Option<String>, example = "2023/24")]
    pub to: Option<FinancialYear>,
    /// Answer as the service would have at this instant (RFC 3339): the baseline, write-offs and outturns then.
    #[serde(default, deserialize_with = "crate::domain::instant::optional_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub as_at: Option<OffsetDateTime>,
    /// `pounds` (the default) or `thousands`: whole £000s as council tables print them.
    pub unit: Option<Unit>,
    /// `json` (the default), `csv` or `xlsx`; or ask by `Accept: text/csv` or the XLSX media type.
    #[param(value_type = Option<String>, example = "xlsx")]
    pub format: Option<Format>,
}

#[derive(Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeliveryReport {
    /// The latest baseline (by `as_at`, when given) the approved savings are read from; absent when none is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    pub years: Vec<FinancialYear>,
    /// By directorate and year.
    pub rows: Vec<DeliveryRow>,
    /// By year, over every directorate reported.
    pub totals: Vec<DeliveryRow>,
    /// Over every directorate and year reported.
    pub total: DeliveryRow,
    pub unit: Unit,
}

/// One directorate's year, a year's total or the whole total. `delivered + slipped + unachieved +
/// written_off_at_outturn + replaced + not_recorded` is `revised_budget` (unless an outturn was recorded
/// against a revised budget since changed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeliveryRow {
    /// Null on a total over every directorate.
    pub directorate: Option<DirectorateCode>,
    /// Null on the total over every year.
    pub year: Option<FinancialYear>,
    /// How many approved savings (held in the baseline with an amount that year), and how many have an outturn.
    pub savings: usize,
    pub recorded: usize,
    /// What the baseline approved.
    pub baseline: Money,
    /// Written off since, through `POST /write-offs`.
    pub written_off: Money,
    /// `baseline` − `written_off`.
    pub revised_budget: Money,
    /// From the outturns recorded: delivered in the year.
    pub delivered: Money,
    /// Delivered late, in a later year.
    pub slipped: Money,
    pub unachieved: Money,
    /// Written off at outturn, by a decision.
    pub written_off_at_outturn: Money,
    /// Replaced by substitutes.
    pub replaced: Money,
    /// The revised budget of the savings with no outturn recorded.
    pub not_recorded: Money,
    /// `delivered` ÷ `revised_budget` to four places, rounded half away from zero; absent while any approved
    /// saving has no outturn, or none has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "0.8604")]
    pub delivery_rate: Option<String>,
}

/// What the report is built from, as loaded.
pub struct DeliveryData {
    pub baseline: Option<String>,
    /// The baseline's savings (of the directorate asked for).
    pub held: Vec<BaselineLine>,
    pub write_offs: Vec<WriteOff>,
    pub outturns: Vec<Outturn>,
}

/// The delivery record: approved, revised and delivered savings by directorate and year, and the delivery rate.
#[utoipa::path(
    tag = "reports",
    params(DeliveryParams),
    responses(
        (status = 200, body = DeliveryReport),
        (status = 400, description = "`to` is before `from`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/delivery")]
pub async fn delivery_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: QueryParams<DeliveryParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.0;
    if let (Some(from), Some(to)) = (params.from, params.to) {
        if from > to {
            return Err(ApiError::parameter("to", format!("{to} is before {from}")));
        }
    }
    let directorate = params.directorate.map(|code| code.0);
    let at = params.as_at;
    let data = db::scan(&state.pool, move |conn| {
        load(conn, directorate.as_ref(), at)
    })
    .await?;
    let unit = params.unit.unwrap_or_default();
    let report = build(&data, params.from, params.to, unit);
    let output = Output {
        format: params.format,
        unit,
        as_at: params.as_at,
    };
    present(&req, output, &report)
}

/// The latest baseline by `at` (now when `None`) with its savings, the write-offs recorded by then, and the
/// outturns as they stood then (replayed from the audit trail), of one directorate or all.
pub fn load(
    conn: &mut db::DbConnection,
    directorate: Option<&DirectorateCode>,
    at: Option<OffsetDateTime>,
) -> Result<DeliveryData, ApiError> {
    let then = at.map(db::time::stored);
    let ours = |code: &DirectorateCode| directorate.is_none_or(|d| d == code);
    let baseline = budget::repo::list_baselines(conn, then)?.into_iter().next();
    let held = match &baseline {
        Some(row) => budget::repo::lines_of(conn, &row.name)?
            .into_iter()
            .filter(|line| line.kind == LineKind::Saving && ours(&line.directorate))
            .collect(),
        None => Vec::new(),
    };
    let write_offs = budget::repo::write_offs(conn, None)?
        .into_iter()
        .filter(|write_off| {
            ours(&write_off.directorate) && at.is_none_or(|at| write_off.recorded_at <= at)
        })
        .collect();
    let outturns: Vec<Outturn> = match then {
        None => outturn::repo::all(conn)?,
        Some(then) => audit::states_at(conn, Entity::Outturn, then)?,
    };
    Ok(DeliveryData {
        baseline: baseline.map(|row| row.name),
        held,
        write_offs,
        outturns: outturns
            .into_iter()
            .filter(|outturn| ours(&outturn.directorate))
            .collect(),
    })
}

/// A group's figures as they are added up, and whether any saving of it lacks an outturn.
#[derive(Default)]
struct Sum {
    row: DeliveryRow,
    missing: usize,
}

impl Sum {
    fn add(&mut self, baseline: Money, written_off: Money, outturn: Option<&Outturn>) {
        let row = &mut self.row;
        let revised = baseline - written_off;
        row.savings += 1;
        row.baseline = row.baseline + baseline;
        row.written_off = row.written_off + written_off;
        row.revised_budget = row.revised_budget + revised;
        match outturn {
            Some(outturn) => {
                row.recorded += 1;
                row.delivered = row.delivered + outturn.delivered;
                row.slipped = row.slipped + outturn.slipped;
                row.unachieved = row.unachieved + outturn.unachieved;
                row.written_off_at_outturn = row.written_off_at_outturn + outturn.written_off;
                row.replaced = row.replaced + outturn.replaced;
            }
            None => {
                row.not_recorded = row.not_recorded + revised;
                if !revised.is_zero() {
                    self.missing += 1;
                }
            }
        }
    }

    fn finish(
        mut self,
        directorate: Option<DirectorateCode>,
        year: Option<FinancialYear>,
    ) -> DeliveryRow {
        let complete = self.missing == 0 && self.row.recorded > 0;
        self.row.delivery_rate = complete
            .then(|| rate(self.row.delivered, self.row.revised_budget))
            .flatten();
        DeliveryRow {
            directorate,
            year,
            ..self.row
        }
    }
}

/// `delivered` ÷ `revised`, to four places rounded half away from zero; none when nothing was to be delivered.
pub fn rate(delivered: Money, revised: Money) -> Option<String> {
    if revised.is_zero() {
        return None;
    }
    let rate = (delivered.decimal() / revised.decimal())
        .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero);
    Some(format!("{rate:.4}"))
}

/// The report from what was loaded: each approved saving's year added to its directorate's year, the year's
/// total and the whole total, with its outturn if one is recorded. Pure.
pub fn build(
    data: &DeliveryData,
    from: Option<FinancialYear>,
    to: Option<FinancialYear>,
    unit: Unit,
) -> DeliveryReport {
    let mut written_off: HashMap<(&LineRef, FinancialYear), Money> = HashMap::new();
    for write_off in &data.write_offs {
        for entry in &write_off.years {
            let sum = written_off
                .entry((&write_off.line_ref, entry.year))
                .or_default();
            *sum = *sum + entry.amount;
        }
    }
    let outturns: HashMap<(&LineRef, FinancialYear), &Outturn> = data
        .outturns
        .iter()
        .map(|outturn| ((&outturn.line_ref, outturn.year), outturn))
        .collect();
    let in_range =
        |year: FinancialYear| from.is_none_or(|f| year >= f) && to.is_none_or(|t| year <= t);
    let mut rows: BTreeMap<(DirectorateCode, FinancialYear), Sum> = BTreeMap::new();
    let mut totals: BTreeMap<FinancialYear, Sum> = BTreeMap::new();
    let mut total = Sum::default();
    let mut years: BTreeSet<FinancialYear> = BTreeSet::new();
    for line in &data.held {
        for entry in &line.years {
            if entry.amount.is_zero() || !in_range(entry.year) {
                continue;
            }
            years.insert(entry.year);
            let key = (&line.line_ref, entry.year);
            let off = written_off.get(&key).copied().unwrap_or_default();
            let outturn = outturns.get(&key).copied();
            rows.entry((line.directorate.clone(), entry.year))
                .or_default()
                .add(entry.amount, off, outturn);
            totals
                .entry(entry.year)
                .or_default()
                .add(entry.amount, off, outturn);
            total.add(entry.amount, off, outturn);
        }
    }
    DeliveryReport {
        baseline: data.baseline.clone(),
        years: years.into_iter().collect(),
        rows: rows
            .into_iter()
            .map(|((directorate, year), sum)| sum.finish(Some(directorate), Some(year)))
            .collect(),
        totals: totals
            .into_iter()
            .map(|(year, sum)| sum.finish(None, Some(year)))
            .collect(),
        total: total.finish(None, None),
        unit,
    }
}

impl Tabular for DeliveryReport {
    fn table(&self) -> Table {
        let title = match &self.baseline {
            Some(baseline) => format!("Savings delivery against the baseline {baseline}"),
            None => "Savings delivery (no baseline set)".to_owned(),
        };
        let columns = [
            "Directorate",
            "Year",
            "Savings",
            "Outturns recorded",
            "Baseline",
            "Written off",
            "Revised budget",
            "Delivered",
            "Slipped",
            "Unachieved",
            "Written off at outturn",
            "Replaced",
            "Not recorded",
            "Delivery rate",
        ];
        let mut table = Table::new(title, columns);
        for row in self.rows.iter().chain(&self.totals).chain([&self.total]) {
            table.row([
                Cell::from(
                    row.directorate
                        .as_ref()
                        .map_or("Total".to_owned(), |d| d.to_string()),
                ),
                Cell::from(row.year.map_or("All years".to_owned(), |y| y.to_string())),
                Cell::from(row.savings.to_string()),
                Cell::from(row.recorded.to_string()),
                Cell::from(row.baseline),
                Cell::from(row.written_off),
                Cell::from(row.revised_budget),
                Cell::from(row.delivered),
                Cell::from(row.slipped),
                Cell::from(row.unachieved),
                Cell::from(row.written_off_at_outturn),
                Cell::from(row.replaced),
                Cell::from(row.not_recorded),
                Cell::from(row.delivery_rate.clone()),
            ]);
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::model::BaselineAmount;

    fn money(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    fn year(text: &str) -> FinancialYear {
        FinancialYear::parse(text).unwrap()
    }

    fn saving(line_ref: &str, amounts: &[(&str, &str)]) -> BaselineLine {
        BaselineLine {
            line_ref: LineRef::parse(line_ref).unwrap(),
            directorate: DirectorateCode::parse("CFE").unwrap(),
            kind: LineKind::Saving,
            title: line_ref.to_owned(),
            years: amounts
                .iter()
                .map(|(y, a)| BaselineAmount {
                    year: year(y),
                    amount: money(a),
                })
                .collect(),
        }
    }

    fn outturn(line_ref: &str, delivered: &str, unachieved: &str) -> Outturn {
        Outturn {
            year: year("2021/22"),
            line_ref: LineRef::parse(line_ref).unwrap(),
            directorate: DirectorateCode::parse("CFE").unwrap(),
            revised_budget: money(delivered) + money(unachieved),
            delivered: money(delivered),
            slipped: Money::ZERO,
            slips_to: None,
            unachieved: money(unachieved),
            written_off: Money::ZERO,
            decision_id: None,
            replaced: Money::ZERO,
            carried_to: None,
            note: None,
            recorded_by: "cfe-sro".to_owned(),
            recorder: "Debbie Jones".to_owned(),
            updated_at: OffsetDateTime::UNIX_EPOCH,
            version: 1,
        }
    }

    /// CFE 2021/22: SAV07, SAV09, SAV10 unachieved as far as P3 put them at risk; the rest, 7,121,000.00 of
    /// plan, stands for every other saving delivered in full.
    fn cfe() -> DeliveryData {
        DeliveryData {
            baseline: Some("Budget Council, February 2021".to_owned()),
            held: vec![
                saving(
                    "CFE SAV01",
                    &[("2021/22", "7121000.00"), ("2022/23", "100.00")],
                ),
                saving("CFE SAV07", &[("2021/22", "1065000.00")]),
                saving("CFE SAV09", &[("2021/22", "660000.00")]),
                saving("CFE SAV10", &[("2021/22", "587000.00")]),
            ],
            write_offs: Vec::new(),
            outturns: vec![
                outturn("CFE SAV01", "7121000.00", "0.00"),
                outturn("CFE SAV07", "0.00", "1065000.00"),
                outturn("CFE SAV09", "423000.00", "237000.00"),
                outturn("CFE SAV10", "572000.00", "15000.00"),
            ],
        }
    }

    #[test]
    fn the_rate_is_delivered_over_the_revised_budget_to_four_places() {
        let report = build(&cfe(), None, None, Unit::Pounds);
        let first = &report.totals[0];
        assert_eq!(first.revised_budget, money("9433000.00"));
        assert_eq!(first.delivered, money("8116000.00"));
        assert_eq!(first.unachieved, money("1317000.00"));
        assert_eq!(first.delivery_rate.as_deref(), Some("0.8604"));
        assert_eq!(report.rows[0].delivery_rate.as_deref(), Some("0.8604"));
        // 2022/23 has no outturn: no rate there, nor over every year.
        assert_eq!(report.totals[1].delivery_rate, None);
        assert_eq!(report.totals[1].not_recorded, money("100.00"));
        assert_eq!(report.total.delivery_rate, None);
        // Only 2021/22: the whole total has its rate.
        let one = build(
            &cfe(),
            Some(year("2021/22")),
            Some(year("2021/22")),
            Unit::Pounds,
        );
        assert_eq!(one.total.delivery_rate.as_deref(), Some("0.8604"));
    }

    #[test]
    fn no_rate_while_any_saving_has_no_outturn() {
        let mut data = cfe();
        data.outturns.pop();
        let report = build(&data, None, None, Unit::Pounds);
        assert_eq!(report.totals[0].delivery_rate, None);
        assert_eq!(report.totals[0].not_recorded, money("587000.00"));
        assert_eq!(report.totals[0].recorded, 3);
        data.outturns.clear();
        assert_eq!(
            build(&data, None, None, Unit::Pounds).totals[0].delivery_rate,
            None
        );
    }

    #[test]
    fn a_rate_is_rounded_half_away_from_zero() {
        assert_eq!(
            rate(money("1.00"), money("3.00")).as_deref(),
            Some("0.3333")
        );
        assert_eq!(
            rate(money("2.00"), money("3.00")).as_deref(),
            Some("0.6667")
        );
        // 1 ÷ 20,000 = 0.00005: half, away from zero.
        assert_eq!(
            rate(money("1.00"), money("20000.00")).as_deref(),
            Some("0.0001")
        );
        assert_eq!(
            rate(money("9433000.00"), money("9433000.00")).as_deref(),
            Some("1.0000")
        );
        assert_eq!(rate(money("1.00"), Money::ZERO), None);
    }
}
