//! Outturns and the close of a year's outturn as the API shows them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::domain::monitoring::Period;
use crate::domain::{DirectorateCode, FinancialYear, LineRef, Money};

/// Where a year's outturn stands.
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
pub enum OutturnStatus {
    /// The year's P12 period is not closed yet (or not opened): no outturn can be recorded.
    NotDue,
    /// P12 is closed: outturns are recorded and revised.
    Open,
    /// Closed by a decision: its outturns are read-only until a decision reopens it.
    Closed,
}

crate::domain::text_enum!(OutturnStatus {
    NotDue => "not_due",
    Open => "open",
    Closed => "closed",
});

/// One approved saving's outturn for a year. `delivered + slipped + unachieved + written_off + replaced` is
/// exactly `revised_budget`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"year": "2021/22", "ref": "CFE SAV07", "directorate": "CFE", "revised_budget": "1065000.00",
    "delivered": "0.00", "slipped": "0.00", "unachieved": "1065000.00", "written_off": "0.00", "replaced": "0.00",
    "carried_to": "CFE GRO08", "recorded_by": "cfe-sro", "recorder": "Debbie Jones", "updated_at": "2022-05-03T09:00:00Z", "version": 1}))]
pub struct Outturn {
    pub year: FinancialYear,
    #[serde(rename = "ref")]
    #[schema(value_type = String, example = "CFE SAV07")]
    pub line_ref: LineRef,
    pub directorate: DirectorateCode,
    /// The saving's revised-budget figure the amounts add up to, when recorded: its amount that year in the
    /// latest baseline, less the write-offs recorded for that year.
    pub revised_budget: Money,
    /// Delivered in the year.
    pub delivered: Money,
    /// Delivered late: not in the year, in `slips_to`.
    pub slipped: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slips_to: Option<FinancialYear>,
    /// Never delivered.
    pub unachieved: Money,
    /// Written off at outturn, by `decision_id`.
    pub written_off: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_id: Option<i64>,
    /// Replaced by substitute savings.
    pub replaced: Money,
    /// The growth line of the next year's budget that the unachieved part is carried into.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "CFE GRO08")]
    pub carried_to: Option<LineRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The key that recorded it, and the person holding it.
    pub recorded_by: String,
    pub recorder: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// The body of `PUT /outturns/{year}/lines/{ref}`: the amounts add up to the saving's revised budget exactly.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"delivered": "0.00", "slipped": "0.00", "unachieved": "1065000.00", "written_off": "0.00",
    "replaced": "0.00", "carried_to": "CFE GRO08", "note": "The practice system was not replaced in the year"}))]
pub struct OutturnRequest {
    pub delivered: Money,
    pub slipped: Money,
    /// Required when anything slipped, and only then: a year after this one.
    #[schema(value_type = Option<String>, example = "2022/23")]
    pub slips_to: Option<FinancialYear>,
    pub unachieved: Money,
    pub written_off: Money,
    /// The recorded decision writing it off: required when anything is written off, and only then.
    pub decision_id: Option<i64>,
    pub replaced: Money,
    /// A growth line of the same directorate with an amount in the next year, that carries the unachieved part
    /// into the next year's budget; only when something is unachieved.
    #[schema(value_type = Option<String>, example = "CFE GRO08")]
    pub carried_to: Option<LineRef>,
    /// At most 2,000 bytes.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// What an outturn is proposed to be, from the saving's last assessment of the year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct OutturnProposal {
    /// The period of the assessment it is proposed from.
    pub from_period: Period,
    pub delivered: Money,
    pub slipped: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slips_to: Option<FinancialYear>,
    pub unachieved: Money,
    pub written_off: Money,
    pub replaced: Money,
}

/// One approved saving of the year: its revised budget, the proposal, and the outturn recorded (if any).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct OutturnSaving {
    #[serde(rename = "ref")]
    #[schema(value_type = String, example = "CFE SAV07")]
    pub line_ref: LineRef,
    pub directorate: DirectorateCode,
    pub title: String,
    /// Its amount that year in the latest baseline.
    pub baseline: Money,
    /// Written off through `POST /write-offs` for that year.
    pub written_off: Money,
    /// `baseline` − `written_off`: what its outturn adds up to.
    pub revised_budget: Money,
    /// Never assessed in the year: nothing is proposed.
    pub not_assessed: bool,
    pub proposal: Option<OutturnProposal>,
    pub outturn: Option<Outturn>,
}

/// A year's close or reopening as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct OutturnClose {
    pub year: FinancialYear,
    /// `closed`, or `open` once reopened.
    pub status: OutturnStatus,
    /// The decision that closed or reopened it.
    pub decision_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub changed_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub changed_at: OffsetDateTime,
    pub version: i64,
}

/// A year's outturn: its status, and every approved saving of the year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct OutturnYear {
    pub year: FinancialYear,
    pub status: OutturnStatus,
    /// The latest close or reopening, if the year was ever closed.
    pub close: Option<OutturnClose>,
    /// The baseline the approved savings are read from (none set: no savings).
    pub baseline: Option<String>,
    pub savings: Vec<OutturnSaving>,
    /// How many of them have an outturn recorded, and how many have none yet.
    pub recorded: usize,
    pub to_record: usize,
}

/// The body of `POST /outturns/{year}/close`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision_id": 3, "reason": "Outturn reported to Cabinet, July 2022"}))]
pub struct CloseOutturn {
    /// The recorded decision that closes it.
    pub decision_id: i64,
    /// At most 2,000 bytes.
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// The body of `POST /outturns/{year}/reopen`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision_id": 4, "reason": "External audit adjusted SAV09's delivered figure"}))]
pub struct ReopenOutturn {
    /// The recorded decision that reopens it.
    pub decision_id: i64,
    /// Required; at most 2,000 bytes.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// A line's outturns: as a saving, and those carried into it as growth.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct LineOutturns {
    #[serde(rename = "ref")]
    #[schema(value_type = String, example = "CFE GRO08")]
    pub line_ref: LineRef,
    /// The line's own outturns (a saving's), by year.
    pub outturns: Vec<Outturn>,
    /// Outturns of savings whose unachieved part is carried into this (growth) line, by year and ref.
    pub carried_here: Vec<Outturn>,
}

/// The audit trail's name for an outturn.
pub fn outturn_key(year: FinancialYear, line_ref: &LineRef) -> String {
    format!("{year} {line_ref}")
}
