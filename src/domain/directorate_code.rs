//! Directorate codes such as `CFE`: two to eight capital letters.

use std::fmt;

#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, diesel::AsExpression, diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct DirectorateCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a directorate code: use two to eight capital letters, e.g. CFE")]
pub struct DirectorateCodeError(String);

impl DirectorateCode {
    /// Accepts exactly two to eight capital letters A–Z.
    pub fn parse(text: &str) -> Result<DirectorateCode, DirectorateCodeError> {
        let valid = (2..=8).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_uppercase());
        if valid {
            Ok(DirectorateCode(text.to_owned()))
        } else {
            Err(DirectorateCodeError(text.to_owned()))
        }
    }

    /// Accepts any case, for filters and lookups: `cfe` finds `CFE`.
    pub fn parse_lenient(text: &str) -> Result<DirectorateCode, DirectorateCodeError> {
        DirectorateCode::parse(&text.trim().to_ascii_uppercase())
            .map_err(|_| DirectorateCodeError(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DirectorateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

text_value!(
    DirectorateCode,
    parse: DirectorateCode::parse,
    pattern: Some("^[A-Z]{2,8}$"),
    example: "CFE",
    description: "A directorate's code: two to eight capital letters."
);

/// A directorate code in a query or path, where any case is understood: `cfe` reads as `CFE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnyCaseDirectorate(pub DirectorateCode);

impl<'de> serde::Deserialize<'de> for AnyCaseDirectorate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        DirectorateCode::parse_lenient(&text)
            .map(AnyCaseDirectorate)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_to_eight_capital_letters() {
        assert!(DirectorateCode::parse("CFE").is_ok());
        assert!(DirectorateCode::parse("ABCDEFGH").is_ok());
        for bad in ["C", "ABCDEFGHI", "cfe", "CF1", "CF E", ""] {
            assert!(DirectorateCode::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(
            DirectorateCode::parse_lenient(" cfe ").unwrap().as_str(),
            "CFE"
        );
    }
}
