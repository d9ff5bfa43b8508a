//! Savings, growth and net per financial year: the shape of the council's MTFS tables.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{DirectorateCode, FinancialYear, LineKind, LineNature, Money, YearAmount};

/// One year of a summary: savings and growth as positive magnitudes, and net = growth − savings
/// (negative when savings exceed growth, as the council prints it in brackets).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"year": "2021/22", "savings": "9433000.00", "growth": "20433000.00", "net": "11000000.00"}))]
pub struct YearSummary {
    pub year: FinancialYear,
    pub savings: Money,
    pub growth: Money,
    pub net: Money,
}

/// The sum of amounts of one directorate, kind and nature in one year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmountSum {
    pub directorate: DirectorateCode,
    pub kind: LineKind,
    pub nature: LineNature,
    pub year: FinancialYear,
    pub amount: Money,
}

/// Which effect on the budget amounts show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Each year's additional change, as MTFS tables print them.
    #[default]
    Incremental,
    /// Each year's cumulative effect on the base budget: ongoing amounts stay in, a one-off amount applies in
    /// its year only and falls out the next.
    Cumulative,
}

/// Incremental sums as their cumulative effect on the base budget, for every year from the earliest with an
/// amount to `last` (at least the latest with one).
pub fn cumulative(sums: &[AmountSum], last: Option<FinancialYear>) -> Vec<AmountSum> {
    let Some(first) = sums.iter().map(|s| s.year).min() else {
        return Vec::new();
    };
    let last = sums
        .iter()
        .map(|s| s.year)
        .max()
        .into_iter()
        .chain(last)
        .max()
        .expect("there is a year");
    let mut keys: Vec<(DirectorateCode, LineKind, LineNature)> = sums
        .iter()
        .map(|s| (s.directorate.clone(), s.kind, s.nature))
        .collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for (directorate, kind, nature) in keys {
        let mut running = Money::ZERO;
        for year in year_range(first, last) {
            let this_year: Money = sums
                .iter()
                .filter(|s| {
                    s.year == year
                        && s.directorate == directorate
                        && s.kind == kind
                        && s.nature == nature
                })
                .map(|s| s.amount)
                .sum();
            let effect = match nature {
                LineNature::Ongoing => {
                    running = running + this_year;
                    running
                }
                LineNature::OneOff => this_year,
            };
            out.push(AmountSum {
                directorate: directorate.clone(),
                kind,
                nature,
                year,
                amount: effect,
            });
        }
    }
    out
}

/// One line's profile as its cumulative effect on the base budget, year by year over its span.
pub fn cumulative_profile(years: &[YearAmount], nature: LineNature) -> Vec<YearAmount> {
    let (Some(first), Some(last)) = (years.first(), years.last()) else {
        return Vec::new();
    };
    let mut running = Money::ZERO;
    year_range(first.year, last.year)
        .into_iter()
        .map(|year| {
            let this_year = years
                .iter()
                .find(|e| e.year == year)
                .map_or(Money::ZERO, |e| e.amount);
            let amount = match nature {
                LineNature::Ongoing => {
                    running = running + this_year;
                    running
                }
                LineNature::OneOff => this_year,
            };
            YearAmount { year, amount }
        })
        .collect()
}

/// Adds up amounts by kind and year, exactly.
#[derive(Debug, Default)]
pub struct SummaryTotals {
    by_year: BTreeMap<FinancialYear, (Money, Money)>,
}

impl SummaryTotals {
    pub fn add(&mut self, kind: LineKind, year: FinancialYear, amount: Money) {
        let (savings, growth) = self.by_year.entry(year).or_default();
        match kind {
            LineKind::Saving => *savings = *savings + amount,
            LineKind::Growth => *growth = *growth + amount,
        }
    }

    pub fn years(&self) -> impl Iterator<Item = FinancialYear> + '_ {
        self.by_year.keys().copied()
    }

    /// One row per year of `years`, including years with nothing in them.
    pub fn rows(&self, years: &[FinancialYear]) -> Vec<YearSummary> {
        years
            .iter()
            .map(|&year| {
                let (savings, growth) = self.by_year.get(&year).copied().unwrap_or_default();
                YearSummary {
                    year,
                    savings,
                    growth,
                    net: growth - savings,
                }
            })
            .collect()
    }

    /// One row per year that has any amount.
    pub fn all_rows(&self) -> Vec<YearSummary> {
        let years: Vec<FinancialYear> = self.years().collect();
        self.rows(&years)
    }
}

/// Every financial year from `from` to `to`, inclusive.
pub fn year_range(from: FinancialYear, to: FinancialYear) -> Vec<FinancialYear> {
    std::iter::successors(Some(from), |year| Some(year.next()))
        .take_while(|year| *year <= to)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ongoing_amounts_stay_in_and_one_offs_fall_out() {
        let year = |text: &str| FinancialYear::parse(text).unwrap();
        let money = |text: &str| Money::parse(text).unwrap();
        let profile = |entries: &[(&str, &str)]| {
            entries
                .iter()
                .map(|(y, a)| YearAmount {
                    year: year(y),
                    amount: money(a),
                })
                .collect::<Vec<_>>()
        };
        let sav05 = profile(&[
            ("2021/22", "794000.00"),
            ("2022/23", "1654000.00"),
            ("2023/24", "1385000.00"),
        ]);
        assert_eq!(
            cumulative_profile(&sav05, LineNature::Ongoing),
            profile(&[
                ("2021/22", "794000.00"),
                ("2022/23", "2448000.00"),
                ("2023/24", "3833000.00")
            ])
        );
        let gro04 = profile(&[
            ("2021/22", "866000.00"),
            ("2022/23", "0.00"),
            ("2023/24", "0.00"),
        ]);
        assert_eq!(cumulative_profile(&gro04, LineNature::OneOff), gro04);
    }

    #[test]
    fn net_is_growth_minus_savings_for_every_year_in_range() {
        let year = |text| FinancialYear::parse(text).unwrap();
        let money = |text| Money::parse(text).unwrap();
        let mut totals = SummaryTotals::default();
        totals.add(LineKind::Saving, year("2021/22"), money("424000.00"));
        totals.add(LineKind::Saving, year("2021/22"), money("0.01"));
        totals.add(LineKind::Growth, year("2021/22"), money("220000.00"));
        let rows = totals.rows(&year_range(year("2021/22"), year("2022/23")));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].savings.to_string(), "424000.01");
        assert_eq!(rows[0].net.to_string(), "-204000.01");
        assert_eq!(rows[1].net, Money::ZERO);
    }
}
