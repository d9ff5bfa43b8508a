//! A condition written as SQL text where diesel's DSL has no form for it (a row-value comparison, `kind || ''`),
//! whose text is one of a few fixed shapes: `diesel::dsl::sql` would do, but diesel prepares afresh every
//! statement that holds such a literal (its text could be anything), so each page read would parse its SQL again.
//! Here the text is `'static` parts with values bound between them, so the statement is prepared once per
//! connection and found in diesel's cache by its text after that.

use diesel::expression::{is_aggregate, AppearsOnTable, Expression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Integer, Text};
use diesel::QueryResult;

use super::MultiBackend;

/// A value bound between two parts of the text.
#[derive(Clone, Debug)]
pub enum Bind {
    Text(String),
    Integer(i32),
}

/// A boolean condition: `parts[0]`, `binds[0]`, `parts[1]`, … (one more part than binds, or as many).
#[derive(Clone, Debug)]
pub struct FixedSql {
    parts: &'static [&'static str],
    binds: Vec<Bind>,
}

impl FixedSql {
    pub fn new(parts: &'static [&'static str], binds: Vec<Bind>) -> FixedSql {
        debug_assert!(parts.len() == binds.len() || parts.len() == binds.len() + 1);
        FixedSql { parts, binds }
    }
}

impl Expression for FixedSql {
    type SqlType = Bool;
}

impl<QS> AppearsOnTable<QS> for FixedSql {}

impl ValidGrouping<()> for FixedSql {
    type IsAggregate = is_aggregate::No;
}

impl QueryId for FixedSql {
    type QueryId = ();
    // The text varies with the parts chosen: the cache finds the statement by its text, not by this type.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<MultiBackend> for FixedSql {
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
