//! Which returns came in (`return_receipts`): one row per return applied (not a dry run), in its transaction.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::return_receipts;
use crate::db::{DbConnection, MultiBackend};
use crate::domain::monitoring::Period;
use crate::domain::{DirectorateCode, FinancialYear};

/// A return as it came in.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = return_receipts)]
pub struct Receipt {
    #[diesel(column_name = year_start)]
    pub year: FinancialYear,
    pub period: Period,
    pub directorate: DirectorateCode,
    pub received_at: PrimitiveDateTime,
    /// The key that sent it, and the person holding it.
    pub received_by: String,
    pub person: String,
    pub rows_read: i32,
    pub created: i32,
    pub revised: i32,
    pub unchanged: i32,
}

pub fn insert(conn: &mut DbConnection, receipt: &Receipt) -> QueryResult<usize> {
    diesel::insert_into(return_receipts::table)
        .values(receipt)
        .execute(conn)
}

/// The period's receipts, by directorate and then the latest last.
pub fn of_period(
    conn: &mut DbConnection,
    (year, period): (FinancialYear, Period),
) -> QueryResult<Vec<Receipt>> {
    return_receipts::table
        .into_boxed::<MultiBackend>()
        .filter(return_receipts::year_start.eq(year))
        .filter(return_receipts::period.eq(period))
        .order((return_receipts::directorate, return_receipts::received_at))
        .select(Receipt::as_select())
        .load(conn)
}
