//! Write transactions that behave the same on both backends.

use diesel::connection::{AnsiTransactionManager, TransactionManager};

use super::DbConnection;
use crate::error::ApiError;

/// Runs `work` in a transaction that commits only when it returns `Ok`, so a failed request writes nothing.
///
/// On SQLite the transaction begins `IMMEDIATE`: it takes the write lock up front (waiting under the busy
/// timeout), so a transaction that reads and then writes never fails with "database is locked".
pub fn write_transaction<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    match conn {
        DbConnection::Sqlite(sqlite) => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgresql(pg) => AnsiTransactionManager::begin_transaction(pg)?,
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
