//! Monitoring periods and savings-at-risk assessments as the API presents them.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use crate::domain::monitoring::{AssessmentInput, Period, Rag, Substitute};
use crate::domain::{FinancialYear, LineRef, Money};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// A month of a financial year in which finance assesses savings; once closed, its assessments are as reported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"year": "2021/22", "period": "P3", "as_at": "2021-06-30", "status": "open", "closed_at": null, "created_at": "2021-07-01T09:00:00Z"}))]
pub struct MonitoringPeriod {
    pub year: FinancialYear,
    pub period: Period,
    /// The date finance reports "as at", within the period's month.
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub as_at: Date,
    pub status: PeriodStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodStatus {
    Open,
    /// Read-only: its assessments are as reported.
    Closed,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"year": "2021/22", "period": "P3", "as_at": "2021-06-30"}))]
pub struct CreatePeriod {
    pub year: FinancialYear,
    pub period: Period,
    /// Defaults to the period's last day.
    #[serde(default, deserialize_with = "crate::domain::instant::optional_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub as_at: Option<Date>,
}

/// One line's assessment in one period: how much of that year's saving will be delivered, and why not.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "year": "2021/22", "period": "P3", "ref": "CFE SAV09", "rag": "amber",
    "planned": "660000.00", "forecast": "423000.00", "at_risk": "237000.00",
    "timing": "237000.00", "permanent": "0.00",
    "reason": "Children's centre consultation extended", "mitigation": "Interim staffing savings",
    "substitutes": [{"ref": "CFE SAV16", "amount": "100000.00"}], "slips_to": "2022/23",
    "updated_at": "2021-07-05T10:00:00Z", "version": 1
}))]
pub struct Assessment {
    pub year: FinancialYear,
    pub period: Period,
    #[serde(rename = "ref")]
    pub line_ref: LineRef,
    pub rag: Rag,
    /// The line's saving in that year when it was assessed.
    pub planned: Money,
    /// The part expected to be delivered; more than `planned` where the saving over-delivers.
    pub forecast: Money,
    /// The part not expected to be delivered: planned − forecast (nothing when it over-delivers).
    pub at_risk: Money,
    /// The part at risk delivered later, in `slips_to`: a one-off gap this year.
    pub timing: Money,
    /// The part at risk never delivered: of an ongoing saving, a gap in every later year too.
    pub permanent: Money,
    /// Carried forward (`copy-from`) from the saving's assessment in this earlier period, not assessed afresh;
    /// absent once it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<Period>,
    pub reason: Option<String>,
    pub mitigation: Option<String>,
    /// Other savings that replace part of the shortfall.
    pub substitutes: Vec<Substitute>,
    /// A later year the undelivered part moves to.
    pub slips_to: Option<FinancialYear>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// The body of `PUT /periods/{year}/{period}/assessments/{ref}`. Send `forecast` or `at_risk` (the other is
/// derived exactly), or both when they add up to the line's saving that year; a forecast above the plan
/// over-delivers. Of the amount at risk send `timing` or `permanent` (the other is derived), or both when they
/// add up to it; neither, and it is all timing when `slips_to` names a year, else all permanent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"rag": "amber", "at_risk": "237000.00", "reason": "Children's centre consultation extended", "mitigation": "Interim staffing savings"}))]
pub struct AssessmentRequest {
    pub rag: Rag,
    pub forecast: Option<Money>,
    pub at_risk: Option<Money>,
    /// Required when anything is at risk.
    /// At most 2,000 bytes of UTF-8 (tabs and line breaks allowed, no other control characters).
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
    /// At most 2,000 bytes of UTF-8 (tabs and line breaks allowed, no other control characters).
    #[schema(max_length = 2000)]
    pub mitigation: Option<String>,
    /// At most 20.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub substitutes: Vec<Substitute>,
    /// The year the timing part is delivered in: required when anything is timing.
    pub slips_to: Option<FinancialYear>,
    pub timing: Option<Money>,
    pub permanent: Option<Money>,
}

impl From<AssessmentRequest> for AssessmentInput {
    fn from(request: AssessmentRequest) -> AssessmentInput {
        AssessmentInput {
            rag: request.rag,
            forecast: request.forecast,
            at_risk: request.at_risk,
            reason: request.reason,
            mitigation: request.mitigation,
            substitutes: request.substitutes,
            slips_to: request.slips_to,
            timing: request.timing,
            permanent: request.permanent,
        }
    }
}

/// An assessment as a new one of the same line: the same amount at risk and the same timing part (so the same
/// over-delivery, where it over-delivered).
impl From<&Assessment> for AssessmentInput {
    fn from(assessment: &Assessment) -> AssessmentInput {
        let over_delivered = assessment.forecast > assessment.planned;
        AssessmentInput {
            rag: assessment.rag,
            forecast: over_delivered.then_some(assessment.forecast),
            at_risk: (!over_delivered).then_some(assessment.at_risk),
            timing: Some(assessment.timing),
            permanent: None,
            reason: assessment.reason.clone(),
            mitigation: assessment.mitigation.clone(),
            substitutes: assessment.substitutes.clone(),
            slips_to: assessment.slips_to,
        }
    }
}

/// The audit trail's name for a period.
pub fn period_key(year: FinancialYear, period: Period) -> String {
    format!("{year} {period}")
}

/// The audit trail's name for an assessment.
pub fn assessment_key(year: FinancialYear, period: Period, line_ref: &LineRef) -> String {
    format!("{year} {period} {line_ref}")
}
