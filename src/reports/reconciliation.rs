//! Checking a published table against the tracker before a paper goes out: every row matched, different
//! (with both figures and the difference) or unknown, and the directorate totals compared.

use std::collections::BTreeMap;

use actix_web::{post, web, HttpResponse};
use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::db;
use crate::domain::money::{written_in, Unit};
use crate::domain::summary::SummaryTotals;
use crate::domain::{DirectorateCode, FinancialYear, LineRef, LineStatus, Money};
use crate::error::ApiError;
use crate::http::JsonBody;
use crate::lines::history;
use crate::lines::model::Line;
use crate::lines::repo::{self as line_repo, LineFilter};

/// A published table to check.
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
    #[serde(default)]
    pub rows: Vec<PublishedRow>,
    #[serde(default)]
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
        let trimmed = text.trim();
        let (negative, body) = match trimmed.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
            Some(inner) => (true, inner.trim()),
            None => (false, trimmed),
        };
        let (whole, fraction) = body
            .split_once('.')
            .map_or((body, None), |(w, f)| (w, Some(f)));
        let unsigned = whole.strip_prefix('-').unwrap_or(whole);
        let groups: Vec<&str> = unsigned.split(',').collect();
        let grouped = groups.len() == 1
            || (!groups[0].is_empty()
                && groups[0].len() <= 3
                && groups[1..].iter().all(|g| g.len() == 3));
        if !grouped {
            return Err(format!(
                "`{text}` is not a printed amount: write 1065, 1,065, (1,065) or -1065"
            ));
        }
        let plain = format!(
            "{}{}",
            whole.replace(',', ""),
            fraction.map(|f| format!(".{f}")).unwrap_or_default()
        );
        let amount = Money::parse(&plain).map_err(|error| error.to_string())?;
        Ok(PrintedAmount(if negative { -amount } else { amount }))
    }

    /// In pounds, given the unit it was printed in.
    fn pounds(self, unit: Unit) -> Money {
        match unit {
            Unit::Pounds => self.0,
            Unit::Thousands => Money::from_pence(self.0.pence().saturating_mul(1000)),
        }
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

/// Compares a published table with the tracker, row by row and total by total.
#[utoipa::path(tag = "reports", request_body = PublishedTable, responses((status = 200, body = Reconciliation)))]
#[post("/reconciliations")]
pub async fn reconcile(
    state: web::Data<AppState>,
    body: JsonBody<PublishedTable>,
) -> Result<HttpResponse, ApiError> {
    let table = body.0;
    let as_at = table.as_at;
    let lines = db::scan(&state.pool, move |conn| match as_at {
        None => line_repo::list(conn, &LineFilter::default(), None, i64::MAX),
        Some(at) => history::lines_at(conn, at),
    })
    .await?;
    let result = compare(&table, &lines);
    let body = written_in(table.unit, || serde_json::to_vec(&result))
        .map_err(|e| ApiError::Internal(format!("writing: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

fn compare(table: &PublishedTable, lines: &[Line]) -> Reconciliation {
    let unit = table.unit;
    let rows: Vec<ReconciledRow> = table
        .rows
        .iter()
        .enumerate()
        .map(|(index, published)| {
            let found = find_line(published, lines);
            let years = match found {
                Some((line, _)) => published
                    .years
                    .iter()
                    .map(|(&year, amount)| {
                        let tracker = line
                            .years
                            .iter()
                            .find(|e| e.year == year)
                            .map_or(Money::ZERO, |e| e.amount);
                        let printed = amount.pounds(unit);
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
                line_ref: found.map(|(line, _)| line.line_ref.clone()),
                matched_by: found.map(|(_, by)| by.to_owned()),
                years,
            }
        })
        .collect();
    let totals = table
        .totals
        .iter()
        .map(|published| compare_total(unit, published, lines))
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

/// The tracker's line for a printed row: by ref in any printed form, else by a unique exact title.
fn find_line<'a>(published: &PublishedRow, lines: &'a [Line]) -> Option<(&'a Line, &'static str)> {
    if let Some(line_ref) = published
        .line_ref
        .as_deref()
        .and_then(|text| LineRef::parse(text).ok())
    {
        return lines
            .iter()
            .find(|line| line.line_ref == line_ref)
            .map(|line| (line, "ref"));
    }
    let title = published.title.as_deref()?.trim().to_lowercase();
    let mut found = lines
        .iter()
        .filter(|line| line.title.trim().to_lowercase() == title);
    match (found.next(), found.next()) {
        (Some(line), None) => Some((line, "title")),
        _ => None,
    }
}

fn compare_total(unit: Unit, published: &PublishedTotal, lines: &[Line]) -> ReconciledTotal {
    let mut totals = SummaryTotals::default();
    for line in lines
        .iter()
        .filter(|l| l.directorate == published.directorate && l.status != LineStatus::Withdrawn)
    {
        for entry in &line.years {
            totals.add(line.kind, entry.year, entry.amount);
        }
    }
    let years: Vec<FinancialYear> = published.years.keys().copied().collect();
    let rows = totals.rows(&years);
    let compared_years: Vec<ComparedYear> = rows
        .iter()
        .map(|row| {
            let printed = published.years[&row.year].pounds(unit);
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
}
