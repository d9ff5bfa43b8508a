//! Queries for actions, their owners, dependencies and due dates. A plan is read whole (a line's, or a
//! directorate's): its rows, then its owners and dependencies in one read each.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use super::model::{Action, ActionOwner, DueChange};
use crate::db::schema::{action_dependencies, action_dues, action_owners, actions, people};
use crate::db::{self, DbConnection};
use crate::domain::plan::{ActionRef, ActionStatus, Due, Slip};
use crate::domain::{DirectorateCode, FinancialYear, LineRef};

/// An action's row: everything but its owners and dependencies.
#[derive(Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = actions, treat_none_as_null = true)]
pub struct ActionRow {
    pub line_ref: LineRef,
    pub action_ref: String,
    pub directorate: DirectorateCode,
    pub text: String,
    pub critical: bool,
    pub status: Option<ActionStatus>,
    pub status_as_printed: Option<String>,
    pub due: Option<String>,
    pub due_by: Option<Date>,
    pub due_as_printed: Option<String>,
    pub original_due: Option<String>,
    pub original_due_by: Option<Date>,
    pub original_due_as_printed: Option<String>,
    pub completed_on: Option<Date>,
    pub milestone: Option<String>,
    pub updated_at: PrimitiveDateTime,
    pub updated_by: String,
    pub version: i64,
}

/// Inserts an action's row; answers its id (writes are serialised: the highest id is this one).
pub fn insert(conn: &mut DbConnection, row: &ActionRow) -> QueryResult<i64> {
    diesel::insert_into(actions::table)
        .values(row)
        .execute(conn)?;
    let id: Option<i64> = actions::table
        .select(diesel::dsl::max(actions::id))
        .first(conn)?;
    Ok(id.unwrap_or_default())
}

pub fn update(conn: &mut DbConnection, id: i64, row: &ActionRow) -> QueryResult<()> {
    diesel::update(actions::table.find(id))
        .set(row)
        .execute(conn)
        .map(drop)
}

/// Replaces an action's owners: each as printed, with the person it resolved to.
pub fn replace_owners(
    conn: &mut DbConnection,
    id: i64,
    owners: &[(String, Option<i64>)],
) -> QueryResult<()> {
    diesel::delete(action_owners::table.filter(action_owners::action_id.eq(id))).execute(conn)?;
    // One row at a time: at most a few owners, and a batch insert is not portable across the two engines.
    for ((printed, person), position) in owners.iter().zip(1..) {
        diesel::insert_into(action_owners::table)
            .values((
                action_owners::action_id.eq(id),
                action_owners::position.eq::<i32>(position),
                action_owners::printed.eq(printed),
                action_owners::person_id.eq(*person),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces the actions an action waits on.
pub fn replace_dependencies(conn: &mut DbConnection, id: i64, on: &[i64]) -> QueryResult<()> {
    diesel::delete(action_dependencies::table.filter(action_dependencies::action_id.eq(id)))
        .execute(conn)?;
    for target in on {
        diesel::insert_into(action_dependencies::table)
            .values((
                action_dependencies::action_id.eq(id),
                action_dependencies::depends_on.eq(*target),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A due date to add to an action's history.
pub struct NewDue<'a> {
    pub due: Option<&'a Due>,
    pub due_as_printed: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub changed_at: PrimitiveDateTime,
    pub changed_by: &'a str,
}

/// Adds a due date after the action's last.
pub fn push_due(conn: &mut DbConnection, id: i64, new: NewDue) -> QueryResult<()> {
    let last: Option<i32> = action_dues::table
        .filter(action_dues::action_id.eq(id))
        .select(diesel::dsl::max(action_dues::position))
        .first(conn)?;
    diesel::insert_into(action_dues::table)
        .values((
            action_dues::action_id.eq(id),
            action_dues::position.eq(last.unwrap_or(0) + 1),
            action_dues::due.eq(new.due.map(Due::to_string)),
            action_dues::due_by.eq(new.due.and_then(Due::by)),
            action_dues::due_as_printed.eq(new.due_as_printed),
            action_dues::reason.eq(new.reason),
            action_dues::changed_at.eq(new.changed_at),
            action_dues::changed_by.eq(new.changed_by),
        ))
        .execute(conn)
        .map(drop)
}

type DueRow = (
    Option<String>,
    Option<Date>,
    Option<String>,
    Option<String>,
    PrimitiveDateTime,
    String,
);

/// An action's due dates, first to last; those set by `at` when given.
pub fn dues(
    conn: &mut DbConnection,
    id: i64,
    at: Option<PrimitiveDateTime>,
) -> QueryResult<Vec<DueChange>> {
    let rows: Vec<DueRow> = action_dues::table
        .filter(action_dues::action_id.eq(id))
        .order(action_dues::position)
        .select((
            action_dues::due,
            action_dues::due_by,
            action_dues::due_as_printed,
            action_dues::reason,
            action_dues::changed_at,
            action_dues::changed_by,
        ))
        .load(conn)?;
    rows.into_iter()
        .filter(|row| at.is_none_or(|at| row.4 <= at))
        .map(
            |(due, due_by, due_as_printed, reason, changed_at, changed_by)| {
                Ok(DueChange {
                    due: due.as_deref().map(stored_due).transpose()?,
                    due_by,
                    due_as_printed,
                    reason,
                    changed_at: db::time::utc(changed_at),
                    changed_by,
                })
            },
        )
        .collect()
}

/// The actions of one line's plan.
pub fn of_line(conn: &mut DbConnection, line_ref: &LineRef) -> QueryResult<Vec<Action>> {
    let rows = actions::table
        .filter(actions::line_ref.eq(line_ref))
        .select((actions::id, ActionRow::as_select()))
        .load(conn)?;
    assemble(conn, rows)
}

/// One action by id, its dependencies named by their refs.
pub fn find_by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Action>> {
    let rows = actions::table
        .filter(actions::id.eq(id))
        .select((actions::id, ActionRow::as_select()))
        .load(conn)?;
    if rows.is_empty() {
        return Ok(None);
    }
    // The actions it depends on are of its plan: read their refs with it.
    let targets: Vec<i64> = action_dependencies::table
        .filter(action_dependencies::action_id.eq(id))
        .select(action_dependencies::depends_on)
        .load(conn)?;
    let mut with_targets = rows;
    with_targets.extend(
        actions::table
            .filter(actions::id.eq_any(&targets))
            .select((actions::id, ActionRow::as_select()))
            .load::<(i64, ActionRow)>(conn)?,
    );
    Ok(assemble(conn, with_targets)?
        .into_iter()
        .find(|action| action.id == id))
}

/// The actions of a directorate's plans (every directorate's when none is given).
pub fn of_directorate(
    conn: &mut DbConnection,
    directorate: Option<&DirectorateCode>,
) -> QueryResult<Vec<Action>> {
    let rows = match directorate {
        Some(code) => actions::table
            .filter(actions::directorate.eq(code))
            .select((actions::id, ActionRow::as_select()))
            .load(conn)?,
        None => actions::table
            .select((actions::id, ActionRow::as_select()))
            .load(conn)?,
    };
    assemble(conn, rows)
}

/// Rows to actions: their owners (with the people's names) and dependencies in one read each, then in each
/// plan's order.
fn assemble(conn: &mut DbConnection, rows: Vec<(i64, ActionRow)>) -> QueryResult<Vec<Action>> {
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let mut owners: HashMap<i64, Vec<ActionOwner>> = HashMap::new();
    let mut waits: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(i64, String, Option<i64>, Option<String>)> = action_owners::table
            .left_join(people::table)
            .filter(action_owners::action_id.eq_any(chunk))
            .order((action_owners::action_id, action_owners::position))
            .select((
                action_owners::action_id,
                action_owners::printed,
                action_owners::person_id,
                people::name.nullable(),
            ))
            .load(conn)?;
        for (id, printed, person_id, person) in found {
            owners.entry(id).or_default().push(ActionOwner {
                printed,
                person_id,
                person,
            });
        }
        let edges: Vec<(i64, i64)> = action_dependencies::table
            .filter(action_dependencies::action_id.eq_any(chunk))
            .select((
                action_dependencies::action_id,
                action_dependencies::depends_on,
            ))
            .load(conn)?;
        for (id, on) in edges {
            waits.entry(id).or_default().push(on);
        }
    }
    // A dependency is of the same plan, so its ref is among the rows read.
    let refs: HashMap<i64, String> = rows
        .iter()
        .map(|(id, row)| (*id, row.action_ref.clone()))
        .collect();
    let mut actions = rows
        .into_iter()
        .map(|(id, row)| {
            let mut depends_on = waits
                .remove(&id)
                .unwrap_or_default()
                .iter()
                .filter_map(|on| refs.get(on))
                .map(|text| stored_ref(text))
                .collect::<QueryResult<Vec<ActionRef>>>()?;
            depends_on.sort_by(|a, b| a.plan_order(b));
            from_row(id, row, owners.remove(&id).unwrap_or_default(), depends_on)
        })
        .collect::<QueryResult<Vec<Action>>>()?;
    actions.sort_by(|a, b| {
        a.line_ref
            .cmp(&b.line_ref)
            .then_with(|| a.action.plan_order(&b.action))
    });
    Ok(actions)
}

fn from_row(
    id: i64,
    row: ActionRow,
    owners: Vec<ActionOwner>,
    depends_on: Vec<ActionRef>,
) -> QueryResult<Action> {
    let slip = match (row.original_due_by, row.due_by) {
        (Some(original), Some(current)) => Some(Slip::between(original, current)),
        _ => None,
    };
    Ok(Action {
        id,
        action: stored_ref(&row.action_ref)?,
        line_ref: row.line_ref,
        directorate: row.directorate,
        text: row.text,
        critical: row.critical,
        status: row.status,
        status_as_printed: row.status_as_printed,
        due: row.due.as_deref().map(stored_due).transpose()?,
        due_by: row.due_by,
        due_as_printed: row.due_as_printed,
        original_due: row.original_due.as_deref().map(stored_due).transpose()?,
        original_due_by: row.original_due_by,
        original_due_as_printed: row.original_due_as_printed,
        slip,
        completed_on: row.completed_on,
        milestone: row.milestone,
        owners,
        depends_on,
        updated_at: db::time::utc(row.updated_at),
        updated_by: row.updated_by,
        version: row.version,
    })
}

/// The row an action is stored as.
pub fn to_row(action: &Action) -> ActionRow {
    ActionRow {
        line_ref: action.line_ref.clone(),
        action_ref: action.action.to_string(),
        directorate: action.directorate.clone(),
        text: action.text.clone(),
        critical: action.critical,
        status: action.status,
        status_as_printed: action.status_as_printed.clone(),
        due: action.due.as_ref().map(Due::to_string),
        due_by: action.due_by,
        due_as_printed: action.due_as_printed.clone(),
        original_due: action.original_due.as_ref().map(Due::to_string),
        original_due_by: action.original_due_by,
        original_due_as_printed: action.original_due_as_printed.clone(),
        completed_on: action.completed_on,
        milestone: action.milestone.clone(),
        updated_at: db::time::stored(action.updated_at),
        updated_by: action.updated_by.clone(),
        version: action.version,
    }
}

/// A stored canonical due date; one that does not read is a deserialisation error.
fn stored_due(text: &str) -> QueryResult<Due> {
    Due::parse(text).map_err(|error| diesel::result::Error::DeserializationError(error.into()))
}

fn stored_ref(text: &str) -> QueryResult<ActionRef> {
    ActionRef::parse(text)
        .map_err(|error| diesel::result::Error::DeserializationError(error.into()))
}

/// The ids of the actions of a line by ref (to link dependencies).
pub fn ids_of_line(
    conn: &mut DbConnection,
    line_ref: &LineRef,
) -> QueryResult<BTreeMap<String, i64>> {
    let rows: Vec<(String, i64)> = actions::table
        .filter(actions::line_ref.eq(line_ref))
        .select((actions::action_ref, actions::id))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The first and last financial years of a directorate's lines' profiles.
pub fn years_of(
    conn: &mut DbConnection,
    directorate: &DirectorateCode,
) -> QueryResult<Option<(FinancialYear, FinancialYear)>> {
    use crate::db::schema::{line_years, lines};
    let (first, last): (Option<FinancialYear>, Option<FinancialYear>) = line_years::table
        .inner_join(lines::table)
        .filter(lines::directorate.eq(directorate))
        .select((
            diesel::dsl::min(line_years::year_start),
            diesel::dsl::max(line_years::year_start),
        ))
        .first(conn)?;
    Ok(first.zip(last))
}
