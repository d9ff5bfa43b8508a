//! The £000s view: [`Thousands`] writes any serialisable value with every [`Money`] in it as whole £000s
//! (rounded half away from zero), everything else unchanged. It is explicit — the caller wraps what it writes —
//! so serialising a `Money` on its own always writes pounds and pence, and never reads hidden state.
//!
//! How: `Money` serialises as a newtype struct named [`money::SERDE_NAME`], which every serializer treats as
//! its inner value (the amount's text in pounds). `Thousands` passes the value through a serializer adapter that
//! wraps each nested value again, and writes a newtype of that name in thousands instead.

use serde::ser::{self, Serialize, Serializer};

use crate::domain::money::{self, Unit};
use crate::domain::Money;

/// `value` with its amounts written in whole £000s.
pub struct Thousands<'a, T: ?Sized>(pub &'a T);

/// `value` as JSON, its amounts in `unit`. Figures are computed exactly beforehand; only their writing
/// changes, so a total is rounded from its exact value, not summed from rounded rows.
pub fn to_json<T: Serialize + ?Sized>(unit: Unit, value: &T) -> serde_json::Result<Vec<u8>> {
    match unit {
        Unit::Pounds => serde_json::to_vec(value),
        Unit::Thousands => serde_json::to_vec(&Thousands(value)),
    }
}

impl<T: Serialize + ?Sized> Serialize for Thousands<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(InThousands(serializer))
    }
}

/// The adapter: a serializer that forwards to `S`, wrapping every nested value in [`Thousands`].
struct InThousands<S>(S);

/// A compound (sequence, map, struct …) of `S`, its elements wrapped in [`Thousands`].
struct Compound<C>(C);

impl<S: Serializer> Serializer for InThousands<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Compound<S::SerializeSeq>;
    type SerializeTuple = Compound<S::SerializeTuple>;
    type SerializeTupleStruct = Compound<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Compound<S::SerializeTupleVariant>;
    type SerializeMap = Compound<S::SerializeMap>;
    type SerializeStruct = Compound<S::SerializeStruct>;
    type SerializeStructVariant = Compound<S::SerializeStructVariant>;

    fn serialize_bool(self, v: bool) -> Result<S::Ok, S::Error> {
        self.0.serialize_bool(v)
    }
    fn serialize_i8(self, v: i8) -> Result<S::Ok, S::Error> {
        self.0.serialize_i8(v)
    }
    fn serialize_i16(self, v: i16) -> Result<S::Ok, S::Error> {
        self.0.serialize_i16(v)
    }
    fn serialize_i32(self, v: i32) -> Result<S::Ok, S::Error> {
        self.0.serialize_i32(v)
    }
    fn serialize_i64(self, v: i64) -> Result<S::Ok, S::Error> {
        self.0.serialize_i64(v)
    }
    fn serialize_i128(self, v: i128) -> Result<S::Ok, S::Error> {
        self.0.serialize_i128(v)
    }
    fn serialize_u8(self, v: u8) -> Result<S::Ok, S::Error> {
        self.0.serialize_u8(v)
    }
    fn serialize_u16(self, v: u16) -> Result<S::Ok, S::Error> {
        self.0.serialize_u16(v)
    }
    fn serialize_u32(self, v: u32) -> Result<S::Ok, S::Error> {
        self.0.serialize_u32(v)
    }
    fn serialize_u64(self, v: u64) -> Result<S::Ok, S::Error> {
        self.0.serialize_u64(v)
    }
    fn serialize_u128(self, v: u128) -> Result<S::Ok, S::Error> {
        self.0.serialize_u128(v)
    }
    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        self.0.serialize_f32(v)
    }
    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        self.0.serialize_f64(v)
    }
    fn serialize_char(self, v: char) -> Result<S::Ok, S::Error> {
        self.0.serialize_char(v)
    }
    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        self.0.serialize_str(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<S::Ok, S::Error> {
        self.0.serialize_bytes(v)
    }
    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_none()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_some(&Thousands(value))
    }
    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_struct(name)
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_variant(name, index, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        if name != money::SERDE_NAME {
            return self.0.serialize_newtype_struct(name, &Thousands(value));
        }
        // A `Money`: its inner value is its exact text in pounds.
        let amount = match serde_json::to_value(value) {
            Ok(serde_json::Value::String(text)) => Money::parse(&text).ok(),
            _ => None,
        }
        .ok_or_else(|| ser::Error::custom("an amount that is not pounds and pence"))?;
        self.0.collect_str(&amount.thousands())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0
            .serialize_newtype_variant(name, index, variant, &Thousands(value))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        self.0.serialize_seq(len).map(Compound)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        self.0.serialize_tuple(len).map(Compound)
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        self.0.serialize_tuple_struct(name, len).map(Compound)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        self.0
            .serialize_tuple_variant(name, index, variant, len)
            .map(Compound)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        self.0.serialize_map(len).map(Compound)
    }
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        self.0.serialize_struct(name, len).map(Compound)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        self.0
            .serialize_struct_variant(name, index, variant, len)
            .map(Compound)
    }
    fn collect_str<T: std::fmt::Display + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.0.collect_str(value)
    }
    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

impl<C: ser::SerializeSeq> ser::SerializeSeq for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_element(&Thousands(value))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: ser::SerializeTuple> ser::SerializeTuple for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_element(&Thousands(value))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: ser::SerializeTupleStruct> ser::SerializeTupleStruct for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_field(&Thousands(value))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: ser::SerializeTupleVariant> ser::SerializeTupleVariant for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_field(&Thousands(value))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: ser::SerializeMap> ser::SerializeMap for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), C::Error> {
        self.0.serialize_key(&Thousands(key))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_value(&Thousands(value))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: ser::SerializeStruct> ser::SerializeStruct for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), C::Error> {
        self.0.serialize_field(key, &Thousands(value))
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
        self.0.skip_field(key)
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: ser::SerializeStructVariant> ser::SerializeStructVariant for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), C::Error> {
        self.0.serialize_field(key, &Thousands(value))
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
        self.0.skip_field(key)
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::*;

    #[derive(Serialize)]
    struct Plan {
        year: &'static str,
        savings: Money,
    }

    #[derive(Serialize)]
    struct Row {
        #[serde(flatten)]
        plan: Plan,
        at_risk: Option<Money>,
        #[serde(skip_serializing_if = "Option::is_none")]
        forecast: Option<Money>,
        by_year: BTreeMap<&'static str, Money>,
        amounts: Vec<Money>,
        version: i64,
    }

    fn money(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    /// CFE's 2021/22 savings (9,432,500.00 at the half: 9,433), its at-risk figure and a rounding pair.
    fn row() -> Row {
        Row {
            plan: Plan {
                year: "2021/22",
                savings: money("9432500.00"),
            },
            at_risk: Some(money("-1500.00")),
            forecast: None,
            by_year: BTreeMap::from([("2022/23", money("1499.99"))]),
            amounts: vec![money("794000.00"), money("2500.00")],
            version: 3,
        }
    }

    #[test]
    fn writes_every_amount_in_thousands_and_nothing_else_changes() {
        let written = String::from_utf8(to_json(Unit::Thousands, &row()).unwrap()).unwrap();
        assert_eq!(
            written,
            r#"{"year":"2021/22","savings":"9433","at_risk":"-2","by_year":{"2022/23":"1"},"amounts":["794","3"],"version":3}"#
        );
    }

    #[test]
    fn pounds_are_written_exactly_and_a_money_alone_never_reads_the_view() {
        let pounds = String::from_utf8(to_json(Unit::Pounds, &row()).unwrap()).unwrap();
        assert_eq!(
            pounds,
            r#"{"year":"2021/22","savings":"9432500.00","at_risk":"-1500.00","by_year":{"2022/23":"1499.99"},"amounts":["794000.00","2500.00"],"version":3}"#
        );
        assert_eq!(
            serde_json::to_string(&money("794500.00")).unwrap(),
            "\"794500.00\""
        );
        assert_eq!(
            serde_json::to_string(&Thousands(&money("794500.00"))).unwrap(),
            "\"795\""
        );
        assert_eq!(
            serde_json::to_value(money("794500.00")).unwrap(),
            serde_json::json!("794500.00")
        );
    }
}
