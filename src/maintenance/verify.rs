//! `mtfs verify`: does this database hold what it claims? Three checks on one snapshot: the engine's own
//! integrity (SQLite's `integrity_check`), the kept totals (line amounts, amounts at risk) against the amounts
//! they sum, and the audit trail's hash chain (`audit::chain`), optionally against a head kept elsewhere.

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
use crate::totals::at_risk::AtRiskSum;

/// What a check found: nothing wrong, or the first thing wrong in each of the three.
#[derive(Debug)]
pub struct Verification {
    /// SQLite's `integrity_check` ("ok"), or `None` on PostgreSQL, which checks its own pages as it reads them.
    pub integrity: Option<String>,
    /// How many kept totals (lines' amounts, and amounts at risk) were held to the sums they stand for.
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
        let (lines_checked, mut totals_wrong) = line_totals(conn)?;
        let (at_risk_checked, at_risk_wrong) = at_risk_totals(conn)?;
        totals_wrong.extend(at_risk_wrong);
        let totals_checked = lines_checked + at_risk_checked;
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

/// Compares every kept line total (withdrawn lines included) with the sum of the amounts it stands for.
fn line_totals(conn: &mut DbConnection) -> QueryResult<(usize, Vec<String>)> {
    let keyed = |sums: Vec<AmountSum>| {
        sums.into_iter().map(|sum| {
            let key = format!(
                "line totals {} {} {} {}",
                sum.directorate.as_str(),
                sum.kind.as_str(),
                sum.nature.as_str(),
                sum.year
            );
            (key, sum.amount)
        })
    };
    Ok(agree(
        keyed(totals::lines::sums(conn, None, true)?),
        keyed(lines_repo::sums(conn, &LineFilter::default(), true)?),
    ))
}

/// Compares every kept at-risk total with the sum of the assessments it stands for.
fn at_risk_totals(conn: &mut DbConnection) -> QueryResult<(usize, Vec<String>)> {
    let keyed = |sums: Vec<AtRiskSum>| {
        sums.into_iter().flat_map(|sum| {
            let key = format!(
                "at-risk totals {} {} {}{}",
                sum.year,
                sum.period,
                sum.directorate.as_str(),
                if sum.withdrawn {
                    " (withdrawn lines)"
                } else {
                    ""
                }
            );
            let f = sum.figures;
            [
                ("at risk", f.at_risk),
                ("planned", f.planned),
                ("forecast", f.forecast),
                ("timing", f.timing),
                ("permanent ongoing", f.ongoing),
            ]
            .map(|(figure, amount)| (format!("{key} {figure}"), amount))
        })
    };
    Ok(agree(
        keyed(totals::at_risk::sums(conn, None)?),
        keyed(totals::at_risk::summed_from_assessments(conn)?),
    ))
}

/// How many kept totals there are (zero ones aside), and each that differs from the sum, with both amounts.
fn agree(
    kept: impl Iterator<Item = (String, Money)>,
    summed: impl Iterator<Item = (String, Money)>,
) -> (usize, Vec<String>) {
    let add_up = |entries: &mut dyn Iterator<Item = (String, Money)>| {
        let mut keyed: BTreeMap<String, Money> = BTreeMap::new();
        for (key, amount) in entries {
            let total = keyed.entry(key).or_insert(Money::ZERO);
            *total = *total + amount;
        }
        keyed.retain(|_, amount| *amount != Money::ZERO);
        keyed
    };
    let (kept, summed) = (add_up(&mut { kept }), add_up(&mut { summed }));
    let keys: BTreeSet<&String> = kept.keys().chain(summed.keys()).collect();
    let wrong = keys
        .into_iter()
        .filter(|key| kept.get(*key) != summed.get(*key))
        .map(|key| {
            format!(
                "{key}: kept {}, the amounts sum to {}",
                kept.get(key).copied().unwrap_or(Money::ZERO),
                summed.get(key).copied().unwrap_or(Money::ZERO)
            )
        })
        .collect();
    (kept.len(), wrong)
}
