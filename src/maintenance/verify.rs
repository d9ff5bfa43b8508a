//! `mtfs verify`: does this database hold what it claims? Three checks on one snapshot: the engine's own
//! integrity (SQLite's `integrity_check`), the kept line totals against the amounts they sum, and the audit
//! trail's hash chain (`audit::chain`), optionally against a head kept elsewhere.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::audit::chain::{Verified, Verifier};
use crate::audit::repo as audit_repo;
use crate::db::{self, DbConnection};
use crate::domain::summary::AmountSum;
use crate::domain::Money;
use crate::error::ApiError;
use crate::lines::repo::{self as lines_repo, LineFilter};
use crate::totals;

/// What a check found: nothing wrong, or the first thing wrong in each of the three.
#[derive(Debug)]
pub struct Verification {
    /// SQLite's `integrity_check` ("ok"), or `None` on PostgreSQL, which checks its own pages as it reads them.
    pub integrity: Option<String>,
    /// How many kept line totals agree with the sums of the amounts.
    pub totals_checked: usize,
    /// The kept totals that do not agree, each with the kept and the summed amount.
    pub totals_wrong: Vec<String>,
    /// The audit chain: its length and head, or where it breaks.
    pub chain: Result<Verified, String>,
}

impl Verification {
    pub fn is_sound(&self) -> bool {
        self.integrity
            .as_deref()
            .is_none_or(|result| result == "ok")
            && self.totals_wrong.is_empty()
            && self.chain.is_ok()
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.integrity {
            Some(result) => writeln!(f, "integrity: {result}")?,
            None => writeln!(f, "integrity: checked by PostgreSQL as it reads")?,
        }
        if self.totals_wrong.is_empty() {
            writeln!(
                f,
                "kept totals: {} agree with the amounts",
                self.totals_checked
            )?;
        } else {
            for wrong in &self.totals_wrong {
                writeln!(f, "kept totals: {wrong}")?;
            }
        }
        match &self.chain {
            Ok(verified) => write!(
                f,
                "audit chain: {} events, head {}",
                verified.events,
                verified
                    .head
                    .as_deref()
                    .unwrap_or("(none: the trail is empty)")
            ),
            Err(found) => write!(f, "audit chain: {found}"),
        }
    }
}

/// Runs every check on one snapshot of the database. `head`: a chain hash kept outside it (from the change
/// feed, or a backup's report) that must be in the chain.
pub fn verify(conn: &mut DbConnection, head: Option<&str>) -> Result<Verification, ApiError> {
    let integrity = match conn {
        DbConnection::Sqlite(_) => Some(integrity_check(conn)?),
        DbConnection::Postgresql(_) => None,
    };
    db::read_snapshot(conn, |conn| {
        let (totals_checked, totals_wrong) = line_totals(conn)?;
        let verifier = head.map_or_else(Verifier::default, Verifier::expect_head);
        let chain = audit_repo::verify(conn, verifier)?.map_err(|found| found.to_string());
        Ok(Verification {
            integrity,
            totals_checked,
            totals_wrong,
            chain,
        })
    })
}

#[derive(QueryableByName)]
struct IntegrityRow {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// "ok", or SQLite's first findings joined.
fn integrity_check(conn: &mut DbConnection) -> QueryResult<String> {
    let rows: Vec<IntegrityRow> = diesel::sql_query("PRAGMA integrity_check(10)").load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| row.integrity_check)
        .collect::<Vec<_>>()
        .join("; "))
}

type TotalKey = (String, &'static str, &'static str, String);

/// Compares every kept line total (withdrawn lines included) with the sum of the amounts it stands for.
fn line_totals(conn: &mut DbConnection) -> QueryResult<(usize, Vec<String>)> {
    let keyed = |sums: Vec<AmountSum>| -> BTreeMap<TotalKey, Money> {
        let mut keyed = BTreeMap::new();
        for sum in sums {
            let key = (
                sum.directorate.as_str().to_owned(),
                sum.kind.as_str(),
                sum.nature.as_str(),
                sum.year.to_string(),
            );
            let total = keyed.entry(key).or_insert(Money::ZERO);
            *total = *total + sum.amount;
        }
        keyed.retain(|_, amount| *amount != Money::ZERO);
        keyed
    };
    let kept = keyed(totals::lines::sums(conn, None, true)?);
    let summed = keyed(lines_repo::sums(conn, &LineFilter::default(), true)?);
    let keys: BTreeSet<&TotalKey> = kept.keys().chain(summed.keys()).collect();
    let mut wrong = Vec::new();
    for key in keys {
        let (kept_amount, summed_amount) = (kept.get(key), summed.get(key));
        if kept_amount != summed_amount {
            let (directorate, kind, nature, year) = key;
            wrong.push(format!(
                "{directorate} {kind} {nature} {year}: kept {}, the amounts sum to {}",
                kept_amount.copied().unwrap_or(Money::ZERO),
                summed_amount.copied().unwrap_or(Money::ZERO)
            ));
        }
    }
    Ok((kept.len(), wrong))
}
