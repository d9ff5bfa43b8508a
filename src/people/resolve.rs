//! A printed owner (`SD`, `Debby MacCormack`, `Head of Commissioning CFE`) to the person it names, through the
//! names, roles and aliases of the directory: never guessed. One that matches nobody is kept as printed; one
//! that matches two people is refused with both named.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::db::schema::{people, person_aliases};
use crate::db::DbConnection;
use crate::domain::plan::owners::alias_key;

/// A person as an owner shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

/// What a printed owner names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    Person(Named),
    /// Nobody in the directory: kept as printed, listed as unresolved.
    Unresolved,
    /// More than one person (by name, in name order): refused, naming them.
    Ambiguous(Vec<Named>),
}

/// Resolves one printed owner by its alias key (one indexed read).
pub fn resolve(conn: &mut DbConnection, printed: &str) -> QueryResult<Resolved> {
    let key = alias_key(printed);
    let found: Vec<(i64, String)> = person_aliases::table
        .inner_join(people::table)
        .filter(person_aliases::alias_key.eq(&key))
        .select((people::id, people::name))
        .distinct()
        .load(conn)?;
    let mut by_name: BTreeMap<String, i64> = BTreeMap::new();
    for (id, name) in found {
        by_name.insert(name, id);
    }
    let mut named: Vec<Named> = by_name
        .into_iter()
        .map(|(name, id)| Named { id, name })
        .collect();
    Ok(match named.len() {
        0 => Resolved::Unresolved,
        1 => Resolved::Person(named.remove(0)),
        _ => Resolved::Ambiguous(named),
    })
}

/// The names of people by id (an owner's person as shown).
pub fn names(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<BTreeMap<i64, String>> {
    let mut names = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, String)> = people::table
            .filter(people::id.eq_any(chunk))
            .select((people::id, people::name))
            .load(conn)?;
        names.extend(rows);
    }
    Ok(names)
}
