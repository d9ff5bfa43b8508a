//! The rules of change control, each step one transaction with its audit event:
//! - an editor of each line's directorate proposes changes to approved lines, with a reason; each change must be
//!   valid as a PATCH would be and change a controlled field; a line has one pending request per field;
//! - an approver of every directorate in the set, who is not the person who proposed it, approves it under a
//!   recorded decision: every line must still be at the version it was proposed against (409 otherwise), and
//!   the changes are applied together, each line's event naming the set and the decision;
//! - an approver rejects it with a reason; its proposer (the person, whatever key) withdraws it.

use std::collections::HashSet;

use super::model::{
    ApproveChangeSet, ChangeSet, ChangeSetStatus, CreateChangeSet, RejectChangeSet,
};
use super::repo::{self, NewRequest};
use crate::audit::{self, Change, Entity};
use crate::auth::Actor;
use crate::budget;
use crate::db::{self, DbConnection};
use crate::domain::text::{check_text, MAX_REASON};
use crate::domain::{FieldError, FieldErrors};
use crate::error::ApiError;
use crate::lines;
use crate::lines::model::{ControlledField, LinePatch};

/// The most changes one set holds.
pub const MAX_CHANGES: usize = 1_000;

pub fn propose(
    conn: &mut DbConnection,
    actor: &Actor,
    request: CreateChangeSet,
) -> Result<ChangeSet, ApiError> {
    let mut errors = FieldErrors::default();
    let reason = check_text(&request.reason, "reason", true, MAX_REASON, &mut errors);
    if request.changes.is_empty() || request.changes.len() > MAX_CHANGES {
        return Err(ApiError::field(
            "changes",
            format!(
                "give 1 to {MAX_CHANGES} changes; this is {}",
                request.changes.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    let mut requests = Vec::with_capacity(request.changes.len());
    for (i, change) in request.changes.iter().enumerate() {
        let at = |field: &str| format!("changes[{i}].{field}");
        if !seen.insert(&change.line_ref) {
            errors.add(
                at("ref"),
                format!("{} is changed twice in this set", change.line_ref),
            );
            continue;
        }
        let Some(current) = lines::repo::find(conn, &change.line_ref)? else {
            errors.add(at("ref"), format!("there is no line {}", change.line_ref));
            continue;
        };
        actor.require_editor_of(&current.directorate)?;
        if lines::repo::approved_in(conn, &current.line_ref)?.is_none() {
            errors.add(
                at("ref"),
                format!(
                    "line {} is in no baseline: change it directly",
                    current.line_ref
                ),
            );
            continue;
        }
        let patch = patch_of(change, &reason);
        match patch.apply(&current) {
            Err(problems) => {
                for problem in problems {
                    errors.add(at(&problem.field), problem.message);
                }
            }
            Ok((fields, years)) => {
                if current
                    .controlled_changes(&fields, years.as_deref())
                    .is_empty()
                {
                    errors.add(
                        at("ref"),
                        format!(
                            "changes nothing of line {}'s years, owner or status",
                            current.line_ref
                        ),
                    );
                }
            }
        }
        requests.push(NewRequest {
            change,
            base_version: current.version,
        });
    }
    errors.into_result(()).map_err(ApiError::Validation)?;
    let refs: Vec<_> = request
        .changes
        .iter()
        .map(|change| &change.line_ref)
        .collect();
    let pending = repo::pending_of(conn, &refs)?;
    let clashes: Vec<String> = pending
        .iter()
        .filter(|(line_ref, field, _)| {
            request.changes.iter().any(|change| {
                &change.line_ref == line_ref
                    && match ControlledField::from_name(field) {
                        Some(ControlledField::Years) => change.years.is_some(),
                        Some(ControlledField::Owner) => change.owner.is_some(),
                        Some(ControlledField::Status) | None => change.status.is_some(),
                    }
            })
        })
        .map(|(line_ref, field, set)| format!("{line_ref}'s {field} (change set {set})"))
        .collect();
    if !clashes.is_empty() {
        return Err(ApiError::Conflict(format!(
            "a change is already pending for {}: one pending request per line and field; decide or withdraw it first",
            clashes.join(", ")
        )));
    }
    let now = db::time::now();
    let id = repo::insert(conn, &reason, &actor.name, &actor.person, now, &requests)?;
    let set = find(conn, id)?;
    audit::record(
        conn,
        actor,
        Change::created(set.proposed_at, Entity::ChangeSet, &id.to_string(), &set),
    )?;
    Ok(set)
}

pub fn approve(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    request: ApproveChangeSet,
) -> Result<ChangeSet, ApiError> {
    let set = pending(conn, id)?;
    may_decide(conn, actor, &set)?;
    if actor.person == set.proposer {
        return Err(ApiError::Forbidden(format!(
            "{} proposed change set {id}: a change is approved by someone else",
            set.proposer
        )));
    }
    let decision = decision(conn, request.decision_id)?;
    for requested in &set.changes {
        let current = lines::service::find(conn, &requested.line_ref)?;
        if current.version != requested.base_version {
            return Err(ApiError::Conflict(format!(
                "line {} has changed since change set {id} was proposed (version {} then, {} now): reject it, \
                 and propose the change again against the line as it is",
                current.line_ref, requested.base_version, current.version
            )));
        }
    }
    let reason = format!(
        "Change set {id}, approved under decision {} ({}): {}",
        decision.id, decision.reference, set.reason
    );
    for requested in &set.changes {
        let patch = patch_of(&requested.change(), &reason);
        lines::service::apply_approved(conn, actor, &requested.line_ref, &patch)?;
    }
    decided(
        conn,
        actor,
        set,
        ChangeSetStatus::Approved,
        Some(decision.id),
        None,
    )
}

pub fn reject(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    request: RejectChangeSet,
) -> Result<ChangeSet, ApiError> {
    let set = pending(conn, id)?;
    may_decide(conn, actor, &set)?;
    let mut errors = FieldErrors::default();
    let reason = check_text(&request.reason, "reason", true, MAX_REASON, &mut errors);
    errors.into_result(()).map_err(ApiError::Validation)?;
    let decision_id = request
        .decision_id
        .map(|decision_id| decision(conn, decision_id).map(|d| d.id))
        .transpose()?;
    decided(
        conn,
        actor,
        set,
        ChangeSetStatus::Rejected,
        decision_id,
        Some(&reason),
    )
}

pub fn withdraw(conn: &mut DbConnection, actor: &Actor, id: i64) -> Result<ChangeSet, ApiError> {
    let set = pending(conn, id)?;
    if actor.person != set.proposer {
        return Err(ApiError::Forbidden(format!(
            "only its proposer, {}, withdraws change set {id}; an approver rejects it",
            set.proposer
        )));
    }
    decided(conn, actor, set, ChangeSetStatus::Withdrawn, None, None)
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<ChangeSet, ApiError> {
    repo::find(conn, id)?.ok_or_else(|| ApiError::NotFound(format!("there is no change set {id}")))
}

/// The set, while it is pending (404, or 409 once decided).
fn pending(conn: &mut DbConnection, id: i64) -> Result<ChangeSet, ApiError> {
    let set = find(conn, id)?;
    if set.status != ChangeSetStatus::Pending {
        return Err(ApiError::Conflict(format!(
            "change set {id} is {}: only a pending set is decided or withdrawn",
            set.status.as_str()
        )));
    }
    Ok(set)
}

/// An approver of every directorate the set's lines belong to.
fn may_decide(conn: &mut DbConnection, actor: &Actor, set: &ChangeSet) -> Result<(), ApiError> {
    for requested in &set.changes {
        let line = lines::service::find(conn, &requested.line_ref)?;
        actor.require_approver_of(&line.directorate)?;
    }
    Ok(())
}

fn decision(conn: &mut DbConnection, id: i64) -> Result<budget::model::Decision, ApiError> {
    budget::repo::find_decision(conn, id)?.ok_or_else(|| {
        ApiError::Validation(vec![FieldError {
            field: "decision_id".to_owned(),
            message: format!("there is no decision {id}: record it first"),
        }])
    })
}

fn decided(
    conn: &mut DbConnection,
    actor: &Actor,
    set: ChangeSet,
    status: ChangeSetStatus,
    decision_id: Option<i64>,
    outcome_reason: Option<&str>,
) -> Result<ChangeSet, ApiError> {
    let now = db::time::now();
    let id = set.id;
    if !repo::decide(
        conn,
        id,
        status,
        (&actor.name, &actor.person),
        now,
        decision_id,
        outcome_reason,
    )? {
        return Err(ApiError::Conflict(format!(
            "change set {id} was decided by another request"
        )));
    }
    let after = find(conn, id)?;
    audit::record(
        conn,
        actor,
        Change::updated(
            db::time::utc(now),
            Entity::ChangeSet,
            &id.to_string(),
            status.as_str(),
            &set,
            &after,
            outcome_reason,
        ),
    )?;
    Ok(after)
}

fn patch_of(change: &super::model::ProposedChange, reason: &str) -> LinePatch {
    LinePatch {
        years: change.years.clone(),
        owner: change.owner.clone(),
        status: change.status,
        reason: Some(reason.to_owned()),
        ..LinePatch::default()
    }
}
