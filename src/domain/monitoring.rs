//! Monitoring: periods P1–P12 of a financial year, RAG ratings, and the rules of a savings-at-risk assessment.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month};
use utoipa::ToSchema;

use super::line::{check_text, MAX_REASON};
use super::{FieldErrors, FinancialYear, LineRef, Money};

/// A monitoring period: a month of the financial year, P1 = April … P12 = March.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Integer)]
pub struct Period(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a monitoring period: use P1 (April) to P12 (March)")]
pub struct PeriodError(String);

impl Period {
    pub fn new(number: u8) -> Option<Period> {
        (1..=12).contains(&number).then_some(Period(number))
    }

    /// Reads `P3` or `p3`.
    pub fn parse(text: &str) -> Result<Period, PeriodError> {
        let error = || PeriodError(text.to_owned());
        let digits = text.trim().strip_prefix(['P', 'p']).ok_or_else(error)?;
        digits
            .parse::<u8>()
            .ok()
            .and_then(Period::new)
            .ok_or_else(error)
    }

    pub fn number(self) -> u8 {
        self.0
    }

    /// The periods of a year from P1 up to and including this one.
    pub fn up_to(self) -> Vec<Period> {
        (1..=self.0).map(Period).collect()
    }

    /// The periods of a year before this one (none before P1).
    pub fn before(self) -> Vec<Period> {
        (1..self.0).map(Period).collect()
    }

    /// The calendar month and year the period covers in `year`.
    pub fn month(self, year: FinancialYear) -> (i32, Month) {
        let index = (self.0 + 2) % 12; // P1 → April (index 3 of January-based months)
        let calendar_year = if self.0 <= 9 {
            year.start()
        } else {
            year.start() + 1
        };
        (calendar_year, Month::try_from(index + 1).expect("1 to 12"))
    }

    /// The last day of the period: when finance reports "as at".
    pub fn last_day(self, year: FinancialYear) -> Date {
        let (calendar_year, month) = self.month(year);
        Date::from_calendar_date(
            calendar_year,
            month,
            time::util::days_in_month(month, calendar_year),
        )
        .expect("a real date")
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "P{}", self.0)
    }
}

text_value!(
    Period,
    parse: Period::parse,
    pattern: Some("^P([1-9]|1[0-2])$"),
    example: "P3",
    description: "A monitoring period: a month of the financial year, P1 = April … P12 = March."
);

/// Red, amber, green — and blue for delivered.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Rag {
    /// Delivered.
    Blue,
    /// On track.
    Green,
    /// At risk.
    Amber,
    /// Will not be delivered this year.
    Red,
}

text_enum!(Rag { Blue => "blue", Green => "green", Amber => "amber", Red => "red" });

/// Another saving line that replaces part of a shortfall.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"ref": "CFE SAV15", "amount": "100000.00"}))]
pub struct Substitute {
    #[serde(rename = "ref")]
    pub line_ref: LineRef,
    pub amount: Money,
}

/// What an assessment says, as sent.
#[derive(Clone, Debug)]
pub struct AssessmentInput {
    pub rag: Rag,
    pub forecast: Option<Money>,
    pub at_risk: Option<Money>,
    pub reason: Option<String>,
    pub mitigation: Option<String>,
    pub substitutes: Vec<Substitute>,
    pub slips_to: Option<FinancialYear>,
}

/// An assessment that keeps every rule: forecast + at risk = planned, exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedAssessment {
    pub rag: Rag,
    pub planned: Money,
    pub forecast: Money,
    pub at_risk: Money,
    pub reason: Option<String>,
    pub mitigation: Option<String>,
    pub substitutes: Vec<Substitute>,
    pub slips_to: Option<FinancialYear>,
}

/// Checks an assessment of a saving whose amount in `year` is `planned`. Either `forecast` or `at_risk` may be
/// sent and the other is derived; sent both, they must add up to `planned`.
pub fn check_assessment(
    input: AssessmentInput,
    line_ref: &LineRef,
    year: FinancialYear,
    planned: Money,
    errors: &mut FieldErrors,
) -> CheckedAssessment {
    let in_range = |amount: Money, field: &str, errors: &mut FieldErrors| {
        if amount.is_negative() || amount > planned {
            errors.add(
                field,
                format!("must be from 0.00 to {planned}, {line_ref}'s saving in {year}"),
            );
        }
    };
    let (forecast, at_risk) = match (input.forecast, input.at_risk) {
        (None, None) => {
            errors.add(
                "forecast",
                "send `forecast` (the part expected to be delivered) or `at_risk` (the rest)",
            );
            (planned, Money::ZERO)
        }
        (Some(forecast), None) => {
            in_range(forecast, "forecast", errors);
            (forecast, planned - forecast)
        }
        (None, Some(at_risk)) => {
            in_range(at_risk, "at_risk", errors);
            (planned - at_risk, at_risk)
        }
        (Some(forecast), Some(at_risk)) => {
            in_range(forecast, "forecast", errors);
            in_range(at_risk, "at_risk", errors);
            if forecast + at_risk != planned {
                errors.add("at_risk", format!("forecast {forecast} and at risk {at_risk} must add up to the planned {planned}"));
            }
            (forecast, at_risk)
        }
    };
    let risky = !at_risk.is_zero() && !at_risk.is_negative();
    match input.rag {
        Rag::Blue if risky => errors.add("rag", "blue means delivered: nothing can be at risk"),
        Rag::Red if !risky => errors.add(
            "rag",
            "red means not delivered this year: say how much is at risk",
        ),
        _ => {}
    }
    let text = |value: Option<String>, field: &str, errors: &mut FieldErrors| {
        value
            .map(|v| check_text(&v, field, false, MAX_REASON, errors))
            .filter(|v| !v.is_empty())
    };
    let reason = text(input.reason, "reason", errors);
    if risky && reason.is_none() {
        errors.add(
            "reason",
            "say why the saving is at risk: scrutiny asks for the reason",
        );
    }
    let mut seen = BTreeSet::new();
    for (index, substitute) in input.substitutes.iter().enumerate() {
        if &substitute.line_ref == line_ref {
            errors.add(
                format!("substitutes[{index}].ref"),
                "a saving cannot substitute for itself",
            );
        }
        if !seen.insert(&substitute.line_ref) {
            errors.add(
                format!("substitutes[{index}].ref"),
                format!("{} appears more than once", substitute.line_ref),
            );
        }
        if substitute.amount.is_negative() || substitute.amount.is_zero() {
            errors.add(
                format!("substitutes[{index}].amount"),
                "must be more than 0.00",
            );
        }
    }
    let substituted: Money = input.substitutes.iter().map(|s| s.amount).sum();
    if substituted > at_risk {
        errors.add(
            "substitutes",
            format!("substitutes total {substituted}, more than the {at_risk} at risk"),
        );
    }
    if let Some(later) = input.slips_to {
        if later <= year {
            errors.add("slips_to", format!("must be a year after {year}"));
        }
        if !risky {
            errors.add(
                "slips_to",
                "only an undelivered part can slip: nothing is at risk",
            );
        }
    }
    CheckedAssessment {
        rag: input.rag,
        planned,
        forecast,
        at_risk,
        reason,
        mitigation: text(input.mitigation, "mitigation", errors),
        substitutes: input.substitutes,
        slips_to: input.slips_to,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    #[test]
    fn periods_run_april_to_march() {
        let year = FinancialYear::parse("2021/22").unwrap();
        assert_eq!(
            Period::parse("P3").unwrap().last_day(year).to_string(),
            "2021-06-30"
        );
        assert_eq!(
            Period::parse("p9").unwrap().last_day(year).to_string(),
            "2021-12-31"
        );
        assert_eq!(
            Period::parse("P11").unwrap().last_day(year).to_string(),
            "2022-02-28"
        );
        assert_eq!(
            Period::parse("P12").unwrap().last_day(year).to_string(),
            "2022-03-31"
        );
        for bad in ["P0", "P13", "3", "Q1", "", "P"] {
            assert!(Period::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn derives_the_other_figure_exactly() {
        let line_ref = LineRef::parse("CFE SAV09").unwrap();
        let year = FinancialYear::parse("2021/22").unwrap();
        let input = AssessmentInput {
            rag: Rag::Amber,
            forecast: None,
            at_risk: Some(money("237000.00")),
            reason: Some("Consultation delayed".to_owned()),
            mitigation: None,
            substitutes: vec![],
            slips_to: None,
        };
        let mut errors = FieldErrors::default();
        let checked = check_assessment(input, &line_ref, year, money("660000.00"), &mut errors);
        assert!(errors.into_result(()).is_ok());
        assert_eq!(checked.forecast, money("423000.00"));
    }
}
