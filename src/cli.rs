//! The command line: `mtfs serve` (the default), `mtfs migrate`, `mtfs load-demo`, `mtfs openapi`.

use clap::{Args, Parser, Subcommand};

use crate::auth::Role;

#[derive(Debug, Parser)]
#[command(
    name = "mtfs",
    version,
    about = "The MTFS savings tracker: savings and growth lines, savings at risk and DSG balances"
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default): migrates the database first.
    Serve,
    /// Apply any pending database migrations, then exit.
    Migrate {
        /// Only say which migrations this binary would apply, applying none.
        #[arg(long)]
        check: bool,
    },
    /// Load the CFE 2021–24 demo dataset (Children, Families & Education MTFS lines).
    LoadDemo,
    /// Print the OpenAPI document (regenerates openapi/openapi.json).
    Openapi,
    /// Import lines from a CSV, XLSX or JSON file (all or nothing), with a progress bar.
    Import {
        /// The file: `.csv` (the PMO tracker layout), `.xlsx` (its first sheet, in the same layout) or `.json`.
        file: std::path::PathBuf,
        /// The unit the file's amounts are in.
        #[arg(long, value_enum, default_value = "pounds")]
        unit: UnitArg,
        /// Check every row and report what would happen, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Import a directorate's monthly return for a period (CSV or XLSX, in the layout
    /// `GET /periods/{year}/{period}/returns/{code}` sends out), all or nothing, with a progress bar.
    ImportReturn {
        /// The file: `.csv`, or `.xlsx` (its first sheet).
        file: std::path::PathBuf,
        /// The period: its year and its month, e.g. `--period 2021/22 P4`.
        #[arg(long, num_args = 2, value_names = ["YEAR", "PERIOD"], required = true)]
        period: Vec<String>,
        /// The directorate whose return it is; by default the one its rows name.
        #[arg(long)]
        directorate: Option<String>,
        /// The unit the file's amounts are in.
        #[arg(long, value_enum, default_value = "pounds")]
        unit: UnitArg,
        /// Check every row and report what would happen, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Check the database: its integrity, the kept totals against their sums, and the audit trail's hash
    /// chain; exits non-zero, naming the first fault, when any check fails.
    Verify {
        /// A chain hash kept outside the database (the change feed's `head`, a backup's report): the check
        /// fails unless the trail still contains it.
        #[arg(long, value_name = "HASH")]
        head: Option<String>,
    },
    /// Copy the SQLite database, while it serves, into a new file (or a dated file in a folder), and verify
    /// the copy.
    Backup {
        /// A new file, or an existing folder to put `mtfs-backup-<instant>.db` in.
        path: std::path::PathBuf,
        /// Keep only the newest N dated backups in the copy's folder, removing older ones.
        #[arg(long, value_name = "N")]
        keep: Option<usize>,
    },
    /// Restore a verified backup into the configured SQLite database, which must be new or empty.
    Restore {
        /// The backup file.
        path: std::path::PathBuf,
    },
    /// Create, list and revoke API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key and print its token, alone on standard output (`TOKEN=$(mtfs keys create …)`); it is shown
    /// only this once.
    Create {
        /// The key's name, as the audit trail will show it; defaults to the role and the key's id.
        #[arg(long)]
        name: Option<String>,
        /// The person who holds the key (an approver never approves what the same person proposed, whichever
        /// key); defaults to the key's name.
        #[arg(long)]
        person: Option<String>,
        /// reader: reads everything; editor: also changes its directorates' figures; approver: also approves
        /// changes to its directorates' approved lines; admin: manages directorates, keys, periods and
        /// baselines.
        #[arg(long, value_enum)]
        role: Role,
        /// For an editor: a directorate whose figures it may change (repeat for more; none for all).
        #[arg(long = "directorate", value_name = "CODE")]
        directorates: Vec<String>,
    },
    /// List every key, revoked ones too (never their secrets).
    List,
    /// Revoke a key: its next request is refused.
    Revoke {
        /// The key's name.
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct Settings {
    /// Address to listen on.
    #[arg(
        long,
        env = "MTFS_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,
    /// sqlite://PATH (created on the spot) or postgres://USER@HOST/DATABASE.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://mtfs.db",
        global = true
    )]
    pub database_url: String,
    /// Database connections in the pool, per process.
    #[arg(long, env = "MTFS_POOL_SIZE", default_value_t = 16, global = true)]
    pub pool_size: u32,
    /// HTTP worker threads; defaults to one per core.
    #[arg(long, env = "MTFS_WORKERS", global = true)]
    pub workers: Option<usize>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum UnitArg {
    Pounds,
    Thousands,
}
