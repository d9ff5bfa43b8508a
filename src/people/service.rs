//! The rules of the people directory: who may change a person (an admin, or an editor of the person's
//! directorate; a council-wide person, an editor of every directorate), what a person's fields must be, who
//! sees emails and keys (editors and admins), and what a printed owner names. Every change is one write
//! transaction, audited in it, with the person's alias rows rewritten in the same transaction.

use std::collections::BTreeMap;

use super::model::{
    AliasKind, CreatePerson, NamedPerson, Person, PersonAlias, PersonPatch, Resolution,
    StoredPerson,
};
use super::repo::{self, AliasRow, PersonFields};
use super::resolve::{self, Resolved};
use super::rules::{check_aliases, check_email, check_matchable, MAX_NAME, MAX_ROLE};
use crate::audit::{self, Change, Entity};
use crate::auth::{Actor, Role};
use crate::db::{self, DbConnection};
use crate::directorates;
use crate::domain::plan::owners::alias_key;
use crate::domain::text::check_query_text;
use crate::domain::{version, DirectorateCode, FieldErrors};
use crate::error::ApiError;

/// The longest printed owner `resolve` takes, in bytes.
pub const MAX_OWNER_BYTES: usize = 200;

/// Whether `actor` may add or change a person of `directorate` (`None`: council-wide).
pub fn may_change(actor: &Actor, directorate: Option<&DirectorateCode>) -> Result<(), ApiError> {
    let refused = |why: String| Err(ApiError::Forbidden(why));
    match (actor.role, directorate) {
        (Role::Admin, _) => Ok(()),
        (Role::Editor, _) if actor.directorates.is_empty() => Ok(()),
        (Role::Editor, Some(code)) if actor.directorates.contains(code) => Ok(()),
        (Role::Editor, Some(code)) => refused(format!(
            "key {} may not change {code}'s people: it edits {}",
            actor.name,
            codes(&actor.directorates)
        )),
        (Role::Editor, None) => refused(format!(
            "key {} may not change a council-wide person (no directorate): that needs an editor key of every directorate, or an admin key",
            actor.name
        )),
        (role, _) => refused(format!(
            "key {} is {} key; changing the people directory needs an editor or admin key",
            actor.name,
            role.with_article()
        )),
    }
}

fn codes(directorates: &[DirectorateCode]) -> String {
    directorates
        .iter()
        .map(DirectorateCode::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Emails and keys are shown to editors and admins only.
pub fn sees_contacts(actor: &Actor) -> bool {
    matches!(actor.role, Role::Editor | Role::Admin)
}

/// A person's fields as a request gives them, before they are checked.
struct Proposed {
    name: String,
    role: Option<String>,
    email: Option<String>,
    directorate: Option<DirectorateCode>,
    aliases: Vec<String>,
}

/// A person's fields once checked: trimmed, the email lower-cased, the aliases in their keys' order.
#[derive(Debug, PartialEq, Eq)]
struct Checked {
    name: String,
    role: Option<String>,
    email: Option<String>,
    directorate: Option<DirectorateCode>,
    aliases: Vec<String>,
}

impl Checked {
    fn of(person: &StoredPerson) -> Checked {
        Checked {
            name: person.name.clone(),
            role: person.role.clone(),
            email: person.email.clone(),
            directorate: person.directorate.clone(),
            aliases: person.aliases.clone(),
        }
    }

    fn written<'a>(&'a self, actor: &'a Actor, version: i64) -> PersonFields<'a> {
        PersonFields {
            name: &self.name,
            role: self.role.as_deref(),
            email: self.email.as_deref(),
            directorate: self.directorate.as_ref(),
            updated_at: db::time::now(),
            updated_by: &actor.name,
            version,
        }
    }

    /// What `resolve` matches the person by: their name, role and every alias, each by its key.
    fn alias_rows(&self, id: i64) -> Vec<AliasRow> {
        let row = |kind, text: &str| AliasRow {
            alias_key: alias_key(text),
            person_id: id,
            kind,
            alias: text.to_owned(),
        };
        let mut rows = vec![row(AliasKind::Name, &self.name)];
        rows.extend(self.role.iter().map(|role| row(AliasKind::Role, role)));
        rows.extend(
            self.aliases
                .iter()
                .map(|alias| row(AliasKind::Alias, alias)),
        );
        rows
    }
}

/// Checks every field (collecting each problem) against the rules and the directory; `except` is the person
/// being changed, whose own name does not count as taken.
fn check(
    conn: &mut DbConnection,
    except: Option<i64>,
    proposed: Proposed,
    errors: &mut FieldErrors,
) -> Result<Checked, ApiError> {
    let before = errors.len();
    let name = check_matchable(&proposed.name, "name", MAX_NAME, errors);
    if errors.len() == before {
        if let Some(holder) = repo::name_with_key(conn, &alias_key(&name), except)? {
            errors.add(
                "name",
                format!("`{name}` is taken by {holder} (names are matched whatever their case and spacing)"),
            );
        }
    }
    let role = proposed
        .role
        .map(|role| check_matchable(&role, "role", MAX_ROLE, errors));
    let email = proposed.email.map(|email| check_email(&email, errors));
    if let Some(code) = &proposed.directorate {
        if directorates::repo::find(conn, code)?.is_none() {
            errors.add("directorate", format!("there is no directorate {code}"));
        }
    }
    let mut aliases = check_aliases(&proposed.aliases, errors);
    aliases.sort_by_cached_key(|alias| alias_key(alias));
    Ok(Checked {
        name,
        role,
        email,
        directorate: proposed.directorate,
        aliases,
    })
}

/// The person, or 404.
fn found(conn: &mut DbConnection, id: i64) -> Result<StoredPerson, ApiError> {
    repo::find(conn, id)?.ok_or_else(|| ApiError::NotFound(format!("there is no person {id}")))
}

/// Adds a person (an admin, or an editor of their directorate); answers them as `GET /people/{id}` would.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    request: CreatePerson,
) -> Result<Person, ApiError> {
    may_change(actor, request.directorate.as_ref())?;
    let mut errors = FieldErrors::default();
    let proposed = Proposed {
        name: request.name,
        role: request.role,
        email: request.email,
        directorate: request.directorate,
        aliases: request.aliases,
    };
    let checked = check(conn, None, proposed, &mut errors)?;
    errors.into_result(()).map_err(ApiError::Validation)?;
    let id = repo::insert(conn, &checked.written(actor, 1))?;
    repo::replace_aliases(conn, id, &checked.alias_rows(id))?;
    let created = found(conn, id)?;
    audit::record(
        conn,
        actor,
        Change::created(
            created.updated_at,
            Entity::Person,
            &id.to_string(),
            &created,
        ),
    )?;
    one(conn, actor, created)
}

/// Changes a person by a merge-patch (an admin, or an editor of their directorate before and after);
/// `aliases`, when given, replaces them all. A patch that changes nothing writes nothing.
pub fn patch(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    if_match: Option<i64>,
    patch: PersonPatch,
) -> Result<Person, ApiError> {
    let current = found(conn, id)?;
    may_change(actor, current.directorate.as_ref())?;
    version::check(if_match, Some(current.version), &format!("person {id}"))?;
    let directorate = patch
        .directorate
        .unwrap_or_else(|| current.directorate.clone());
    if directorate != current.directorate {
        may_change(actor, directorate.as_ref())?;
    }
    let mut errors = FieldErrors::default();
    let name = match patch.name {
        None => current.name.clone(),
        Some(Some(name)) => name,
        Some(None) => {
            errors.add("name", "must not be null: a person has a name");
            current.name.clone()
        }
    };
    let proposed = Proposed {
        name,
        role: patch.role.unwrap_or_else(|| current.role.clone()),
        email: patch.email.unwrap_or_else(|| current.email.clone()),
        directorate,
        aliases: match patch.aliases {
            None => current.aliases.clone(),
            Some(aliases) => aliases.unwrap_or_default(),
        },
    };
    let checked = check(conn, Some(id), proposed, &mut errors)?;
    errors.into_result(()).map_err(ApiError::Validation)?;
    if checked == Checked::of(&current) {
        return one(conn, actor, current);
    }
    if !repo::update(conn, id, &checked.written(actor, current.version + 1))? {
        return Err(ApiError::NotFound(format!("there is no person {id}")));
    }
    repo::replace_aliases(conn, id, &checked.alias_rows(id))?;
    let updated = found(conn, id)?;
    audit::record(
        conn,
        actor,
        Change::updated(
            updated.updated_at,
            Entity::Person,
            &id.to_string(),
            "updated",
            &current,
            &updated,
            None,
        ),
    )?;
    one(conn, actor, updated)
}

/// One person as `actor` may see them: the email and keys for editors and admins.
pub fn get(conn: &mut DbConnection, actor: &Actor, id: i64) -> Result<Person, ApiError> {
    let person = found(conn, id)?;
    one(conn, actor, person)
}

fn one(conn: &mut DbConnection, actor: &Actor, person: StoredPerson) -> Result<Person, ApiError> {
    let keys = if sees_contacts(actor) {
        Some(repo::keys_held_by(conn, &person.name)?)
    } else {
        None
    };
    let mut shown = presented(conn, actor, vec![person])?;
    let mut person = shown
        .pop()
        .ok_or_else(|| ApiError::Internal("a person was lost on the way out".to_owned()))?;
    person.keys = keys;
    Ok(person)
}

/// A page of the directory in name order (by the name's characters, the same on both engines), starting
/// after the person `after` as named now; answers whether more follow.
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    directorate: Option<&DirectorateCode>,
    after: Option<i64>,
    limit: usize,
) -> Result<(Vec<Person>, bool), ApiError> {
    let after_name = match after {
        None => None,
        Some(id) => Some(
            repo::name_of(conn, id)?
                .ok_or_else(|| ApiError::parameter("after", format!("there is no person {id}")))?,
        ),
    };
    // The directory is small (its people, not its history): ordered here, so both engines agree.
    let mut names = repo::names(conn, directorate)?;
    names.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let mut page: Vec<i64> = names
        .into_iter()
        .filter(|(_, name)| after_name.as_ref().is_none_or(|after| name > after))
        .map(|(id, _)| id)
        .take(limit + 1)
        .collect();
    let more = page.len() > limit;
    page.truncate(limit);
    let mut found = repo::find_many(conn, &page)?;
    let people = page.iter().filter_map(|id| found.remove(id)).collect();
    Ok((presented(conn, actor, people)?, more))
}

/// People as `actor` may see them (emails for editors and admins), each alias with the others it names.
fn presented(
    conn: &mut DbConnection,
    actor: &Actor,
    people: Vec<StoredPerson>,
) -> Result<Vec<Person>, ApiError> {
    let keys: Vec<String> = people
        .iter()
        .flat_map(|person| person.aliases.iter().map(|alias| alias_key(alias)))
        .collect();
    let named = repo::named_by(conn, &keys)?;
    let contacts = sees_contacts(actor);
    Ok(people
        .into_iter()
        .map(|person| {
            let aliases = person
                .aliases
                .iter()
                .map(|alias| PersonAlias {
                    alias: alias.clone(),
                    shared_with: others(&named, &alias_key(alias), person.id),
                })
                .collect();
            Person {
                id: person.id,
                name: person.name,
                role: person.role,
                email: contacts.then_some(person.email),
                directorate: person.directorate,
                aliases,
                keys: None,
                version: person.version,
                updated_at: person.updated_at,
                updated_by: person.updated_by,
            }
        })
        .collect())
}

/// The people other than `id` that `key` names, in name order.
fn others(named: &BTreeMap<String, Vec<NamedPerson>>, key: &str, id: i64) -> Vec<NamedPerson> {
    let mut others: Vec<NamedPerson> = named
        .get(key)
        .into_iter()
        .flatten()
        .filter(|person| person.id != id)
        .cloned()
        .collect();
    others.sort_by(|a, b| a.name.cmp(&b.name));
    others
}

/// A printed owner as `resolve` takes it: not blank, at most 200 bytes, no control characters (400 naming
/// `owner`).
pub fn check_owner(owner: &str) -> Result<(), ApiError> {
    check_query_text(owner, MAX_OWNER_BYTES)
        .map_err(|message| ApiError::parameter("owner", message))?;
    if owner.trim().is_empty() {
        return Err(ApiError::parameter("owner", "must not be blank"));
    }
    Ok(())
}

/// What a printed owner names: one person, or nobody; 409 naming them all when it names more than one.
pub fn resolve_owner(conn: &mut DbConnection, owner: String) -> Result<Resolution, ApiError> {
    match resolve::resolve(conn, &owner)? {
        Resolved::Person(named) => Ok(Resolution {
            owner,
            person: Some(NamedPerson {
                id: named.id,
                name: named.name,
            }),
        }),
        Resolved::Unresolved => Ok(Resolution {
            owner,
            person: None,
        }),
        Resolved::Ambiguous(people) => {
            let names: Vec<&str> = people.iter().map(|person| person.name.as_str()).collect();
            Err(ApiError::Conflict(format!(
                "{} names {} people: {}",
                owner.trim(),
                names.len(),
                names.join(", ")
            )))
        }
    }
}
