//! Financial years, 1 April to 31 March, written `2021/22`.

use std::fmt;
use std::str::FromStr;

/// A financial year, identified by the calendar year in which it starts: `2021/22` starts on 1 April 2021.
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
#[diesel(sql_type = diesel::sql_types::Integer)]
pub struct FinancialYear {
    start: i32,
}

/// The years the service accepts; a typo such as `2201/02` is caught rather than stored.
const EARLIEST_START: i32 = 1990;
const LATEST_START: i32 = 2099;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a financial year: {hint}")]
pub struct FinancialYearError {
    text: String,
    hint: String,
}

impl FinancialYear {
    pub fn starting(start: i32) -> Option<FinancialYear> {
        (EARLIEST_START..=LATEST_START)
            .contains(&start)
            .then_some(FinancialYear { start })
    }

    /// The calendar year in which it starts (as stored).
    pub fn start(self) -> i32 {
        self.start
    }

    pub fn next(self) -> FinancialYear {
        FinancialYear {
            start: self.start + 1,
        }
    }

    /// Reads `2021/22`, or `2021-22` (the form that fits in a URL path).
    pub fn parse(text: &str) -> Result<FinancialYear, FinancialYearError> {
        let error = |hint: String| FinancialYearError {
            text: text.to_owned(),
            hint,
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let Some((start, end)) = text.split_once(['/', '-']) else {
            let hint = match text.parse::<i32>() {
                Ok(year) if (EARLIEST_START..=LATEST_START).contains(&year) => {
                    format!("write it as {}", FinancialYear { start: year })
                }
                _ => "write it as the starting year and the next year's last two digits, e.g. 2021/22".to_owned(),
            };
            return Err(error(hint));
        };
        if start.len() != 4 || end.len() != 2 || !digits(start) || !digits(end) {
            let hint = match (start.len(), start.parse::<i32>(), digits(end)) {
                (2, Ok(short), true) => format!("write the starting year in full, e.g. {}", FinancialYear { start: 2000 + short }),
                _ => "write it as the starting year and the next year's last two digits, e.g. 2021/22".to_owned(),
            };
            return Err(error(hint));
        }
        let start: i32 = start.parse().expect("four digits");
        let Some(year) = FinancialYear::starting(start) else {
            return Err(error(format!(
                "years from {EARLIEST_START}/{:02} to {LATEST_START}/{:02} are accepted",
                (EARLIEST_START + 1) % 100,
                (LATEST_START + 1) % 100
            )));
        };
        if end != format!("{:02}", (start + 1) % 100) {
            return Err(error(format!(
                "a financial year runs into the next calendar year: write it as {year}"
            )));
        }
        Ok(year)
    }

    /// The form used in URL paths: `2021-22`.
    pub fn path_form(self) -> String {
        format!("{}-{:02}", self.start, (self.start + 1) % 100)
    }
}

impl fmt::Display for FinancialYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Four digits, a slash and two (the range is 1990 to 2099): written directly, as a page writes hundreds.
        let (start, end) = (self.start, (self.start + 1) % 100);
        if !(1000..10000).contains(&start) {
            return write!(f, "{start}/{end:02}");
        }
        let digit = |n: i32| b'0' + (n % 10) as u8;
        let text = [
            digit(start / 1000),
            digit(start / 100),
            digit(start / 10),
            digit(start),
            b'/',
            digit(end / 10),
            digit(end),
        ];
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl FromStr for FinancialYear {
    type Err = FinancialYearError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FinancialYear::parse(s)
    }
}

text_value!(
    FinancialYear,
    parse: FinancialYear::parse,
    pattern: Some(r"^(199[0-9]|20[0-9]{2})[/-][0-9]{2}$"),
    example: "2021/22",
    description: "A financial year (1 April to 31 March) such as `2021/22`; `2021-22` is accepted too."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_forms() {
        assert_eq!(FinancialYear::parse("2021/22").unwrap().start(), 2021);
        assert_eq!(
            FinancialYear::parse("2021-22").unwrap().to_string(),
            "2021/22"
        );
        assert_eq!(
            FinancialYear::parse("2099/00").unwrap().path_form(),
            "2099-00"
        );
    }

    #[test]
    fn writes_every_year_of_the_range_as_its_printed_form() {
        for start in EARLIEST_START..=LATEST_START {
            let year = FinancialYear::starting(start).unwrap();
            assert_eq!(
                year.to_string(),
                format!("{start}/{:02}", (start + 1) % 100)
            );
        }
        assert_eq!(
            FinancialYear::starting(1999).unwrap().to_string(),
            "1999/00"
        );
    }

    #[test]
    fn rejects_other_forms_with_the_right_one() {
        let message = |text: &str| FinancialYear::parse(text).unwrap_err().to_string();
        assert!(message("2021/23").contains("write it as 2021/22"));
        assert!(message("21/22").contains("e.g. 2021/22"));
        assert!(message("2021").contains("write it as 2021/22"));
        for bad in ["", "2021/2022", "20x1/22", "1900/01", "2021 22", "2021/2"] {
            assert!(FinancialYear::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
