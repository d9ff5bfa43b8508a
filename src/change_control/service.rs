//! The rules of change control, each step one transaction with its audit event:
//! - an editor of each line's directorate proposes changes to approved lines, with a reason; each change must be
//!   valid as a PATCH would be and change a controlled field; a line has one pending request per field;
//! - an approver of every directorate in the set, who is not the person who proposed it, approves it under a
//!   recorded decision: every line must still be at the version it was proposed against (409 otherwise), and
//!   the changes are applied together, each line's event naming the set and the decision;
//! - an approver rejects it with a reason; its proposer (the person, whatever key) withdraws it;
//! - a later plan imported with `mode=propose` is one set (`propose_plan`): its changes, the approved lines of
//!   its directorates it leaves out (each needing a disposition, `dispose`, before approval) and its blanks.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};

use time::PrimitiveDateTime;

use super::model::{
    AbsentLine, ApproveChangeSet, ChangeSet, ChangeSetStatus, CreateChangeSet, Dispose,
    Disposition, LineApproval, NotStated, ProposedChange, RejectChangeSet,
};
use super::repo::{self, NewRequest, PlanParts};
use crate::audit::{self, Change, Entity};
use crate::auth::Actor;
use crate::budget;
use crate::budget::model::CreateWriteOff;
use crate::db::{self, DbConnection};
use crate::domain::text::{check_text, MAX_REASON};
use crate::domain::{
    DirectorateCode, FieldError, FieldErrors, LineKind, LineRef, LineStatus, YearAmount,
};
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
    let requests = checked(
        conn,
        actor,
        &request.changes,
        &reason,
        errors,
        &|i, field| format!("changes[{i}].{field}"),
    )?;
    insert(conn, actor, &reason, &requests, PlanParts::default())
}

/// A later plan, read from an import, to propose against the baseline as one change set.
pub struct PlanProposal {
    pub reason: String,
    /// Each row that changes an approved line, with the file's row number.
    pub changes: Vec<(usize, ProposedChange)>,
    /// The directorates the file covers: their approved lines it does not name are absent.
    pub directorates: Vec<DirectorateCode>,
    /// Every ref the file names.
    pub named: HashSet<LineRef>,
    pub not_stated: Vec<NotStated>,
}

/// Proposes a plan: its changes to approved lines as one set, with every approved line of its directorates
/// that it leaves out listed as absent (each needing a disposition before approval) and the amounts it
/// leaves blank listed as not stated.
pub fn propose_plan(
    conn: &mut DbConnection,
    actor: &Actor,
    plan: PlanProposal,
) -> Result<ChangeSet, ApiError> {
    let mut errors = FieldErrors::default();
    let reason = check_text(&plan.reason, "reason", true, MAX_REASON, &mut errors);
    if plan.changes.len() > MAX_CHANGES {
        return Err(ApiError::field(
            "rows",
            format!(
                "a proposed plan changes at most {MAX_CHANGES} lines; this one changes {}",
                plan.changes.len()
            ),
        ));
    }
    let (rows, changes): (Vec<usize>, Vec<ProposedChange>) = plan.changes.into_iter().unzip();
    let requests = checked(conn, actor, &changes, &reason, errors, &|i, field| {
        format!("row {}: {field}", rows.get(i).copied().unwrap_or_default())
    })?;
    let absent: Vec<(LineRef, i64)> =
        lines::repo::approved_of_directorates(conn, &plan.directorates)?
            .into_iter()
            .filter(|(line_ref, _)| !plan.named.contains(line_ref))
            .collect();
    if requests.is_empty() && absent.is_empty() {
        return Err(ApiError::field(
            "rows",
            "the plan changes no approved line and leaves none out: there is nothing to propose",
        ));
    }
    let parts = PlanParts {
        absent: &absent,
        not_stated: &plan.not_stated,
    };
    insert(conn, actor, &reason, &requests, parts)
}

/// Each change checked as `propose` needs it: its line approved, an editor's of the line's directorate, valid
/// as a PATCH, changing a controlled field, and no other request pending for that line and field. `at` names
/// a change's field for a problem.
fn checked<'a>(
    conn: &mut DbConnection,
    actor: &Actor,
    changes: &'a [ProposedChange],
    reason: &str,
    mut errors: FieldErrors,
    at: &dyn Fn(usize, &str) -> String,
) -> Result<Vec<NewRequest<'a>>, ApiError> {
    let mut seen = HashSet::new();
    let mut requests = Vec::with_capacity(changes.len());
    for (i, change) in changes.iter().enumerate() {
        if !seen.insert(&change.line_ref) {
            errors.add(
                at(i, "ref"),
                format!("{} is changed twice in this set", change.line_ref),
            );
            continue;
        }
        let Some(current) = lines::repo::find(conn, &change.line_ref)? else {
            errors.add(
                at(i, "ref"),
                format!("there is no line {}", change.line_ref),
            );
            continue;
        };
        actor.require_editor_of(&current.directorate)?;
        if lines::repo::approved_in(conn, &current.line_ref)?.is_none() {
            errors.add(
                at(i, "ref"),
                format!(
                    "line {} is in no baseline: change it directly",
                    current.line_ref
                ),
            );
            continue;
        }
        let patch = patch_of(change, reason);
        match patch.apply(&current) {
            Err(problems) => {
                for problem in problems {
                    errors.add(at(i, &problem.field), problem.message);
                }
            }
            Ok((fields, years)) => {
                if current
                    .controlled_changes(&fields, years.as_deref())
                    .is_empty()
                {
                    errors.add(
                        at(i, "ref"),
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
    let refs: Vec<_> = changes.iter().map(|change| &change.line_ref).collect();
    let pending = repo::pending_of(conn, &refs)?;
    let clashes: Vec<String> = pending
        .iter()
        .filter(|(line_ref, field, _)| {
            changes.iter().any(|change| {
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
    Ok(requests)
}

fn insert(
    conn: &mut DbConnection,
    actor: &Actor,
    reason: &str,
    requests: &[NewRequest],
    parts: PlanParts,
) -> Result<ChangeSet, ApiError> {
    let now = db::time::now();
    let id = repo::insert(
        conn,
        reason,
        (&actor.name, &actor.person),
        now,
        requests,
        parts,
    )?;
    let set = find(conn, id)?;
    audit::record(
        conn,
        actor,
        Change::created(set.proposed_at, Entity::ChangeSet, &id.to_string(), &set),
    )?;
    Ok(set)
}

/// Gives the disposition of a line a pending plan leaves out: an editor of the line's directorate.
pub fn dispose(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    line_ref: &LineRef,
    request: Dispose,
) -> Result<ChangeSet, ApiError> {
    let set = pending(conn, id)?;
    let Some(absent) = set
        .absent
        .iter()
        .find(|absent| &absent.line_ref == line_ref)
    else {
        return Err(ApiError::NotFound(format!(
            "change set {id} lists no absent line {line_ref}"
        )));
    };
    let line = lines::service::find(conn, line_ref)?;
    actor.require_editor_of(&line.directorate)?;
    let mut errors = FieldErrors::default();
    let reason = match (request.disposition, &request.reason) {
        (Disposition::Kept, None) => None,
        (_, Some(text)) => Some(check_text(text, "reason", true, MAX_REASON, &mut errors)),
        (_, None) => {
            errors.add("reason", "say why the line leaves the plan");
            None
        }
    };
    match (request.disposition, &request.merged_into) {
        (Disposition::Merged, None) => errors.add("into", "name the line it is merged into"),
        (Disposition::Merged, Some(into)) => match lines::repo::find(conn, into)? {
            None => errors.add("into", format!("there is no line {into}")),
            Some(target) => {
                if target.line_ref == line.line_ref
                    || target.kind != line.kind
                    || target.status == LineStatus::Withdrawn
                {
                    errors.add(
                        "into",
                        format!(
                            "{into} is not another {} line in the plan",
                            line.kind.as_str()
                        ),
                    );
                }
            }
        },
        (_, Some(_)) => errors.add("into", "only a merged line names the line it joins"),
        (_, None) => {}
    }
    match (request.disposition, &request.funding) {
        (Disposition::WrittenOff, None) => {
            errors.add("funding", "name the funding that covers the write-off")
        }
        (Disposition::WrittenOff, Some(funding)) => {
            if line.kind != LineKind::Saving {
                errors.add(
                    "disposition",
                    format!("{} is growth: only a saving is written off", line.line_ref),
                );
            }
            budget::write_offs::check_funding(conn, &line, funding, "funding", &mut errors)?;
        }
        (_, Some(_)) => errors.add("funding", "only a write-off names its funding"),
        (_, None) => {}
    }
    errors.into_result(()).map_err(ApiError::Validation)?;
    let disposed = AbsentLine {
        disposition: Some(request.disposition),
        reason,
        merged_into: request.merged_into,
        funding: request.funding,
        decided_by: Some(actor.person.clone()),
        ..absent.clone()
    };
    if !repo::dispose(conn, id, &disposed, &actor.person)? {
        return Err(ApiError::Conflict(format!(
            "change set {id} was changed by another request"
        )));
    }
    let reason = disposed.reason.as_deref();
    recorded(conn, actor, &set, db::time::now(), "disposed", reason)
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
    let undecided: Vec<String> = set
        .absent
        .iter()
        .filter(|absent| absent.disposition.is_none())
        .map(|absent| absent.line_ref.to_string())
        .collect();
    if !undecided.is_empty() {
        return Err(ApiError::Conflict(format!(
            "change set {id} leaves out {} with no disposition: give each one (PUT /api/v1/change-sets/{id}/absent/{{ref}}) first",
            undecided.join(", ")
        )));
    }
    for absent in &set.absent {
        let current = lines::service::find(conn, &absent.line_ref)?;
        if current.version != absent.base_version {
            return Err(ApiError::Conflict(format!(
                "line {} has changed since change set {id} was proposed (version {} then, {} now): reject it, \
                 and propose the plan again against the lines as they are",
                current.line_ref, absent.base_version, current.version
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
    for absent in &set.absent {
        apply_disposition(conn, actor, absent, decision.id, &reason)?;
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

/// What an approved plan does to a line it leaves out: nothing when kept; else the line is withdrawn (with
/// the reason, and the line it joins when merged), after a write-off of all the baseline still holds of it.
fn apply_disposition(
    conn: &mut DbConnection,
    actor: &Actor,
    absent: &AbsentLine,
    decision_id: i64,
    reason: &str,
) -> Result<(), ApiError> {
    let given = absent.reason.as_deref().unwrap_or_default();
    let why = match (absent.disposition, &absent.merged_into) {
        (Some(Disposition::Kept) | None, _) => return Ok(()),
        (Some(Disposition::Merged), Some(into)) => format!("{reason}. Merged into {into}: {given}"),
        (Some(Disposition::WrittenOff), _) => format!("{reason}. Written off: {given}"),
        _ => format!("{reason}. Left out of the plan: {given}"),
    };
    if let (Some(Disposition::WrittenOff), Some(funding)) = (absent.disposition, &absent.funding) {
        if let Some(baseline) = budget::repo::latest_baseline_of(conn, &absent.line_ref)? {
            let years: Vec<YearAmount> =
                budget::write_offs::left_in(conn, &baseline, &absent.line_ref)?
                    .into_iter()
                    .filter(|(_, amount)| !amount.is_negative() && !amount.is_zero())
                    .map(|(year, amount)| YearAmount { year, amount })
                    .collect();
            if !years.is_empty() {
                let request = CreateWriteOff {
                    line_ref: absent.line_ref.clone(),
                    decision_id,
                    reason: given.to_owned(),
                    funding: funding.clone(),
                    years,
                };
                budget::write_offs::record(conn, actor, request)?;
            }
        }
    }
    let patch = LinePatch {
        status: Some(LineStatus::Withdrawn),
        reason: Some(why),
        ..LinePatch::default()
    };
    lines::service::apply_approved(conn, actor, &absent.line_ref, &patch)?;
    Ok(())
}

/// An approver of every directorate the set's lines belong to.
fn may_decide(conn: &mut DbConnection, actor: &Actor, set: &ChangeSet) -> Result<(), ApiError> {
    let refs = set
        .changes
        .iter()
        .map(|requested| &requested.line_ref)
        .chain(set.absent.iter().map(|absent| &absent.line_ref));
    for line_ref in refs {
        let line = lines::service::find(conn, line_ref)?;
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
    recorded(conn, actor, &set, now, status.as_str(), outcome_reason)
}

/// The set as it is after a change made at `at`, with that change's event (`before` is the set as it was).
fn recorded(
    conn: &mut DbConnection,
    actor: &Actor,
    before: &ChangeSet,
    at: PrimitiveDateTime,
    action: &str,
    reason: Option<&str>,
) -> Result<ChangeSet, ApiError> {
    let after = find(conn, before.id)?;
    let key = before.id.to_string();
    let change = Change::updated(
        db::time::utc(at),
        Entity::ChangeSet,
        &key,
        action,
        before,
        &after,
        reason,
    );
    audit::record(conn, actor, change)?;
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

/// Every line's change approved after `from` and at or before `to` (now when `None`), by line and set, each
/// naming its decision.
pub fn approvals(
    conn: &mut DbConnection,
    from: PrimitiveDateTime,
    to: Option<PrimitiveDateTime>,
) -> Result<Vec<LineApproval>, ApiError> {
    let mut references: HashMap<i64, String> = HashMap::new();
    let mut by_line: BTreeMap<(LineRef, i64), LineApproval> = BTreeMap::new();
    for change in repo::approved_changes(conn, from, to)? {
        if let Entry::Vacant(entry) = references.entry(change.decision_id) {
            let found = budget::repo::find_decision(conn, change.decision_id)?;
            entry.insert(found.map(|decision| decision.reference).unwrap_or_default());
        }
        by_line
            .entry((change.line_ref.clone(), change.change_set))
            .or_insert_with(|| LineApproval {
                line_ref: change.line_ref,
                change_set: change.change_set,
                decision_id: change.decision_id,
                decision: references
                    .get(&change.decision_id)
                    .cloned()
                    .unwrap_or_default(),
                approved_at: db::time::utc(change.decided_at),
                changed: Vec::new(),
            })
            .changed
            .push(change.field);
    }
    Ok(by_line.into_values().collect())
}
