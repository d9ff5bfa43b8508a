//! Where database work runs: a short read on the calling worker (SQLite), a big read once a scan permit is
//! free, anything else on actix's blocking pool; always with a connection from the pool.

use super::connection::{DbConnection, Pool, PooledConnection};
use crate::error::ApiError;
use crate::request_id;

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
    actix_web::web::block(request_id::carry(move || work_on(pool.get()?, work))).await?
}

fn work_on<T>(
    mut conn: PooledConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let started = std::time::Instant::now();
    let outcome = work(&mut conn);
    log::debug!("database work done in {} µs", started.elapsed().as_micros());
    if matches!(
        outcome,
        Err(ApiError::Internal(_) | ApiError::Unavailable(_))
    ) {
        conn.suspect(); // perhaps a lost connection: the pool checks it before reuse
    }
    outcome
}
