//! The printed forms of the plans' dates and statuses (issue 19), as the CFE papers print them: days
//! (`31/08/21`, `20.09.21`, `1st March 2021`), months (`June 2021`, `Sept 21`, `11/2020`), ranges (`Sept-Nov 2021`,
//! `21.09.21-22.10.21`), `end of 2021/22`, and ongoing (`April 21 and ongoing`, `Ongoing (started March 2021)`).
//!
//! One grammar over tokens reads a whole cell (`due`) and finds every date inside free text (`dates_in`), so
//! the two never disagree. Nothing here guesses: a cell that is not one date is `Several` or `NotUnderstood`,
//! kept as printed for the caller to warn about.

use time::{Date, Month};

use super::due::{last_day, Due, FORMS};
use super::status::ActionStatus;
use crate::domain::instant::{parse_date, shown, EARLIEST_YEAR, LATEST_YEAR};
use crate::domain::FinancialYear;

/// One printed due date (`31/08/21`, `June 2021`, `Sept-Nov 2021`, `April 21 and ongoing`), if the text is one.
/// A leading `by`, `for`, `at`, `completion due` or `due`, surrounding brackets and a closing full stop are
/// ignored. Days are read day first; a two-digit year is of this century (`21` is 2021).
pub fn due(text: &str) -> Option<Due> {
    let text = without_wrapping(text);
    let tokens = tokens(text);
    let (end, due) = expression(&tokens, 0)?;
    let rest = &tokens[end..];
    (rest.is_empty() || matches!(rest, [t] if t.kind == Kind::Mark('.'))).then_some(due)
}

impl Due {
    /// Reads the canonical form, else a printed one (`due`). Written here, beside the printed forms, so that
    /// `due.rs` (the value) and this file (its text) do not import each other.
    pub fn parse(text: &str) -> Result<Due, String> {
        let text = text.trim();
        canonical(text)
            .or_else(|| due(text))
            .ok_or_else(|| format!("`{}` is not a due date: give {FORMS}", shown(text)))
            .and_then(Due::checked)
    }

    /// A range must run forwards and every year must be one the tracker accepts.
    fn checked(self) -> Result<Due, String> {
        if let Due::Range { from, to } = self {
            if from > to {
                return Err(format!("the range {self} ends before it starts"));
            }
        }
        let years = [self.from(), self.by()]
            .into_iter()
            .flatten()
            .map(|d| d.year());
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

/// The canonical forms, as `Display` writes them (a range of months is also read).
fn canonical(text: &str) -> Option<Due> {
    if text == "ongoing" {
        return Some(Due::Ongoing { since: None });
    }
    if let Some(since) = text.strip_prefix("ongoing from ") {
        return parse_date(since)
            .ok()
            .map(|day| Due::Ongoing { since: Some(day) });
    }
    if let Some((from, to)) = text.split_once('/') {
        let (start, end) = (canonical_one(from)?, canonical_one(to)?);
        return Some(Due::Range {
            from: start.from()?,
            to: end.by()?,
        });
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

/// A printed cell: blank, one value, several (each as printed), or text that is none of these.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell<T> {
    Blank,
    One { value: T, printed: String },
    Several(Vec<String>),
    NotUnderstood(String),
}

/// A By-when cell as printed: one due date (a canonical form or a printed one), several dates (each as
/// printed: `01/04/21 31/07/21 31/10/21`, `30/09/2021 and 31/03/22`, one a line), or not understood (`tbc`).
/// A cell holding one date among other words (`Process in place – Oct 2021`) is not understood: which part
/// is the due date is the reader's call, not ours.
pub fn due_cell(text: &str) -> Cell<Due> {
    let printed = text.trim();
    if printed.is_empty() {
        return Cell::Blank;
    }
    if let Ok(value) = Due::parse(printed) {
        return Cell::One {
            value,
            printed: printed.to_owned(),
        };
    }
    let found = dates_in(printed);
    if found.len() >= 2 {
        Cell::Several(found)
    } else {
        Cell::NotUnderstood(printed.to_owned())
    }
}

/// A Progress cell as printed: one status, several (`Complete In progress`, each as printed: the caller
/// decides what they mean together), or not understood when any word is no status.
pub fn status_cell(text: &str) -> Cell<ActionStatus> {
    let printed = text.trim();
    if printed.is_empty() {
        return Cell::Blank;
    }
    if let Some(value) = ActionStatus::from_printed(printed) {
        return Cell::One {
            value,
            printed: printed.to_owned(),
        };
    }
    match statuses_in(printed) {
        Some(found) if found.len() >= 2 => Cell::Several(found),
        _ => Cell::NotUnderstood(printed.to_owned()),
    }
}

/// Every date expression inside free text, as printed, in order: `Contracts awarded 20.09.21 Mobilisation and
/// TUPE transfer 21.09.21-22.10.21` has two. Amounts, ages and financial years are not dates (`£400,000`,
/// `0-25`, `14+`, `2021/22`); `end of 2021/22` is.
pub fn dates_in(text: &str) -> Vec<String> {
    let tokens = tokens(text);
    let mut found = Vec::new();
    let mut at = 0;
    while at < tokens.len() {
        let matched = expression(&tokens, at)
            .filter(|(end, _)| stands_alone(&tokens, at, *end))
            .map(|(end, _)| end);
        match matched {
            Some(end) => {
                found.push(text[tokens[at].start..tokens[end - 1].end].to_owned());
                at = end;
            }
            None => at += 1,
        }
    }
    found
}

/// Whether a due date is one a plan for the years `first` to `last` can mean: every day it names from 1 April
/// of the year before `first` to the 31 March after `last` ends (a 2021–24 plan: 2020-04-01 to 2025-03-31), so
/// `30th May, 2012` is not. An ongoing action with no start is.
pub fn plausible(due: &Due, first: FinancialYear, last: FinancialYear) -> bool {
    let (Ok(earliest), Ok(latest)) = (
        Date::from_calendar_date(first.start() - 1, Month::April, 1),
        Date::from_calendar_date(last.start() + 2, Month::March, 31),
    ) else {
        return false;
    };
    [due.from(), due.by()]
        .into_iter()
        .flatten()
        .all(|day| (earliest..=latest).contains(&day))
}

/// The text without what may wrap a date: spaces, brackets, and the words a plan puts before one.
fn without_wrapping(text: &str) -> &str {
    const LEADING: [&str; 5] = ["completion due ", "due ", "by ", "for ", "at "];
    let mut text = text.trim();
    loop {
        let before = text;
        if let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
            text = inner.trim();
        }
        for word in LEADING {
            let starts = text
                .get(..word.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(word));
            if starts {
                text = text[word.len()..].trim();
            }
        }
        if text == before {
            return text;
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Word,
    Number,
    Mark(char),
}

/// A run of letters, of digits, or one other character, with where it stands in the text (bytes).
#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    start: usize,
    end: usize,
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let kind = if c.is_alphabetic() {
            Kind::Word
        } else if c.is_ascii_digit() {
            Kind::Number
        } else {
            Kind::Mark(c)
        };
        let mut end = start + c.len_utf8();
        if kind != Kind::Mark(c) {
            while let Some(&(at, next)) = chars.peek() {
                let same = match kind {
                    Kind::Word => next.is_alphabetic(),
                    _ => next.is_ascii_digit(),
                };
                if !same {
                    break;
                }
                end = at + next.len_utf8();
                chars.next();
            }
        }
        tokens.push(Token {
            kind,
            text: &text[start..end],
            start,
            end,
        });
    }
    tokens
}

/// Whether tokens `a` and `b` touch (no space between them).
fn touching(a: &Token, b: &Token) -> bool {
    a.end == b.start
}

/// A date found at `[at, end)` is not part of a bigger figure (`£1.4.21`, `10.10.10.10`, `June 21st`).
fn stands_alone(tokens: &[Token], at: usize, end: usize) -> bool {
    let joined_before = at > 0 && touching(&tokens[at - 1], &tokens[at]) && {
        let before = tokens[at - 1].kind;
        matches!(before, Kind::Word | Kind::Number)
            || matches!(before, Kind::Mark(c) if "/.,£$€:".contains(c))
    };
    let joined_after = tokens.get(end).is_some_and(|after| {
        touching(&tokens[end - 1], after)
            && match after.kind {
                Kind::Word | Kind::Number => true,
                Kind::Mark(c) if "/%+".contains(c) => true,
                Kind::Mark('.' | ',') => tokens
                    .get(end + 1)
                    .is_some_and(|next| next.kind == Kind::Number && touching(after, next)),
                Kind::Mark(_) => false,
            }
    });
    !joined_before && !joined_after
}

fn word<'a>(tokens: &[Token<'a>], at: usize) -> Option<&'a str> {
    tokens
        .get(at)
        .filter(|t| t.kind == Kind::Word)
        .map(|t| t.text)
}

fn is_word(tokens: &[Token], at: usize, wanted: &[&str]) -> bool {
    word(tokens, at).is_some_and(|w| wanted.iter().any(|x| w.eq_ignore_ascii_case(x)))
}

fn is_mark(tokens: &[Token], at: usize, wanted: &[char]) -> bool {
    tokens
        .get(at)
        .is_some_and(|t| matches!(t.kind, Kind::Mark(c) if wanted.contains(&c)))
}

/// A number of `digits` digits (one of them) at `at`.
fn number(tokens: &[Token], at: usize, digits: &[usize]) -> Option<i32> {
    let token = tokens.get(at).filter(|t| t.kind == Kind::Number)?;
    if !digits.contains(&token.text.len()) {
        return None;
    }
    token.text.parse().ok()
}

/// A year of two digits (this century) or four.
fn year(tokens: &[Token], at: usize) -> Option<i32> {
    let written = number(tokens, at, &[2, 4])?;
    Some(if tokens[at].text.len() == 2 {
        2000 + written
    } else {
        written
    })
}

fn month_named(text: &str) -> Option<Month> {
    const NAMES: [(&str, Month); 24] = [
        ("jan", Month::January),
        ("january", Month::January),
        ("feb", Month::February),
        ("february", Month::February),
        ("mar", Month::March),
        ("march", Month::March),
        ("apr", Month::April),
        ("april", Month::April),
        ("may", Month::May),
        ("jun", Month::June),
        ("june", Month::June),
        ("jul", Month::July),
        ("july", Month::July),
        ("aug", Month::August),
        ("august", Month::August),
        ("sep", Month::September),
        ("sept", Month::September),
        ("september", Month::September),
        ("oct", Month::October),
        ("october", Month::October),
        ("nov", Month::November),
        ("november", Month::November),
        ("dec", Month::December),
        ("december", Month::December),
    ];
    NAMES
        .iter()
        .find(|(name, _)| text.eq_ignore_ascii_case(name))
        .map(|(_, month)| *month)
}

fn month_word(tokens: &[Token], at: usize) -> Option<Month> {
    word(tokens, at).and_then(month_named)
}

/// The longest date expression starting at token `at`: where it ends, and what it means.
fn expression(tokens: &[Token], at: usize) -> Option<(usize, Due)> {
    if let Some(found) = ongoing(tokens, at) {
        return Some(found);
    }
    if let Some(found) = month_range(tokens, at) {
        return Some(found);
    }
    if let Some(found) = end_of(tokens, at) {
        return Some(found);
    }
    let (end, first) = point(tokens, at)?;
    // `April 21 and ongoing`: ongoing since the first day it names.
    if is_word(tokens, end, &["and"]) && is_word(tokens, end + 1, &["ongoing"]) {
        return Some((
            end + 2,
            Due::Ongoing {
                since: first.from(),
            },
        ));
    }
    if is_mark(tokens, end, &['-', '–', '—']) || is_word(tokens, end, &["to"]) {
        if let Some((last_end, last)) = point(tokens, end + 1) {
            if let (Some(from), Some(to)) = (first.from(), last.by()) {
                return Some((last_end, Due::Range { from, to }));
            }
        }
    }
    Some((end, first))
}

/// `Ongoing`, `Ongoing (started March 2021)`, `ongoing from 2021-04-01`, `ongoing since June 21`.
fn ongoing(tokens: &[Token], at: usize) -> Option<(usize, Due)> {
    if !is_word(tokens, at, &["ongoing"]) {
        return None;
    }
    let starts = ["started", "starting", "since", "from"];
    if is_mark(tokens, at + 1, &['(']) && is_word(tokens, at + 2, &starts) {
        if let Some((end, start)) = point(tokens, at + 3) {
            if is_mark(tokens, end, &[')']) {
                return Some((
                    end + 1,
                    Due::Ongoing {
                        since: start.from(),
                    },
                ));
            }
        }
    }
    if is_word(tokens, at + 1, &starts) {
        if let Some((end, start)) = point(tokens, at + 2) {
            return Some((
                end,
                Due::Ongoing {
                    since: start.from(),
                },
            ));
        }
    }
    Some((at + 1, Due::Ongoing { since: None }))
}

/// `Sept-Nov 2021`: the first month without a year is of the same year, or the one before when it comes later
/// in the calendar (`Nov-Feb 2022`).
fn month_range(tokens: &[Token], at: usize) -> Option<(usize, Due)> {
    let first = month_word(tokens, at)?;
    let separated =
        is_mark(tokens, at + 1, &['-', '–', '—', '/']) || is_word(tokens, at + 1, &["to"]);
    if !separated {
        return None;
    }
    let last = month_word(tokens, at + 2)?;
    let to_year = year(tokens, at + 3)?;
    let from_year = if first > last { to_year - 1 } else { to_year };
    let from = Date::from_calendar_date(from_year, first, 1).ok()?;
    let to = checked_last_day(to_year, last)?;
    Some((at + 4, Due::Range { from, to }))
}

/// `end of 2021/22`: the financial year's last day. `end of June 2021` is the month.
fn end_of(tokens: &[Token], at: usize) -> Option<(usize, Due)> {
    if !(is_word(tokens, at, &["end"]) && is_word(tokens, at + 1, &["of"])) {
        return None;
    }
    let start = at + 2;
    let slash = start + 1;
    let financial_year = number(tokens, start, &[4]).is_some()
        && is_mark(tokens, slash, &['/', '-'])
        && number(tokens, slash + 1, &[2]).is_some()
        && touching(&tokens[start], &tokens[slash])
        && touching(&tokens[slash], &tokens[slash + 1]);
    if financial_year {
        let written = format!("{}/{}", tokens[start].text, tokens[slash + 1].text);
        let year = FinancialYear::parse(&written).ok()?;
        let day = Date::from_calendar_date(year.start() + 1, Month::March, 31).ok()?;
        return Some((slash + 2, Due::Day(day)));
    }
    let (end, due) = point(tokens, start)?;
    matches!(due, Due::Month { .. }).then_some((end, due))
}

/// One day or one month: `01/04/21`, `20.09.21`, `11/2020`, `June 2021`, `1st March 2021`, `30th May, 2012`.
fn point(tokens: &[Token], at: usize) -> Option<(usize, Due)> {
    numeric_day(tokens, at)
        .or_else(|| iso_day(tokens, at))
        .or_else(|| numeric_month(tokens, at))
        .or_else(|| named_day(tokens, at))
        .or_else(|| named_month(tokens, at))
}

/// `01/04/21`, `31/3/21`, `30/09/2021`, `20.09.21`: day first, one separator, no spaces.
fn numeric_day(tokens: &[Token], at: usize) -> Option<(usize, Due)> {
    let day = number(tokens, at, &[1, 2])?;
    let separator = match tokens.get(at + 1)?.kind {
        Kind::Mark(c @ ('/' | '.')) => c,
        _ => return None,
    };
    let month = number(tokens, at + 2, &[1, 2])?;
    if !is_mark(tokens, at + 3, &[separator]) {
        return None;
    }
    let year = year(tokens, at + 4)?;
    let parts = &tokens[at..at + 5];
    if !parts.windows(2).all(|pair| touching(&pair[0], &pair[1])) {
        return None;
    }
    let date = calendar_date(year, month, day)?;
    Some((at + 5, Due::Day(date)))
}

/// `2021-06-20`, the canonical form, as text may name it.
fn iso_day(tokens: &[Token], at: usize) -> Option<(usize, Due)> {
    let year = number(tokens, at, &[4])?;
    let month = number(tokens, at + 2, &[2])?;
    let day = number(tokens, at + 4, &[2])?;
    let parts = &tokens[at..at + 5];
    let joined = parts.windows(2).all(|pair| touching(&pair[0], &pair[1]));
    if !(joined && is_mark(tokens, at + 1, &['-']) && is_mark(tokens, at + 3, &['-'])) {
        return None;
    }
    Some((at + 5, Due::Day(calendar_date(year, month, day)?)))
}

/// `11/2020`: a month and a four-digit year.
fn numeric_month(tokens: &[Token], at: usize) -> Option<(usize, Due)> {
    let month = number(tokens, at, &[1, 2])?;
    if !is_mark(tokens, at + 1, &['/']) {
        return None;
    }
    let year = number(tokens, at + 2, &[4])?;
    if !(touching(&tokens[at], &tokens[at + 1]) && touching(&tokens[at + 1], &tokens[at + 2])) {
        return None;
    }
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Some((at + 3, Due::Month { year, month }))
}

/// `1st March 2021`, `30th May, 2012`, `31 March 2021`, `1st of June 21`.
fn named_day(tokens: &[Token], at: usize) -> Option<(usize, Due)> {
    let day = number(tokens, at, &[1, 2])?;
    let mut next = at + 1;
    let suffixed = tokens.get(next).is_some_and(|t| touching(&tokens[at], t))
        && is_word(tokens, next, &["st", "nd", "rd", "th"]);
    if suffixed {
        next += 1;
    }
    if is_word(tokens, next, &["of"]) {
        next += 1;
    }
    let month = month_word(tokens, next)?;
    next += 1;
    if is_mark(tokens, next, &[',']) {
        next += 1;
    }
    let year = year(tokens, next)?;
    let date = Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()?;
    Some((next + 1, Due::Day(date)))
}

/// `June 2021`, `June 21`, `Sept 2021`, `Dec 21`, `Nov, 2020`.
fn named_month(tokens: &[Token], at: usize) -> Option<(usize, Due)> {
    let month = month_word(tokens, at)?;
    let mut next = at + 1;
    if is_mark(tokens, next, &[',', '.']) {
        next += 1;
    }
    let year = year(tokens, next)?;
    // Only a year `time` can hold: a date is made from it later.
    Date::from_calendar_date(year, month, 1).ok()?;
    Some((next + 1, Due::Month { year, month }))
}

fn calendar_date(year: i32, month: i32, day: i32) -> Option<Date> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

fn checked_last_day(year: i32, month: Month) -> Option<Date> {
    Date::from_calendar_date(year, month, 1).ok()?;
    Some(last_day(year, month))
}

/// The statuses a cell lists (`Complete In progress`, one a line, or separated by `,` `;` `/`), each as
/// printed; `None` when any word is no status.
fn statuses_in(text: &str) -> Option<Vec<String>> {
    let separator = |c: char| c.is_whitespace() || matches!(c, ',' | ';' | '/' | '|' | '•');
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (separator(c), start) {
            (true, Some(from)) => {
                words.push((from, at));
                start = None;
            }
            (false, None) => start = Some(at),
            _ => {}
        }
    }
    let mut found = Vec::new();
    let mut at = 0;
    while at < words.len() {
        // The longest status phrase is three words (`not yet started`).
        let longest = (1..=3.min(words.len() - at)).rev().find_map(|count| {
            let phrase = &text[words[at].0..words[at + count - 1].1];
            ActionStatus::from_printed(phrase).map(|_| (count, phrase))
        });
        let (count, phrase) = longest?;
        found.push(phrase.to_owned());
        at += count;
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn day(d: Date) -> Option<Due> {
        Some(Due::Day(d))
    }

    fn month(year: i32, month: Month) -> Option<Due> {
        Some(Due::Month { year, month })
    }

    fn range(from: Date, to: Date) -> Option<Due> {
        Some(Due::Range { from, to })
    }

    fn ongoing(since: Option<Date>) -> Option<Due> {
        Some(Due::Ongoing { since })
    }

    fn one(value: Due, printed: &str) -> Cell<Due> {
        Cell::One {
            value,
            printed: printed.to_owned(),
        }
    }

    fn several(items: &[&str]) -> Cell<String> {
        Cell::Several(items.iter().map(|s| s.to_string()).collect())
    }

    /// A cell's shape with its value dropped, to compare Several and NotUnderstood alike for dates and statuses.
    fn shape<T>(cell: Cell<T>) -> Cell<String> {
        match cell {
            Cell::Blank => Cell::Blank,
            Cell::One { printed, .. } => Cell::One {
                value: String::new(),
                printed,
            },
            Cell::Several(items) => Cell::Several(items),
            Cell::NotUnderstood(text) => Cell::NotUnderstood(text),
        }
    }

    #[test]
    fn every_printed_form_the_brief_names_reads_as_one_due_date() {
        use Month::*;
        for (text, expected) in [
            ("01/04/21", day(date!(2021 - 04 - 01))),
            ("31/3/21", day(date!(2021 - 03 - 31))),
            ("30/09/2021", day(date!(2021 - 09 - 30))),
            ("1/4/21", day(date!(2021 - 04 - 01))),
            ("20.09.21", day(date!(2021 - 09 - 20))),
            ("11/2020", month(2020, November)),
            ("June 2021", month(2021, June)),
            ("June 21", month(2021, June)),
            ("March 21", month(2021, March)),
            ("Sept 2021", month(2021, September)),
            ("Dec 21", month(2021, December)),
            ("Nov 2020", month(2020, November)),
            ("January 2021", month(2021, January)),
            ("JUNE 2021", month(2021, June)),
            ("sep 21", month(2021, September)),
            (
                "Sept-Nov 2021",
                range(date!(2021 - 09 - 01), date!(2021 - 11 - 30)),
            ),
            (
                "Nov-Feb 2022",
                range(date!(2021 - 11 - 01), date!(2022 - 02 - 28)),
            ),
            (
                "1/4/21-30/04/21",
                range(date!(2021 - 04 - 01), date!(2021 - 04 - 30)),
            ),
            (
                "21.09.21-22.10.21",
                range(date!(2021 - 09 - 21), date!(2021 - 10 - 22)),
            ),
            (
                "June 2021 – Sept 2021",
                range(date!(2021 - 06 - 01), date!(2021 - 09 - 30)),
            ),
            ("1st March 2021", day(date!(2021 - 03 - 01))),
            ("30th May 2021", day(date!(2021 - 05 - 30))),
            ("30th May, 2012", day(date!(2012 - 05 - 30))),
            ("31 March 2021", day(date!(2021 - 03 - 31))),
            ("end of 2021/22", day(date!(2022 - 03 - 31))),
            ("end of June 2021", month(2021, June)),
            ("Ongoing", ongoing(None)),
            ("ongoing", ongoing(None)),
            ("April 21 and ongoing", ongoing(Some(date!(2021 - 04 - 01)))),
            (
                "Ongoing (started March 2021)",
                ongoing(Some(date!(2021 - 03 - 01))),
            ),
            (
                "ongoing since 01/06/21",
                ongoing(Some(date!(2021 - 06 - 01))),
            ),
            ("by 31/03/21", day(date!(2021 - 03 - 31))),
            ("By April 2021", month(2021, April)),
            ("for June 2021", month(2021, June)),
            ("Completion due 30/06/21", day(date!(2021 - 06 - 30))),
            ("due Dec 21", month(2021, December)),
            ("(31/03/21)", day(date!(2021 - 03 - 31))),
            ("(by 31/03/21)", day(date!(2021 - 03 - 31))),
            ("  April 2021. ", month(2021, April)),
        ] {
            assert_eq!(due(text), expected, "{text}");
        }
    }

    #[test]
    fn anything_else_is_no_due_date() {
        for text in [
            "tbc",
            "(tbc)",
            "TBC",
            "end of calendar year",
            "the start of each financial year",
            "the start of the financial year",
            "01/04/21 31/07/21",
            "30/09/2021 and 31/03/22",
            "Ongoing Ongoing",
            "Process in place – Oct 2021",
            "2021/22",
            "0-25",
            "£400,000",
            "14+",
            "31/02/21",
            "32/01/21",
            "1/13/21",
            "13/2021",
            "June",
            "30th May",
            "1/4",
            "21",
            "",
            "by",
            "June 21st",
        ] {
            assert_eq!(due(text), None, "{text}");
        }
    }

    #[test]
    fn dates_in_free_text_are_found_as_printed_and_amounts_and_ages_are_not() {
        for (text, expected) in [
            (
                "Launch public consultation – extended to 20/06/2021",
                vec!["20/06/2021"],
            ),
            (
                "Procurement of new provision completed Contracts awarded 20.09.21 Mobilisation and TUPE transfer 21.09.21-22.10.21",
                vec!["20.09.21", "21.09.21-22.10.21"],
            ),
            ("01/04/21 31/07/21 31/10/21", vec!["01/04/21", "31/07/21", "31/10/21"]),
            ("30/09/2021 and 31/03/22", vec!["30/09/2021", "31/03/22"]),
            ("Ongoing Ongoing", vec!["Ongoing", "Ongoing"]),
            (
                "June 2021 Ongoing (started March 2021) Process in place – Oct 2021",
                vec!["June 2021", "Ongoing (started March 2021)", "Oct 2021"],
            ),
            (
                "June 2021\nOngoing (started March 2021)\nProcess in place – Oct 2021",
                vec!["June 2021", "Ongoing (started March 2021)", "Oct 2021"],
            ),
            (
                "review all open cases 0-25 (now until 31 March 2021) which includes",
                vec!["31 March 2021"],
            ),
            ("De-centralise business support - saving £400,000 in 2021/22", vec![]),
            ("Eligibility Criteria 0-17 and 18-25", vec![]),
            ("effective 14+ transition planning", vec![]),
            ("Reduction in Head of Service (0.8FTE) – saving £95k in 2021/22", vec![]),
            ("Repeat exercise in 2.1 in 2021/22", vec![]),
            ("a current list of ARE CYP for April,", vec![]),
            ("aiming for implementation by end of calendar year", vec![]),
            ("Review of grants – saving £106k in 2022/23, end of 2021/22", vec!["end of 2021/22"]),
            ("£1.4.21 or 10.10.10.10 or June 21st", vec![]),
            ("(31/03/21).", vec!["31/03/21"]),
            ("completed 2021-06-20, not 2021-22", vec!["2021-06-20"]),
        ] {
            assert_eq!(dates_in(text), expected, "{text}");
        }
    }

    #[test]
    fn a_by_when_cell_is_blank_one_several_or_not_understood() {
        assert_eq!(due_cell("  "), Cell::Blank);
        assert_eq!(
            due_cell("31/08/21"),
            one(Due::Day(date!(2021 - 08 - 31)), "31/08/21")
        );
        assert_eq!(
            due_cell("2021-08-31"),
            one(Due::Day(date!(2021 - 08 - 31)), "2021-08-31")
        );
        assert_eq!(
            shape(due_cell("01/04/21 31/07/21 31/10/21")),
            several(&["01/04/21", "31/07/21", "31/10/21"])
        );
        assert_eq!(
            shape(due_cell("Ongoing\nOngoing")),
            several(&["Ongoing", "Ongoing"])
        );
        // One date among other words: which part is the due date is not guessed.
        assert_eq!(
            due_cell("Process in place – Oct 2021"),
            Cell::NotUnderstood("Process in place – Oct 2021".to_owned())
        );
        assert_eq!(due_cell("tbc"), Cell::NotUnderstood("tbc".to_owned()));
        // A printed range that runs backwards is refused by `Due::parse`, so not one date.
        assert_eq!(
            due_cell("30/04/21-1/4/21"),
            Cell::NotUnderstood("30/04/21-1/4/21".to_owned())
        );
    }

    #[test]
    fn a_progress_cell_is_blank_one_several_or_not_understood() {
        assert_eq!(status_cell(""), Cell::Blank);
        assert_eq!(
            status_cell(" Not Started "),
            Cell::One {
                value: ActionStatus::NotStarted,
                printed: "Not Started".to_owned()
            }
        );
        assert_eq!(
            shape(status_cell("Complete In progress")),
            several(&["Complete", "In progress"])
        );
        assert_eq!(
            shape(status_cell("In progress In progress In progress")),
            several(&["In progress", "In progress", "In progress"])
        );
        assert_eq!(
            shape(status_cell("Complete,\nnot yet started")),
            several(&["Complete", "not yet started"])
        );
        assert_eq!(
            status_cell("Complete pending sign-off"),
            Cell::NotUnderstood("Complete pending sign-off".to_owned())
        );
        assert_eq!(status_cell("tbc"), Cell::NotUnderstood("tbc".to_owned()));
    }

    #[test]
    fn a_2021_24_plan_accepts_april_2020_to_march_2025() {
        let first = FinancialYear::parse("2021/22").unwrap();
        let last = FinancialYear::parse("2023/24").unwrap();
        let yes = |text: &str| plausible(&Due::parse(text).unwrap(), first, last);
        assert!(yes("2020-04-01"));
        assert!(yes("2025-03-31"));
        assert!(yes("Nov 2020"));
        assert!(yes("ongoing"));
        assert!(yes("April 21 and ongoing"));
        assert!(!yes("2020-03-31"));
        assert!(!yes("2025-04-01"));
        assert!(!yes("30th May, 2012"));
        assert!(!yes("March 2020"));
        assert!(!yes("2025-03-01/2025-04-30"));
        assert!(!yes("ongoing from 2012-05-30"));
    }

    /// Every `date` and `by_when` the CFE plans print (both versions of data/plans/cfe-plan-versions.json: the
    /// February milestones' `date`, the July actions' `by_when_as_printed` and each of its `by_when` items), with
    /// what it reads as: `None` is a cell that is not one due date.
    const PRINTED_DATES: [(&str, Option<Due>); 60] = {
        use Month::*;
        const fn d(date: Date) -> Option<Due> {
            Some(Due::Day(date))
        }
        const fn m(year: i32, month: Month) -> Option<Due> {
            Some(Due::Month { year, month })
        }
        const fn r(from: Date, to: Date) -> Option<Due> {
            Some(Due::Range { from, to })
        }
        const fn o(since: Option<Date>) -> Option<Due> {
            Some(Due::Ongoing { since })
        }
        [
            ("01/01/2022", d(date!(2022 - 01 - 01))),
            ("01/03/21", d(date!(2021 - 03 - 01))),
            ("01/04/2021", d(date!(2021 - 04 - 01))),
            ("01/04/2022", d(date!(2022 - 04 - 01))),
            ("01/04/21", d(date!(2021 - 04 - 01))),
            ("01/04/21 31/07/21 31/10/21", None),
            ("01/04/22", d(date!(2022 - 04 - 01))),
            ("01/08/2021", d(date!(2021 - 08 - 01))),
            ("01/09/2021", d(date!(2021 - 09 - 01))),
            ("01/12/21", d(date!(2021 - 12 - 01))),
            ("04/06/21", d(date!(2021 - 06 - 04))),
            (
                "1/4/21-30/04/21",
                r(date!(2021 - 04 - 01), date!(2021 - 04 - 30)),
            ),
            (
                "1/5/21-30/06/21",
                r(date!(2021 - 05 - 01), date!(2021 - 06 - 30)),
            ),
            ("11/2020", m(2020, November)),
            ("1st March 2021", d(date!(2021 - 03 - 01))),
            ("20/06/21", d(date!(2021 - 06 - 20))),
            ("28/2/21", d(date!(2021 - 02 - 28))),
            ("30/04/21", d(date!(2021 - 04 - 30))),
            ("30/05/21", d(date!(2021 - 05 - 30))),
            ("30/06/21", d(date!(2021 - 06 - 30))),
            ("30/07/21", d(date!(2021 - 07 - 30))),
            ("30/09/2021", d(date!(2021 - 09 - 30))),
            ("30/09/2021 and 31/03/22", None),
            ("30/09/21", d(date!(2021 - 09 - 30))),
            ("30th May 2021", d(date!(2021 - 05 - 30))),
            ("30th May, 2012", d(date!(2012 - 05 - 30))),
            ("31/03/21", d(date!(2021 - 03 - 31))),
            ("31/03/21 30/06/21 30/09/21", None),
            ("31/03/22", d(date!(2022 - 03 - 31))),
            ("31/05/21", d(date!(2021 - 05 - 31))),
            ("31/07/21", d(date!(2021 - 07 - 31))),
            ("31/08/21", d(date!(2021 - 08 - 31))),
            ("31/10/21", d(date!(2021 - 10 - 31))),
            ("31/3/21", d(date!(2021 - 03 - 31))),
            ("April 2021", m(2021, April)),
            ("April 2022", m(2022, April)),
            ("April 21", m(2021, April)),
            ("April 21 and ongoing", o(Some(date!(2021 - 04 - 01)))),
            ("Dec 21", m(2021, December)),
            ("January 2021", m(2021, January)),
            ("July 2021", m(2021, July)),
            ("July 21", m(2021, July)),
            ("June 2021", m(2021, June)),
            (
                "June 2021 Ongoing (started March 2021) Process in place – Oct 2021",
                None,
            ),
            ("June 21", m(2021, June)),
            ("March 21", m(2021, March)),
            ("May 2021", m(2021, May)),
            ("May 21", m(2021, May)),
            ("Nov 2020", m(2020, November)),
            ("November 2021", m(2021, November)),
            ("Ongoing", o(None)),
            (
                "Ongoing (started March 2021)",
                o(Some(date!(2021 - 03 - 01))),
            ),
            ("Ongoing Ongoing", None),
            ("Process in place – Oct 2021", None),
            (
                "Sept-Nov 2021",
                r(date!(2021 - 09 - 01), date!(2021 - 11 - 30)),
            ),
            ("end of 2021/22", d(date!(2022 - 03 - 31))),
            ("end of calendar year", None),
            ("tbc", None),
            ("the start of each financial year", None),
            ("the start of the financial year", None),
        ]
    };

    #[test]
    fn every_date_the_cfe_plans_print_reads_as_expected() {
        for (text, expected) in PRINTED_DATES {
            assert_eq!(due(text), expected, "{text}");
        }
    }

    #[test]
    fn every_by_when_cell_the_cfe_plans_print_is_the_cell_it_should_be() {
        assert_eq!(
            shape(due_cell("01/04/21 31/07/21 31/10/21")),
            several(&["01/04/21", "31/07/21", "31/10/21"])
        );
        assert_eq!(
            shape(due_cell("30/09/2021 and 31/03/22")),
            several(&["30/09/2021", "31/03/22"])
        );
        assert_eq!(
            shape(due_cell("Ongoing Ongoing")),
            several(&["Ongoing", "Ongoing"])
        );
        assert_eq!(
            shape(due_cell("31/03/21 30/06/21 30/09/21")),
            several(&["31/03/21", "30/06/21", "30/09/21"])
        );
        assert_eq!(
            shape(due_cell(
                "June 2021 Ongoing (started March 2021) Process in place – Oct 2021"
            )),
            several(&["June 2021", "Ongoing (started March 2021)", "Oct 2021"])
        );
        for text in [
            "tbc",
            "end of calendar year",
            "the start of each financial year",
            "the start of the financial year",
        ] {
            assert_eq!(due_cell(text), Cell::NotUnderstood(text.to_owned()));
        }
        assert_eq!(
            due_cell("Process in place – Oct 2021"),
            Cell::NotUnderstood("Process in place – Oct 2021".to_owned())
        );
        // Every other printed date is one due date, whatever its plausibility.
        for (text, expected) in PRINTED_DATES {
            if let Some(value) = expected {
                assert_eq!(due_cell(text), one(value, text), "{text}");
            }
        }
    }

    #[test]
    fn every_status_and_progress_cell_the_cfe_plans_print_maps() {
        use ActionStatus::*;
        // February `status` (null is a blank cell) and July `progress_as_printed`, with their `progress` items.
        for (text, expected) in [
            ("in progress", Some(InProgress)),
            ("not started", Some(NotStarted)),
            ("completed", Some(Complete)),
            ("ongoing", Some(InProgress)),
            ("In progress", Some(InProgress)),
            ("Completed", Some(Complete)),
            ("complete", Some(Complete)),
            ("Complete", Some(Complete)),
            ("Not started", Some(NotStarted)),
            ("Not Started", Some(NotStarted)),
            ("In consultation", Some(InProgress)),
        ] {
            assert_eq!(
                status_cell(text),
                Cell::One {
                    value: expected.unwrap(),
                    printed: text.to_owned()
                },
                "{text}"
            );
        }
        assert_eq!(
            shape(status_cell("Complete In progress")),
            several(&["Complete", "In progress"])
        );
        assert_eq!(
            shape(status_cell("In progress In progress In progress")),
            several(&["In progress", "In progress", "In progress"])
        );
        assert_eq!(status_cell(""), Cell::Blank);
    }

    /// The data file itself: every date and status it prints is in the tables above.
    #[test]
    fn the_tables_cover_every_printed_cell_of_the_data_file() {
        let data: serde_json::Value =
            serde_json::from_str(include_str!("../../../data/plans/cfe-plan-versions.json"))
                .unwrap();
        let known: Vec<&str> = PRINTED_DATES.iter().map(|(text, _)| *text).collect();
        let statuses = [
            "in progress",
            "not started",
            "completed",
            "ongoing",
            "In progress",
            "Completed",
            "complete",
            "Complete",
            "Not started",
            "Not Started",
            "In consultation",
            "Complete In progress",
            "In progress In progress In progress",
            "",
        ];
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        let mut dates = 0;
        let mut progress = 0;
        for version in data["versions"].as_array().unwrap() {
            for line in version["lines"].as_array().unwrap() {
                for milestone in line["milestones"].as_array().into_iter().flatten() {
                    if let Some(date) = text(&milestone["date"]) {
                        assert!(known.contains(&date.as_str()), "{date}");
                        dates += 1;
                    }
                    if let Some(status) = text(&milestone["status"]) {
                        assert!(statuses.contains(&status.as_str()), "{status}");
                        assert!(matches!(status_cell(&status), Cell::One { .. }), "{status}");
                        progress += 1;
                    }
                }
                for action in line["actions"].as_array().into_iter().flatten() {
                    let cell = text(&action["by_when_as_printed"]).unwrap();
                    assert!(known.contains(&cell.as_str()), "{cell}");
                    let items: Vec<String> = action["by_when"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(text)
                        .collect();
                    for item in &items {
                        assert!(known.contains(&item.as_str()), "{item}");
                    }
                    // A cell of several items is found as those items (`Oct 2021` in `Process in place – Oct 2021`).
                    if items.len() > 1 {
                        let Cell::Several(found) = due_cell(&cell) else {
                            panic!("{cell} is several dates");
                        };
                        assert_eq!(found.len(), items.len(), "{cell}");
                        assert!(
                            found
                                .iter()
                                .zip(&items)
                                .all(|(f, i)| i.contains(f.as_str())),
                            "{cell}"
                        );
                    }
                    let printed = text(&action["progress_as_printed"]).unwrap();
                    assert!(statuses.contains(&printed.as_str()), "{printed}");
                    let items: Vec<String> = action["progress"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(text)
                        .collect();
                    for item in &items {
                        assert!(ActionStatus::from_printed(item).is_some(), "{item}");
                    }
                    if items.len() > 1 {
                        assert_eq!(status_cell(&printed), Cell::Several(items), "{printed}");
                    }
                    dates += 1;
                    progress += 1;
                }
            }
        }
        // Of 58 milestones, 44 print a date and 21 a status; all 32 actions print both cells (one blank).
        assert_eq!((dates, progress), (44 + 32, 21 + 32));
    }

    proptest::proptest! {
        #[test]
        fn no_text_makes_a_reader_panic(text in "\\PC{0,60}") {
            let _ = due(&text);
            let _ = due_cell(&text);
            let _ = status_cell(&text);
            let _ = dates_in(&text);
            let _ = Due::parse(&text);
        }

        #[test]
        fn no_text_of_date_characters_makes_a_reader_panic(text in "[0-9/.\\- a-zA-Z()–,]{0,40}") {
            let _ = due(&text);
            let _ = due_cell(&text);
            let _ = dates_in(&text);
        }
    }
}
