//! The approved budget as the API shows it: decisions (which body decided what, and when) and baselines (the
//! budget a decision approved, line by line). Both are immutable once recorded.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use crate::domain::{DirectorateCode, FinancialYear, LineKind, LineRef, Money, YearAmount};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// The body that took a decision.
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
pub enum DecisionBody {
    Cabinet,
    Council,
    Scrutiny,
    /// The Section 151 officer (the chief finance officer).
    S151Officer,
    ExecutiveDirector,
    SchoolsForum,
    ImprovementBoard,
    /// The Secretary of State for Education (through the DfE): e.g. a disapplication allowing a transfer out of
    /// the DSG's Schools block.
    SecretaryOfState,
    /// Another body, named in `body_name`.
    Other,
}

crate::domain::text_enum!(DecisionBody {
    Cabinet => "cabinet",
    Council => "council",
    Scrutiny => "scrutiny",
    S151Officer => "s151_officer",
    ExecutiveDirector => "executive_director",
    SchoolsForum => "schools_forum",
    ImprovementBoard => "improvement_board",
    SecretaryOfState => "secretary_of_state",
    Other => "other",
});

/// A decision as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "body": "council", "decided_on": "2021-02-24", "reference": "Budget Council, minute 7",
    "summary": "Approved the MTFS 2021/22 to 2023/24", "recorded_by": "admin", "recorded_at": "2021-03-01T09:00:00Z"}))]
pub struct Decision {
    pub id: i64,
    pub body: DecisionBody,
    /// The body's name, when `body` is `other`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_name: Option<String>,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub decided_on: Date,
    /// The minute, report or delegated-decision number.
    pub reference: String,
    pub summary: String,
    /// The key that recorded it.
    pub recorded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// A decision to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "council", "decided_on": "2021-02-24", "reference": "Budget Council, minute 7",
    "summary": "Approved the MTFS 2021/22 to 2023/24"}))]
pub struct CreateDecision {
    pub body: DecisionBody,
    /// Required when `body` is `other`, and only then. At most 200 bytes, one line.
    pub body_name: Option<String>,
    /// The day it was taken: today or before.
    #[serde(deserialize_with = "crate::domain::instant::date")]
    #[schema(value_type = String, format = Date)]
    pub decided_on: Date,
    /// At most 200 bytes, one line.
    pub reference: String,
    /// At most 10,000 bytes.
    pub summary: String,
}

/// A baseline to set from the lines' current approved profiles.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Budget Council, February 2021", "decision_id": 1}))]
pub struct CreateBaseline {
    /// Unique, never reused; at most 100 bytes, one line.
    pub name: String,
    /// The decision that approved this budget.
    pub decision_id: i64,
}

/// A year's figures of a baseline: savings, growth and net (growth − savings).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct BaselineYear {
    pub year: FinancialYear,
    pub savings: Money,
    pub growth: Money,
    pub net: Money,
}

/// A baseline: the approved budget a decision set, never changed afterwards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Baseline {
    pub name: String,
    pub decision: Decision,
    /// The key that set it.
    pub set_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub set_at: OffsetDateTime,
    /// How many lines it holds.
    pub line_count: usize,
    /// Per year, over every line it holds.
    pub years: Vec<BaselineYear>,
}

/// A line as a baseline holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct BaselineLine {
    #[serde(rename = "ref")]
    #[schema(value_type = String, example = "CFE SAV05")]
    pub line_ref: LineRef,
    pub directorate: DirectorateCode,
    pub kind: LineKind,
    pub title: String,
    pub years: Vec<BaselineAmount>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct BaselineAmount {
    pub year: FinancialYear,
    pub amount: Money,
}

/// A baseline with its lines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct BaselineWithLines {
    #[serde(flatten)]
    pub baseline: Baseline,
    pub lines: Vec<BaselineLine>,
}

/// What covers a written-off saving's gap in the budget.
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
pub enum FundingSource {
    Contingency,
    Reserves,
    /// Another saving, named by `ref`.
    Saving,
    /// A growth line, named by `ref`.
    Growth,
}

crate::domain::text_enum!(FundingSource {
    Contingency => "contingency",
    Reserves => "reserves",
    Saving => "saving",
    Growth => "growth",
});

/// The funding of a write-off: a source, and for a saving or growth line its ref.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Funding {
    pub source: FundingSource,
    /// The saving or growth line that covers it; only for those sources.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "CFE SAV16")]
    pub line_ref: Option<LineRef>,
}

/// A write-off to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"ref": "CFE SAV10", "decision_id": 2, "reason": "Undeliverable: the review found no further efficiency",
    "funding": {"source": "contingency"}, "years": [{"year": "2021/22", "amount": "587000.00"}, {"year": "2022/23", "amount": "221000.00"}]}))]
pub struct CreateWriteOff {
    /// The approved saving written off, in any printed form.
    #[serde(rename = "ref")]
    #[schema(value_type = String)]
    pub line_ref: LineRef,
    pub decision_id: i64,
    /// At most 2,000 bytes.
    pub reason: String,
    pub funding: Funding,
    /// How much of the saving, by year: each more than 0.00 and, with earlier write-offs, no more than the
    /// baseline holds for that year.
    pub years: Vec<YearAmount>,
}

/// A write-off as recorded. Never changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct WriteOff {
    pub id: i64,
    #[serde(rename = "ref")]
    #[schema(value_type = String)]
    pub line_ref: LineRef,
    pub directorate: DirectorateCode,
    pub decision_id: i64,
    pub reason: String,
    pub funding: Funding,
    pub years: Vec<BaselineAmount>,
    pub total: Money,
    /// The key that recorded it, and the person holding it.
    pub recorded_by: String,
    pub recorder: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}
