//! The Dedicated Schools Grant: four blocks, balances that carry forward year to year, and the checks that
//! name every figure that does not agree. Sign convention as in the council's table: positive is a
//! cumulative deficit (overspend), negative a surplus.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{FinancialYear, Money};

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum DsgBlock {
    Schools,
    CentralSchoolServices,
    EarlyYears,
    HighNeeds,
}

text_enum!(DsgBlock {
    Schools => "schools",
    CentralSchoolServices => "central_school_services",
    EarlyYears => "early_years",
    HighNeeds => "high_needs",
});

/// What a figure means, so no reader depends on its sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// Positive: a (cumulative) overspend.
    Deficit,
    /// Negative: an underspend.
    Surplus,
    Balanced,
}

/// An amount with its position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"amount": "24222000.00", "position": "deficit"}))]
pub struct Figure {
    pub amount: Money,
    pub position: Position,
}

impl Figure {
    pub fn of(amount: Money) -> Figure {
        let position = if amount.is_zero() {
            Position::Balanced
        } else if amount.is_negative() {
            Position::Surplus
        } else {
            Position::Deficit
        };
        Figure { amount, position }
    }
}

/// A block's balance in one year, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockYear {
    pub year: FinancialYear,
    pub block: DsgBlock,
    pub opening: Money,
    pub movement: Money,
    /// As reported; absent when it was computed.
    pub closing_reported: Option<Money>,
    /// After the transfers recorded for the year.
    pub funding: Option<Money>,
    pub expenditure: Option<Money>,
}

impl BlockYear {
    /// The closing balance: as reported where it was, else opening + movement.
    pub fn closing(&self) -> Money {
        self.closing_reported
            .unwrap_or(self.opening + self.movement)
    }
}

/// A figure that does not agree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Check {
    /// The reported closing balance is not opening + movement.
    ClosingMismatch {
        year: FinancialYear,
        block: DsgBlock,
        expected: Money,
        reported: Money,
        difference: Money,
        message: String,
    },
    /// This year's opening balance is not last year's closing balance.
    OpeningNotCarriedForward {
        year: FinancialYear,
        block: DsgBlock,
        previous_year: FinancialYear,
        previous_closing: Money,
        opening: Money,
        difference: Money,
        message: String,
    },
    /// Movement is not expenditure − funding.
    MovementMismatch {
        year: FinancialYear,
        block: DsgBlock,
        expected: Money,
        movement: Money,
        difference: Money,
        message: String,
    },
    /// No figures for a block in a year: reported, never assumed zero.
    BlockMissing {
        year: FinancialYear,
        block: DsgBlock,
        message: String,
    },
}

impl Check {
    /// The year the check is about.
    pub fn year(&self) -> FinancialYear {
        match self {
            Check::ClosingMismatch { year, .. }
            | Check::OpeningNotCarriedForward { year, .. }
            | Check::MovementMismatch { year, .. }
            | Check::BlockMissing { year, .. } => *year,
        }
    }
}

/// Every check over the years given (each year's blocks, in year order), including carry-forward between
/// consecutive years.
pub fn checks(years: &[(FinancialYear, Vec<BlockYear>)]) -> Vec<Check> {
    let mut found = Vec::new();
    for (index, (year, blocks)) in years.iter().enumerate() {
        let previous = index
            .checked_sub(1)
            .map(|i| &years[i])
            .filter(|(earlier, _)| earlier.next() == *year);
        for block in DsgBlock::ALL {
            let Some(this) = blocks.iter().find(|b| b.block == block) else {
                found.push(Check::BlockMissing {
                    year: *year,
                    block,
                    message: format!(
                        "no {} block figures for {year}: missing, not assumed zero",
                        block.as_str()
                    ),
                });
                continue;
            };
            let expected = this.opening + this.movement;
            if let Some(reported) = this
                .closing_reported
                .filter(|reported| *reported != expected)
            {
                found.push(Check::ClosingMismatch {
                    year: *year,
                    block,
                    expected,
                    reported,
                    difference: reported - expected,
                    message: format!("{year} {}: closing {reported} is not opening {} + movement {} = {expected}", block.as_str(), this.opening, this.movement),
                });
            }
            if let (Some(funding), Some(expenditure)) = (this.funding, this.expenditure) {
                let expected = expenditure - funding;
                if this.movement != expected {
                    found.push(Check::MovementMismatch {
                        year: *year,
                        block,
                        expected,
                        movement: this.movement,
                        difference: this.movement - expected,
                        message: format!("{year} {}: movement {} is not expenditure {expenditure} − funding {funding} = {expected}", block.as_str(), this.movement),
                    });
                }
            }
            if let Some(before) =
                previous.and_then(|(_, blocks)| blocks.iter().find(|b| b.block == block))
            {
                let previous_closing = before.closing();
                if this.opening != previous_closing {
                    found.push(Check::OpeningNotCarriedForward {
                        year: *year,
                        block,
                        previous_year: before.year,
                        previous_closing,
                        opening: this.opening,
                        difference: this.opening - previous_closing,
                        message: format!(
                            "{year} {}: opening {} is not {}'s closing {previous_closing}",
                            block.as_str(),
                            this.opening,
                            before.year
                        ),
                    });
                }
            }
        }
    }
    found
}

/// The year's transfers out of the Schools block above this share (per mille) of its allocation before academy
/// recoupment need the Secretary of State's approval; up to it, the Schools Forum's.
pub const SCHOOLS_TRANSFER_LIMIT_PER_MILLE: i64 = 5;

/// Whether `total_out`, the year's transfers out of the Schools block, is above 0.5% of `base`, its allocation
/// before academy recoupment. Exact: compared in whole pence, total × 1000 against base × 5.
pub fn above_schools_limit(total_out: Money, base: Money) -> bool {
    i128::from(total_out.pence()) * 1000
        > i128::from(base.pence()) * i128::from(SCHOOLS_TRANSFER_LIMIT_PER_MILLE)
}

/// The most the year's transfers out of the Schools block may total within 0.5% of `base`: 0.5% of it, rounded
/// down to the penny (a total of that is not above 0.5%, a penny more is).
pub fn schools_limit(base: Money) -> Money {
    let pence = i128::from(base.pence()) * i128::from(SCHOOLS_TRANSFER_LIMIT_PER_MILLE) / 1000;
    // 0.5% of an amount is smaller than it, so it fits.
    Money::from_pence(i64::try_from(pence).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    #[test]
    fn the_half_percent_boundary_is_exact() {
        let funding = money("200000000.00");
        assert!(!above_schools_limit(money("1000000.00"), funding));
        assert!(above_schools_limit(money("1000000.01"), funding));
        assert_eq!(schools_limit(funding), money("1000000.00"));
        // 0.5% of 123,456,789.99 is 617,283.94995: a total of 617,283.94 is within it, a penny more is not.
        let base = money("123456789.99");
        assert_eq!(schools_limit(base), money("617283.94"));
        assert!(!above_schools_limit(money("617283.94"), base));
        assert!(above_schools_limit(money("617283.95"), base));
    }

    #[test]
    fn positions_follow_the_councils_sign() {
        assert_eq!(Figure::of(money("24222000.00")).position, Position::Deficit);
        assert_eq!(Figure::of(money("-1423000.00")).position, Position::Surplus);
        assert_eq!(Figure::of(Money::ZERO).position, Position::Balanced);
    }
}
