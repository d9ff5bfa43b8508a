//! The vocabulary of an MTFS line: its kind, status, nature and profile of amounts by year.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::financial_year::FinancialYear;
use super::money::{Money, MAX_PENCE};
use super::validation::FieldErrors;

// Free text is checked in one place for every resource; lines were its first users.
pub use super::text::{check_text, MAX_DESCRIPTION, MAX_OWNER, MAX_REASON, MAX_TITLE};

/// Whether a line reduces the base budget (a saving) or adds to it (growth).
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
pub enum LineKind {
    Growth,
    Saving,
}

/// Where a line stands. Lines are never deleted: a line that drops out of the plan is `withdrawn`, with a reason.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    Proposed,
    Agreed,
    InDelivery,
    Delivered,
    Withdrawn,
}

/// Whether a line's amounts stay in the base budget (`ongoing`) or apply in their year only (`one_off`).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
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
pub enum LineNature {
    #[default]
    Ongoing,
    OneOff,
}

text_enum!(LineKind { Growth => "growth", Saving => "saving" });
text_enum!(LineStatus {
    Proposed => "proposed",
    Agreed => "agreed",
    InDelivery => "in_delivery",
    Delivered => "delivered",
    Withdrawn => "withdrawn",
});
text_enum!(LineNature { Ongoing => "ongoing", OneOff => "one_off" });

impl LineKind {
    /// The three letters a ref uses for this kind.
    pub fn ref_code(self) -> &'static str {
        match self {
            LineKind::Saving => "SAV",
            LineKind::Growth => "GRO",
        }
    }
}

/// One year's amount of a line: a non-negative magnitude in pounds; the line's kind gives the direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"year": "2021/22", "amount": "794000.00"}))]
pub struct YearAmount {
    pub year: FinancialYear,
    pub amount: Money,
}

/// Checks a line's profile: amounts are magnitudes (never negative) and each year appears once.
/// Returns the profile in year order.
pub fn check_profile(
    years: &[YearAmount],
    field: &str,
    errors: &mut FieldErrors,
) -> Vec<YearAmount> {
    let mut seen = BTreeSet::new();
    // A line's total is an amount too: it must be one the service can read back.
    let mut total: i64 = 0;
    for (index, entry) in years.iter().enumerate() {
        total = total.saturating_add(entry.amount.pence().max(0));
        if total > MAX_PENCE && (total - entry.amount.pence().max(0)) <= MAX_PENCE {
            errors.add(
                format!("{field}[{index}].amount"),
                format!(
                    "the line's years would add up to more than {}, the largest amount accepted",
                    Money::from_pence(MAX_PENCE)
                ),
            );
        }
        if entry.amount.is_negative() {
            errors.add(
                format!("{field}[{index}].amount"),
                "amounts are magnitudes and cannot be negative: the line's kind says whether it is a saving or growth",
            );
        }
        if !seen.insert(entry.year) {
            errors.add(
                format!("{field}[{index}].year"),
                format!("{} appears more than once", entry.year),
            );
        }
    }
    let mut sorted = years.to_vec();
    sorted.sort_by_key(|entry| entry.year);
    sorted
}

/// A name that travels in URLs and logs (a key's, a plan's): 1 to `max` letters, digits, `-`, `_` or `.`.
pub fn check_name(name: &str, field: &str, max: usize, errors: &mut FieldErrors) {
    let valid = !name.is_empty()
        && name.len() <= max
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !valid {
        errors.add(
            field,
            format!("use 1 to {max} letters, digits, '-', '_' or '.'"),
        );
    }
}
