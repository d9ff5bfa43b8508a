use std::collections::BTreeMap;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::entity::Entity;
use super::model::{Change, Event};
use super::snapshot::{self, Replayed};
use crate::auth::Actor;
use crate::db::columns::Json;
use crate::db::schema::{events, states_complete};
use crate::db::{self, DbConnection};
use crate::insert_rows;

#[derive(Insertable)]
#[diesel(table_name = events)]
// None as NULL, so that SQLite takes many rows in one INSERT (see `lines::repo::LineRow`).
#[diesel(treat_none_as_default_value = false)]
struct NewEventRow {
    occurred_at: PrimitiveDateTime,
    actor: String,
    entity: Entity,
    entity_ref: String,
    action: String,
    before_state: Option<Json<serde_json::Value>>,
    after_state: Option<Json<serde_json::Value>>,
    reason: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = events)]
struct EventRow {
    id: i64,
    occurred_at: PrimitiveDateTime,
    actor: String,
    entity: Entity,
    entity_ref: String,
    action: String,
    before_state: Option<Json<serde_json::Value>>,
    after_state: Option<Json<serde_json::Value>>,
    reason: Option<String>,
}

/// Records a change, inside the caller's write transaction. Write transactions are serialised (see
/// `db::write_transaction`), so event ids follow commit order and the changes feed never skips one.
pub fn record(conn: &mut DbConnection, actor: &Actor, change: Change) -> QueryResult<()> {
    record_many(conn, actor, [change])
}

/// Events per multi-row INSERT (8 columns each).
const EVENTS_PER_INSERT: usize = 1_000;

/// Records changes in order, many to a statement.
pub fn record_many(
    conn: &mut DbConnection,
    actor: &Actor,
    changes: impl IntoIterator<Item = Change>,
) -> QueryResult<()> {
    let rows: Vec<NewEventRow> = changes
        .into_iter()
        .map(|change| NewEventRow {
            occurred_at: db::time::stored(change.at),
            actor: actor.name.clone(),
            entity: change.entity,
            entity_ref: change.entity_ref,
            action: change.action,
            before_state: change.before.map(Json),
            after_state: change.after.map(Json),
            reason: change.reason,
        })
        .collect();
    for chunk in rows.chunks(EVENTS_PER_INSERT) {
        insert_rows!(conn, events::table, chunk);
    }
    Ok(())
}

/// Every event about one entity, oldest first.
pub fn history(
    conn: &mut DbConnection,
    entity: Entity,
    entity_ref: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Event>> {
    let rows: Vec<EventRow> = events::table
        .filter(events::entity.eq(entity))
        .filter(events::entity_ref.eq(entity_ref))
        .filter(events::id.gt(after))
        .order(events::id)
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(event_from_row).collect())
}

/// Up to `limit` events after the one with id `after`, in commit order.
pub fn feed(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<Event>> {
    let rows: Vec<EventRow> = events::table
        .filter(events::id.gt(after))
        .order(events::id)
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(event_from_row).collect())
}

/// Every entity of a kind as it stood at `at`: the state after its last change at or before then, read
/// from whichever snapshot version stored it.
pub fn states_at<T: Replayed>(
    conn: &mut DbConnection,
    entity: Entity,
    at: PrimitiveDateTime,
) -> QueryResult<Vec<T>> {
    let rows: Vec<(String, Option<String>)> = events::table
        .filter(events::entity.eq(entity))
        .filter(events::occurred_at.le(at))
        .order(events::id)
        .select((events::entity_ref, events::after_state))
        .load(conn)?;
    let mut latest: BTreeMap<String, String> = BTreeMap::new();
    for (entity_ref, after) in rows {
        match after {
            Some(after) => latest.insert(entity_ref, after),
            None => latest.remove(&entity_ref),
        };
    }
    latest
        .into_values()
        .map(|state| read_state(&state))
        .collect()
}

/// One entity as it stood at `at` (its last event by then), or `None` when it did not exist then.
pub fn state_at<T: Replayed>(
    conn: &mut DbConnection,
    entity: Entity,
    entity_ref: &str,
    at: PrimitiveDateTime,
) -> QueryResult<Option<T>> {
    let latest: Option<Option<String>> = events::table
        .filter(events::entity.eq(entity))
        .filter(events::entity_ref.eq(entity_ref))
        .filter(events::occurred_at.le(at))
        .order(events::id.desc())
        .select(events::after_state)
        .first(conn)
        .optional()?;
    latest.flatten().map(|state| read_state(&state)).transpose()
}

/// Whether the kept states (`line_states`, the totals' states: see the migration that made them) answer a
/// read as at `at`: on a database made with them, always; on one that had figures before them, from then on.
/// Earlier instants are replayed from the trail.
pub fn states_cover(conn: &mut DbConnection, at: PrimitiveDateTime) -> QueryResult<bool> {
    let from: Option<PrimitiveDateTime> = states_complete::table
        .select(states_complete::from_instant)
        .first::<Option<PrimitiveDateTime>>(conn)
        .optional()?
        .flatten();
    Ok(from.is_none_or(|from| at >= from))
}

fn read_state<T: Replayed>(state: &str) -> QueryResult<T> {
    snapshot::read(state)
        .map(T::from_snapshot)
        .map_err(|error| {
            diesel::result::Error::DeserializationError(
                format!("an event's state does not read back: {error}").into(),
            )
        })
}

fn event_from_row(row: EventRow) -> Event {
    Event {
        id: row.id.to_string(),
        occurred_at: db::time::utc(row.occurred_at),
        entity: row.entity,
        before: row.before_state.map(|state| state.0),
        after: row.after_state.map(|state| state.0),
        actor: row.actor,
        entity_ref: row.entity_ref,
        action: row.action,
        reason: row.reason,
    }
}
