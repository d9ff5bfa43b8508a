//! Savings, growth and net per financial year: the shape of the council's MTFS tables.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::{FinancialYear, LineKind, Money};

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
