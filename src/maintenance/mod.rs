//! Running the service for years: `mtfs verify` (the database's own integrity, the kept totals against their
//! sums, the audit chain), `mtfs backup` and `mtfs restore`. Commands, not endpoints: they act on a database
//! file or URL, beside a serving process or with none.

pub mod backup;
pub mod verify;
