//! Exact money: pounds and pence as a `Decimal` with exactly two decimal places.
//!
//! Amounts are read from their text (never through a float), written as strings with two decimals
//! (`"794000.00"`), and stored as whole pence (`BIGINT`), which is exact on SQLite and PostgreSQL alike.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Neg, Sub};
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The largest magnitude accepted in a request: £999,999,999,999.99.
pub const MAX_PENCE: i64 = 99_999_999_999_999;

/// An exact amount of money in pounds, always held with two decimal places.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::BigInt)]
pub struct Money(Decimal);

/// Why a text is not an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("`{0}` is not an amount: write pounds and pence as digits with an optional point and at most two decimals, e.g. \"794000.00\"")]
    NotAnAmount(String),
    #[error("`{0}` has more than two decimal places: amounts are in pounds and pence and are never rounded")]
    TooManyDecimals(String),
    #[error("`{0}` is larger than the largest amount accepted, 999999999999.99")]
    TooLarge(String),
}

impl Money {
    /// Zero, with the two decimal places every amount carries (`"0.00"`).
    pub const ZERO: Money = Money(Decimal::from_parts(0, 0, 0, false, 2));

    /// An amount from whole pence (as stored).
    pub fn from_pence(pence: i64) -> Money {
        Money(Decimal::new(pence, 2))
    }

    /// The amount in whole pence. Exact: the scale is always two and sums of stored amounts stay within `i64`
    /// for any realistic budget; beyond that the conversion saturates rather than wraps.
    pub fn pence(self) -> i64 {
        let mantissa = self.0.mantissa();
        i64::try_from(mantissa).unwrap_or(if mantissa < 0 { i64::MIN } else { i64::MAX })
    }

    pub fn decimal(self) -> Decimal {
        self.0
    }

    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// Parses an amount exactly: an optional `-`, digits, and an optional point followed by one or two digits.
    /// Exponents, thousands separators, `NaN`, `+` and more than two decimals are all rejected.
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        let not_an_amount = || MoneyError::NotAnAmount(text.to_owned());
        let unsigned = text.strip_prefix('-').unwrap_or(text);
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (unsigned, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || fraction.is_some_and(|f| !all_digits(f)) {
            return Err(not_an_amount());
        }
        if fraction.is_some_and(|f| f.len() > 2) {
            return Err(MoneyError::TooManyDecimals(text.to_owned()));
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > 12 {
            return Err(MoneyError::TooLarge(text.to_owned()));
        }
        let mut decimal = Decimal::from_str(text).map_err(|_| not_an_amount())?;
        decimal.rescale(2);
        if decimal.is_zero() {
            decimal.set_sign_positive(true); // "-0.00" is plain zero
        }
        Ok(Money(decimal))
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }
}

impl Default for Money {
    fn default() -> Money {
        Money::ZERO
    }
}

impl Add for Money {
    type Output = Money;
    /// Panics only past ±7.9 × 10^26 pounds, far beyond any sum of stored amounts.
    fn add(self, other: Money) -> Money {
        self.checked_add(other).expect("money overflow")
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, other: Money) -> Money {
        Money(self.0.checked_sub(other.0).expect("money overflow"))
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The scale is always two, so the mantissa is the amount in pence: written as integers, which is exact
        // and several times quicker than Decimal's general formatting (a page of lines writes hundreds).
        if self.0.scale() != 2 {
            return fmt::Display::fmt(&self.0, f); // not reachable through Money's constructors; exact anyway
        }
        let pence = self.0.mantissa();
        let sign = if pence < 0 { "-" } else { "" };
        // Money is i64 pence, so this fits a u64, whose division is several times cheaper than a u128's.
        // Written digit by digit into a buffer: `write!` with padding costs several times more, and a page of
        // lines writes hundreds of amounts.
        let Ok(mut pence) = u64::try_from(pence.unsigned_abs()) else {
            return fmt::Display::fmt(&self.0, f);
        };
        let mut digits = [0u8; 24];
        let mut start = digits.len();
        let mut place = 0;
        while place < 3 || pence > 0 {
            if place == 2 {
                start -= 1;
                digits[start] = b'.';
            }
            start -= 1;
            digits[start] = b'0' + (pence % 10) as u8;
            pence /= 10;
            place += 1;
        }
        f.write_str(sign)?;
        // Only ASCII digits and a point were written.
        f.write_str(std::str::from_utf8(&digits[start..]).map_err(|_| fmt::Error)?)
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s)
    }
}

/// Accepts a JSON string or a JSON number, read from its exact text (serde_json's `arbitrary_precision`
/// keeps a number's digits, so `12345678901234567.89` is never rounded through a float).
impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(text) => Money::parse(&text).map_err(D::Error::custom),
            serde_json::Value::Number(number) => {
                Money::parse(&number.to_string()).map_err(D::Error::custom)
            }
            other => Err(D::Error::custom(format!(
                "expected an amount as a string such as \"794000.00\", found {other}"
            ))),
        }
    }
}

text_value!(
    @schema Money,
    pattern: Some(r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$"),
    example: "794000.00",
    description: "An exact amount in pounds, as a string with at most two decimals (in an answer asked for in \
        `unit=thousands`: whole £000s, rounded half away from zero). Requests may also send a JSON number; it is \
        read from its text, never through a float."
);

/// The unit amounts are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Pounds and pence, exactly.
    #[default]
    Pounds,
    /// Whole £000s, rounded half away from zero, as council tables print them.
    Thousands,
}

impl Money {
    /// Whole £000s, rounded half away from zero: 1,500.00 is 2 and −1,500.00 is −2.
    pub fn thousands(self) -> Decimal {
        (self.0 / Decimal::ONE_THOUSAND)
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
    }
}

impl Money {
    /// The amount rounded to whole £000s, still in pounds: 1,499.99 is 1,000.00.
    pub fn rounded_to_thousands(self) -> Money {
        let mut pounds = self.thousands() * Decimal::ONE_THOUSAND;
        pounds.rescale(2);
        Money(pounds)
    }
}

/// The name `Money` serialises under: a newtype struct, which serializers write as its inner value (the exact
/// text in pounds), and by which an explicit view such as `present::Thousands` finds the amounts to write in
/// £000s.
pub const SERDE_NAME: &str = "$mtfs::Money";

/// Always pounds and pence, exactly (`"794000.00"`): a view in £000s is chosen by the writer, not here.
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Pounds<'a>(&'a Money);
        impl Serialize for Pounds<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                super::display_text::serialize_display(self.0, serializer)
            }
        }
        serializer.serialize_newtype_struct(SERDE_NAME, &Pounds(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_with_two_decimals() {
        assert_eq!(Money::parse("794000").unwrap().to_string(), "794000.00");
        assert_eq!(Money::parse("794000.5").unwrap().to_string(), "794000.50");
        assert_eq!(Money::parse("-5.00").unwrap().to_string(), "-5.00");
        assert!(Money::parse("-5.00").unwrap().is_negative());
        assert!(!Money::parse("-0.00").unwrap().is_negative());
        assert_eq!(Money::parse("-0").unwrap().to_string(), "0.00");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(Money::default(), Money::ZERO);
        assert_eq!(Money::parse("0.01").unwrap().pence(), 1);
        assert_eq!(Money::parse("999999999999.99").unwrap().pence(), MAX_PENCE);
    }

    #[test]
    fn rejects_what_is_not_exactly_pounds_and_pence() {
        for bad in [
            "", "-", ".5", "1.", "1.005", "1e3", "NaN", "inf", "12,000", "+5", " 5", "5 ", "£5",
            "1.2.3", "0x10",
        ] {
            assert!(Money::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(matches!(
            Money::parse("1.005"),
            Err(MoneyError::TooManyDecimals(_))
        ));
        assert!(matches!(
            Money::parse("1000000000000.00"),
            Err(MoneyError::TooLarge(_))
        ));
        assert!(matches!(
            Money::parse("12345678901234567.89"),
            Err(MoneyError::TooLarge(_))
        ));
    }

    #[test]
    fn thousands_round_half_away_from_zero() {
        let thousands = |text: &str| Money::parse(text).unwrap().thousands().to_string();
        assert_eq!(thousands("9433000.00"), "9433");
        assert_eq!(thousands("1500.00"), "2");
        assert_eq!(thousands("1499.99"), "1");
        assert_eq!(thousands("-1500.00"), "-2");
        assert_eq!(thousands("2500.00"), "3"); // not banker's rounding
        assert_eq!(
            serde_json::to_string(&Money::parse("794500.00").unwrap()).unwrap(),
            "\"794500.00\""
        );
    }

    #[test]
    fn reads_json_numbers_from_their_text() {
        let money: Money = serde_json::from_str("1234.5").unwrap();
        assert_eq!(money.to_string(), "1234.50");
        assert!(serde_json::from_str::<Money>("12345678901234567.89").is_err());
        assert!(serde_json::from_str::<Money>("1e3").is_err());
        assert!(serde_json::from_str::<Money>("0.1").is_ok());
        assert!(serde_json::from_str::<Money>("true").is_err());
    }
}
