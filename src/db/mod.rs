//! Storage: one code base over SQLite (embedded default) and PostgreSQL (production).

pub mod columns;
pub mod connection;
pub mod migrations;
pub mod schema;
pub mod time;
pub mod transaction;

pub use connection::{
    connect, DatabaseUrl, DbConnection, MultiBackend, Pool, Pooled, PooledConnection,
};
pub use transaction::{write, write_transaction};

use crate::error::ApiError;

/// `INSERT … VALUES (…), (…), …`: many rows in one statement. A macro, because diesel writes a multi-row insert
/// for each engine but not through the multi-engine connection, so it is written once and run on whichever.
#[macro_export]
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {{
        use diesel::RunQueryDsl;
        match $conn {
            $crate::db::DbConnection::Sqlite(sqlite) => {
                diesel::insert_into($table).values($rows).execute(sqlite)?
            }
            $crate::db::DbConnection::Postgresql(pg) => {
                diesel::insert_into($table).values($rows).execute(pg)?
            }
        }
    }};
}

/// Runs a short read: a few rows found by key or index. On SQLite it runs on the calling worker when a
/// connection is free, because a local read takes microseconds and never waits for a writer (WAL), and the
/// two thread hand-offs it saves are most of a point read's cost. On PostgreSQL, which answers across the
/// network, it goes to the blocking pool like any other work.
pub async fn read<T, F>(pool: &Pool, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
{
    if pool.is_embedded() {
        if let Some(conn) = pool.try_get() {
            return work_on(conn, work);
        }
    }
    run(pool, work).await
}

/// Runs a read that walks many rows (a big report, a rebuild from the audit trail, totals added up from every
/// amount) once one of a few permits is free, so such reads take their turn instead of piling up in memory.
pub async fn scan<T, F>(pool: &Pool, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
{
    let _permit = pool
        .scans
        .acquire()
        .await
        .map_err(|_| ApiError::Internal("the scan permits are closed".to_owned()))?;
    run(pool, work).await
}

/// Runs blocking database work on actix's thread pool, with a connection from the pool.
pub async fn run<T, F>(pool: &Pool, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || work_on(pool.get()?, work)).await?
}

fn work_on<T>(
    mut conn: PooledConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let outcome = work(&mut conn);
    if matches!(
        outcome,
        Err(ApiError::Internal(_) | ApiError::Unavailable(_))
    ) {
        conn.suspect(); // perhaps a lost connection: the pool checks it before reuse
    }
    outcome
}
