//! Checking a published table against the tracker before a paper goes out: every row matched, different
//! (with both figures and the difference) or unknown, and the directorate totals compared.

use std::collections::{BTreeMap, HashMap, HashSet};

use actix_web::{post, web, HttpResponse};
use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::budget;
use crate::budget::model::BaselineLine;
use crate::db;
use crate::domain::money::{Unit, MAX_PENCE};
use crate::domain::printed_amount;
use crate::domain::summary::SummaryTotals;
use crate::domain::{
    DirectorateCode, FieldError, FinancialYear, LineKind, LineRef, LineStatus, Money,
};
use crate::error::ApiError;
use crate::http::JsonBody;
use crate::lines::history;
use crate::lines::model::Line;
use crate::lines::repo::{self as line_repo, LineFilter};
use crate::present::thousands;
use crate::request_id;
use crate::state::AppState;

/// Rows of one published table: far more than any council paper prints, few enough to bound the work.
pub const MAX_ROWS: usize = 50_000;
/// Directorate totals of one published table.
pub const MAX_TOTALS: usize = 1_000;
/// Problems listed in a refusal; all are counted.
const MAX_LISTED: usize = 100;

/// A published table to check: at most 50,000 rows and 1,000 totals (422 naming `rows` or `totals` past them).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit": "thousands",
    "rows": [
        {"ref": "CFE Sav 07", "years": {"2021/22": "(1,065)", "2022/23": "(1,450)", "2023/24": "(385)"}},
        {"title": "Staffing Review", "years": {"2021/22": "(1,471)"}}
    ],
    "totals": [{"directorate": "CFE", "measure": "net", "years": {"2021/22": "11,000", "2022/23": "(4,609)"}}]
}))]
pub struct PublishedTable {
    /// The unit the table is printed in; `thousands` compares whole £000s, rounded half away from zero.
    #[serde(default)]
    pub unit: Unit,
    /// Compare with the tracker as it stood at this instant (RFC 3339); now when absent.
    #[serde(default, deserialize_with = "crate::domain::instant::optional_instant")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub as_at: Option<OffsetDateTime>,
    /// Compare with this baseline (the approved budget as it was set) instead of the lines; not with `as_at`:
    /// a baseline never changes.
    #[serde(default)]
    #[schema(example = "Budget Council, February 2021")]
    pub baseline: Option<String>,
    #[serde(default)]
    #[schema(max_items = 50000)]
    pub rows: Vec<PublishedRow>,
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub totals: Vec<PublishedTotal>,
}

/// One printed line: found by its ref in any printed form, or else by its exact title.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishedRow {
    #[serde(rename = "ref")]
    #[schema(value_type = Option<String>)]
    pub line_ref: Option<String>,
    pub title: Option<String>,
    /// Amount per year as printed: `1,065`, `(1,065)` or `-1065`. A line's sign is not compared: papers print
    /// savings both ways.
    #[schema(value_type = BTreeMap<String, String>)]
    pub years: BTreeMap<FinancialYear, PrintedAmount>,
}

/// A printed directorate total.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishedTotal {
    pub directorate: DirectorateCode,
    pub measure: Measure,
    /// As printed; savings may be printed negative or positive, growth and net with their sign.
    #[schema(value_type = BTreeMap<String, String>)]
    pub years: BTreeMap<FinancialYear, PrintedAmount>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Savings,
    Growth,
    Net,
}

/// An amount as a council table prints it: thousands separators, and brackets for negatives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrintedAmount(Money);

impl PrintedAmount {
    pub fn parse(text: &str) -> Result<PrintedAmount, String> {
        let plain = printed_amount::plain(text)?;
        Money::parse(&plain)
            .map(PrintedAmount)
            .map_err(|error| error.to_string())
    }

    /// In pounds, given the unit it was printed in; `None` past the largest amount there is.
    fn pounds(self, unit: Unit) -> Option<Money> {
        let pence = match unit {
            Unit::Pounds => Some(self.0.pence()),
            Unit::Thousands => self.0.pence().checked_mul(1000),
        }?;
        (pence.checked_abs()? <= MAX_PENCE).then(|| Money::from_pence(pence))
    }
}

impl<'de> Deserialize<'de> for PrintedAmount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(text) => {
                PrintedAmount::parse(&text).map_err(D::Error::custom)
            }
            serde_json::Value::Number(number) => {
                PrintedAmount::parse(&number.to_string()).map_err(D::Error::custom)
            }
            other => Err(D::Error::custom(format!(
                "expected an amount such as \"(1,065)\", found {other}"
            ))),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Matched,
    Different,
    Unknown,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Reconciliation {
    pub unit: Unit,
    pub rows: Vec<ReconciledRow>,
    pub totals: Vec<ReconciledTotal>,
    pub matched: usize,
    pub different: usize,
    pub unknown: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReconciledRow {
    /// The row's position in the published table, from 1.
    pub row: usize,
    pub outcome: Outcome,
    /// The tracker's line, when one was found.
    #[serde(rename = "ref")]
    pub line_ref: Option<LineRef>,
    /// `ref` or `title`.
    pub matched_by: Option<String>,
    pub years: Vec<ComparedYear>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReconciledTotal {
    pub directorate: DirectorateCode,
    pub measure: Measure,
    pub outcome: Outcome,
    pub years: Vec<ComparedYear>,
}

/// One year's figure in the tracker and as published, in the table's unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComparedYear {
    pub year: FinancialYear,
    pub tracker: Money,
    pub published: Money,
    /// published − tracker, after both are rounded to the table's unit.
    pub difference: Money,
    pub agrees: bool,
}

/// Compares a published table with the tracker, row by row and total by total. Each row is found through
/// one index of the lines (by ref, and by title), so the work grows with the rows plus the lines, off the HTTP
/// workers.
#[utoipa::path(
    tag = "reports",
    request_body = PublishedTable,
    responses(
        (status = 200, body = Reconciliation),
        (status = 422, description = "More than 50,000 rows or 1,000 totals, or an amount past £999,999,999,999.99 in the table's unit: each named (the first 100 listed)", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[post("/reconciliations")]
pub async fn reconcile(
    state: web::Data<AppState>,
    body: JsonBody<PublishedTable>,
) -> Result<HttpResponse, ApiError> {
    let table = body.0;
    table.check()?;
    let (as_at, baseline) = (table.as_at, table.baseline.clone());
    let against = db::scan(&state.pool, move |conn| match (baseline, as_at) {
        (Some(name), _) => {
            if budget::repo::find_baseline(conn, &name)?.is_none() {
                return Err(ApiError::field(
                    "baseline",
                    format!("there is no baseline {name:?}"),
                ));
            }
            Ok(Against::Baseline(budget::repo::lines_of(conn, &name)?))
        }
        (None, None) => Ok(Against::Lines(line_repo::list(
            conn,
            &LineFilter::default(),
            None,
            i64::MAX,
        )?)),
        (None, Some(at)) => history::lines_at(conn, at).map(Against::Lines),
    })
    .await?;
    let body = web::block(request_id::carry(move || {
        let result = match &against {
            Against::Lines(lines) => build(&table, lines),
            Against::Baseline(lines) => build(&table, lines),
        };
        thousands::to_json(table.unit, &result)
            .map_err(|e| ApiError::Internal(format!("writing: {e}")))
    }))
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

/// What the table is compared with, as loaded.
enum Against {
    Lines(Vec<Line>),
    Baseline(Vec<BaselineLine>),
}

impl PublishedTable {
    /// The limits, and every printed amount within the largest there is once in pounds, before any work.
    fn check(&self) -> Result<(), ApiError> {
        if self.baseline.is_some() && self.as_at.is_some() {
            return Err(ApiError::field(
                "baseline",
                "a baseline never changes: give `baseline` or `as_at`, not both",
            ));
        }
        if self.rows.len() > MAX_ROWS {
            return Err(ApiError::field(
                "rows",
                format!(
                    "{} rows: a table has at most {MAX_ROWS} rows",
                    self.rows.len()
                ),
            ));
        }
        if self.totals.len() > MAX_TOTALS {
            return Err(ApiError::field(
                "totals",
                format!(
                    "{} totals: a table has at most {MAX_TOTALS} totals",
                    self.totals.len()
                ),
            ));
        }
        let mut out_of_range = OutOfRange::default();
        for (index, row) in self.rows.iter().enumerate() {
            out_of_range.check(self.unit, &format!("rows[{index}]"), &row.years);
        }
        for (index, total) in self.totals.iter().enumerate() {
            out_of_range.check(self.unit, &format!("totals[{index}]"), &total.years);
        }
        match out_of_range.total {
            0 => Ok(()),
            total => Err(ApiError::validation_capped(out_of_range.listed, total)),
        }
    }
}

/// Printed amounts past the largest there is, once in pounds: the first listed, all counted.
#[derive(Default)]
struct OutOfRange {
    listed: Vec<FieldError>,
    total: usize,
}

impl OutOfRange {
    fn check(&mut self, unit: Unit, at: &str, years: &BTreeMap<FinancialYear, PrintedAmount>) {
        for (year, amount) in years {
            if amount.pounds(unit).is_some() {
                continue;
            }
            self.total += 1;
            if self.listed.len() < MAX_LISTED {
                self.listed.push(FieldError {
                    field: format!("{at}.years.{year}"),
                    message: "is out of range: at most £999,999,999,999.99 once in pounds"
                        .to_owned(),
                });
            }
        }
    }
}

/// What a published table is checked against: the tracker's lines (now or as at an instant), or the lines as
/// a baseline holds them.
pub trait Checked {
    fn line_ref(&self) -> &LineRef;
    fn title(&self) -> &str;
    fn directorate(&self) -> &DirectorateCode;
    fn kind(&self) -> LineKind;
    fn amounts(&self) -> Vec<(FinancialYear, Money)>;
    /// Whether it counts in a directorate's totals: a withdrawn line does not.
    fn counted(&self) -> bool;

    fn amount_in(&self, year: FinancialYear) -> Money {
        self.amounts()
            .into_iter()
            .find(|(y, _)| *y == year)
            .map_or(Money::ZERO, |(_, amount)| amount)
    }
}

impl Checked for Line {
    fn line_ref(&self) -> &LineRef {
        &self.line_ref
    }
    fn title(&self) -> &str {
        &self.title
    }
    fn directorate(&self) -> &DirectorateCode {
        &self.directorate
    }
    fn kind(&self) -> LineKind {
        self.kind
    }
    fn amounts(&self) -> Vec<(FinancialYear, Money)> {
        self.years.iter().map(|e| (e.year, e.amount)).collect()
    }
    fn counted(&self) -> bool {
        self.status != LineStatus::Withdrawn
    }
}

impl Checked for BaselineLine {
    fn line_ref(&self) -> &LineRef {
        &self.line_ref
    }
    fn title(&self) -> &str {
        &self.title
    }
    fn directorate(&self) -> &DirectorateCode {
        &self.directorate
    }
    fn kind(&self) -> LineKind {
        self.kind
    }
    fn amounts(&self) -> Vec<(FinancialYear, Money)> {
        self.years.iter().map(|e| (e.year, e.amount)).collect()
    }
    /// A baseline holds only approved lines, every one counted.
    fn counted(&self) -> bool {
        true
    }
}

/// The lines indexed once: by ref, and by title (trimmed, any case) where the title is unique.
struct Lookup<'a, L> {
    by_ref: HashMap<&'a LineRef, &'a L>,
    by_title: HashMap<String, Option<&'a L>>,
}

impl<'a, L: Checked> Lookup<'a, L> {
    fn new(lines: &'a [L]) -> Lookup<'a, L> {
        let mut by_title: HashMap<String, Option<&'a L>> = HashMap::with_capacity(lines.len());
        for line in lines {
            by_title
                .entry(line.title().trim().to_lowercase())
                .and_modify(|found| *found = None) // a title two lines share finds neither
                .or_insert(Some(line));
        }
        Lookup {
            by_ref: lines.iter().map(|line| (line.line_ref(), line)).collect(),
            by_title,
        }
    }
}

/// Amounts an already-checked table printed, in pounds.
fn printed_pounds(amount: &PrintedAmount, unit: Unit) -> Money {
    amount.pounds(unit).unwrap_or(Money::ZERO) // checked before: every amount is in range
}

/// The published table compared with `lines` (the tracker's, now or as at the table's instant). Pure: no
/// connection, no request.
pub fn build<L: Checked>(table: &PublishedTable, lines: &[L]) -> Reconciliation {
    let unit = table.unit;
    let lookup = Lookup::new(lines);
    let rows: Vec<ReconciledRow> = table
        .rows
        .iter()
        .enumerate()
        .map(|(index, published)| {
            let found = find_line(published, &lookup);
            let years = match found {
                Some((line, _)) => published
                    .years
                    .iter()
                    .map(|(&year, amount)| {
                        let tracker = line.amount_in(year);
                        let printed = printed_pounds(amount, unit);
                        // A line's sign is the paper's choice: compare magnitudes.
                        let printed = if printed.is_negative() {
                            -printed
                        } else {
                            printed
                        };
                        compared(unit, year, tracker, printed)
                    })
                    .collect(),
                None => Vec::new(),
            };
            let outcome = match found {
                None => Outcome::Unknown,
                Some(_) if years.iter().all(|y| y.agrees) => Outcome::Matched,
                Some(_) => Outcome::Different,
            };
            ReconciledRow {
                row: index + 1,
                outcome,
                line_ref: found.map(|(line, _)| line.line_ref().clone()),
                matched_by: found.map(|(_, by)| by.to_owned()),
                years,
            }
        })
        .collect();
    let directorate_totals = directorate_totals(table, lines);
    let totals = table
        .totals
        .iter()
        .map(|published| compare_total(unit, published, &directorate_totals))
        .collect();
    let count = |outcome| rows.iter().filter(|r| r.outcome == outcome).count();
    Reconciliation {
        unit,
        matched: count(Outcome::Matched),
        different: count(Outcome::Different),
        unknown: count(Outcome::Unknown),
        rows,
        totals,
    }
}

/// The tracker's totals of every directorate the table prints totals for, in one pass over the lines.
fn directorate_totals<'a, L: Checked>(
    table: &'a PublishedTable,
    lines: &[L],
) -> HashMap<&'a DirectorateCode, SummaryTotals> {
    let wanted: HashSet<&DirectorateCode> = table.totals.iter().map(|t| &t.directorate).collect();
    let mut totals: HashMap<&DirectorateCode, SummaryTotals> = HashMap::new();
    for line in lines.iter().filter(|l| l.counted()) {
        let Some(&code) = wanted.get(line.directorate()) else {
            continue;
        };
        let sums = totals.entry(code).or_default();
        for (year, amount) in line.amounts() {
            sums.add(line.kind(), year, amount);
        }
    }
    totals
}

/// The tracker's line for a printed row: by ref in any printed form, else by a unique exact title.
fn find_line<'a, L>(
    published: &PublishedRow,
    lookup: &Lookup<'a, L>,
) -> Option<(&'a L, &'static str)> {
    if let Some(line_ref) = published
        .line_ref
        .as_deref()
        .and_then(|text| LineRef::parse(text).ok())
    {
        return lookup.by_ref.get(&line_ref).map(|&line| (line, "ref"));
    }
    let title = published.title.as_deref()?.trim().to_lowercase();
    lookup
        .by_title
        .get(&title)
        .copied()
        .flatten()
        .map(|line| (line, "title"))
}

fn compare_total(
    unit: Unit,
    published: &PublishedTotal,
    totals: &HashMap<&DirectorateCode, SummaryTotals>,
) -> ReconciledTotal {
    let none = SummaryTotals::default();
    let totals = totals.get(&published.directorate).unwrap_or(&none);
    let years: Vec<FinancialYear> = published.years.keys().copied().collect();
    let rows = totals.rows(&years);
    let compared_years: Vec<ComparedYear> = rows
        .iter()
        .map(|row| {
            let printed = printed_pounds(&published.years[&row.year], unit);
            let (tracker, printed) = match published.measure {
                // Savings may be printed in brackets or not: compare magnitudes.
                Measure::Savings => (
                    row.savings,
                    if printed.is_negative() {
                        -printed
                    } else {
                        printed
                    },
                ),
                Measure::Growth => (row.growth, printed),
                Measure::Net => (row.net, printed),
            };
            compared(unit, row.year, tracker, printed)
        })
        .collect();
    let outcome = if compared_years.iter().all(|y| y.agrees) {
        Outcome::Matched
    } else {
        Outcome::Different
    };
    ReconciledTotal {
        directorate: published.directorate.clone(),
        measure: published.measure,
        outcome,
        years: compared_years,
    }
}

/// Both figures rounded to the table's unit, and whether they agree.
fn compared(unit: Unit, year: FinancialYear, tracker: Money, published: Money) -> ComparedYear {
    let in_unit = |amount: Money| match unit {
        Unit::Pounds => amount,
        Unit::Thousands => amount.rounded_to_thousands(),
    };
    let (tracker, published) = (in_unit(tracker), in_unit(published));
    ComparedYear {
        year,
        tracker,
        published,
        difference: published - tracker,
        agrees: tracker == published,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::cfe::{self, money};

    #[test]
    fn reads_amounts_as_printed() {
        let read = |text: &str| PrintedAmount::parse(text).map(|p| p.0.to_string());
        assert_eq!(read("(1,065)").unwrap(), "-1065.00");
        assert_eq!(read("11,000").unwrap(), "11000.00");
        assert_eq!(read("-4609").unwrap(), "-4609.00");
        assert_eq!(read(" 1,234,567.5 ").unwrap(), "1234567.50");
        for bad in ["1,06", "12,0000", "(1065", "1.005", "abc", ",123"] {
            assert!(PrintedAmount::parse(bad).is_err(), "{bad:?}");
        }
    }

    fn published(json: serde_json::Value) -> PublishedTable {
        serde_json::from_value(json).unwrap()
    }

    /// The CFE lines of table 8 and its printed totals, in £000s: one row off by a thousand, one unknown.
    #[test]
    fn a_printed_cfe_table_against_the_tracker() {
        let table = published(serde_json::json!({
            "unit": "thousands",
            "rows": [
                {"ref": "CFE Sav 07", "years": {"2021/22": "(1,065)", "2022/23": "(1,450)", "2023/24": "(385)"}},
                {"title": "staffing review ", "years": {"2021/22": "(1,471)"}},
                {"ref": "CFE SAV05", "years": {"2021/22": "795", "2022/23": "1,654"}},
                {"ref": "CFE SAV99", "years": {"2021/22": "1"}}
            ],
            "totals": [
                {"directorate": "CFE", "measure": "net", "years": {"2021/22": "11,000", "2022/23": "(4,609)"}},
                {"directorate": "CFE", "measure": "savings", "years": {"2023/24": "(2,296)"}},
                {"directorate": "CFE", "measure": "growth", "years": {"2021/22": "20,434"}}
            ]
        }));
        let result = build(&table, &cfe::lines());
        assert_eq!(
            (result.matched, result.different, result.unknown),
            (2, 1, 1)
        );
        let rows: Vec<_> = result
            .rows
            .iter()
            .map(|r| {
                (
                    r.row,
                    r.outcome,
                    r.line_ref.as_ref().map(ToString::to_string),
                    r.matched_by.clone(),
                )
            })
            .collect();
        let found = |text: &str| Some(text.to_owned());
        assert_eq!(
            rows,
            vec![
                (1, Outcome::Matched, found("CFE SAV07"), found("ref")),
                (2, Outcome::Matched, found("CFE SAV16"), found("title")),
                (3, Outcome::Different, found("CFE SAV05"), found("ref")),
                (4, Outcome::Unknown, None, None),
            ]
        );
        let off = &result.rows[2].years[0];
        assert_eq!(
            (off.tracker, off.published, off.difference, off.agrees),
            (
                money("794000.00"),
                money("795000.00"),
                money("1000.00"),
                false
            )
        );
        assert!(result.rows[2].years[1].agrees);
        let totals: Vec<_> = result
            .totals
            .iter()
            .map(|t| (t.measure, t.outcome))
            .collect();
        assert_eq!(
            totals,
            vec![
                (Measure::Net, Outcome::Matched),
                (Measure::Savings, Outcome::Matched),
                (Measure::Growth, Outcome::Different),
            ]
        );
        let growth = &result.totals[2].years[0];
        assert_eq!(
            (growth.tracker, growth.published, growth.difference),
            (money("20433000.00"), money("20434000.00"), money("1000.00"))
        );
    }

    #[test]
    fn in_pounds_a_penny_is_a_difference_and_withdrawn_lines_leave_the_totals() {
        let mut lines = cfe::lines();
        let sav13 = lines
            .iter_mut()
            .find(|l| l.line_ref.to_string() == "CFE SAV13")
            .unwrap();
        sav13.status = LineStatus::Withdrawn;
        let table = published(serde_json::json!({
            "rows": [{"ref": "CFE SAV04", "years": {"2021/22": "384000.01"}}],
            "totals": [{"directorate": "CFE", "measure": "savings", "years": {"2021/22": "-9307000.00"}}]
        }));
        let result = build(&table, &lines);
        assert_eq!(result.rows[0].outcome, Outcome::Different);
        assert_eq!(result.rows[0].years[0].difference, money("0.01"));
        assert_eq!(
            result.totals[0].outcome,
            Outcome::Matched,
            "9,433,000 less SAV13's 126,000"
        );
        assert_eq!(result.unit, Unit::Pounds);
    }
}
