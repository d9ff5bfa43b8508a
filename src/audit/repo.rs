use std::collections::BTreeMap;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::chain;
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
    // As text, not `Json`: the hash is of exactly the text stored.
    before_state: Option<String>,
    after_state: Option<String>,
    reason: Option<String>,
    content_hash: String,
    chain_hash: String,
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
    chain_hash: Option<String>,
}

/// An event's columns as stored, text as text, for hashing.
#[derive(Queryable, Selectable)]
#[diesel(table_name = events)]
struct StoredRow {
    id: i64,
    occurred_at: PrimitiveDateTime,
    actor: String,
    entity: String,
    entity_ref: String,
    action: String,
    before_state: Option<String>,
    after_state: Option<String>,
    reason: Option<String>,
    content_hash: Option<String>,
    chain_hash: Option<String>,
}

impl StoredRow {
    fn content(&self) -> chain::Content<'_> {
        chain::Content {
            occurred_at: self.occurred_at,
            actor: &self.actor,
            entity: &self.entity,
            entity_ref: &self.entity_ref,
            action: &self.action,
            before: self.before_state.as_deref(),
            after: self.after_state.as_deref(),
            reason: self.reason.as_deref(),
        }
    }

    fn stored(&self) -> chain::Stored<'_> {
        chain::Stored {
            id: self.id,
            content: self.content(),
            content_hash: self.content_hash.as_deref(),
            chain_hash: self.chain_hash.as_deref(),
        }
    }
}

/// Records a change, inside the caller's write transaction. Write transactions are serialised (see
/// `db::write_transaction`), so event ids follow commit order and the changes feed never skips one.
pub fn record(conn: &mut DbConnection, actor: &Actor, change: Change) -> QueryResult<()> {
    record_many(conn, actor, [change])
}

/// Events per multi-row INSERT (10 columns each).
const EVENTS_PER_INSERT: usize = 1_000;

/// Records changes in order, many to a statement, each chained to the one before it (`chain`). Writes are
/// serialised, so the head read here is still the head when the transaction commits.
pub fn record_many(
    conn: &mut DbConnection,
    actor: &Actor,
    changes: impl IntoIterator<Item = Change>,
) -> QueryResult<()> {
    let mut previous = sealed_head(conn)?;
    let rows: Vec<NewEventRow> = changes
        .into_iter()
        .map(|change| {
            let mut row = NewEventRow {
                occurred_at: db::time::stored(change.at),
                actor: actor.name.clone(),
                entity: change.entity,
                entity_ref: change.entity_ref,
                action: change.action,
                before_state: change.before.as_ref().map(json_text),
                after_state: change.after.as_ref().map(json_text),
                reason: change.reason,
                content_hash: String::new(),
                chain_hash: String::new(),
            };
            row.content_hash = chain::content_hash(&chain::Content {
                occurred_at: row.occurred_at,
                actor: &row.actor,
                entity: row.entity.as_str(),
                entity_ref: &row.entity_ref,
                action: &row.action,
                before: row.before_state.as_deref(),
                after: row.after_state.as_deref(),
                reason: row.reason.as_deref(),
            });
            row.chain_hash = chain::link(previous.as_deref(), &row.content_hash);
            previous = Some(row.chain_hash.clone());
            row
        })
        .collect();
    for chunk in rows.chunks(EVENTS_PER_INSERT) {
        insert_rows!(conn, events::table, chunk);
    }
    Ok(())
}

fn json_text(value: &serde_json::Value) -> String {
    value.to_string()
}

/// The newest event's chain hash, chaining first any events an older release wrote without one; `None` on an
/// empty trail. Call inside a write transaction.
fn sealed_head(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    let newest: Option<Option<String>> = events::table
        .order(events::id.desc())
        .select(events::chain_hash)
        .first(conn)
        .optional()?;
    match newest {
        None => Ok(None),
        Some(Some(head)) => Ok(Some(head)),
        Some(None) => {
            seal_unchained(conn)?;
            head(conn)
        }
    }
}

/// The newest event's chain hash, as the change feed publishes it.
pub fn head(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    Ok(events::table
        .order(events::id.desc())
        .select(events::chain_hash)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// Events read a page at a time when chaining or verifying, so memory stays flat on any trail.
const CHAIN_PAGE: i64 = 1_000;

/// Chains, in id order, every event after the last chained one (all of them on a trail from before the chain):
/// the migration step in Rust, and the repair when an older release wrote events. Returns how many it chained.
/// Call inside a write transaction.
pub fn seal_unchained(conn: &mut DbConnection) -> QueryResult<u64> {
    let last_sealed: Option<(i64, Option<String>)> = events::table
        .filter(events::chain_hash.is_not_null())
        .order(events::id.desc())
        .select((events::id, events::chain_hash))
        .first(conn)
        .optional()?;
    let (mut after, mut previous) = match last_sealed {
        Some((id, hash)) => (id, hash),
        None => (0, None),
    };
    let mut sealed = 0;
    loop {
        let page = stored_page(conn, after, CHAIN_PAGE)?;
        let Some(last) = page.last() else {
            return Ok(sealed);
        };
        after = last.id;
        for row in &page {
            let content_hash = chain::content_hash(&row.content());
            let chain_hash = chain::link(previous.as_deref(), &content_hash);
            diesel::update(events::table.find(row.id))
                .set((
                    events::content_hash.eq(&content_hash),
                    events::chain_hash.eq(&chain_hash),
                ))
                .execute(conn)?;
            previous = Some(chain_hash);
            sealed += 1;
        }
    }
}

/// Walks the whole trail in id order through `verifier`: the first break, or what a sound trail holds.
pub fn verify(
    conn: &mut DbConnection,
    mut verifier: chain::Verifier,
) -> QueryResult<Result<chain::Verified, chain::Break>> {
    let mut after = 0;
    loop {
        let page = stored_page(conn, after, CHAIN_PAGE)?;
        let Some(last) = page.last() else {
            return Ok(verifier.finish());
        };
        after = last.id;
        for row in &page {
            if let Err(found) = verifier.check(&row.stored()) {
                return Ok(Err(found));
            }
        }
    }
}

fn stored_page(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<StoredRow>> {
    events::table
        .filter(events::id.gt(after))
        .order(events::id)
        .limit(limit)
        .select(StoredRow::as_select())
        .load(conn)
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
        hash: row.chain_hash,
    }
}
