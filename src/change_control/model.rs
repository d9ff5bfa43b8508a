//! Change control as the API shows it: a change set proposes changes to approved lines (their profile, owner
//! or status), for an approver who is not the proposer to approve or reject under a decision.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::budget::model::Funding;
use crate::domain::{FinancialYear, LineKind, LineRef, LineStatus, YearAmount};

/// Where a change set stands.
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
pub enum ChangeSetStatus {
    /// Proposed, not yet decided: the lines are as they were.
    Pending,
    /// Approved under a decision and applied to the lines.
    Approved,
    /// Rejected by an approver: nothing changed.
    Rejected,
    /// Withdrawn by its proposer: nothing changed.
    Withdrawn,
}

crate::domain::text_enum!(ChangeSetStatus {
    Pending => "pending",
    Approved => "approved",
    Rejected => "rejected",
    Withdrawn => "withdrawn",
});

/// One approved line's proposed change: any of its profile (the whole of it, as a PATCH's `years`), its owner
/// and its status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"ref": "CFE SAV04", "years": [{"year": "2021/22", "amount": "126400.00"}, {"year": "2022/23", "amount": "126400.00"}, {"year": "2023/24", "amount": "126400.00"}]}))]
pub struct ProposedChange {
    /// In any printed form (`CFE SAV04`, `CFE-SAV04`).
    #[serde(rename = "ref")]
    #[schema(value_type = String)]
    pub line_ref: LineRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub years: Option<Vec<YearAmount>>,
    /// `null` clears the owner.
    #[serde(
        default,
        deserialize_with = "crate::lines::model::present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub owner: Option<Option<String>>,
    /// `withdrawn` to withdraw the saving; a withdrawn line's reinstatement (`agreed`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<LineStatus>,
}

/// Changes to propose together: one decision approves them all.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Re-profiled as the July 2021 Children's Continuous Improvement Plan prints it",
    "changes": [{"ref": "CFE SAV04", "years": [{"year": "2021/22", "amount": "126400.00"}, {"year": "2022/23", "amount": "126400.00"}, {"year": "2023/24", "amount": "126400.00"}]}]}))]
pub struct CreateChangeSet {
    /// Why: at most 2,000 bytes. It becomes the reason of each line's change when approved.
    pub reason: String,
    /// 1 to 1,000 changes, a line at most once.
    pub changes: Vec<ProposedChange>,
}

/// A change as proposed, with the line's version it was proposed against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RequestedChange {
    #[serde(rename = "ref")]
    #[schema(value_type = String)]
    pub line_ref: LineRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub years: Option<Vec<YearAmount>>,
    /// `null`: the owner cleared.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub owner: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<LineStatus>,
    /// The line's version when proposed: approval is refused (409) if the line has changed since.
    pub base_version: i64,
}

impl RequestedChange {
    /// The change as it was proposed.
    pub fn change(&self) -> ProposedChange {
        ProposedChange {
            line_ref: self.line_ref.clone(),
            years: self.years.clone(),
            owner: self.owner.clone(),
            status: self.status,
        }
    }
}

/// A change set and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ChangeSet {
    pub id: i64,
    pub status: ChangeSetStatus,
    pub reason: String,
    /// The key that proposed it, and the person holding it.
    pub proposed_by: String,
    pub proposer: String,
    #[serde(with = "time::serde::rfc3339")]
    pub proposed_at: OffsetDateTime,
    pub changes: Vec<RequestedChange>,
    /// Who approved, rejected or withdrew it (key and person), when, under which decision and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decider: Option<String>,
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub decided_at: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome_reason: Option<String>,
    /// For a plan proposed by import: the approved lines the plan leaves out ("dropped off"), each needing a
    /// disposition before the set can be approved. Empty for a set proposed line by line.
    pub absent: Vec<AbsentLine>,
    /// For a plan proposed by import: the amounts it leaves blank, which are not stated and stay as they are.
    pub not_stated: Vec<NotStated>,
}

/// What becomes of an approved line that a proposed plan leaves out.
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
pub enum Disposition {
    /// Stays in the plan as it is.
    Kept,
    /// Withdrawn, with a reason: still in the revised budget, so its loss is a shortfall.
    Withdrawn,
    /// Written off (a saving only): all it has left in the baseline, under the set's decision, with the
    /// funding that covers it; and withdrawn.
    WrittenOff,
    /// Merged into another line (`into`), which carries its amounts from now on; withdrawn.
    Merged,
}

crate::domain::text_enum!(Disposition {
    Kept => "kept",
    Withdrawn => "withdrawn",
    WrittenOff => "written_off",
    Merged => "merged",
});

/// An approved line a proposed plan leaves out, and its disposition once given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct AbsentLine {
    #[serde(rename = "ref")]
    #[schema(value_type = String)]
    pub line_ref: LineRef,
    pub kind: LineKind,
    pub title: String,
    /// The line's version when proposed: approval is refused (409) if it has changed since.
    pub base_version: i64,
    /// Null until given: the set cannot be approved while any is null.
    pub disposition: Option<Disposition>,
    pub reason: Option<String>,
    /// The line it is merged into.
    #[serde(rename = "into")]
    #[schema(value_type = Option<String>)]
    pub merged_into: Option<LineRef>,
    /// What covers a write-off.
    pub funding: Option<Funding>,
    /// The person who gave the disposition.
    pub decided_by: Option<String>,
}

/// A disposition for a line a proposed plan leaves out.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"disposition": "withdrawn", "reason": "Not in the July 2021 plan: the review found no saving"}))]
pub struct Dispose {
    pub disposition: Disposition,
    /// Why: needed for every disposition but `kept`; at most 2,000 bytes.
    pub reason: Option<String>,
    /// The line it is merged into (any printed form); only for `merged`.
    #[serde(rename = "into")]
    #[schema(value_type = Option<String>)]
    pub merged_into: Option<LineRef>,
    /// What covers the write-off; only for `written_off`.
    pub funding: Option<Funding>,
}

/// An amount a proposed plan leaves blank: not stated, so kept as it is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub struct NotStated {
    #[serde(rename = "ref")]
    #[schema(value_type = String)]
    pub line_ref: LineRef,
    pub year: FinancialYear,
}

/// An approval: the decision that approves the set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision_id": 2}))]
pub struct ApproveChangeSet {
    pub decision_id: i64,
}

/// A rejection: why, and the decision when there is one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The July plan is not yet agreed by the improvement board"}))]
pub struct RejectChangeSet {
    pub reason: String,
    pub decision_id: Option<i64>,
}

/// A line's change approved under a decision: the set, the decision and its reference, when, and what it
/// changed (`years`, `owner`, `status`, or a proposed plan's disposition of a line it left out: `withdrawn`,
/// `written_off`, `merged`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct LineApproval {
    #[serde(rename = "ref")]
    #[schema(value_type = String)]
    pub line_ref: LineRef,
    pub change_set: i64,
    pub decision_id: i64,
    /// The decision's reference (a minute number).
    pub decision: String,
    #[serde(with = "time::serde::rfc3339")]
    pub approved_at: OffsetDateTime,
    pub changed: Vec<String>,
}
