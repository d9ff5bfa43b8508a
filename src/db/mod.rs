//! Storage: one code base over SQLite (embedded default) and PostgreSQL (production).

pub mod columns;
pub mod connection;
pub mod fixed_sql;
pub mod migrations;
pub mod schema;
pub mod time;
pub mod transaction;
pub mod work;

pub use connection::{
    connect, DatabaseUrl, DbConnection, MultiBackend, Pool, PoolStats, Pooled, PooledConnection,
};
pub use transaction::{read_snapshot, undone, write, write_transaction};
pub use work::{read, run, scan};

/// Runs a statement that diesel writes for each engine but not through the multi-engine connection (an
/// upsert's `ON CONFLICT`), on whichever engine `$conn` is: the statement is written once, built in either arm.
#[macro_export]
macro_rules! execute_on_engine {
    ($conn:expr, $statement:expr) => {{
        use diesel::RunQueryDsl;
        match $conn {
            $crate::db::DbConnection::Sqlite(sqlite) => $statement.execute(sqlite)?,
            $crate::db::DbConnection::Postgresql(pg) => $statement.execute(pg)?,
        }
    }};
}

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
