//! The SQL of the people directory: people, their alias rows (name, role and aliases by key), and the keys
//! they hold. No rules, no audit.

use std::collections::BTreeMap;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::model::{AliasKind, NamedPerson, StoredPerson};
use crate::db::schema::{api_keys, people, person_aliases};
use crate::db::{self, DbConnection, MultiBackend};
use crate::domain::plan::owners::alias_key;
use crate::domain::DirectorateCode;

/// Rows per `IN (…)` list.
const CHUNK: usize = 500;

#[derive(Queryable, Selectable)]
#[diesel(table_name = people)]
struct PersonRow {
    id: i64,
    name: String,
    role: Option<String>,
    email: Option<String>,
    directorate: Option<DirectorateCode>,
    updated_at: PrimitiveDateTime,
    updated_by: String,
    version: i64,
}

/// A person's fields as written, insert or update.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = people)]
#[diesel(treat_none_as_null = true)]
pub struct PersonFields<'a> {
    pub name: &'a str,
    pub role: Option<&'a str>,
    pub email: Option<&'a str>,
    pub directorate: Option<&'a DirectorateCode>,
    pub updated_at: PrimitiveDateTime,
    pub updated_by: &'a str,
    pub version: i64,
}

/// One row of `person_aliases`: what a printed owner is matched by.
#[derive(Clone, Debug, PartialEq, Eq, Insertable)]
#[diesel(table_name = person_aliases)]
pub struct AliasRow {
    pub alias_key: String,
    pub person_id: i64,
    pub kind: AliasKind,
    pub alias: String,
}

/// Inserts a person; answers their id (writes are serialised: the highest id is this one).
pub fn insert(conn: &mut DbConnection, fields: &PersonFields) -> QueryResult<i64> {
    diesel::insert_into(people::table)
        .values(fields)
        .execute(conn)?;
    let id: Option<i64> = people::table
        .select(diesel::dsl::max(people::id))
        .first(conn)?;
    Ok(id.unwrap_or_default())
}

/// Writes a person's fields; false when there is no such person.
pub fn update(conn: &mut DbConnection, id: i64, fields: &PersonFields) -> QueryResult<bool> {
    diesel::update(people::table.find(id))
        .set(fields)
        .execute(conn)
        .map(|updated| updated == 1)
}

/// Replaces every alias row of a person with `rows`.
pub fn replace_aliases(conn: &mut DbConnection, id: i64, rows: &[AliasRow]) -> QueryResult<()> {
    diesel::delete(person_aliases::table.filter(person_aliases::person_id.eq(id))).execute(conn)?;
    for chunk in rows.chunks(CHUNK) {
        crate::insert_rows!(conn, person_aliases::table, chunk);
    }
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<StoredPerson>> {
    let Some(row) = people::table
        .find(id)
        .select(PersonRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let mut aliases = aliases_of(conn, &[id])?;
    Ok(Some(from_row(row, aliases.remove(&id).unwrap_or_default())))
}

/// A person's directorate (`Some(None)`: council-wide), or `None` when there is no such person.
pub fn directorate_of(
    conn: &mut DbConnection,
    id: i64,
) -> QueryResult<Option<Option<DirectorateCode>>> {
    people::table
        .find(id)
        .select(people::directorate)
        .first(conn)
        .optional()
}

/// A person's name, or `None` when there is no such person.
pub fn name_of(conn: &mut DbConnection, id: i64) -> QueryResult<Option<String>> {
    people::table
        .find(id)
        .select(people::name)
        .first(conn)
        .optional()
}

/// Every person's id and name, of one directorate when given.
pub fn names(
    conn: &mut DbConnection,
    directorate: Option<&DirectorateCode>,
) -> QueryResult<Vec<(i64, String)>> {
    let mut query = people::table
        .select((people::id, people::name))
        .into_boxed::<MultiBackend>();
    if let Some(directorate) = directorate {
        query = query.filter(people::directorate.eq(directorate.clone()));
    }
    query.order(people::id).load(conn)
}

/// These people with their aliases, by id.
pub fn find_many(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<BTreeMap<i64, StoredPerson>> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        rows.extend(
            people::table
                .filter(people::id.eq_any(chunk))
                .select(PersonRow::as_select())
                .load(conn)?,
        );
    }
    let mut aliases = aliases_of(conn, ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let own = aliases.remove(&row.id).unwrap_or_default();
            (row.id, from_row(row, own))
        })
        .collect())
}

/// The aliases (kind `alias`) of these people as given, in their keys' order.
fn aliases_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<BTreeMap<i64, Vec<String>>> {
    let mut aliases: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(i64, String)> = person_aliases::table
            .filter(person_aliases::person_id.eq_any(chunk))
            .filter(person_aliases::kind.eq(AliasKind::Alias))
            .select((person_aliases::person_id, person_aliases::alias))
            .load(conn)?;
        for (id, alias) in rows {
            aliases.entry(id).or_default().push(alias);
        }
    }
    // In the keys' order by character, the same on both engines (a collation may order them otherwise).
    for own in aliases.values_mut() {
        own.sort_by_cached_key(|alias| alias_key(alias));
    }
    Ok(aliases)
}

/// The people each of these keys matches (by name, role or alias), by key.
pub fn named_by(
    conn: &mut DbConnection,
    keys: &[String],
) -> QueryResult<BTreeMap<String, Vec<NamedPerson>>> {
    let mut named: BTreeMap<String, Vec<NamedPerson>> = BTreeMap::new();
    for chunk in keys.chunks(CHUNK) {
        let rows: Vec<(String, i64, String)> = person_aliases::table
            .inner_join(people::table)
            .filter(person_aliases::alias_key.eq_any(chunk))
            .select((person_aliases::alias_key, people::id, people::name))
            .distinct()
            .load(conn)?;
        for (key, id, name) in rows {
            named.entry(key).or_default().push(NamedPerson { id, name });
        }
    }
    Ok(named)
}

/// The name of another person whose name has this key.
pub fn name_with_key(
    conn: &mut DbConnection,
    key: &str,
    except: Option<i64>,
) -> QueryResult<Option<String>> {
    let mut query = person_aliases::table
        .inner_join(people::table)
        .filter(person_aliases::alias_key.eq(key))
        .filter(person_aliases::kind.eq(AliasKind::Name))
        .select(people::name)
        .into_boxed::<MultiBackend>();
    if let Some(except) = except {
        query = query.filter(person_aliases::person_id.ne(except));
    }
    query.first(conn).optional()
}

/// The unrevoked keys whose holder is named `person`, by name.
pub fn keys_held_by(conn: &mut DbConnection, person: &str) -> QueryResult<Vec<String>> {
    api_keys::table
        .filter(api_keys::person.eq(person))
        .filter(api_keys::revoked_at.is_null())
        .order(api_keys::name)
        .select(api_keys::name)
        .load(conn)
}

fn from_row(row: PersonRow, aliases: Vec<String>) -> StoredPerson {
    StoredPerson {
        id: row.id,
        name: row.name,
        role: row.role,
        email: row.email,
        directorate: row.directorate,
        aliases,
        updated_at: db::time::utc(row.updated_at),
        updated_by: row.updated_by,
        version: row.version,
    }
}
