//! Instants and dates from requests: one checked parse, so that no offset or year can overflow a conversion
//! (`9999-12-31T23:59:59-23:59` is past the last UTC instant `time` can hold) or reach the database out of range.

use serde::{Deserialize, Deserializer};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

/// The calendar years accepted, as for financial years: a typo such as `2201` is caught rather than stored.
pub const EARLIEST_YEAR: i32 = 1990;
pub const LATEST_YEAR: i32 = 2099;

/// Reads an RFC 3339 instant (`2021-06-30T17:00:00Z`, any offset) and gives it in UTC.
pub fn parse_instant(text: &str) -> Result<OffsetDateTime, String> {
    let parsed = OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
        format!(
            "`{}` is not an RFC 3339 instant such as 2021-06-30T17:00:00Z",
            shown(text)
        )
    })?;
    // The year as written is checked, so the rule is one a client (and the spec's pattern) can see; within
    // those years no offset can overflow the conversion to UTC.
    if !in_range(parsed.year()) {
        return Err(out_of_range(text));
    }
    parsed
        .checked_to_offset(UtcOffset::UTC)
        .ok_or_else(|| out_of_range(text))
}

/// Reads a calendar date, `2021-06-30`.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let date = Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("`{}` is not a date such as 2021-06-30", shown(text)))?;
    if in_range(date.year()) {
        Ok(date)
    } else {
        Err(out_of_range(text))
    }
}

fn in_range(year: i32) -> bool {
    (EARLIEST_YEAR..=LATEST_YEAR).contains(&year)
}

fn out_of_range(text: &str) -> String {
    format!(
        "`{}` is outside the years accepted, {EARLIEST_YEAR} to {LATEST_YEAR}",
        shown(text)
    )
}

/// A bad value echoed back, cut short so an error stays small whatever was sent.
pub(crate) fn shown(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// `#[serde(deserialize_with = "crate::domain::instant::instant")]`
pub fn instant<'de, D: Deserializer<'de>>(deserializer: D) -> Result<OffsetDateTime, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_instant(&text).map_err(serde::de::Error::custom)
}

/// `#[serde(default, deserialize_with = "crate::domain::instant::optional_instant")]`
pub fn optional_instant<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<OffsetDateTime>, D::Error> {
    Option::<String>::deserialize(deserializer)?
        .map(|text| parse_instant(&text).map_err(serde::de::Error::custom))
        .transpose()
}

/// `#[serde(deserialize_with = "crate::domain::instant::date")]`
pub fn date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_date(&text).map_err(serde::de::Error::custom)
}

/// `#[serde(default, deserialize_with = "crate::domain::instant::optional_date")]`
pub fn optional_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Date>, D::Error> {
    Option::<String>::deserialize(deserializer)?
        .map(|text| parse_date(&text).map_err(serde::de::Error::custom))
        .transpose()
}

// `#[serde(with = "crate::domain::instant::iso_date")]` (and `iso_date::option`): a date as `2021-06-30`.
time::serde::format_description!(pub iso_date, Date, "[year]-[month]-[day]");
