//! A condition written as SQL text where diesel's DSL has no form for it (a row-value comparison, `kind || ''`),
//! whose text is one of a few fixed shapes: `diesel::dsl::sql` would do, but diesel prepares afresh every
//! statement that holds such a literal (its text could be anything), so each page read would parse its SQL again.
//! Here the text is `'static` parts with values bound between them, so the statement is prepared once per
//! connection and found in diesel's cache by its text after that. A condition by default; any SQL type (e.g. a
//! `CASE` selected from a subquery) when asked.

use std::marker::PhantomData;

use diesel::expression::{
    is_aggregate, AppearsOnTable, Expression, SelectableExpression, TypedExpressionType,
    ValidGrouping,
};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Integer, SqlType, Text};
use diesel::QueryResult;

use super::MultiBackend;

/// A value bound between two parts of the text.
#[derive(Clone, Debug)]
pub enum Bind {
    Text(String),
    Integer(i32),
}

/// An expression of SQL type `ST` (a boolean condition unless said): `parts[0]`, `binds[0]`, `parts[1]`, … (one
/// more part than binds, or as many).
#[derive(Clone, Debug)]
pub struct FixedSql<ST = Bool> {
    parts: &'static [&'static str],
    binds: Vec<Bind>,
    sql_type: PhantomData<ST>,
}

impl FixedSql {
    /// A condition.
    pub fn new(parts: &'static [&'static str], binds: Vec<Bind>) -> FixedSql {
        FixedSql::typed(parts, binds)
    }
}

impl<ST> FixedSql<ST> {
    /// An expression of type `ST`.
    pub fn typed(parts: &'static [&'static str], binds: Vec<Bind>) -> FixedSql<ST> {
        debug_assert!(parts.len() == binds.len() || parts.len() == binds.len() + 1);
        FixedSql {
            parts,
            binds,
            sql_type: PhantomData,
        }
    }
}

impl<ST: SqlType + TypedExpressionType> Expression for FixedSql<ST> {
    type SqlType = ST;
}

impl<QS, ST: SqlType + TypedExpressionType> AppearsOnTable<QS> for FixedSql<ST> {}

impl<QS, ST: SqlType + TypedExpressionType> SelectableExpression<QS> for FixedSql<ST> {}

impl<ST> ValidGrouping<()> for FixedSql<ST> {
    type IsAggregate = is_aggregate::No;
}

impl<ST> QueryId for FixedSql<ST> {
    type QueryId = ();
    // The text varies with the parts chosen: the cache finds the statement by its text, not by this type.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST> QueryFragment<MultiBackend> for FixedSql<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        for (n, part) in self.parts.iter().enumerate() {
            out.push_sql(part);
            match self.binds.get(n) {
                Some(Bind::Text(text)) => out.push_bind_param::<Text, String>(text)?,
                Some(Bind::Integer(number)) => out.push_bind_param::<Integer, i32>(number)?,
                None => {}
            }
        }
        Ok(())
    }
}
