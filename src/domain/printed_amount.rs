//! Amounts as council papers and spreadsheets print them: thousands separators (`1,608`), brackets for
//! negatives (`(1,065)`), a minus (`-1065`), a pound sign (`£272,000`), a dash for nothing (`-`). Read as text,
//! exactly, into the plain decimal text the rest of the service reads (`Money::parse`, an import's unit rules):
//! never through a float, and anything else is refused with the forms that are read.

/// The plain decimal text of an amount as printed: `1,608` → `1608`, `(1,065)` → `-1065`, `£272,000` →
/// `272000`, `-£1,065.50` → `-1065.50`, `126.4` → `126.4`, and a dash alone (`-`, `–`, `—`) → `0`. The digits
/// are kept as written (no rounding, no unit): the caller reads the plain text by its own rules.
pub fn plain(written: &str) -> Result<String, String> {
    let text = written.trim();
    if matches!(text, "-" | "–" | "—") {
        return Ok("0".to_owned());
    }
    let refused = || {
        format!(
            "`{text}` is not an amount: write it as 1608, 1,608, (1,065), -1065 or £272,000, with a point before pence"
        )
    };
    let (bracketed, inner) = match text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        Some(inner) => (true, inner.trim()),
        None => (false, text),
    };
    let (minus, unsigned) = match inner.strip_prefix('-') {
        Some(rest) if !bracketed => (true, rest),
        Some(_) => return Err(refused()), // `(-1,065)`: negative twice over
        None => (false, inner),
    };
    let body = unsigned.strip_prefix('£').unwrap_or(unsigned);
    let (whole, fraction) = match body.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let groups: Vec<&str> = whole.split(',').collect();
    let grouped = match groups.as_slice() {
        [only] => digits(only),
        [first, rest @ ..] => {
            digits(first) && first.len() <= 3 && rest.iter().all(|g| g.len() == 3 && digits(g))
        }
        [] => false,
    };
    if !grouped || fraction.is_some_and(|f| !digits(f)) {
        return Err(refused());
    }
    let sign = if bracketed || minus { "-" } else { "" };
    let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
    Ok(format!("{sign}{}{fraction}", whole.replace(',', "")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_printed_form_into_plain_text() {
        for (printed, expected) in [
            ("1,608", "1608"),
            ("(1,065)", "-1065"),
            ("( 1,065 )", "-1065"),
            ("-1065", "-1065"),
            ("£272,000", "272000"),
            ("(£272,000.50)", "-272000.50"),
            ("-£1,065.5", "-1065.5"),
            ("126.4", "126.4"),
            ("1,234,567.89", "1234567.89"),
            ("0", "0"),
            ("-", "0"),
            ("–", "0"),
            (" 794000.00 ", "794000.00"),
            ("007", "007"),
        ] {
            assert_eq!(plain(printed).as_deref(), Ok(expected), "{printed}");
        }
    }

    #[test]
    fn refuses_what_is_not_printed_as_an_amount() {
        for refused in [
            "",
            "(",
            "()",
            "£",
            "1,60",
            "1,6080",
            ",608",
            "1,608,",
            "1.608.5",
            "1.",
            ".5",
            "(-1,065)",
            "--5",
            "1e5",
            "1 608",
            "£-5",
            "12a",
            "1,608.5,0",
            "+5",
            "NaN",
            "(1,065",
            "٣",
        ] {
            assert!(plain(refused).is_err(), "{refused:?} was read");
        }
    }
}
