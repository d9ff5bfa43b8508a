//! A line as the API presents it, and the rules a new line or a change must keep.

use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::domain::line::{
    check_profile, check_text, MAX_DESCRIPTION, MAX_OWNER, MAX_REASON, MAX_TITLE,
};
use crate::domain::{
    DirectorateCode, FieldError, FieldErrors, LineKind, LineNature, LineRef, LineStatus, Money,
    YearAmount,
};

/// One MTFS saving or growth line, with its amounts by financial year.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "ref": "CFE SAV05", "kind": "saving", "directorate": "CFE",
    "title": "Reduction in the numbers of children in care",
    "owner": "Hannah Doughty", "description": "Reduce the number of children in care through earlier support to families.",
    "status": "agreed", "nature": "ongoing", "withdrawal_reason": null,
    "years": [
        {"year": "2021/22", "amount": "794000.00"},
        {"year": "2022/23", "amount": "1654000.00"},
        {"year": "2023/24", "amount": "1385000.00"}
    ],
    "total": "3833000.00",
    "created_at": "2021-02-22T10:00:00Z", "updated_at": "2021-02-22T10:00:00Z", "version": 1
}))]
pub struct Line {
    #[serde(rename = "ref")]
    pub line_ref: LineRef,
    pub kind: LineKind,
    pub directorate: DirectorateCode,
    pub title: String,
    /// The project manager responsible for the line; null where the papers name none.
    pub owner: Option<String>,
    pub description: String,
    pub status: LineStatus,
    pub nature: LineNature,
    /// Why the line was withdrawn; present only while it is withdrawn.
    pub withdrawal_reason: Option<String>,
    /// Incremental amounts by financial year, in year order: positive magnitudes; the kind gives the direction.
    pub years: Vec<YearAmount>,
    /// The sum of `years`.
    pub total: Money,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Starts at 1 and goes up by one on every change.
    pub version: i64,
}

/// A line as `GET /lines/{ref}` answers it: the line, and (now, not `as_at`) where change control has it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineWithControl {
    #[serde(flatten)]
    pub line: Line,
    /// The baselines that hold it, oldest first: it is approved when any does, and its years, owner and status
    /// then change only by a change set. Absent with `as_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baselines: Option<Vec<String>>,
    /// Its changes proposed and not yet decided. Absent with `as_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_changes: Option<Vec<PendingChange>>,
}

/// A change to a line proposed in a change set and not yet decided.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PendingChange {
    pub change_set: i64,
    /// `years`, `owner` or `status`; `absent` for a proposed plan that leaves the line out.
    pub field: String,
    /// The value proposed (years, owner or status); for `absent`, the disposition given so far, or null.
    pub proposed: serde_json::Value,
    /// The person who proposed it, and when.
    pub proposer: String,
    #[serde(with = "time::serde::rfc3339")]
    pub proposed_at: OffsetDateTime,
}

/// A request to record a new line.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "saving", "directorate": "CFE", "title": "Staffing Review", "owner": "Robert Henderson",
    "description": "Review of staffing across the directorate", "status": "agreed",
    "years": [{"year": "2021/22", "amount": "1471000.00"}, {"year": "2022/23", "amount": "0.00"}]
}))]
pub struct CreateLine {
    /// The line's ref. When absent, the next number never used in that directorate and kind is assigned.
    #[serde(rename = "ref", default)]
    pub line_ref: Option<LineRef>,
    pub kind: LineKind,
    pub directorate: DirectorateCode,
    /// At most 200 bytes of UTF-8 (one line, no control characters).
    #[schema(max_length = 200)]
    pub title: String,
    /// The project manager responsible; may be null where none is named yet.
    #[serde(default)]
    /// At most 100 bytes of UTF-8 (one line, no control characters).
    #[schema(max_length = 100)]
    pub owner: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    /// At most 10,000 bytes of UTF-8 (tabs and line breaks allowed, no other control characters).
    #[schema(max_length = 10000)]
    pub description: String,
    /// Defaults to `proposed`.
    #[serde(default)]
    pub status: Option<LineStatus>,
    /// Defaults to `ongoing`.
    #[serde(default)]
    pub nature: Option<LineNature>,
    #[serde(default)]
    pub years: Vec<YearAmount>,
    /// Required when the status is `withdrawn`.
    #[serde(default)]
    /// At most 2,000 bytes of UTF-8 (tabs and line breaks allowed, no other control characters).
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// A merge-patch of a line: only the fields given change. `years`, when given, replaces the whole profile.
/// The ref, kind and directorate identify a line and cannot change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "withdrawn", "reason": "Service redesign cancelled by Cabinet, 14 June 2021"}))]
pub struct LinePatch {
    /// At most 200 bytes of UTF-8 (one line, no control characters).
    #[schema(max_length = 200)]
    pub title: Option<String>,
    /// `null` clears the owner.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    /// At most 100 bytes of UTF-8 (one line, no control characters).
    #[schema(max_length = 100)]
    pub owner: Option<Option<String>>,
    /// At most 10,000 bytes of UTF-8 (tabs and line breaks allowed, no other control characters).
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    pub status: Option<LineStatus>,
    pub nature: Option<LineNature>,
    pub years: Option<Vec<YearAmount>>,
    /// Why the change was made; required when withdrawing a line.
    /// At most 2,000 bytes of UTF-8 (tabs and line breaks allowed, no other control characters).
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// The body of `PUT /lines/{ref}/years/{year}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount": "794000.00"}))]
pub struct SetYearAmount {
    pub amount: Money,
}

/// A new line that has passed every rule that needs no database.
#[derive(Debug, Clone)]
pub struct NewLine {
    pub line_ref: Option<LineRef>,
    pub kind: LineKind,
    pub directorate: DirectorateCode,
    pub title: String,
    pub owner: Option<String>,
    pub description: String,
    pub status: LineStatus,
    pub nature: LineNature,
    pub withdrawal_reason: Option<String>,
    pub years: Vec<YearAmount>,
}

/// The fields of a line that a change can touch, after a patch is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineFields {
    pub title: String,
    pub owner: Option<String>,
    pub description: String,
    pub status: LineStatus,
    pub nature: LineNature,
    pub withdrawal_reason: Option<String>,
}

/// A field of an approved line that changes only through an approved change request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ControlledField {
    /// The profile: the amounts by year.
    Years,
    Owner,
    /// A withdrawal, a reinstatement, or a step back to `proposed` (`agreed` → `in_delivery` → `delivered` are
    /// delivery's own steps, not budget changes).
    Status,
}

crate::domain::text_enum!(ControlledField {
    Years => "years",
    Owner => "owner",
    Status => "status",
});

impl Line {
    /// The controlled fields that these fields and (when given) this profile would change.
    pub fn controlled_changes(
        &self,
        fields: &LineFields,
        years: Option<&[YearAmount]>,
    ) -> Vec<ControlledField> {
        let mut changed = Vec::new();
        if years.is_some_and(|years| years != self.years.as_slice()) {
            changed.push(ControlledField::Years);
        }
        if fields.owner != self.owner {
            changed.push(ControlledField::Owner);
        }
        let budget_status = |status| matches!(status, LineStatus::Withdrawn | LineStatus::Proposed);
        if fields.status != self.status
            && (budget_status(fields.status) || budget_status(self.status))
        {
            changed.push(ControlledField::Status);
        }
        changed
    }

    /// Whether these fields and (when given) this profile differ from the line's.
    pub fn would_change(&self, fields: &LineFields, years: Option<&[YearAmount]>) -> bool {
        let same_fields = fields.title == self.title
            && fields.owner == self.owner
            && fields.description == self.description
            && fields.status == self.status
            && fields.nature == self.nature
            && fields.withdrawal_reason == self.withdrawal_reason;
        !(same_fields && years.is_none_or(|years| years == self.years.as_slice()))
    }
}

impl CreateLine {
    pub fn validate(self) -> Result<NewLine, Vec<FieldError>> {
        let mut errors = FieldErrors::default();
        if let Some(line_ref) = &self.line_ref {
            if line_ref.directorate() != &self.directorate {
                errors.add(
                    "ref",
                    format!(
                        "{line_ref} belongs to directorate {}, not {}",
                        line_ref.directorate(),
                        self.directorate
                    ),
                );
            }
            if line_ref.kind() != self.kind {
                errors.add(
                    "ref",
                    format!(
                        "{line_ref} is a {} ref, but the line's kind is {}",
                        line_ref.kind().as_str(),
                        self.kind.as_str()
                    ),
                );
            }
        }
        let status = self.status.unwrap_or(LineStatus::Proposed);
        let fields = LineFields {
            title: check_text(&self.title, "title", true, MAX_TITLE, &mut errors),
            owner: check_owner(self.owner.as_deref(), &mut errors),
            description: check_text(
                &self.description,
                "description",
                false,
                MAX_DESCRIPTION,
                &mut errors,
            ),
            status,
            nature: self.nature.unwrap_or_default(),
            withdrawal_reason: withdrawal_reason(status, self.reason.as_deref(), &mut errors),
        };
        let years = check_profile(&self.years, "years", &mut errors);
        errors.into_result(NewLine {
            line_ref: self.line_ref,
            kind: self.kind,
            directorate: self.directorate,
            title: fields.title,
            owner: fields.owner,
            description: fields.description,
            status: fields.status,
            nature: fields.nature,
            withdrawal_reason: fields.withdrawal_reason,
            years,
        })
    }
}

impl LinePatch {
    /// Applies the patch to a line's current fields; returns the new fields and, when given, the new profile.
    pub fn apply(
        &self,
        current: &Line,
    ) -> Result<(LineFields, Option<Vec<YearAmount>>), Vec<FieldError>> {
        let mut errors = FieldErrors::default();
        let text =
            |given: &Option<String>, now: &str, field, required, max, errors: &mut FieldErrors| {
                match given {
                    Some(value) => check_text(value, field, required, max, errors),
                    None => now.to_owned(),
                }
            };
        let status = self.status.unwrap_or(current.status);
        let withdrawal_reason = match (status, current.status) {
            // Still withdrawn: keep the recorded reason unless a new one is given.
            (LineStatus::Withdrawn, LineStatus::Withdrawn) if self.reason.is_none() => {
                current.withdrawal_reason.clone()
            }
            _ => withdrawal_reason(status, self.reason.as_deref(), &mut errors),
        };
        let fields = LineFields {
            title: text(
                &self.title,
                &current.title,
                "title",
                true,
                MAX_TITLE,
                &mut errors,
            ),
            owner: match &self.owner {
                Some(owner) => check_owner(owner.as_deref(), &mut errors),
                None => current.owner.clone(),
            },
            description: text(
                &self.description,
                &current.description,
                "description",
                false,
                MAX_DESCRIPTION,
                &mut errors,
            ),
            status,
            nature: self.nature.unwrap_or(current.nature),
            withdrawal_reason,
        };
        let years = self
            .years
            .as_ref()
            .map(|years| check_profile(years, "years", &mut errors));
        if let Some(reason) = &self.reason {
            check_text(reason, "reason", false, MAX_REASON, &mut errors);
        }
        errors.into_result((fields, years))
    }
}

/// A withdrawn line must say why; a line that is not withdrawn keeps no withdrawal reason.
fn withdrawal_reason(
    status: LineStatus,
    reason: Option<&str>,
    errors: &mut FieldErrors,
) -> Option<String> {
    if status != LineStatus::Withdrawn {
        return None;
    }
    let reason = reason.map(str::trim).unwrap_or_default();
    if reason.is_empty() {
        errors.add(
            "reason",
            "withdrawing a line needs a reason: members ask why lines dropped off",
        );
        None
    } else {
        Some(check_text(reason, "reason", true, MAX_REASON, errors))
    }
}

/// An owner is optional, but a given one is trimmed, non-empty and of printable length.
fn check_owner(owner: Option<&str>, errors: &mut FieldErrors) -> Option<String> {
    owner.map(|owner| check_text(owner, "owner", true, MAX_OWNER, errors))
}

/// Reads `null` as an empty text.
fn null_as_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

/// Tells a field that is present (even as `null`) from one that is absent, as a merge-patch needs.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}
