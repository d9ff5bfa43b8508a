//! Changes to lines. Each runs inside the caller's write transaction: it checks the key may make it, checks
//! `If-Match`, validates in full, writes, and records the event, or fails having written nothing.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use super::model::{ControlledField, CreateLine, Line, LinePatch, NewLine};
use super::{repo, states};
use crate::audit::{self, Change, Entity, Event};
use crate::auth::{Actor, Role};
use crate::db::{self, DbConnection};
use crate::domain::line_ref::MAX_LINE_NUMBER;
use crate::domain::version;
use crate::domain::{
    DirectorateCode, FinancialYear, LineKind, LineRef, LineStatus, Money, YearAmount,
};
use crate::error::ApiError;
use crate::totals;
use crate::totals::lines::Contribution;

/// How far past the highest number in use (in its directorate and kind) an editor may set a ref. Real plans
/// have gaps, so some room; without a bound one `CFE SAV9999` would use up every later number. Admins (and
/// imports of a printed plan) may set any free number.
pub const EDITOR_REF_GAP: i32 = 100;

pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    request: CreateLine,
) -> Result<Line, ApiError> {
    if let (Role::Editor, Some(line_ref)) = (actor.role, &request.line_ref) {
        actor.require_editor_of(&request.directorate)?;
        let highest = repo::highest_number(conn, line_ref.directorate(), line_ref.kind())?;
        if i32::from(line_ref.number()) > highest + EDITOR_REF_GAP {
            return Err(ApiError::field(
                "ref",
                format!(
                    "{line_ref} is more than {EDITOR_REF_GAP} past the highest {} {} number in use ({highest}): leave the ref out to get the next one, or ask an admin",
                    line_ref.directorate(),
                    line_ref.kind().ref_code()
                ),
            ));
        }
    }
    let mut created = create_many(conn, actor, vec![request])?;
    Ok(created.remove(0))
}

/// Records new lines together (a bulk import's rows): the same checks and events as one at a time, in far
/// fewer statements.
pub fn create_many(
    conn: &mut DbConnection,
    actor: &Actor,
    requests: Vec<CreateLine>,
) -> Result<Vec<Line>, ApiError> {
    let mut reasons = Vec::with_capacity(requests.len());
    let mut news = Vec::with_capacity(requests.len());
    for request in requests {
        actor.require_editor_of(&request.directorate)?;
        reasons.push(request.reason.clone());
        news.push(request.validate().map_err(ApiError::Validation)?);
    }
    let known = crate::directorates::repo::codes(conn)?;
    let refs = assign_refs(conn, &news, &known)?;
    let now = db::time::now();
    let lines = repo::insert_many(conn, &news, &refs, now)?;
    states::insert(conn, &lines)?;
    let mut change = totals::lines::Change::default();
    for new in &news {
        change.add(&Contribution {
            directorate: &new.directorate,
            kind: new.kind,
            nature: new.nature,
            withdrawn: new.status == LineStatus::Withdrawn,
            years: &new.years,
        });
    }
    change.write(conn, now)?;
    let changes = lines.iter().zip(reasons).map(|(line, reason)| {
        let mut change = Change::created(
            line.created_at,
            Entity::Line,
            &line.line_ref.to_string(),
            line,
        );
        change.reason = reason;
        change
    });
    audit::record_many(conn, actor, changes)?;
    Ok(lines)
}

pub fn patch(
    conn: &mut DbConnection,
    actor: &Actor,
    line_ref: &LineRef,
    if_match: Option<i64>,
    patch: &LinePatch,
) -> Result<Line, ApiError> {
    let current = writable(conn, actor, line_ref, if_match)?;
    apply(conn, actor, current, patch, Authority::Direct)
}

/// How a change reaches a line: written directly by an editor, or an approved change request applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authority {
    Direct,
    ChangeRequest,
}

/// Applies an approved change request's patch, recorded as `actor`'s (the approver's). The approval is the
/// authority: the editor's rights were checked when it was proposed, the approver's when it was approved.
pub fn apply_approved(
    conn: &mut DbConnection,
    actor: &Actor,
    line_ref: &LineRef,
    patch: &LinePatch,
) -> Result<Line, ApiError> {
    let current = find(conn, line_ref)?;
    apply(conn, actor, current, patch, Authority::ChangeRequest)
}

/// Sets one year's amount, adding the year to the profile when it is not there yet.
pub fn set_year(
    conn: &mut DbConnection,
    actor: &Actor,
    line_ref: &LineRef,
    if_match: Option<i64>,
    year: FinancialYear,
    amount: Money,
) -> Result<Line, ApiError> {
    let current = writable(conn, actor, line_ref, if_match)?;
    let mut years: Vec<YearAmount> = current
        .years
        .iter()
        .filter(|entry| entry.year != year)
        .copied()
        .collect();
    years.push(YearAmount { year, amount });
    let patch = LinePatch {
        years: Some(years),
        ..LinePatch::default()
    };
    // Name the field as the client sent it: `amount`, not `years[n].amount`.
    apply(conn, actor, current, &patch, Authority::Direct).map_err(|error| match error {
        ApiError::Validation(errors) => ApiError::Validation(
            errors
                .into_iter()
                .map(|mut e| {
                    if e.field.ends_with(".amount") {
                        e.field = "amount".to_owned();
                    }
                    e
                })
                .collect(),
        ),
        other => other,
    })
}

/// Removes one year from the profile.
pub fn delete_year(
    conn: &mut DbConnection,
    actor: &Actor,
    line_ref: &LineRef,
    if_match: Option<i64>,
    year: FinancialYear,
) -> Result<Line, ApiError> {
    let current = writable(conn, actor, line_ref, if_match)?;
    if !current.years.iter().any(|entry| entry.year == year) {
        return Err(ApiError::NotFound(format!(
            "line {line_ref} has no amount for {year}"
        )));
    }
    let years = current
        .years
        .iter()
        .filter(|entry| entry.year != year)
        .copied()
        .collect();
    let patch = LinePatch {
        years: Some(years),
        ..LinePatch::default()
    };
    apply(conn, actor, current, &patch, Authority::Direct)
}

/// The line as it is now, once the key may change it and `If-Match` (when sent) names its current version.
fn writable(
    conn: &mut DbConnection,
    actor: &Actor,
    line_ref: &LineRef,
    if_match: Option<i64>,
) -> Result<Line, ApiError> {
    let current = find(conn, line_ref)?;
    actor.require_editor_of(&current.directorate)?;
    version::check(if_match, Some(current.version), &format!("line {line_ref}"))?;
    Ok(current)
}

fn apply(
    conn: &mut DbConnection,
    actor: &Actor,
    current: Line,
    patch: &LinePatch,
    authority: Authority,
) -> Result<Line, ApiError> {
    let (fields, years) = patch.apply(&current).map_err(ApiError::Validation)?;
    let years = years.as_deref();
    if !current.would_change(&fields, years) {
        return Ok(current);
    }
    if authority == Authority::Direct {
        refuse_controlled(conn, &current, &current.controlled_changes(&fields, years))?;
    }
    let now = db::time::now();
    if !repo::update(conn, &current, &fields, years, now)? {
        return Err(ApiError::Conflict(format!(
            "line {} was changed by another request; read it again and retry",
            current.line_ref
        )));
    }
    let counted = |nature, status, years| Contribution {
        directorate: &current.directorate,
        kind: current.kind,
        nature,
        withdrawn: status == LineStatus::Withdrawn,
        years,
    };
    let mut change = totals::lines::Change::default();
    change.remove(&counted(current.nature, current.status, &current.years));
    change.add(&counted(
        fields.nature,
        fields.status,
        years.unwrap_or(&current.years),
    ));
    change.write(conn, now)?;
    let line = find(conn, &current.line_ref)?;
    repo::store_body(conn, &line)?;
    states::replace(conn, &line)?;
    let counted_as = |status: LineStatus, nature| totals::at_risk::Counted {
        withdrawn: status == LineStatus::Withdrawn,
        nature,
    };
    totals::at_risk::recount_line(
        conn,
        &line.line_ref,
        counted_as(current.status, current.nature),
        counted_as(line.status, line.nature),
        now,
    )?;
    let action = match (current.status, line.status) {
        (LineStatus::Withdrawn, LineStatus::Withdrawn) => "updated",
        (_, LineStatus::Withdrawn) => "withdrawn",
        (LineStatus::Withdrawn, _) => "reinstated",
        _ => "updated",
    };
    let change = Change::updated(
        line.updated_at,
        Entity::Line,
        &line.line_ref.to_string(),
        action,
        &current,
        &line,
        patch.reason.as_deref(),
    );
    audit::record(conn, actor, change)?;
    Ok(line)
}

/// Refuses a direct change to an approved line's controlled fields, saying how to propose it.
fn refuse_controlled(
    conn: &mut DbConnection,
    current: &Line,
    controlled: &[ControlledField],
) -> Result<(), ApiError> {
    if controlled.is_empty() {
        return Ok(());
    }
    let Some(baseline) = repo::approved_in(conn, &current.line_ref)? else {
        return Ok(());
    };
    let fields: Vec<&str> = controlled.iter().map(|field| field.as_str()).collect();
    Err(ApiError::NeedsChangeRequest(format!(
        "line {} is approved (baseline \"{baseline}\"): its {} change only by an approved change request. \
         Propose it with POST /api/v1/change-sets {{\"reason\": …, \"changes\": [{{\"ref\": \"{}\", …}}]}}, for an approver to approve",
        current.line_ref,
        fields.join(", "),
        current.line_ref
    )))
}

/// A line's events after the one with id `after`, oldest first, at most `limit`; 404 when there is no such line.
pub fn events(
    conn: &mut DbConnection,
    line_ref: &LineRef,
    after: i64,
    limit: i64,
) -> Result<Vec<Event>, ApiError> {
    find(conn, line_ref)?;
    Ok(audit::repo::history(
        conn,
        Entity::Line,
        &line_ref.to_string(),
        after,
        limit,
    )?)
}

/// Lines (or states) whose stored JSON is rewritten in one write transaction, so writers are held up briefly.
const BODIES_PER_TRANSACTION: i64 = 500;

/// Rewrites every stored JSON of a line or a kept state that is not in the current format (rows written before
/// bodies were kept, or in an older format), a batch per write transaction; how many it rewrote.
pub fn refresh_bodies(conn: &mut DbConnection) -> Result<usize, ApiError> {
    Ok(in_batches(conn, repo::refresh_bodies)? + in_batches(conn, states::refresh_bodies)?)
}

/// Runs `batch` (up to a number of rows after a key; the keys it wrote) in write transactions until it writes
/// none; how many it wrote.
fn in_batches<K>(
    conn: &mut DbConnection,
    batch: impl Fn(&mut DbConnection, Option<&K>, i64) -> diesel::QueryResult<Vec<K>>,
) -> Result<usize, ApiError> {
    let (mut written, mut after) = (0, None);
    loop {
        let keys = db::write_transaction(conn, |conn| {
            Ok(batch(conn, after.as_ref(), BODIES_PER_TRANSACTION)?)
        })?;
        written += keys.len();
        match keys.into_iter().last() {
            Some(last) => after = Some(last),
            None => return Ok(written),
        }
    }
}

/// One line and its profile; 404 when there is none.
pub fn find(conn: &mut DbConnection, line_ref: &LineRef) -> Result<Line, ApiError> {
    repo::find(conn, line_ref)?
        .ok_or_else(|| ApiError::NotFound(format!("there is no line {line_ref}")))
}

/// Each new line's ref: the one given, checked to be new, or the next number never used in its directorate
/// and kind (lines are never deleted, so one past the highest there). Each directorate must exist.
fn assign_refs(
    conn: &mut DbConnection,
    news: &[NewLine],
    known_directorates: &HashSet<DirectorateCode>,
) -> Result<Vec<LineRef>, ApiError> {
    let given: Vec<&LineRef> = news
        .iter()
        .filter_map(|new| new.line_ref.as_ref())
        .collect();
    let mut taken = repo::taken(conn, &given)?;
    let mut highest: HashMap<(DirectorateCode, LineKind), i32> = HashMap::new();
    let mut refs = Vec::with_capacity(news.len());
    for new in news {
        if !known_directorates.contains(&new.directorate) {
            return Err(ApiError::field(
                "directorate",
                format!(
                    "there is no directorate {}: create it first",
                    new.directorate
                ),
            ));
        }
        let group = (new.directorate.clone(), new.kind);
        let highest = match highest.entry(group) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                let stored = repo::highest_number(conn, &new.directorate, new.kind)?;
                entry.insert(stored)
            }
        };
        let line_ref = match &new.line_ref {
            Some(line_ref) => line_ref.clone(),
            None => u16::try_from(*highest + 1)
                .ok()
                .and_then(|number| LineRef::new(new.directorate.clone(), new.kind, number))
                .ok_or_else(|| {
                    ApiError::Conflict(format!(
                        "{} has used every {} number up to {MAX_LINE_NUMBER}",
                        new.directorate,
                        new.kind.ref_code()
                    ))
                })?,
        };
        if !taken.insert(line_ref.clone()) {
            return Err(ApiError::Conflict(format!(
                "line {line_ref} already exists; refs are never reused"
            )));
        }
        *highest = (*highest).max(i32::from(line_ref.number()));
        refs.push(line_ref);
    }
    Ok(refs)
}
