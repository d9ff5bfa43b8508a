//! The rules of a delivery plan: an editor of the line's directorate changes its actions; owners resolve
//! through the directory, never guessed (one naming two people is refused); a due date that moves keeps the
//! first and the history; dependencies are of the same plan and never circular. Every change is audited in its
//! write transaction.

use std::collections::{BTreeMap, HashMap, HashSet};

use time::{Date, PrimitiveDateTime};

use super::model::{
    action_key, Action, ActionDetail, ActionOwner, ActionPatch, CreateAction, MAX_ACTIONS,
    MAX_DEPENDENCIES, MAX_OWNERS,
};
use super::repo::{self, NewDue};
use crate::audit::{self, Change, Entity};
use crate::auth::Actor;
use crate::db::{self, DbConnection};
use crate::domain::plan::{ActionRef, ActionStatus, Due};
use crate::domain::text::{check_text, TextLimit, MAX_REASON, MAX_TITLE};
use crate::domain::{version, DirectorateCode, FieldErrors, LineRef};
use crate::error::ApiError;
use crate::lines;
use crate::people::resolve::{self, Resolved};

/// An action's text: a few lines.
pub const MAX_TEXT: TextLimit = MAX_REASON;
/// A due date as sent or printed.
const MAX_DUE: TextLimit = TextLimit::one_line(100);

/// What an action is to say, checked field by field: what a create, a patch and a plan's import each give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub text: String,
    /// Each owner as printed with the person it resolved to.
    pub owners: Vec<(String, Option<i64>)>,
    pub due: Option<Due>,
    pub due_as_printed: Option<String>,
    pub critical: bool,
    pub status: Option<ActionStatus>,
    pub status_as_printed: Option<String>,
    pub completed_on: Option<Date>,
    pub depends_on: Vec<ActionRef>,
    pub milestone: Option<String>,
}

/// Reads a due date as sent, naming `field`: its canonical form and the text kept as printed.
pub fn check_due(
    text: Option<&str>,
    field: &str,
    errors: &mut FieldErrors,
) -> (Option<Due>, Option<String>) {
    let Some(text) = text.map(str::trim).filter(|text| !text.is_empty()) else {
        return (None, None);
    };
    let printed = check_text(text, field, true, MAX_DUE, errors);
    match Due::parse(&printed) {
        Ok(due) => (Some(due), Some(printed)),
        Err(message) => {
            errors.add(field, message);
            (None, None)
        }
    }
}

/// Resolves owners as printed through the directory, naming `field[i]` for one that names several people.
pub fn resolve_owners(
    conn: &mut DbConnection,
    owners: &[String],
    field: &str,
    errors: &mut FieldErrors,
) -> Result<Vec<(String, Option<i64>)>, ApiError> {
    if owners.len() > MAX_OWNERS {
        errors.add(
            field,
            format!("at most {MAX_OWNERS} owners; this has {}", owners.len()),
        );
        return Ok(Vec::new());
    }
    let mut resolved = Vec::with_capacity(owners.len());
    for (index, owner) in owners.iter().enumerate() {
        let name = format!("{field}[{index}]");
        let printed = check_text(owner, &name, true, MAX_TITLE, errors);
        if printed.is_empty() {
            continue;
        }
        match resolve::resolve(conn, &printed)? {
            Resolved::Person(person) => resolved.push((printed, Some(person.id))),
            Resolved::Unresolved => resolved.push((printed, None)),
            Resolved::Ambiguous(people) => errors.add(
                name,
                format!(
                    "`{printed}` names {} people: {}; give the person's name",
                    people.len(),
                    people
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        }
    }
    Ok(resolved)
}

/// The checks every draft passes, whatever made it.
fn check_draft_into(draft: &Draft, errors: &mut FieldErrors) {
    if draft.completed_on.is_some() && draft.status != Some(ActionStatus::Complete) {
        errors.add(
            "completed_on",
            "a completion date needs `status` `complete`",
        );
    }
    if draft.depends_on.len() > MAX_DEPENDENCIES {
        errors.add(
            "depends_on",
            format!(
                "at most {MAX_DEPENDENCIES} actions; this has {}",
                draft.depends_on.len()
            ),
        );
    }
}

/// `check_draft_into` on its own: 422 naming each field.
pub fn check_draft(draft: &Draft) -> Result<(), ApiError> {
    let mut errors = FieldErrors::default();
    check_draft_into(draft, &mut errors);
    errors.into_result(()).map_err(ApiError::Validation)
}

/// The line whose plan it is (404), and the editor's right to its directorate (403).
fn line_for(
    conn: &mut DbConnection,
    actor: &Actor,
    line_ref: &LineRef,
) -> Result<lines::model::Line, ApiError> {
    let line = lines::repo::find(conn, line_ref)?
        .ok_or_else(|| ApiError::NotFound(format!("there is no line {line_ref}")))?;
    actor.require_editor_of(&line.directorate)?;
    Ok(line)
}

/// `POST /lines/{ref}/actions`.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    line_ref: &LineRef,
    request: CreateAction,
) -> Result<Action, ApiError> {
    let line = line_for(conn, actor, line_ref)?;
    let mut errors = FieldErrors::default();
    let text = check_text(&request.text, "text", true, MAX_TEXT, &mut errors);
    let owners = resolve_owners(conn, &request.owners, "owners", &mut errors)?;
    let (due, due_as_printed) = check_due(request.due.as_deref(), "due", &mut errors);
    let milestone = request
        .milestone
        .as_deref()
        .map(|text| check_text(text, "milestone", true, MAX_TEXT, &mut errors));
    let draft = Draft {
        text,
        owners,
        due,
        due_as_printed,
        critical: request.critical,
        status: request.status,
        status_as_printed: None,
        completed_on: request.completed_on,
        depends_on: request.depends_on,
        milestone,
    };
    check_draft_into(&draft, &mut errors);
    errors.into_result(()).map_err(ApiError::Validation)?;
    let plan = repo::of_line(conn, &line.line_ref)?;
    if plan.iter().any(|held| held.action == request.action) {
        return Err(ApiError::Conflict(format!(
            "{line_ref}'s plan already has action {}: change it with PATCH",
            request.action
        )));
    }
    save(conn, actor, &line, &plan, None, request.action, draft, None)
}

/// `PATCH /lines/{ref}/actions/{action}`: only the fields given change.
pub fn patch(
    conn: &mut DbConnection,
    actor: &Actor,
    line_ref: &LineRef,
    action_ref: &ActionRef,
    if_match: Option<i64>,
    patch: ActionPatch,
) -> Result<Action, ApiError> {
    let line = line_for(conn, actor, line_ref)?;
    let plan = repo::of_line(conn, &line.line_ref)?;
    let current = find_in(&plan, line_ref, action_ref)?.clone();
    version::check(if_match, Some(current.version), "the action")?;
    let mut errors = FieldErrors::default();
    let mut draft = draft_of(&current);
    if let Some(text) = &patch.text {
        draft.text = check_text(text, "text", true, MAX_TEXT, &mut errors);
    }
    if let Some(owners) = &patch.owners {
        draft.owners = resolve_owners(conn, owners, "owners", &mut errors)?;
    }
    if let Some(due) = &patch.due {
        (draft.due, draft.due_as_printed) = check_due(due.as_deref(), "due", &mut errors);
    }
    if let Some(critical) = patch.critical {
        draft.critical = critical;
    }
    if let Some(status) = patch.status {
        draft.status = status;
        draft.status_as_printed = None;
        if status != Some(ActionStatus::Complete) && patch.completed_on.is_none() {
            draft.completed_on = None;
        }
    }
    if let Some(completed_on) = patch.completed_on {
        draft.completed_on = completed_on;
    }
    if let Some(depends_on) = patch.depends_on {
        draft.depends_on = depends_on;
    }
    let reason = patch
        .reason
        .as_deref()
        .map(|text| check_text(text, "reason", true, MAX_REASON, &mut errors));
    check_draft_into(&draft, &mut errors);
    let renamed = patch.action.unwrap_or_else(|| current.action.clone());
    if renamed != current.action && plan.iter().any(|held| held.action == renamed) {
        errors.add(
            "action",
            format!("{line_ref}'s plan already has action {renamed}"),
        );
    }
    errors.into_result(()).map_err(ApiError::Validation)?;
    save(
        conn,
        actor,
        &line,
        &plan,
        Some(current),
        renamed,
        draft,
        reason.as_deref(),
    )
}

/// What an action says now, as a draft to change.
pub fn draft_of(action: &Action) -> Draft {
    Draft {
        text: action.text.clone(),
        owners: action
            .owners
            .iter()
            .map(|owner| (owner.printed.clone(), owner.person_id))
            .collect(),
        due: action.due,
        due_as_printed: action.due_as_printed.clone(),
        critical: action.critical,
        status: action.status,
        status_as_printed: action.status_as_printed.clone(),
        completed_on: action.completed_on,
        depends_on: action.depends_on.clone(),
        milestone: action.milestone.clone(),
    }
}

fn find_in<'a>(
    plan: &'a [Action],
    line_ref: &LineRef,
    action_ref: &ActionRef,
) -> Result<&'a Action, ApiError> {
    plan.iter()
        .find(|action| &action.action == action_ref)
        .ok_or_else(|| ApiError::NotFound(format!("{line_ref}'s plan has no action {action_ref}")))
}

/// Writes an action (new when `current` is none) from a checked draft, in the caller's write transaction:
/// its dependencies (of `plan`, the line's actions as they are, never circular), a due date that moved into
/// the history (the first kept as the original), its owners, and the audit event. Answers it as stored.
#[allow(clippy::too_many_arguments)]
pub fn save(
    conn: &mut DbConnection,
    actor: &Actor,
    line: &lines::model::Line,
    plan: &[Action],
    current: Option<Action>,
    action_ref: ActionRef,
    draft: Draft,
    reason: Option<&str>,
) -> Result<Action, ApiError> {
    let own_id = current.as_ref().map(|action| action.id);
    if own_id.is_none() && plan.len() >= MAX_ACTIONS {
        return Err(ApiError::Validation(vec![crate::domain::FieldError {
            field: "action".to_owned(),
            message: format!(
                "{}'s plan has {MAX_ACTIONS} actions, as many as a plan holds: change or cancel one",
                line.line_ref
            ),
        }]));
    }
    let targets = dependency_ids(plan, own_id, &action_ref, &draft.depends_on)?;
    let now = db::time::now();
    let moved = current
        .as_ref()
        .map_or(draft.due.is_some(), |held| held.due != draft.due);
    let (original_due, original_due_as_printed) = match &current {
        Some(held) if held.original_due.is_some() => {
            (held.original_due, held.original_due_as_printed.clone())
        }
        _ => (draft.due, draft.due_as_printed.clone()),
    };
    let version = current.as_ref().map_or(1, |held| held.version + 1);
    let row = repo::ActionRow {
        line_ref: line.line_ref.clone(),
        action_ref: action_ref.to_string(),
        directorate: line.directorate.clone(),
        text: draft.text,
        critical: draft.critical,
        status: draft.status,
        status_as_printed: draft.status_as_printed,
        due: draft.due.as_ref().map(Due::to_string),
        due_by: draft.due.and_then(|due| due.by()),
        due_as_printed: draft.due_as_printed.clone(),
        original_due: original_due.as_ref().map(Due::to_string),
        original_due_by: original_due.and_then(|due| due.by()),
        original_due_as_printed,
        completed_on: draft.completed_on,
        milestone: draft.milestone,
        updated_at: now,
        updated_by: actor.name.clone(),
        version,
    };
    let id = match own_id {
        Some(id) => {
            repo::update(conn, id, &row)?;
            id
        }
        None => repo::insert(conn, &row)?,
    };
    repo::replace_owners(conn, id, &draft.owners)?;
    repo::replace_dependencies(conn, id, &targets)?;
    if moved {
        repo::push_due(
            conn,
            id,
            NewDue {
                due: draft.due.as_ref(),
                due_as_printed: draft.due_as_printed.as_deref(),
                reason,
                changed_at: now,
                changed_by: &actor.name,
            },
        )?;
    }
    let saved = repo::find_by_id(conn, id)?
        .ok_or_else(|| ApiError::Internal(format!("action {id} was not saved")))?;
    let change = match &current {
        Some(before) => Change::updated(
            saved.updated_at,
            Entity::Action,
            &action_key(id),
            "update",
            before,
            &saved,
            reason,
        ),
        None => Change::created(saved.updated_at, Entity::Action, &action_key(id), &saved),
    };
    audit::record(conn, actor, change)?;
    Ok(saved)
}

/// The ids of the actions a draft depends on: each of the same plan, not itself, and none that (through
/// others) waits on it. The plan is walked once, by id, whatever the action's ref becomes (a rename cannot hide
/// a circle): first who waits on the action, then each dependency looked up in that set.
fn dependency_ids(
    plan: &[Action],
    own_id: Option<i64>,
    own_ref: &ActionRef,
    depends_on: &[ActionRef],
) -> Result<Vec<i64>, ApiError> {
    let id_of: HashMap<&ActionRef, i64> = plan.iter().map(|a| (&a.action, a.id)).collect();
    let mut waiting_on: HashMap<i64, Vec<i64>> = HashMap::new();
    for action in plan {
        for on in &action.depends_on {
            if let Some(&target) = id_of.get(on) {
                waiting_on.entry(target).or_default().push(action.id);
            }
        }
    }
    let mut upstream: HashSet<i64> = HashSet::new();
    let mut stack: Vec<i64> = own_id.into_iter().collect();
    while let Some(id) = stack.pop() {
        for &waiting in waiting_on.get(&id).into_iter().flatten() {
            if upstream.insert(waiting) {
                stack.push(waiting);
            }
        }
    }
    let mut errors = FieldErrors::default();
    let mut ids = Vec::new();
    let mut seen = HashSet::new();
    for (index, target) in depends_on.iter().enumerate() {
        let field = format!("depends_on[{index}]");
        let target_id = id_of.get(target).copied();
        if target == own_ref || (own_id.is_some() && target_id == own_id) {
            errors.add(field, "an action cannot depend on itself");
        } else if !seen.insert(target) {
            errors.add(field, format!("{target} is named twice"));
        } else if let Some(id) = target_id {
            if upstream.contains(&id) {
                errors.add(
                    field,
                    format!(
                        "{target} already waits on {own_ref}: the plan would go round in a circle"
                    ),
                );
            } else {
                ids.push(id);
            }
        } else {
            errors.add(field, format!("the plan has no action {target}"));
        }
    }
    errors.into_result(ids).map_err(ApiError::Validation)
}

/// A line's plan now, or as at an instant (replayed from the trail).
pub fn plan(
    conn: &mut DbConnection,
    line_ref: &LineRef,
    at: Option<PrimitiveDateTime>,
) -> Result<Vec<Action>, ApiError> {
    if lines::repo::find(conn, line_ref)?.is_none() {
        return Err(ApiError::NotFound(format!("there is no line {line_ref}")));
    }
    let mut actions = match at {
        None => repo::of_line(conn, line_ref)?,
        Some(at) => replayed(conn, at, |action| &action.line_ref == line_ref)?,
    };
    name_owners(conn, &mut actions)?;
    Ok(actions)
}

/// A directorate's plans (every directorate's when none), now or as at an instant.
pub fn plans_of(
    conn: &mut DbConnection,
    directorate: Option<&DirectorateCode>,
    at: Option<PrimitiveDateTime>,
) -> Result<Vec<Action>, ApiError> {
    let mut actions = match at {
        None => repo::of_directorate(conn, directorate)?,
        Some(at) => replayed(conn, at, |action| {
            directorate.is_none_or(|code| &action.directorate == code)
        })?,
    };
    name_owners(conn, &mut actions)?;
    Ok(actions)
}

/// One action with every due date it has had (by `at`, when given).
pub fn detail(
    conn: &mut DbConnection,
    line_ref: &LineRef,
    action_ref: &ActionRef,
    at: Option<PrimitiveDateTime>,
) -> Result<ActionDetail, ApiError> {
    let plan = plan(conn, line_ref, at)?;
    let action = find_in(&plan, line_ref, action_ref)?.clone();
    let due_history = repo::dues(conn, action.id, at)?;
    Ok(ActionDetail {
        action,
        due_history,
    })
}

/// Every action as it stood at `at` that `keep` selects, in each plan's order.
fn replayed(
    conn: &mut DbConnection,
    at: PrimitiveDateTime,
    keep: impl Fn(&Action) -> bool,
) -> Result<Vec<Action>, ApiError> {
    let mut actions: Vec<Action> = audit::states_at::<Action>(conn, Entity::Action, at)?
        .into_iter()
        .filter(|action| keep(action))
        .collect();
    actions.sort_by(|a, b| {
        a.line_ref
            .cmp(&b.line_ref)
            .then_with(|| a.action.plan_order(&b.action))
    });
    Ok(actions)
}

/// Names each resolved owner from the directory (a replayed state holds only the person's id).
fn name_owners(conn: &mut DbConnection, actions: &mut [Action]) -> Result<(), ApiError> {
    let ids: Vec<i64> = actions
        .iter()
        .flat_map(|action| action.owners.iter().filter_map(|owner| owner.person_id))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let names: BTreeMap<i64, String> = resolve::names(conn, &ids)?;
    for owner in actions
        .iter_mut()
        .flat_map(|action| action.owners.iter_mut())
    {
        owner.person = owner.person_id.and_then(|id| names.get(&id).cloned());
    }
    Ok(())
}

/// The owners of a set of actions that resolved to nobody, as printed, in order, each once.
pub fn unresolved_owners(actions: &[Action]) -> Vec<String> {
    let mut seen = HashSet::new();
    actions
        .iter()
        .flat_map(|action| action.owners.iter())
        .filter(|owner: &&ActionOwner| owner.person_id.is_none())
        .filter(|owner| seen.insert(owner.printed.clone()))
        .map(|owner| owner.printed.clone())
        .collect()
}
