//! Kept totals: sums kept exact in the transaction of every write that changes what they add up, so reports
//! read a few rows instead of every amount. Write transactions are serialised (db/transaction.rs), so the
//! read-then-write below cannot race, on one process or many.
//!
//! One algorithm for every totals table (`Change::write`): a row whose last entries go is deleted, else it is
//! updated, else (a first entry) inserted. Each table says only how to find, change, add and delete its row
//! (`Table`), and how to remember the row's figures from an instant on, so a read as at an instant seeks each
//! key's state then (`Table::remember`; the `*_states` and `*_keys` tables). Below `lines` and `monitoring`: these modules run SQL over the totals tables (and, to move a line's
//! amounts at risk, read its assessments straight from `assessments`), and import neither.

pub mod at_risk;
pub mod lines;

use std::collections::BTreeMap;
use std::fmt::Debug;

use diesel::QueryResult;
use time::PrimitiveDateTime;

use crate::db::fixed_sql::FixedSql;
use crate::db::DbConnection;
use crate::domain::Money;

/// A state's amount, or NULL when its row was gone then (no entries): one scalar a key, so a read as at an
/// instant seeks each key's state once rather than once for the amount and again for the entries. `sql` is
/// `CASE WHEN {states}.entries > 0 THEN {states}.amount END`, fixed text so that the statement is prepared once.
fn kept_amount(
    sql: &'static [&'static str],
) -> FixedSql<diesel::sql_types::Nullable<diesel::sql_types::BigInt>> {
    FixedSql::typed(sql, Vec::new())
}

/// The figures a totals row adds up, besides how many entries it counts.
pub trait Figures: Copy + Debug + Default {
    /// `self` with `other` counted in (`sign` 1) or out (`sign` -1).
    fn plus(self, other: Self, sign: i32) -> Self;
    fn is_zero(&self) -> bool;
}

/// A line totals row's figures: an amount, and how many of its entries have an amount that is not zero (the
/// savings a year counts).
#[derive(Clone, Copy, Debug, Default)]
pub struct Amount {
    pub amount: Money,
    pub nonzero: i32,
}

impl Amount {
    /// One entry's amount.
    pub fn of(amount: Money) -> Amount {
        Amount {
            amount,
            nonzero: i32::from(!amount.is_zero()),
        }
    }
}

impl Figures for Amount {
    fn plus(self, other: Amount, sign: i32) -> Amount {
        Amount {
            amount: signed(self.amount, other.amount, sign),
            nonzero: self.nonzero + sign * other.nonzero,
        }
    }

    fn is_zero(&self) -> bool {
        self.amount.is_zero() && self.nonzero == 0
    }
}

/// `base` with `amount` added (`sign` 1) or taken away (`sign` -1).
fn signed(base: Money, amount: Money, sign: i32) -> Money {
    if sign < 0 {
        base - amount
    } else {
        base + amount
    }
}

/// What one change adds to a totals row: its figures, and a number of entries (negative when taken out).
#[derive(Clone, Copy, Debug, Default)]
pub struct Delta<F> {
    pub figures: F,
    pub entries: i32,
}

/// A totals table: the SQL for the row of one key.
pub trait Table {
    type Key: Ord + Debug;
    type Figures: Figures;
    /// The table's name, for an error message.
    const NAME: &'static str;
    /// Deletes the row when it counts exactly `entries`; the number of rows deleted.
    fn delete_if_counting(
        conn: &mut DbConnection,
        key: &Self::Key,
        entries: i32,
    ) -> QueryResult<usize>;
    /// Adds `delta` to the row; the row's figures after, or `None` when it has no row.
    fn add_to(
        conn: &mut DbConnection,
        key: &Self::Key,
        delta: Delta<Self::Figures>,
    ) -> QueryResult<Option<Delta<Self::Figures>>>;
    /// Inserts the row with `delta` as its figures.
    fn insert(
        conn: &mut DbConnection,
        key: &Self::Key,
        delta: Delta<Self::Figures>,
    ) -> QueryResult<usize>;
    /// Records `figures` (no entries: the row is gone) as the row's state from `at` on, replacing a state
    /// written at the same instant (one transaction changing the row twice); `first` when the row was just
    /// inserted (its key may be new).
    fn remember(
        conn: &mut DbConnection,
        key: &Self::Key,
        at: PrimitiveDateTime,
        figures: Delta<Self::Figures>,
        first: bool,
    ) -> QueryResult<()>;
}

/// Changes to a totals table, gathered by row, so that each row is written once however many entries touch it.
pub struct Change<T: Table> {
    rows: BTreeMap<T::Key, Delta<T::Figures>>,
}

impl<T: Table> Default for Change<T> {
    fn default() -> Self {
        Change {
            rows: BTreeMap::new(),
        }
    }
}

impl<T: Table> Change<T> {
    /// Counts an entry's figures in (`sign` 1) or out (`sign` -1) of its row.
    pub fn count(&mut self, key: T::Key, figures: T::Figures, sign: i32) {
        let delta = self.rows.entry(key).or_default();
        delta.figures = delta.figures.plus(figures, sign);
        delta.entries += sign;
    }

    /// Writes the change made at `at`: a few statements per row touched, none where it cancels out (e.g. a
    /// change of title: the line counts where it did).
    pub fn write(self, conn: &mut DbConnection, at: PrimitiveDateTime) -> QueryResult<()> {
        for (key, delta) in self.rows {
            if delta.figures.is_zero() && delta.entries == 0 {
                continue;
            }
            if delta.entries < 0 && T::delete_if_counting(conn, &key, -delta.entries)? == 1 {
                // Those were the row's last entries.
                T::remember(conn, &key, at, Delta::default(), false)?;
                continue;
            }
            match (T::add_to(conn, &key, delta)?, delta.entries > 0) {
                (Some(figures), _) => T::remember(conn, &key, at, figures, false)?,
                (None, true) => {
                    T::insert(conn, &key, delta)?;
                    T::remember(conn, &key, at, delta, true)?;
                }
                _ => {
                    return Err(diesel::result::Error::QueryBuilderError(
                        format!("{} have no row for {key:?}", T::NAME).into(),
                    ))
                }
            }
        }
        Ok(())
    }
}
