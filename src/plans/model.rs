//! Actions of a delivery plan as the API shows them and takes them.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use crate::domain::instant::iso_date;
use crate::domain::plan::{ActionRef, ActionStatus, Due, Slip};
use crate::domain::{DirectorateCode, LineRef};
use crate::lines::model::present;

/// At most this many owners, dependencies and due-date changes a request may name.
pub const MAX_OWNERS: usize = 10;
pub const MAX_DEPENDENCIES: usize = 20;
/// The actions one line's plan holds: a saving's plan has tens (CFE's longest, SAV04, has 12 across both
/// plans); the cap bounds every walk of a plan (a save's dependency check, an import row's reads).
pub const MAX_ACTIONS: usize = 200;

/// An owner as printed, and the person of the directory it names (none: unresolved, kept as printed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ActionOwner {
    #[schema(example = "SD")]
    pub printed: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<i64>,
    /// The person's name, when resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Shelley Davies")]
    pub person: Option<String>,
}

/// An action of a line's delivery plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"id": 27, "ref": "CFE SAV09", "action": "6.4", "directorate": "CFE",
    "text": "Full Cabinet to agree children's centres strategy", "critical": true, "status": "not_started",
    "status_as_printed": "Not started", "due": "2021-08-31", "due_by": "2021-08-31", "due_as_printed": "31/08/21",
    "original_due": "2021-06", "original_due_by": "2021-06-30", "original_due_as_printed": "June 2021",
    "slip": {"days": 62, "months": 2}, "owners": [{"printed": "SD", "person_id": 3, "person": "Shelley Davies"}],
    "depends_on": ["6.3"], "updated_at": "2021-07-20T09:00:00Z", "updated_by": "cfe-finance", "version": 2}))]
pub struct Action {
    pub id: i64,
    /// The line whose plan it is.
    #[serde(rename = "ref")]
    #[schema(value_type = String, example = "CFE SAV09")]
    pub line_ref: LineRef,
    /// The action's ref in the plan.
    #[schema(value_type = String, example = "6.4")]
    pub action: ActionRef,
    pub directorate: DirectorateCode,
    pub text: String,
    /// A critical action overdue makes a saving rated green or amber a delivery risk.
    pub critical: bool,
    /// `null`: not stated (a blank cell, or statuses printed that disagree).
    pub status: Option<ActionStatus>,
    pub status_as_printed: Option<String>,
    /// `null`: not stated, or not understood as printed (kept in `due_as_printed`).
    #[schema(value_type = Option<String>, example = "2021-08-31")]
    pub due: Option<Due>,
    /// The day it is due by (a month's or a range's last day); `null` while ongoing or not stated.
    #[serde(with = "iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_by: Option<Date>,
    pub due_as_printed: Option<String>,
    /// The first due date it was given, kept when it moves.
    #[schema(value_type = Option<String>, example = "2021-06")]
    pub original_due: Option<Due>,
    #[serde(with = "iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub original_due_by: Option<Date>,
    pub original_due_as_printed: Option<String>,
    /// How far `due_by` is from `original_due_by`, when both are known.
    pub slip: Option<Slip>,
    #[serde(with = "iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub completed_on: Option<Date>,
    /// The February milestone it was, as printed, when it came from one.
    pub milestone: Option<String>,
    pub owners: Vec<ActionOwner>,
    /// The refs of the actions of the same plan it waits on.
    #[schema(value_type = Vec<String>)]
    pub depends_on: Vec<ActionRef>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
    pub version: i64,
}

impl Action {
    /// Still to do (neither complete nor cancelled) and due by a day before `on`.
    pub fn overdue_on(&self, on: Date) -> bool {
        !self.status.is_some_and(ActionStatus::is_closed) && self.due_by.is_some_and(|by| by < on)
    }

    /// Due later than first planned.
    pub fn slipped(&self) -> bool {
        self.slip.is_some_and(|slip| slip.days > 0)
    }
}

/// One due date an action has had.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DueChange {
    #[schema(value_type = Option<String>, example = "2021-08-31")]
    pub due: Option<Due>,
    #[serde(with = "iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_by: Option<Date>,
    pub due_as_printed: Option<String>,
    pub reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub changed_at: OffsetDateTime,
    pub changed_by: String,
}

/// An action with every due date it has had, first to last.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ActionDetail {
    pub action: Action,
    pub due_history: Vec<DueChange>,
}

/// The body of `POST /lines/{ref}/actions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"action": "6.4", "text": "Full Cabinet to agree children's centres strategy",
    "owners": ["SD"], "due": "31/08/21", "critical": true, "status": "not_started", "depends_on": ["6.3"]}))]
pub struct CreateAction {
    /// Its ref in the plan, unique in the line's plan.
    #[schema(value_type = String, example = "6.4")]
    pub action: ActionRef,
    /// At most 2,000 bytes (line breaks allowed).
    #[schema(max_length = 2000)]
    pub text: String,
    /// Owners as printed (names, initials, roles), each resolved through the directory: one that names nobody
    /// is kept as printed, one that names two people is refused. At most 10, each at most 200 bytes.
    #[serde(default)]
    pub owners: Vec<String>,
    /// See `Due`: a canonical or a printed form, kept as sent in `due_as_printed`.
    #[schema(max_length = 100)]
    pub due: Option<String>,
    #[serde(default)]
    pub critical: bool,
    pub status: Option<ActionStatus>,
    /// Only with `status` `complete`.
    #[serde(default, deserialize_with = "crate::domain::instant::optional_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub completed_on: Option<Date>,
    /// Refs of actions of the same plan it waits on; at most 20.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub depends_on: Vec<ActionRef>,
    /// The February milestone it was, as printed; at most 2,000 bytes.
    #[schema(max_length = 2000)]
    pub milestone: Option<String>,
}

/// A merge-patch of an action: only the fields given change; `null` clears where a field may be empty.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"due": "2021-08-31", "reason": "Cabinet moved to August", "status": "in_progress"}))]
pub struct ActionPatch {
    /// A new ref (a February milestone linked to the action it became).
    #[schema(value_type = Option<String>, example = "6.4")]
    pub action: Option<ActionRef>,
    #[schema(max_length = 2000)]
    pub text: Option<String>,
    pub owners: Option<Vec<String>>,
    /// A new due date: the first stays as `original_due`, every one in the history.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub due: Option<Option<String>>,
    pub critical: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ActionStatus>)]
    pub status: Option<Option<ActionStatus>>,
    #[serde(default, deserialize_with = "present_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub completed_on: Option<Option<Date>>,
    #[schema(value_type = Option<Vec<String>>)]
    pub depends_on: Option<Vec<ActionRef>>,
    /// Why (kept with a due date's change); at most 2,000 bytes.
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

fn present_date<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<Date>>, D::Error> {
    crate::domain::instant::optional_date(deserializer).map(Some)
}

/// The audit trail's name for an action: its id (a ref may change).
pub fn action_key(id: i64) -> String {
    id.to_string()
}
