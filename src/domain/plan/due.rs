//! When an action is due: a day, a month (due on its last day), a range of days (due by its last), or ongoing
//! (never overdue). The API writes one canonical form; `Due::parse` (in `printed`, which reads the printed forms of
//! the plans too, so that the two files do not import each other) reads it back.

use std::fmt;

use time::{Date, Month};

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
}

/// The last day of a month.
pub fn last_day(year: i32, month: Month) -> Date {
    let days = month.length(year);
    Date::from_calendar_date(year, month, days).expect("a month's last day is a date")
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
        assert_eq!(
            Due::parse("2021-06").unwrap().by(),
            Some(date!(2021 - 06 - 30))
        );
        assert_eq!(
            Due::parse("2024-02").unwrap().by(),
            Some(date!(2024 - 02 - 29))
        );
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
        assert!(Due::parse("soon")
            .unwrap_err()
            .contains("is not a due date"));
    }
}
