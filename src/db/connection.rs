//! Connections and the pool. The backend is chosen by the database URL, never guessed by trying each in turn,
//! so a PostgreSQL that cannot be reached is reported as such.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

/// A connection to either backend; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// The connection pool, and which engine is behind it.
#[derive(Clone)]
pub struct Pool {
    connections: r2d2::Pool<Manager>,
    embedded: bool,
    /// Permits for reads that walk many rows (see `db::scan`).
    pub(super) scans: Arc<Semaphore>,
    /// The turn to write, one at a time per process (see `db::write`).
    pub(super) writes: Arc<Semaphore>,
    /// Who is waiting, and how long writers waited: read by `/api/v1/metrics`.
    pub(super) pressure: Arc<Pressure>,
}

/// Counts kept as requests wait, so that operations can see a pool or a write queue running short.
#[derive(Default)]
pub(super) struct Pressure {
    waiting_for_connection: AtomicI64,
    pub(super) write_queue: AtomicI64,
    pub(super) writes: AtomicU64,
    pub(super) write_wait_micros: AtomicU64,
}

/// A moment's reading of the pool and the write queue.
#[derive(Clone, Copy, Debug, Default)]
pub struct PoolStats {
    /// Connections open, and of those, idle.
    pub connections: u32,
    pub idle: u32,
    /// Requests waiting for a connection.
    pub waiting: i64,
    /// Writers waiting for the write turn in this process.
    pub write_queue: i64,
    /// Writes that took the turn since start-up, and how long they waited for it in all.
    pub writes: u64,
    pub write_wait_micros: u64,
}

/// Reads that walk many rows at once, per process: two keep two cores busy (four were no faster in bench/run),
/// and a burst of big reports queues rather than holding dozens of result sets in memory together.
const CONCURRENT_SCANS: usize = 2;

pub type PooledConnection = r2d2::PooledConnection<Manager>;

impl Pool {
    /// A connection, waiting up to the pool's timeout for one to be free.
    pub fn get(&self) -> Result<PooledConnection, r2d2::PoolError> {
        if let Some(free) = self.connections.try_get() {
            return Ok(free);
        }
        self.pressure
            .waiting_for_connection
            .fetch_add(1, Ordering::Relaxed);
        let got = self.connections.get();
        self.pressure
            .waiting_for_connection
            .fetch_sub(1, Ordering::Relaxed);
        got
    }

    pub fn stats(&self) -> PoolStats {
        let state = self.connections.state();
        PoolStats {
            connections: state.connections,
            idle: state.idle_connections,
            waiting: self.pressure.waiting_for_connection.load(Ordering::Relaxed),
            write_queue: self.pressure.write_queue.load(Ordering::Relaxed),
            writes: self.pressure.writes.load(Ordering::Relaxed),
            write_wait_micros: self.pressure.write_wait_micros.load(Ordering::Relaxed),
        }
    }

    /// A connection if one is free now.
    pub fn try_get(&self) -> Option<PooledConnection> {
        self.connections.try_get()
    }

    /// Whether the database is SQLite, read in-process, rather than a server across the network.
    pub fn is_embedded(&self) -> bool {
        self.embedded
    }
}

/// A pooled connection, and whether a request on it failed in a way that may mean the connection is dead.
/// Checking only then keeps a `SELECT 1` off every checkout, yet a connection lost to a database restart is
/// still dropped rather than handed out again.
pub struct Pooled {
    conn: DbConnection,
    suspect: bool,
}

impl Pooled {
    /// Asks the pool to check this connection before handing it out again.
    pub fn suspect(&mut self) {
        self.suspect = true;
    }
}

impl std::ops::Deref for Pooled {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// Where the data lives: `sqlite://PATH` or `postgres://…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite { path: String },
    Postgres { url: String },
}

impl DatabaseUrl {
    pub fn parse(text: &str) -> Result<DatabaseUrl, String> {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres {
                url: text.to_owned(),
            })
        } else if let Some(path) = text.strip_prefix("sqlite://") {
            if path.is_empty() {
                Err("sqlite:// needs a file path, e.g. sqlite://mtfs.db".to_owned())
            } else {
                Ok(DatabaseUrl::Sqlite {
                    path: path.to_owned(),
                })
            }
        } else {
            Err(format!("`{text}` is not a database URL: use sqlite://PATH or postgres://USER@HOST/DATABASE"))
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite { .. } => "sqlite",
            DatabaseUrl::Postgres { .. } => "postgresql",
        }
    }
}

/// How long an SQLite writer waits for another to finish before giving up.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;

/// Opens connections of the configured backend, with SQLite's per-connection settings applied.
#[derive(Debug)]
pub struct Manager {
    url: DatabaseUrl,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot connect to {backend}: {cause}")]
    Connect {
        backend: &'static str,
        cause: diesel::ConnectionError,
    },
    #[error("cannot configure the connection: {0}")]
    Configure(#[from] diesel::result::Error),
}

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = ConnectError;

    fn connect(&self) -> Result<Pooled, ConnectError> {
        Ok(Pooled {
            conn: self.open()?,
            suspect: false,
        })
    }

    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), ConnectError> {
        Ok(pooled.conn.batch_execute("SELECT 1")?)
    }

    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        if std::thread::panicking() || R2D2Connection::is_broken(&mut pooled.conn) {
            return true;
        }
        let broken = pooled.suspect && pooled.conn.batch_execute("SELECT 1").is_err();
        pooled.suspect = false;
        broken
    }
}

impl Manager {
    fn open(&self) -> Result<DbConnection, ConnectError> {
        let backend = self.url.backend_name();
        let failed = |cause| ConnectError::Connect { backend, cause };
        match &self.url {
            DatabaseUrl::Postgres { url } => Ok(DbConnection::Postgresql(
                PgConnection::establish(url).map_err(failed)?,
            )),
            DatabaseUrl::Sqlite { path } => {
                let mut conn = SqliteConnection::establish(path).map_err(failed)?;
                // WAL lets readers run beside the writer; synchronous=FULL makes every acknowledged commit
                // survive a power failure; foreign keys are off in SQLite unless asked for. (No `mmap_size`:
                // each connection maps the file on its own, and a page read by every one of 32 connections
                // counts 32 times in the process's resident memory.)
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = FULL;
                     PRAGMA foreign_keys = ON;"
                ))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// A pool of `size` connections; fails at once, naming the cause, when the database cannot be reached.
pub fn connect(url: &DatabaseUrl, size: u32) -> Result<Pool, String> {
    let manager = Manager { url: url.clone() };
    // r2d2 would only report a timeout: one direct connection first says why it failed, and says it at once.
    manager.open().map_err(|cause| cause.to_string())?;
    let connections = r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(10))
        // A `SELECT 1` before every checkout would double the round trips of a point read; a connection that
        // broke mid-request is dropped by `has_broken` instead.
        .test_on_check_out(false)
        .build(manager)
        .map_err(|error| error.to_string())?;
    Ok(Pool {
        connections,
        embedded: matches!(url, DatabaseUrl::Sqlite { .. }),
        scans: Arc::new(Semaphore::new(CONCURRENT_SCANS)),
        writes: Arc::new(Semaphore::new(1)),
        pressure: Arc::default(),
    })
}
