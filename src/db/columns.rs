//! The domain's value types as columns: `FromSql`/`ToSql` for `Money` (`BIGINT` pence), `FinancialYear` and
//! `Period` (`INTEGER`), `LineRef` and `DirectorateCode` (`TEXT`), and `Json<T>` (a value kept as JSON text).
//! The types carry `#[derive(AsExpression, FromSqlRow)]` themselves; enums stored as text get theirs from
//! `domain::text_enum!`, beside each enum.
//!
//! Reading is generic over the backend (the way hyperswitch's `MinorUnit` is): read the column's plain Rust
//! value, then check it. A value that is not a valid domain value (a corrupt row) is a deserialisation error,
//! so the query fails and the request answers 500, as for any other database fault.
//!
//! Writing is generic too where the type holds the stored value itself (`DirectorateCode`'s text, an enum's
//! `&'static str`): it lends it to the backend. Where the stored value is computed (`Money`'s pence from its
//! `Decimal`, a year's or period's number, `LineRef`'s text, JSON text), a generic impl cannot lend a temporary,
//! so `stored_as!` writes one impl per engine and one for `MultiBackend`, which hands the value to the engine's
//! own impl (`Output::set_value`), as diesel's `MultiConnection` asks of custom types.

use std::error::Error;
use std::fmt::Debug;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{BigInt, Integer, Text};
use diesel::sqlite::Sqlite;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::connection::MultiBackend;
use crate::domain::monitoring::Period;
use crate::domain::{DirectorateCode, FinancialYear, LineRef, Money};

/// A stored value that is not a valid domain value.
fn unreadable(what: &str, value: impl Debug) -> Box<dyn Error + Send + Sync> {
    format!("stored {what} {value:?} is not valid").into()
}

/// `ToSql` on each engine and on `MultiBackend` for a type whose stored value (`$value: $rust`) is computed.
macro_rules! stored_as {
    ($type:ty, $sql:ty, $rust:ty, |$this:ident| $value:expr) => {
        impl ToSql<$sql, Pg> for $type {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                let $this = self;
                let value: $rust = $value;
                <$rust as ToSql<$sql, Pg>>::to_sql(&value, &mut out.reborrow())
            }
        }

        impl ToSql<$sql, Sqlite> for $type {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                let $this = self;
                let value: $rust = $value;
                out.set_value(value);
                Ok(IsNull::No)
            }
        }

        impl ToSql<$sql, MultiBackend> for $type {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((<$sql>::default(), self));
                Ok(IsNull::No)
            }
        }
    };
}

// Money: whole pence, exact on both engines.

impl<DB> FromSql<BigInt, DB> for Money
where
    DB: Backend,
    i64: FromSql<BigInt, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Money> {
        i64::from_sql(bytes).map(Money::from_pence)
    }
}

stored_as!(Money, BigInt, i64, |money| money.pence());

// FinancialYear: the calendar year it starts in.

impl<DB> FromSql<Integer, DB> for FinancialYear
where
    DB: Backend,
    i32: FromSql<Integer, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<FinancialYear> {
        let start = i32::from_sql(bytes)?;
        FinancialYear::starting(start).ok_or_else(|| unreadable("year", start))
    }
}

stored_as!(FinancialYear, Integer, i32, |year| year.start());

// Period: its number, 1 to 12.

impl<DB> FromSql<Integer, DB> for Period
where
    DB: Backend,
    i32: FromSql<Integer, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Period> {
        let number = i32::from_sql(bytes)?;
        u8::try_from(number)
            .ok()
            .and_then(Period::new)
            .ok_or_else(|| unreadable("period", number))
    }
}

stored_as!(Period, Integer, i32, |period| i32::from(period.number()));

// DirectorateCode: its letters.

impl<DB> FromSql<Text, DB> for DirectorateCode
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<DirectorateCode> {
        let text = String::from_sql(bytes)?;
        DirectorateCode::parse(&text).map_err(|_| unreadable("directorate code", text))
    }
}

impl<DB> ToSql<Text, DB> for DirectorateCode
where
    DB: Backend,
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.as_str().to_sql(out)
    }
}

// LineRef: its normal form, `CFE SAV05`.

impl<DB> FromSql<Text, DB> for LineRef
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<LineRef> {
        let text = String::from_sql(bytes)?;
        LineRef::parse_stored(&text).map_err(|_| unreadable("line ref", text))
    }
}

stored_as!(LineRef, Text, String, |line_ref| line_ref.to_string());

/// A value kept as JSON text in one column (an assessment's substitutes, a plan's movements).
#[derive(Clone, Debug, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Json<T>(pub T);

impl<T, DB> FromSql<Text, DB> for Json<T>
where
    T: DeserializeOwned,
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Json<T>> {
        let text = String::from_sql(bytes)?;
        Ok(Json(serde_json::from_str(&text)?))
    }
}

impl<T: Serialize + Debug> ToSql<Text, Pg> for Json<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        let text = serde_json::to_string(&self.0)?;
        <str as ToSql<Text, Pg>>::to_sql(&text, &mut out.reborrow())
    }
}

impl<T: Serialize + Debug> ToSql<Text, Sqlite> for Json<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(serde_json::to_string(&self.0)?);
        Ok(IsNull::No)
    }
}

impl<T> ToSql<Text, MultiBackend> for Json<T>
where
    T: Serialize + Debug + Send + Sync + 'static,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Text, self));
        Ok(IsNull::No)
    }
}

/// An editor key's directorates, stored as their codes separated by spaces (`"CFE ASC"`; empty for all).
#[derive(Clone, Debug, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct CodeList(pub Vec<DirectorateCode>);

impl<DB> FromSql<Text, DB> for CodeList
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<CodeList> {
        let text = String::from_sql(bytes)?;
        text.split_whitespace()
            .map(DirectorateCode::parse)
            .collect::<Result<_, _>>()
            .map(CodeList)
            .map_err(|_| unreadable("directorate codes", text))
    }
}

stored_as!(CodeList, Text, String, |list| list
    .0
    .iter()
    .map(DirectorateCode::as_str)
    .collect::<Vec<_>>()
    .join(" "));

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::{BigInt, Integer, Text};
    use diesel::{Connection, IntoSql, RunQueryDsl};

    use super::*;
    use crate::db::DbConnection;
    use crate::domain::{LineKind, LineStatus};

    fn sqlite() -> DbConnection {
        DbConnection::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap())
    }

    #[test]
    fn domain_values_round_trip_through_the_multi_backend() {
        let mut conn = sqlite();
        let money = Money::parse("-1234.56").unwrap();
        let year = FinancialYear::parse("2021/22").unwrap();
        let line_ref = LineRef::parse("cfe sav 5").unwrap();
        let read: (Money, FinancialYear, Period, LineRef, LineStatus) = diesel::select((
            money.into_sql::<BigInt>(),
            year.into_sql::<Integer>(),
            Period::new(3).unwrap().into_sql::<Integer>(),
            line_ref.clone().into_sql::<Text>(),
            LineStatus::InDelivery.into_sql::<Text>(),
        ))
        .get_result(&mut conn)
        .unwrap();
        assert_eq!(
            read,
            (
                money,
                year,
                Period::new(3).unwrap(),
                line_ref,
                LineStatus::InDelivery
            )
        );
        let stored: (i64, i32, String) = diesel::select((
            money.into_sql::<BigInt>(),
            year.into_sql::<Integer>(),
            LineStatus::InDelivery.into_sql::<Text>(),
        ))
        .get_result(&mut conn)
        .unwrap();
        assert_eq!(stored, (-123456, 2021, "in_delivery".to_owned()));
    }

    #[test]
    fn a_corrupt_value_is_a_deserialisation_error() {
        let mut conn = sqlite();
        conn.batch_execute("CREATE TABLE t (kind TEXT NOT NULL, year INTEGER NOT NULL)")
            .unwrap();
        conn.batch_execute("INSERT INTO t VALUES ('savings', 1066)")
            .unwrap();
        let kind = diesel::sql_query("SELECT kind FROM t")
            .load::<KindRow>(&mut conn)
            .map(|_| ());
        assert!(matches!(
            kind,
            Err(diesel::result::Error::DeserializationError(_))
        ));
        let year = diesel::sql_query("SELECT year FROM t")
            .load::<YearRow>(&mut conn)
            .map(|_| ());
        assert!(matches!(
            year,
            Err(diesel::result::Error::DeserializationError(_))
        ));
    }

    #[derive(diesel::QueryableByName)]
    struct KindRow {
        #[diesel(sql_type = Text)]
        #[allow(dead_code)]
        kind: LineKind,
    }

    #[derive(diesel::QueryableByName)]
    struct YearRow {
        #[diesel(sql_type = Integer)]
        #[allow(dead_code)]
        year: FinancialYear,
    }
}
