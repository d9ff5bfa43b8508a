//! The substitutes each assessment names, as rows (`substitute_claims`), written in the assessment's write: what
//! the other claims on a saving or a mitigation in a period add up to is one indexed sum.

use diesel::prelude::*;

use crate::db::schema::substitute_claims;
use crate::db::{DbConnection, MultiBackend};
use crate::domain::monitoring::{Period, Substitute, SubstituteSource};
use crate::domain::{FinancialYear, LineRef, Money};

/// What the assessments of one period other than `claimant`'s claim of a saving or a mitigation: one indexed
/// sum.
pub fn claimed_by_others(
    conn: &mut DbConnection,
    (year, period): (FinancialYear, Period),
    source: SubstituteSource,
    claimant: &LineRef,
) -> QueryResult<Money> {
    let mut query = substitute_claims::table
        .filter(substitute_claims::year_start.eq(year))
        .filter(substitute_claims::period.eq(period))
        .filter(substitute_claims::line_ref.ne(claimant))
        .into_boxed::<MultiBackend>();
    query = match source {
        SubstituteSource::Saving(line_ref) => {
            query.filter(substitute_claims::source_ref.eq(line_ref.clone()))
        }
        SubstituteSource::Mitigation(id) => query.filter(substitute_claims::mitigation_id.eq(id)),
    };
    let amounts: Vec<Money> = query.select(substitute_claims::amount_pence).load(conn)?;
    Ok(amounts.into_iter().sum())
}

/// Replaces the claims an assessment makes (its substitutes) in its write.
pub fn replace_claims(
    conn: &mut DbConnection,
    (year, period): (FinancialYear, Period),
    claimant: &LineRef,
    substitutes: &[Substitute],
) -> QueryResult<()> {
    diesel::delete(
        substitute_claims::table
            .filter(substitute_claims::year_start.eq(year))
            .filter(substitute_claims::period.eq(period))
            .filter(substitute_claims::line_ref.eq(claimant)),
    )
    .execute(conn)?;
    for (position, substitute) in (0i32..).zip(substitutes) {
        diesel::insert_into(substitute_claims::table)
            .values((
                substitute_claims::year_start.eq(year),
                substitute_claims::period.eq(period),
                substitute_claims::line_ref.eq(claimant),
                substitute_claims::position.eq(position),
                substitute_claims::source_ref.eq(substitute.line_ref.as_ref()),
                substitute_claims::mitigation_id.eq(substitute.mitigation),
                substitute_claims::amount_pence.eq(substitute.amount),
            ))
            .execute(conn)?;
    }
    Ok(())
}
