//! Write transactions that behave the same on both backends.

use std::sync::atomic::Ordering;
use std::time::Instant;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};

use super::connection::{DbConnection, Pool};
use super::work;
use crate::error::ApiError;

/// Any fixed number: the key of the PostgreSQL advisory lock that serialises write transactions.
const WRITE_LOCK_KEY: i64 = 0x4d54_4657; // "MTFW"

/// Runs `work` in a transaction that commits only when it returns `Ok`, so a failed request writes nothing.
///
/// Write transactions run one at a time on both backends, which keeps three promises simple and exact: the
/// audit trail's ids follow commit order (the changes feed never skips an event), a version checked at the
/// start of a transaction is still current at its end (no lost update), and refs are assigned without races.
/// On SQLite the transaction begins `IMMEDIATE`, taking the write lock up front (waiting under the busy
/// timeout), so a read-then-write never fails with "database is locked"; on PostgreSQL a transaction-scoped
/// advisory lock does the same across every API process sharing the database. Reads never wait for it.
pub fn write_transaction<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let lock = format!("SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})");
    in_transaction(conn, "BEGIN IMMEDIATE", ("BEGIN", Some(&lock)), work)
}

/// Runs `work` inside the caller's transaction and undoes all it wrote, whatever it returns (a savepoint
/// rolled back): a dry run makes every check and write of the real thing and leaves nothing.
pub fn undone<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    match conn {
        DbConnection::Sqlite(sqlite) => AnsiTransactionManager::begin_transaction(sqlite)?,
        DbConnection::Postgresql(pg) => AnsiTransactionManager::begin_transaction(pg)?,
    }
    let outcome = work(conn);
    match conn {
        DbConnection::Sqlite(sqlite) => AnsiTransactionManager::rollback_transaction(sqlite)?,
        DbConnection::Postgresql(pg) => AnsiTransactionManager::rollback_transaction(pg)?,
    }
    outcome
}

/// Runs `work` on one consistent snapshot of the database, writing nothing: a check that reads several tables
/// (`mtfs verify`) sees them as one commit left them, while writers carry on. SQLite's snapshot starts at the
/// first read of a deferred transaction; PostgreSQL's at the first statement of a repeatable-read one.
pub fn read_snapshot<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    in_transaction(
        conn,
        "BEGIN DEFERRED",
        ("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", None),
        work,
    )
}

/// Begins with `sqlite_begin`, or on PostgreSQL with `pg_begin.0` then `pg_begin.1`; commits when `work`
/// returns `Ok`, else rolls back.
fn in_transaction<T>(
    conn: &mut DbConnection,
    sqlite_begin: &str,
    pg_begin: (&str, Option<&str>),
    work: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    match conn {
        DbConnection::Sqlite(sqlite) => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, sqlite_begin)?
        }
        DbConnection::Postgresql(pg) => {
            AnsiTransactionManager::begin_transaction_sql(pg, pg_begin.0)?;
            if let Some(Err(error)) = pg_begin.1.map(|then| pg.batch_execute(then)) {
                AnsiTransactionManager::rollback_transaction(pg)?;
                return Err(error.into());
            }
        }
    }
    let outcome = work(conn);
    let finish = match (&outcome, conn) {
        (Ok(_), DbConnection::Sqlite(sqlite)) => AnsiTransactionManager::commit_transaction(sqlite),
        (Ok(_), DbConnection::Postgresql(pg)) => AnsiTransactionManager::commit_transaction(pg),
        (Err(_), DbConnection::Sqlite(sqlite)) => {
            AnsiTransactionManager::rollback_transaction(sqlite)
        }
        (Err(_), DbConnection::Postgresql(pg)) => AnsiTransactionManager::rollback_transaction(pg),
    };
    match (outcome, finish) {
        (Ok(value), Ok(())) => Ok(value),
        (Ok(_), Err(commit_failed)) => Err(commit_failed.into()),
        (Err(error), _) => Err(error),
    }
}

/// Runs `work` in a write transaction on a pooled connection, off the async threads.
///
/// Writers take turns in this process first, in arrival order, and only then take a connection: the database
/// serialises writes anyway, so waiting here keeps the pool's connections for readers, and first come is
/// first served (SQLite's busy handler, left to sort out 32 writers, retries by sleeping and lets some wait
/// seconds). Across processes, the database's own lock still orders them.
pub async fn write<T, F>(pool: &Pool, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
{
    let pressure = &pool.pressure;
    pressure.write_queue.fetch_add(1, Ordering::Relaxed);
    let asked = Instant::now();
    let turn = pool.writes.acquire().await;
    pressure.write_queue.fetch_sub(1, Ordering::Relaxed);
    let _turn = turn.map_err(|_| ApiError::Internal("the write turn is closed".to_owned()))?;
    let waited = u64::try_from(asked.elapsed().as_micros()).unwrap_or(u64::MAX);
    pressure.writes.fetch_add(1, Ordering::Relaxed);
    pressure
        .write_wait_micros
        .fetch_add(waited, Ordering::Relaxed);
    work::run(pool, move |conn| write_transaction(conn, work)).await
}
