//! Totals of line amounts by directorate, kind, nature, withdrawn or not, and year, kept exact in every line
//! write's transaction. A summary reads these few rows instead of every amount. Write transactions are
//! serialised (db/transaction.rs), so the read-then-write below cannot race, on one process or many.

use std::collections::BTreeMap;

use diesel::prelude::*;

use super::repo::LineFilter;
use crate::db::schema::line_totals;
use crate::db::{DbConnection, MultiBackend};
use crate::domain::summary::AmountSum;
use crate::domain::{DirectorateCode, FinancialYear, LineKind, LineNature, Money, YearAmount};
use crate::error::ApiError;

/// What a line's amounts count towards.
pub struct Contribution<'a> {
    pub directorate: &'a DirectorateCode,
    pub kind: LineKind,
    pub nature: LineNature,
    pub withdrawn: bool,
    pub years: &'a [YearAmount],
}

#[derive(Insertable)]
#[diesel(table_name = line_totals)]
struct TotalRow {
    directorate: DirectorateCode,
    kind: LineKind,
    nature: LineNature,
    withdrawn: bool,
    year_start: FinancialYear,
    amount_pence: i64,
    entries: i32,
}

/// Changes to the totals, by row, gathered so that each row is written once however many lines touch it.
#[derive(Default)]
pub struct TotalsChange {
    rows: BTreeMap<TotalKey, Delta>,
}

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct TotalKey {
    directorate: DirectorateCode,
    kind: LineKind,
    nature: LineNature,
    withdrawn: bool,
    year_start: FinancialYear,
}

#[derive(Default)]
struct Delta {
    pence: i64,
    entries: i32,
}

impl TotalsChange {
    /// Counts a line's amounts in.
    pub fn add(&mut self, line: &Contribution) {
        self.count(line, 1);
    }

    /// Takes a line's amounts out.
    pub fn remove(&mut self, line: &Contribution) {
        self.count(line, -1);
    }

    fn count(&mut self, line: &Contribution, sign: i32) {
        for entry in line.years {
            let key = TotalKey {
                directorate: line.directorate.clone(),
                kind: line.kind,
                nature: line.nature,
                withdrawn: line.withdrawn,
                year_start: entry.year,
            };
            let delta = self.rows.entry(key).or_default();
            delta.pence += entry.amount.pence() * i64::from(sign);
            delta.entries += sign;
        }
    }

    /// Writes the change: one statement per row touched (two for a new row), none where it cancels out.
    pub fn write(self, conn: &mut DbConnection) -> Result<(), ApiError> {
        for (key, delta) in self.rows {
            if delta.pence == 0 && delta.entries == 0 {
                continue; // e.g. a change of title: the line counts where it did
            }
            let row = line_totals::table
                .filter(line_totals::directorate.eq(&key.directorate))
                .filter(line_totals::kind.eq(key.kind))
                .filter(line_totals::nature.eq(key.nature))
                .filter(line_totals::withdrawn.eq(key.withdrawn))
                .filter(line_totals::year_start.eq(key.year_start));
            if delta.entries < 0
                && diesel::delete(row.filter(line_totals::entries.eq(-delta.entries)))
                    .execute(conn)?
                    == 1
            {
                continue; // those were the row's last amounts
            }
            let changed = diesel::update(row)
                .set((
                    line_totals::amount_pence.eq(line_totals::amount_pence + delta.pence),
                    line_totals::entries.eq(line_totals::entries + delta.entries),
                ))
                .execute(conn)?;
            match (changed, delta.entries > 0) {
                (1, _) => {}
                (0, true) => {
                    diesel::insert_into(line_totals::table)
                        .values(&TotalRow {
                            directorate: key.directorate,
                            kind: key.kind,
                            nature: key.nature,
                            withdrawn: key.withdrawn,
                            year_start: key.year_start,
                            amount_pence: delta.pence,
                            entries: delta.entries,
                        })
                        .execute(conn)?;
                }
                _ => {
                    return Err(ApiError::Internal(format!(
                        "line totals have no row for {} {}",
                        key.directorate, key.year_start
                    )))
                }
            }
        }
        Ok(())
    }
}

impl LineFilter {
    /// Whether the maintained totals answer this filter: they are kept by directorate and kind, not by status,
    /// year or text.
    pub fn has_kept_totals(&self) -> bool {
        self.status.is_none() && self.year.is_none() && self.text.is_none()
    }
}

/// The same sums as `repo::sums` for a filter with kept totals (see `LineFilter::has_kept_totals`).
pub fn sums_for(
    conn: &mut DbConnection,
    filter: &LineFilter,
    include_withdrawn: bool,
) -> Result<Vec<AmountSum>, ApiError> {
    debug_assert!(filter.has_kept_totals());
    let mut sums = sums(conn, filter.directorate.as_ref(), include_withdrawn)?;
    sums.retain(|sum| filter.kind.is_none_or(|kind| sum.kind == kind));
    Ok(sums)
}

/// The totals of one directorate (or all), leaving withdrawn lines out unless asked for: the same sums as
/// `repo::sums` with that filter, without reading every amount.
pub fn sums(
    conn: &mut DbConnection,
    directorate: Option<&DirectorateCode>,
    include_withdrawn: bool,
) -> Result<Vec<AmountSum>, ApiError> {
    let mut query = line_totals::table.into_boxed::<MultiBackend>();
    if let Some(directorate) = directorate {
        query = query.filter(line_totals::directorate.eq(directorate.clone()));
    }
    if !include_withdrawn {
        query = query.filter(line_totals::withdrawn.eq(false));
    }
    let rows: Vec<(DirectorateCode, LineKind, LineNature, FinancialYear, Money)> = query
        .select((
            line_totals::directorate,
            line_totals::kind,
            line_totals::nature,
            line_totals::year_start,
            line_totals::amount_pence,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(directorate, kind, nature, year, amount)| AmountSum {
            directorate,
            kind,
            nature,
            year,
            amount,
        })
        .collect())
}
