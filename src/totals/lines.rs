//! Totals of line amounts by directorate, kind, nature, withdrawn or not, and year (`line_totals`), kept in
//! every line write's transaction. A summary reads these few rows instead of every amount.

use diesel::prelude::*;

use super::{Delta, Table};
use crate::db::schema::line_totals;
use crate::db::{DbConnection, MultiBackend};
use crate::domain::summary::AmountSum;
use crate::domain::{DirectorateCode, FinancialYear, LineKind, LineNature, Money, YearAmount};

/// What a line's amounts count towards.
pub struct Contribution<'a> {
    pub directorate: &'a DirectorateCode,
    pub kind: LineKind,
    pub nature: LineNature,
    pub withdrawn: bool,
    pub years: &'a [YearAmount],
}

/// The `line_totals` table.
pub struct LineTotals;

/// A row of `line_totals`: directorate, kind, nature, withdrawn, year.
pub type Key = (DirectorateCode, LineKind, LineNature, bool, FinancialYear);

/// Changes to the line totals.
pub type Change = super::Change<LineTotals>;

impl Change {
    /// Counts a line's amounts in.
    pub fn add(&mut self, line: &Contribution) {
        self.contribute(line, 1);
    }

    /// Takes a line's amounts out.
    pub fn remove(&mut self, line: &Contribution) {
        self.contribute(line, -1);
    }

    fn contribute(&mut self, line: &Contribution, sign: i32) {
        for entry in line.years {
            let key = (
                line.directorate.clone(),
                line.kind,
                line.nature,
                line.withdrawn,
                entry.year,
            );
            self.count(key, entry.amount, sign);
        }
    }
}

macro_rules! row_of {
    ($key:expr) => {{
        let (directorate, kind, nature, withdrawn, year) = $key;
        line_totals::table
            .filter(line_totals::directorate.eq(directorate))
            .filter(line_totals::kind.eq(*kind))
            .filter(line_totals::nature.eq(*nature))
            .filter(line_totals::withdrawn.eq(*withdrawn))
            .filter(line_totals::year_start.eq(*year))
    }};
}

impl Table for LineTotals {
    type Key = Key;
    const NAME: &'static str = "line totals";

    fn delete_if_counting(conn: &mut DbConnection, key: &Key, entries: i32) -> QueryResult<usize> {
        diesel::delete(row_of!(key).filter(line_totals::entries.eq(entries))).execute(conn)
    }

    fn add_to(conn: &mut DbConnection, key: &Key, delta: Delta) -> QueryResult<usize> {
        diesel::update(row_of!(key))
            .set((
                line_totals::amount_pence.eq(line_totals::amount_pence + delta.amount),
                line_totals::entries.eq(line_totals::entries + delta.entries),
            ))
            .execute(conn)
    }

    fn insert(conn: &mut DbConnection, key: &Key, delta: Delta) -> QueryResult<usize> {
        let (directorate, kind, nature, withdrawn, year) = key;
        diesel::insert_into(line_totals::table)
            .values((
                line_totals::directorate.eq(directorate),
                line_totals::kind.eq(*kind),
                line_totals::nature.eq(*nature),
                line_totals::withdrawn.eq(*withdrawn),
                line_totals::year_start.eq(*year),
                line_totals::amount_pence.eq(delta.amount),
                line_totals::entries.eq(delta.entries),
            ))
            .execute(conn)
    }
}

/// The totals of one directorate (or all), leaving withdrawn lines out unless asked for: the same sums as
/// `lines::repo::sums` with that filter, without reading every amount.
pub fn sums(
    conn: &mut DbConnection,
    directorate: Option<&DirectorateCode>,
    include_withdrawn: bool,
) -> QueryResult<Vec<AmountSum>> {
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
