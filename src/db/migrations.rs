//! Embedded migrations, one set per backend with the same meaning, applied at start-up.

use diesel::connection::SimpleConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::DbConnection;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Any fixed number: the key of the advisory lock that lets only one process migrate a PostgreSQL at a time.
const MIGRATION_LOCK_KEY: i64 = 0x4d54_4653; // "MTFS"

type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// Applies every pending migration; returns how many were applied. Safe when several processes start at once
/// on one PostgreSQL (an advisory lock serialises them) or one SQLite file (its write lock does).
pub fn run_pending(conn: &mut DbConnection) -> Result<usize, MigrationError> {
    match conn {
        DbConnection::Postgresql(pg) => {
            pg.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let applied = pg.run_pending_migrations(POSTGRES).map(|done| done.len());
            pg.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
            applied
        }
        DbConnection::Sqlite(sqlite) => {
            sqlite.run_pending_migrations(SQLITE).map(|done| done.len())
        }
    }
}

/// Whether the schema is up to date (for `/ready`).
pub fn is_current(conn: &mut DbConnection) -> Result<bool, MigrationError> {
    match conn {
        DbConnection::Postgresql(pg) => pg.has_pending_migration(POSTGRES).map(|pending| !pending),
        DbConnection::Sqlite(sqlite) => {
            sqlite.has_pending_migration(SQLITE).map(|pending| !pending)
        }
    }
}

/// The migrations this binary would apply, by name, applying none (`mtfs migrate --check`).
pub fn pending(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
    Ok(match conn {
        DbConnection::Postgresql(pg) => names(pg.pending_migrations(POSTGRES)?),
        DbConnection::Sqlite(sqlite) => names(sqlite.pending_migrations(SQLITE)?),
    })
}

fn names<DB: diesel::backend::Backend>(
    migrations: Vec<Box<dyn diesel::migration::Migration<DB> + '_>>,
) -> Vec<String> {
    migrations
        .iter()
        .map(|migration| migration.name().to_string())
        .collect()
}
