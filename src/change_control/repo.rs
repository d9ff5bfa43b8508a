//! The SQL of change sets: a set's row, its requests (one per line and field), and their outcome.

use std::collections::BTreeMap;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::model::{
    AbsentLine, ChangeSet, ChangeSetStatus, Disposition, NotStated, ProposedChange, RequestedChange,
};
use crate::budget::model::{Funding, FundingSource};
use crate::db::schema::{change_requests, change_set_absences, change_sets, lines};
use crate::db::{self, DbConnection};
use crate::domain::{LineKind, LineRef};
use crate::lines::model::ControlledField;

#[derive(Queryable, Selectable)]
#[diesel(table_name = change_sets)]
struct SetRow {
    id: i64,
    reason: String,
    status: String,
    proposed_by: String,
    proposer: String,
    proposed_at: PrimitiveDateTime,
    decided_by: Option<String>,
    decider: Option<String>,
    decided_at: Option<PrimitiveDateTime>,
    decision_id: Option<i64>,
    outcome_reason: Option<String>,
    not_stated: String,
}

#[derive(Insertable)]
#[diesel(table_name = change_sets)]
struct NewSetRow<'a> {
    reason: &'a str,
    status: &'a str,
    proposed_by: &'a str,
    proposer: &'a str,
    proposed_at: PrimitiveDateTime,
    not_stated: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = change_set_absences)]
struct AbsenceRow {
    change_set: i64,
    line_ref: LineRef,
    base_version: i64,
    disposition: Option<String>,
    reason: Option<String>,
    merged_into: Option<LineRef>,
    funding_source: Option<String>,
    funding_ref: Option<LineRef>,
    decided_by: Option<String>,
}

/// A plan's part of a set: the approved lines it leaves out (with their versions) and what it left blank.
#[derive(Default)]
pub struct PlanParts<'a> {
    pub absent: &'a [(LineRef, i64)],
    pub not_stated: &'a [NotStated],
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = change_requests)]
struct RequestRow {
    change_set: i64,
    line_ref: LineRef,
    field: String,
    proposed: String,
    base_version: i64,
    open: i32,
}

/// A request to insert: a line's proposed change, field by field, and the version it is proposed against.
pub struct NewRequest<'a> {
    pub change: &'a ProposedChange,
    pub base_version: i64,
}

/// Inserts a pending set, its requests and a plan's parts; answers its id (writes are serialised: the highest
/// id is this one).
pub fn insert(
    conn: &mut DbConnection,
    reason: &str,
    (proposed_by, proposer): (&str, &str),
    at: PrimitiveDateTime,
    requests: &[NewRequest],
    plan: PlanParts,
) -> QueryResult<i64> {
    diesel::insert_into(change_sets::table)
        .values(&NewSetRow {
            reason,
            status: ChangeSetStatus::Pending.as_str(),
            proposed_by,
            proposer,
            proposed_at: at,
            not_stated: json(&plan.not_stated),
        })
        .execute(conn)?;
    let id: Option<i64> = change_sets::table
        .select(diesel::dsl::max(change_sets::id))
        .first(conn)?;
    let id = id.unwrap_or_default();
    let rows: Vec<RequestRow> = requests
        .iter()
        .flat_map(|request| {
            let change = request.change;
            let fields = [
                change
                    .years
                    .as_ref()
                    .map(|years| (ControlledField::Years, json(years))),
                change
                    .owner
                    .as_ref()
                    .map(|owner| (ControlledField::Owner, json(owner))),
                change
                    .status
                    .map(|status| (ControlledField::Status, json(&status))),
            ];
            fields
                .into_iter()
                .flatten()
                .map(move |(field, proposed)| RequestRow {
                    change_set: id,
                    line_ref: change.line_ref.clone(),
                    field: field.as_str().to_owned(),
                    proposed,
                    base_version: request.base_version,
                    open: 1,
                })
        })
        .collect();
    for chunk in rows.chunks(1_000) {
        crate::insert_rows!(conn, change_requests::table, chunk);
    }
    let absences: Vec<AbsenceRow> = plan
        .absent
        .iter()
        .map(|(line_ref, base_version)| AbsenceRow {
            change_set: id,
            line_ref: line_ref.clone(),
            base_version: *base_version,
            disposition: None,
            reason: None,
            merged_into: None,
            funding_source: None,
            funding_ref: None,
            decided_by: None,
        })
        .collect();
    for chunk in absences.chunks(1_000) {
        crate::insert_rows!(conn, change_set_absences::table, chunk);
    }
    Ok(id)
}

/// Records a pending set's disposition of a line it lists as absent; false when the set does not list it.
pub fn dispose(
    conn: &mut DbConnection,
    id: i64,
    absent: &AbsentLine,
    by: &str,
) -> QueryResult<bool> {
    let updated = diesel::update(
        change_set_absences::table
            .filter(change_set_absences::change_set.eq(id))
            .filter(change_set_absences::line_ref.eq(&absent.line_ref)),
    )
    .set((
        change_set_absences::disposition.eq(absent.disposition.map(|d| d.as_str())),
        change_set_absences::reason.eq(absent.reason.as_deref()),
        change_set_absences::merged_into.eq(absent.merged_into.as_ref()),
        change_set_absences::funding_source.eq(absent.funding.as_ref().map(|f| f.source.as_str())),
        change_set_absences::funding_ref
            .eq(absent.funding.as_ref().and_then(|f| f.line_ref.as_ref())),
        change_set_absences::decided_by.eq(by),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The pending requests of these lines, as (ref, field, set id): a line has one pending request per field.
pub fn pending_of(
    conn: &mut DbConnection,
    refs: &[&LineRef],
) -> QueryResult<Vec<(LineRef, String, i64)>> {
    let mut pending = Vec::new();
    for chunk in refs.chunks(1_000) {
        pending.extend(
            change_requests::table
                .filter(change_requests::open.eq(1))
                .filter(change_requests::line_ref.eq_any(chunk))
                .select((
                    change_requests::line_ref,
                    change_requests::field,
                    change_requests::change_set,
                ))
                .load::<(LineRef, String, i64)>(conn)?,
        );
    }
    Ok(pending)
}

/// A set with its changes; `None` when there is no such set. A stored request that does not read is an
/// internal error.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ChangeSet>> {
    let Some(row) = change_sets::table
        .find(id)
        .select(SetRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let requests: Vec<RequestRow> = change_requests::table
        .filter(change_requests::change_set.eq(id))
        .order((change_requests::line_ref, change_requests::field))
        .select(RequestRow::as_select())
        .load(conn)?;
    let absences: Vec<(AbsenceRow, String, String)> = change_set_absences::table
        .inner_join(lines::table.on(lines::line_ref.eq(change_set_absences::line_ref)))
        .filter(change_set_absences::change_set.eq(id))
        .order(change_set_absences::line_ref)
        .select((AbsenceRow::as_select(), lines::kind, lines::title))
        .load(conn)?;
    set_of(row, requests, absences).map(Some)
}

/// Sets, newest first, of a status or every one, at most `limit`, before the set `before`.
pub fn list(
    conn: &mut DbConnection,
    status: Option<ChangeSetStatus>,
    line: Option<&LineRef>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ChangeSet>> {
    let mut query = change_sets::table
        .order(change_sets::id.desc())
        .limit(limit)
        .select(change_sets::id)
        .into_boxed::<db::MultiBackend>();
    if let Some(status) = status {
        query = query.filter(change_sets::status.eq(status.as_str()));
    }
    if let Some(before) = before {
        query = query.filter(change_sets::id.lt(before));
    }
    if let Some(line) = line {
        query = query.filter(
            change_sets::id
                .eq_any(
                    change_requests::table
                        .filter(change_requests::line_ref.eq(line.clone()))
                        .select(change_requests::change_set),
                )
                .or(change_sets::id.eq_any(
                    change_set_absences::table
                        .filter(change_set_absences::line_ref.eq(line.clone()))
                        .select(change_set_absences::change_set),
                )),
        );
    }
    let ids: Vec<i64> = query.load(conn)?;
    let mut sets = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(set) = find(conn, id)? {
            sets.push(set);
        }
    }
    Ok(sets)
}

/// Records a pending set's outcome and closes its requests; false when it is no longer pending.
pub fn decide(
    conn: &mut DbConnection,
    id: i64,
    status: ChangeSetStatus,
    by: (&str, &str),
    at: PrimitiveDateTime,
    decision_id: Option<i64>,
    outcome_reason: Option<&str>,
) -> QueryResult<bool> {
    let updated = diesel::update(
        change_sets::table
            .find(id)
            .filter(change_sets::status.eq(ChangeSetStatus::Pending.as_str())),
    )
    .set((
        change_sets::status.eq(status.as_str()),
        change_sets::decided_by.eq(by.0),
        change_sets::decider.eq(by.1),
        change_sets::decided_at.eq(at),
        change_sets::decision_id.eq(decision_id),
        change_sets::outcome_reason.eq(outcome_reason),
    ))
    .execute(conn)?;
    diesel::update(change_requests::table.filter(change_requests::change_set.eq(id)))
        .set(change_requests::open.eq(0))
        .execute(conn)?;
    Ok(updated == 1)
}

fn set_of(
    row: SetRow,
    requests: Vec<RequestRow>,
    absences: Vec<(AbsenceRow, String, String)>,
) -> QueryResult<ChangeSet> {
    let unreadable = |what: String| {
        diesel::result::Error::DeserializationError(format!("change set {}: {what}", row.id).into())
    };
    let status = ChangeSetStatus::from_name(&row.status)
        .ok_or_else(|| unreadable(format!("status `{}`", row.status)))?;
    let mut by_line: BTreeMap<LineRef, RequestedChange> = BTreeMap::new();
    for request in requests {
        let change = by_line
            .entry(request.line_ref.clone())
            .or_insert_with(|| RequestedChange {
                line_ref: request.line_ref.clone(),
                years: None,
                owner: None,
                status: None,
                base_version: request.base_version,
            });
        let read = |error: serde_json::Error| unreadable(format!("{}: {error}", request.field));
        match ControlledField::from_name(&request.field) {
            Some(ControlledField::Years) => {
                change.years = Some(serde_json::from_str(&request.proposed).map_err(read)?)
            }
            Some(ControlledField::Owner) => {
                change.owner = Some(serde_json::from_str(&request.proposed).map_err(read)?)
            }
            Some(ControlledField::Status) => {
                change.status = Some(serde_json::from_str(&request.proposed).map_err(read)?)
            }
            None => return Err(unreadable(format!("field `{}`", request.field))),
        }
    }
    let mut absent = Vec::with_capacity(absences.len());
    for (absence, kind, title) in absences {
        let named =
            |what: &str, text: &str| unreadable(format!("{}'s {what} `{text}`", absence.line_ref));
        let disposition = absence
            .disposition
            .as_deref()
            .map(|text| Disposition::from_name(text).ok_or_else(|| named("disposition", text)))
            .transpose()?;
        let funding = absence
            .funding_source
            .as_deref()
            .map(|text| {
                FundingSource::from_name(text)
                    .map(|source| Funding {
                        source,
                        line_ref: absence.funding_ref.clone(),
                    })
                    .ok_or_else(|| named("funding", text))
            })
            .transpose()?;
        absent.push(AbsentLine {
            kind: LineKind::from_name(&kind).ok_or_else(|| named("kind", &kind))?,
            title,
            line_ref: absence.line_ref,
            base_version: absence.base_version,
            disposition,
            reason: absence.reason,
            merged_into: absence.merged_into,
            funding,
            decided_by: absence.decided_by,
        });
    }
    let not_stated: Vec<NotStated> = serde_json::from_str(&row.not_stated)
        .map_err(|error| unreadable(format!("not_stated: {error}")))?;
    Ok(ChangeSet {
        absent,
        not_stated,
        id: row.id,
        status,
        reason: row.reason,
        proposed_by: row.proposed_by,
        proposer: row.proposer,
        proposed_at: db::time::utc(row.proposed_at),
        changes: by_line.into_values().collect(),
        decided_by: row.decided_by,
        decider: row.decider,
        decided_at: row.decided_at.map(db::time::utc),
        decision_id: row.decision_id,
        outcome_reason: row.outcome_reason,
    })
}

/// A line's change by an approved set: the set, its decision and when, and the fields changed (`years`,
/// `owner`, `status`; a proposed plan's absent line: its disposition, e.g. `withdrawn`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovedChange {
    pub change_set: i64,
    pub decision_id: i64,
    pub decided_at: PrimitiveDateTime,
    pub line_ref: LineRef,
    pub field: String,
}

/// Every change approved after `from` and at or before `to` (now when `None`), by set and line.
pub fn approved_changes(
    conn: &mut DbConnection,
    from: PrimitiveDateTime,
    to: Option<PrimitiveDateTime>,
) -> QueryResult<Vec<ApprovedChange>> {
    let mut sets = change_sets::table
        .filter(change_sets::status.eq(ChangeSetStatus::Approved.as_str()))
        .filter(change_sets::decided_at.gt(from))
        .select((
            change_sets::id,
            change_sets::decision_id,
            change_sets::decided_at,
        ))
        .into_boxed::<db::MultiBackend>();
    if let Some(to) = to {
        sets = sets.filter(change_sets::decided_at.le(to));
    }
    let sets: Vec<(i64, Option<i64>, Option<PrimitiveDateTime>)> = sets.load(conn)?;
    let mut changes = Vec::new();
    for chunk in sets.chunks(1_000) {
        let ids: Vec<i64> = chunk.iter().map(|(id, _, _)| *id).collect();
        let decided: BTreeMap<i64, (i64, PrimitiveDateTime)> = chunk
            .iter()
            .filter_map(|(id, decision, at)| Some((*id, ((*decision)?, (*at)?))))
            .collect();
        let requested: Vec<(i64, LineRef, String)> = change_requests::table
            .filter(change_requests::change_set.eq_any(&ids))
            .select((
                change_requests::change_set,
                change_requests::line_ref,
                change_requests::field,
            ))
            .load(conn)?;
        let disposed: Vec<(i64, LineRef, Option<String>)> = change_set_absences::table
            .filter(change_set_absences::change_set.eq_any(&ids))
            .filter(change_set_absences::disposition.ne(Disposition::Kept.as_str()))
            .select((
                change_set_absences::change_set,
                change_set_absences::line_ref,
                change_set_absences::disposition,
            ))
            .load(conn)?;
        let disposed = disposed
            .into_iter()
            .map(|(id, line_ref, disposition)| (id, line_ref, disposition.unwrap_or_default()));
        for (id, line_ref, field) in requested.into_iter().chain(disposed) {
            if let Some((decision_id, decided_at)) = decided.get(&id) {
                changes.push(ApprovedChange {
                    change_set: id,
                    decision_id: *decision_id,
                    decided_at: *decided_at,
                    line_ref,
                    field,
                });
            }
        }
    }
    Ok(changes)
}
