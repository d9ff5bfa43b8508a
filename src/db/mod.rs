//! Storage: one code base over SQLite (embedded default) and PostgreSQL (production).

pub mod connection;
pub mod migrations;
pub mod schema;
pub mod time;
pub mod transaction;

pub use connection::{connect, DatabaseUrl, DbConnection, MultiBackend, Pool};
pub use transaction::{write, write_transaction};

use crate::error::ApiError;

/// Runs blocking database work on actix's thread pool, with a connection from the pool.
pub async fn run<T, F>(pool: &Pool, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await?
}
