//! Upgrading a database that has figures: the last migrations taken away, then made again.

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use mtfs::db::DbConnection;

use super::TestApi;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Reverts the last migrations, which must be `newest_first` (version, what it made) in that order, then runs
/// every pending one again, as upgrading a database written before them does.
pub fn upgrade_through(api: &TestApi, newest_first: &[(&str, &str)]) {
    let mut conn = api.connection();
    for (version, what) in newest_first {
        let reverted = match &mut **conn {
            DbConnection::Sqlite(sqlite) => sqlite.revert_last_migration(SQLITE),
            DbConnection::Postgresql(pg) => pg.revert_last_migration(POSTGRES),
        }
        .expect("revert")
        .to_string();
        assert_eq!(
            &reverted, version,
            "{what}: not the migration expected next"
        );
    }
    match &mut **conn {
        DbConnection::Sqlite(sqlite) => sqlite.run_pending_migrations(SQLITE).map(|_| ()),
        DbConnection::Postgresql(pg) => pg.run_pending_migrations(POSTGRES).map(|_| ()),
    }
    .expect("migrate");
}
