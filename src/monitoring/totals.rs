//! Amounts at risk by year, period, directorate, and withdrawn or not: kept in `crate::totals::at_risk`, below
//! both lines and monitoring, in every assessment write and every withdrawal or reinstatement of a line.

pub use crate::totals::at_risk::{sums, sums_at, AtRiskFigures, AtRiskSum, Counted};
