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

/// What replaces part of a shortfall: another saving with room (unbudgeted, or forecast to over-deliver), or
/// a one-off mitigation (an underspend, a grant, a reserve drawdown). Name one of `ref` and `mitigation`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"ref": "CFE SAV15", "amount": "100000.00"}))]
pub struct Substitute {
    /// A saving line.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub line_ref: Option<LineRef>,
    /// A mitigation's id (`POST /mitigations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub mitigation: Option<i64>,
    pub amount: Money,
}

/// What a substitute is, as named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SubstituteSource<'a> {
    Saving(&'a LineRef),
    Mitigation(i64),
}

impl Substitute {
    /// The saving or mitigation named; `None` when both or neither are.
    pub fn source(&self) -> Option<SubstituteSource<'_>> {
        match (&self.line_ref, self.mitigation) {
            (Some(line_ref), None) => Some(SubstituteSource::Saving(line_ref)),
            (None, Some(id)) => Some(SubstituteSource::Mitigation(id)),
            _ => None,
        }
    }
}

impl fmt::Display for Substitute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.source() {
            Some(SubstituteSource::Saving(line_ref)) => write!(f, "{line_ref} {}", self.amount),
            Some(SubstituteSource::Mitigation(id)) => write!(f, "mitigation {id} {}", self.amount),
            None => write!(f, "{}", self.amount),
        }
    }
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
    pub timing: Option<Money>,
    pub permanent: Option<Money>,
}

/// An assessment that keeps every rule: at risk = planned − forecast (none when the forecast over-delivers),
/// and at risk = timing + permanent, exactly.
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
    /// The part at risk that is delivered later, in `slips_to`: a one-off gap this year.
    pub timing: Money,
    /// The part at risk that is never delivered: of an ongoing saving, a gap in every later year too.
    pub permanent: Money,
}

impl CheckedAssessment {
    /// What the forecast delivers beyond the plan (zero when it does not over-deliver).
    pub fn over_delivery(&self) -> Money {
        over_delivery(self.planned, self.forecast)
    }
}

/// `forecast` beyond `planned`, or zero.
pub fn over_delivery(planned: Money, forecast: Money) -> Money {
    if forecast > planned {
        forecast - planned
    } else {
        Money::ZERO
    }
}

/// Checks an assessment of a saving whose amount in `year` is `planned`. Either `forecast` or `at_risk` may be
/// sent and the other is derived; sent both, they must add up to `planned`. A forecast may exceed the plan
/// (over-delivery: nothing is at risk). What is at risk is `timing` (slips to a later year) and `permanent`
/// (never delivered): send either and the other is derived; send neither and it is all timing when `slips_to`
/// names a year, else all permanent (the prudent reading of a shortfall nobody has explained).
pub fn check_assessment(
    input: AssessmentInput,
    line_ref: &LineRef,
    year: FinancialYear,
    planned: Money,
    errors: &mut FieldErrors,
) -> CheckedAssessment {
    let at_most_planned = |amount: Money, field: &str, errors: &mut FieldErrors| {
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
            not_negative(forecast, "forecast", errors);
            (forecast, short_of(planned, forecast))
        }
        (None, Some(at_risk)) => {
            at_most_planned(at_risk, "at_risk", errors);
            (planned - at_risk, at_risk)
        }
        (Some(forecast), Some(at_risk)) => {
            not_negative(forecast, "forecast", errors);
            at_most_planned(at_risk, "at_risk", errors);
            if at_risk != short_of(planned, forecast) {
                let message = if forecast > planned {
                    format!("forecast {forecast} is more than the planned {planned}: nothing is at risk")
                } else {
                    format!("forecast {forecast} and at risk {at_risk} must add up to the planned {planned}")
                };
                errors.add("at_risk", message);
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
        match substitute.source() {
            None => errors.add(
                format!("substitutes[{index}]"),
                "name one of `ref` (a saving) and `mitigation` (a mitigation's id)",
            ),
            Some(SubstituteSource::Saving(other)) if other == line_ref => errors.add(
                format!("substitutes[{index}].ref"),
                "a saving cannot substitute for itself",
            ),
            Some(source) if !seen.insert(source) => {
                let field = match source {
                    SubstituteSource::Saving(_) => "ref",
                    SubstituteSource::Mitigation(_) => "mitigation",
                };
                errors.add(
                    format!("substitutes[{index}].{field}"),
                    format!("{substitute} appears more than once"),
                )
            }
            Some(_) => {}
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
    let (timing, permanent) = split_at_risk(
        at_risk.max(Money::ZERO),
        (input.timing, input.permanent),
        input.slips_to.is_some(),
        errors,
    );
    if risky && !timing.is_zero() && input.slips_to.is_none() {
        errors.add(
            "slips_to",
            format!("name the year the timing shortfall of {timing} is delivered in"),
        );
    }
    if risky && timing.is_zero() && input.slips_to.is_some() {
        errors.add(
            "slips_to",
            "only a timing shortfall slips to a later year: none is timing",
        );
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
        timing,
        permanent,
    }
}

fn not_negative(amount: Money, field: &str, errors: &mut FieldErrors) {
    if amount.is_negative() {
        errors.add(field, "must be 0.00 or more");
    }
}

/// What a forecast leaves undelivered of the plan: nothing when it over-delivers.
fn short_of(planned: Money, forecast: Money) -> Money {
    if forecast >= planned {
        Money::ZERO
    } else {
        planned - forecast
    }
}

/// The amount at risk as (timing, permanent): as sent, the one not sent derived, or by `slips` when neither is.
fn split_at_risk(
    at_risk: Money,
    sent: (Option<Money>, Option<Money>),
    slips: bool,
    errors: &mut FieldErrors,
) -> (Money, Money) {
    let part = |amount: Money, field: &str, errors: &mut FieldErrors| {
        if amount.is_negative() || amount > at_risk {
            errors.add(
                field,
                format!("must be from 0.00 to {at_risk}, the amount at risk"),
            );
            false
        } else {
            true
        }
    };
    match sent {
        (None, None) if slips => (at_risk, Money::ZERO),
        (None, None) => (Money::ZERO, at_risk),
        (Some(timing), None) => match part(timing, "timing", errors) {
            true => (timing, at_risk - timing),
            false => (Money::ZERO, at_risk),
        },
        (None, Some(permanent)) => match part(permanent, "permanent", errors) {
            true => (at_risk - permanent, permanent),
            false => (Money::ZERO, at_risk),
        },
        (Some(timing), Some(permanent)) => {
            let valid = part(timing, "timing", errors) & part(permanent, "permanent", errors);
            if valid && timing + permanent != at_risk {
                errors.add(
                    "permanent",
                    format!("timing {timing} and permanent {permanent} must add up to the {at_risk} at risk"),
                );
            }
            if valid {
                (timing, permanent)
            } else {
                (Money::ZERO, at_risk)
            }
        }
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
            timing: None,
            permanent: None,
        };
        let mut errors = FieldErrors::default();
        let checked = check_assessment(input, &line_ref, year, money("660000.00"), &mut errors);
        assert!(errors.into_result(()).is_ok());
        assert_eq!(checked.forecast, money("423000.00"));
        // Unexplained and not slipping: prudently permanent.
        assert_eq!(
            (checked.timing, checked.permanent),
            (Money::ZERO, money("237000.00"))
        );
    }

    fn sav09(input: AssessmentInput) -> (CheckedAssessment, Vec<String>) {
        let line_ref = LineRef::parse("CFE SAV09").unwrap();
        let year = FinancialYear::parse("2021/22").unwrap();
        let mut errors = FieldErrors::default();
        let checked = check_assessment(input, &line_ref, year, money("660000.00"), &mut errors);
        let fields = match errors.into_result(()) {
            Ok(()) => vec![],
            Err(errors) => errors.into_iter().map(|e| e.field).collect(),
        };
        (checked, fields)
    }

    fn at_risk(amount: &str) -> AssessmentInput {
        AssessmentInput {
            rag: Rag::Amber,
            forecast: None,
            at_risk: Some(money(amount)),
            reason: Some("Consultation delayed".to_owned()),
            mitigation: None,
            substitutes: vec![],
            slips_to: None,
            timing: None,
            permanent: None,
        }
    }

    #[test]
    fn splits_the_shortfall_into_timing_and_permanent_exactly() {
        let next = FinancialYear::parse("2022/23").ok();
        let (checked, fields) = sav09(AssessmentInput {
            slips_to: next,
            ..at_risk("237000.00")
        });
        assert!(fields.is_empty(), "{fields:?}");
        assert_eq!(
            (checked.timing, checked.permanent),
            (money("237000.00"), Money::ZERO)
        );
        let (checked, fields) = sav09(AssessmentInput {
            slips_to: next,
            timing: Some(money("200000.00")),
            ..at_risk("237000.00")
        });
        assert!(fields.is_empty(), "{fields:?}");
        assert_eq!(checked.permanent, money("37000.00"));
        let (_, fields) = sav09(AssessmentInput {
            slips_to: next,
            timing: Some(money("200000.00")),
            permanent: Some(money("37000.01")),
            ..at_risk("237000.00")
        });
        assert_eq!(fields, ["permanent"]);
        let (_, fields) = sav09(AssessmentInput {
            timing: Some(money("1.00")),
            ..at_risk("237000.00")
        });
        assert_eq!(fields, ["slips_to"], "a timing amount names its year");
        let (_, fields) = sav09(AssessmentInput {
            slips_to: next,
            permanent: Some(money("237000.00")),
            ..at_risk("237000.00")
        });
        assert_eq!(fields, ["slips_to"], "nothing is timing, so nothing slips");
        let (_, fields) = sav09(AssessmentInput {
            timing: Some(money("-1.00")),
            ..at_risk("237000.00")
        });
        assert_eq!(fields, ["timing"]);
    }

    #[test]
    fn a_forecast_may_over_deliver() {
        let (checked, fields) = sav09(AssessmentInput {
            rag: Rag::Blue,
            forecast: Some(money("720000.00")),
            at_risk: None,
            reason: None,
            ..at_risk("0.00")
        });
        assert!(fields.is_empty(), "{fields:?}");
        assert_eq!(checked.at_risk, Money::ZERO);
        assert_eq!(checked.over_delivery(), money("60000.00"));
        let (_, fields) = sav09(AssessmentInput {
            rag: Rag::Blue,
            forecast: Some(money("720000.00")),
            reason: None,
            ..at_risk("1.00")
        });
        assert_eq!(fields, ["at_risk", "rag", "reason"]);
    }
}
