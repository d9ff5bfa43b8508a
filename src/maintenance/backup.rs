//! `mtfs backup` and `mtfs restore` for the embedded database. A backup is SQLite's `VACUUM INTO`: one read
//! transaction copies a consistent snapshot while the server goes on serving and writing (WAL readers never
//! block the writer), so it holds every write committed before it began and none half-done. The copy is then
//! opened and verified (`verify`) before it is reported. On PostgreSQL, `pg_dump` and `pg_restore` do this
//! (README), and `mtfs verify` checks the restored database.

use std::fs;
use std::path::{Path, PathBuf};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;
use serde_json::json;
use time::macros::format_description;
use time::OffsetDateTime;

use super::verify::{self, Verification};
use crate::audit::{self, Change, Entity};
use crate::auth::Actor;
use crate::db::{self, DbConnection};
use crate::error::ApiError;

/// A file a backup into a folder is named, with the instant it was taken: `mtfs-backup-20261203T081500.123Z.db`.
/// Only files named so are ever pruned (`--keep`).
const PREFIX: &str = "mtfs-backup-";
const SUFFIX: &str = ".db";

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    Refused(String),
    #[error("the copy at {path} does not verify:\n{verification}")]
    Unsound {
        path: PathBuf,
        verification: Box<Verification>,
    },
    #[error("{0}")]
    Database(#[from] diesel::result::Error),
    #[error("{0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("{0}")]
    Api(#[from] ApiError),
    #[error("{path}: {cause}")]
    File {
        path: PathBuf,
        cause: std::io::Error,
    },
}

fn file_error(path: &Path) -> impl FnOnce(std::io::Error) -> Failure + '_ {
    move |cause| Failure::File {
        path: path.to_owned(),
        cause,
    }
}

/// What a backup wrote.
#[derive(Debug)]
pub struct Backup {
    pub path: PathBuf,
    pub bytes: u64,
    pub verification: Verification,
    /// Older backups removed by `keep`.
    pub pruned: Vec<PathBuf>,
}

/// Copies the live database into `target` (a new file, or a folder to put a dated file in), verifies the
/// copy, records the backup in the live trail, and with `keep` removes all but the newest `keep` dated backups
/// in the copy's folder.
pub fn backup(
    conn: &mut DbConnection,
    actor: &Actor,
    target: &Path,
    keep: Option<usize>,
) -> Result<Backup, Failure> {
    if !matches!(conn, DbConnection::Sqlite(_)) {
        return Err(Failure::Refused(
            "mtfs backup copies the SQLite database; on PostgreSQL use pg_dump (see the README)"
                .into(),
        ));
    }
    if keep == Some(0) {
        return Err(Failure::Refused(
            "--keep must keep at least the backup just taken (1 or more)".into(),
        ));
    }
    let path = if target.is_dir() {
        target.join(dated_name(OffsetDateTime::now_utc()))
    } else {
        target.to_owned()
    };
    if path.exists() {
        return Err(Failure::Refused(format!(
            "{} exists: a backup never overwrites a file",
            path.display()
        )));
    }
    let text = path
        .to_str()
        .ok_or_else(|| Failure::Refused(format!("{} is not a UTF-8 path", path.display())))?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(text)
        .execute(conn)?;
    let verification = verified(&path)?;
    let bytes = fs::metadata(&path).map_err(file_error(&path))?.len();
    let recorded = json!({
        "path": text,
        "bytes": bytes,
        "events": verification.chain.as_ref().map(|chain| chain.events).ok(),
        "head": verification.chain.as_ref().ok().and_then(|chain| chain.head.clone()),
    });
    record_database_event(conn, actor, "backed_up", recorded)?;
    let pruned = match keep {
        Some(keep) => prune(path.parent().unwrap_or(Path::new(".")), keep)?,
        None => Vec::new(),
    };
    Ok(Backup {
        path,
        bytes,
        verification,
        pruned,
    })
}

/// Copies the backup at `from` into the empty SQLite database at `target`, after verifying the backup. Refuses
/// a target that holds any line or event: a restore never merges into, or replaces, live figures. Stop the
/// service on `target` first; open the restored database (migrations, chaining) and `record_restore` after.
pub fn restore(target: &str, from: &Path) -> Result<Verification, Failure> {
    if !from.is_file() {
        return Err(Failure::Refused(format!(
            "{} is not a backup file",
            from.display()
        )));
    }
    let verification = verified(from)?;
    let target_path = Path::new(target);
    if target_path.exists() {
        if holds_figures(target)? {
            return Err(Failure::Refused(format!(
                "{target} is not empty (it holds lines or audit events): restore only into a new or empty database"
            )));
        }
        for leftover in [
            target.to_owned(),
            format!("{target}-wal"),
            format!("{target}-shm"),
        ] {
            let leftover = PathBuf::from(leftover);
            if leftover.exists() {
                fs::remove_file(&leftover).map_err(file_error(&leftover))?;
            }
        }
    }
    let mut source = SqliteConnection::establish(&utf8(from)?)?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(target)
        .execute(&mut source)?;
    Ok(verification)
}

/// Records, in the restored database's own trail, which backup it was restored from.
pub fn record_restore(
    conn: &mut DbConnection,
    actor: &Actor,
    from: &Path,
    verification: &Verification,
) -> Result<(), Failure> {
    let recorded = json!({
        "from": from.display().to_string(),
        "head": verification.chain.as_ref().ok().and_then(|chain| chain.head.clone()),
    });
    record_database_event(conn, actor, "restored", recorded)?;
    Ok(())
}

/// Records, in its own write transaction, an event about the database as a whole (a backup, a restore).
fn record_database_event(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    after: serde_json::Value,
) -> Result<(), Failure> {
    let change = Change {
        at: OffsetDateTime::now_utc(),
        entity: Entity::Database,
        entity_ref: "database".to_owned(),
        action: action.to_owned(),
        before: None,
        after: Some(after),
        reason: None,
    };
    db::write_transaction(conn, |conn| Ok(audit::record(conn, actor, change)?))?;
    Ok(())
}

/// The verification of the SQLite file at `path`, when it is sound; else `Unsound`, saying what is wrong.
fn verified(path: &Path) -> Result<Verification, Failure> {
    let mut copy = DbConnection::Sqlite(SqliteConnection::establish(&utf8(path)?)?);
    let verification = verify::verify(&mut copy, None)?;
    if verification.is_sound() {
        Ok(verification)
    } else {
        Err(Failure::Unsound {
            path: path.to_owned(),
            verification: Box::new(verification),
        })
    }
}

fn utf8(path: &Path) -> Result<String, Failure> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| Failure::Refused(format!("{} is not a UTF-8 path", path.display())))
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// Whether an SQLite file has any line or event (a file the service only migrated holds neither).
fn holds_figures(path: &str) -> Result<bool, Failure> {
    let mut conn = SqliteConnection::establish(path)?;
    for table in ["lines", "events"] {
        let exists: Count = diesel::sql_query(
            "SELECT COUNT(*) AS count FROM sqlite_master WHERE type = 'table' AND name = ?",
        )
        .bind::<Text, _>(table)
        .get_result(&mut conn)?;
        if exists.count == 0 {
            continue;
        }
        // The table name is one of the two literals above, never input.
        let rows: Count = diesel::sql_query(format!(
            "SELECT COUNT(*) AS count FROM (SELECT 1 FROM {table} LIMIT 1)"
        ))
        .get_result(&mut conn)?;
        if rows.count > 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

fn dated_name(at: OffsetDateTime) -> String {
    let stamp = at
        .format(format_description!(
            "[year][month][day]T[hour][minute][second].[subsecond digits:3]Z"
        ))
        .expect("an instant formats");
    format!("{PREFIX}{stamp}{SUFFIX}")
}

/// Removes all but the newest `keep` dated backups in `folder` (their names sort by the instant in them).
fn prune(folder: &Path, keep: usize) -> Result<Vec<PathBuf>, Failure> {
    let mut dated: Vec<PathBuf> = fs::read_dir(folder)
        .map_err(file_error(folder))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with(PREFIX) && name.ends_with(SUFFIX))
        })
        .collect();
    dated.sort();
    let excess = dated.len().saturating_sub(keep);
    let pruned: Vec<PathBuf> = dated.into_iter().take(excess).collect();
    for path in &pruned {
        fs::remove_file(path).map_err(file_error(path))?;
    }
    Ok(pruned)
}
