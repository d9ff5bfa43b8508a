//! When an action is due: a day, a month (due on its last day), a range of days (due by its last), or ongoing
//! (never overdue). The API writes one canonical form; the printed forms of the plans are read by `printed`.

use std::fmt;

use time::{Date, Month};

use super::printed;
use crate::domain::instant::{parse_date, EARLIEST_YEAR, LATEST_YEAR};

/// When an action is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// A day: `2021-08-31` (printed `31/08/21`).
    Day(Date),
    /// A month, due on its last day: `2021-06` (printed `June 2021`).
    Month { year: i32, month: Month },
    /// A range of days, due by its last: `2021-09-01/2021-11-30` (printed `Sept-Nov 2021`).
    Range { from: Date, to: Date },
    /// Ongoing, perhaps since a day: `ongoing`, `ongoing from 2021-04-01` (printed `April 21 and ongoing`).
    Ongoing { since: Option<Date> },
}

/// What `Due::parse` accepts, for error messages and the spec.
pub const FORMS: &str = "a day (2021-08-31), a month (2021-06), a range (2021-09-01/2021-11-30 or \
    2021-09/2021-11), `ongoing` or `ongoing from 2021-04-01`, or a printed form such as 31/08/21, June 2021, \
    Sept-Nov 2021 or April 21 and ongoing";

impl Due {
    /// Reads the canonical form, else a printed one (`printed::due`).
    pub fn parse(text: &str) -> Result<Due, String> {
        let text = text.trim();
        canonical(text)
            .or_else(|| printed::due(text))
            .ok_or_else(|| {
                format!(
                    "`{}` is not a due date: give {FORMS}",
                    crate::domain::instant::shown(text)
                )
            })
            .and_then(Due::checked)
    }

    /// The day it is due by: the day, the month's or the range's last day; none while ongoing.
    pub fn by(&self) -> Option<Date> {
        match *self {
            Due::Day(day) => Some(day),
            Due::Month { year, month } => Some(last_day(year, month)),
            Due::Range { to, .. } => Some(to),
            Due::Ongoing { .. } => None,
        }
    }

    /// The first day it covers: a range's or a month's first, an ongoing action's start if known.
    pub fn from(&self) -> Option<Date> {
        match *self {
            Due::Day(day) => Some(day),
            Due::Month { year, month } => Date::from_calendar_date(year, month, 1).ok(),
            Due::Range { from, .. } => Some(from),
            Due::Ongoing { since } => since,
        }
    }

    /// A range must run forwards and every year must be one the tracker accepts.
    fn checked(self) -> Result<Due, String> {
        if let Due::Range { from, to } = self {
            if from > to {
                return Err(format!("the range {self} ends before it starts"));
            }
        }
        let years = [self.from(), self.by()].into_iter().flatten().map(|d| d.year());
        let out = years.chain(match self {
            Due::Month { year, .. } => Some(year),
            _ => None,
        });
        for year in out {
            if !(EARLIEST_YEAR..=LATEST_YEAR).contains(&year) {
                return Err(format!(
                    "{self} is outside the years {EARLIEST_YEAR} to {LATEST_YEAR}"
                ));
            }
        }
        Ok(self)
    }
}

/// The last day of a month.
pub fn last_day(year: i32, month: Month) -> Date {
    let days = month.length(year);
    Date::from_calendar_date(year, month, days).expect("a month's last day is a date")
}

/// The canonical forms, as `Display` writes them (a range of months is also read).
fn canonical(text: &str) -> Option<Due> {
    if text == "ongoing" {
        return Some(Due::Ongoing { since: None });
    }
    if let Some(since) = text.strip_prefix("ongoing from ") {
        return parse_date(since).ok().map(|day| Due::Ongoing { since: Some(day) });
    }
    if let Some((from, to)) = text.split_once('/') {
        return match (canonical_one(from)?, canonical_one(to)?) {
            (start, end) => Some(Due::Range {
                from: start.from()?,
                to: end.by()?,
            }),
        };
    }
    canonical_one(text)
}

fn canonical_one(text: &str) -> Option<Due> {
    if text.len() == 10 {
        return parse_date(text).ok().map(Due::Day);
    }
    let (year, month) = text.split_once('-')?;
    if year.len() != 4 || month.len() != 2 {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Some(Due::Month { year, month })
}

impl fmt::Display for Due {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let day = |d: Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
        match *self {
            Due::Day(d) => f.write_str(&day(d)),
            Due::Month { year, month } => write!(f, "{year:04}-{:02}", u8::from(month)),
            Due::Range { from, to } => write!(f, "{}/{}", day(from), day(to)),
            Due::Ongoing { since: None } => f.write_str("ongoing"),
            Due::Ongoing { since: Some(d) } => write!(f, "ongoing from {}", day(d)),
        }
    }
}

text_value!(
    Due,
    parse: Due::parse,
    pattern: Some(r"^\S(.*\S)?$"),
    example: "2021-08-31",
    description: "When it is due: a day (2021-08-31), a month, due on its last day (2021-06), a range, due by its last day (2021-09-01/2021-11-30), or `ongoing` (`ongoing from 2021-04-01`), never overdue. Printed forms (31/08/21, June 2021, Sept-Nov 2021, April 21 and ongoing) are read too; the text as sent is kept as printed."
);

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn each_canonical_form_reads_back_as_it_is_written() {
        for text in [
            "2021-08-31",
            "2021-06",
            "2021-09-01/2021-11-30",
            "ongoing",
            "ongoing from 2021-04-01",
        ] {
            assert_eq!(Due::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn a_month_is_due_on_its_last_day_and_a_range_by_its_last() {
        assert_eq!(Due::parse("2021-06").unwrap().by(), Some(date!(2021 - 06 - 30)));
        assert_eq!(Due::parse("2024-02").unwrap().by(), Some(date!(2024 - 02 - 29)));
        let range = Due::parse("2021-09/2021-11").unwrap();
        assert_eq!(range.to_string(), "2021-09-01/2021-11-30");
        assert_eq!(range.by(), Some(date!(2021 - 11 - 30)));
        assert_eq!(Due::parse("ongoing").unwrap().by(), None);
    }

    #[test]
    fn a_backwards_range_or_a_year_out_of_bounds_is_refused() {
        assert!(Due::parse("2021-11-30/2021-09-01")
            .unwrap_err()
            .contains("ends before it starts"));
        assert!(Due::parse("2201-06").unwrap_err().contains("outside"));
        assert!(Due::parse("soon").unwrap_err().contains("is not a due date"));
    }
}
