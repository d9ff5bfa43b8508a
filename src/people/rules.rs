//! The rules of a person's fields that need no storage: names, roles and aliases as one line of text with
//! something to match by, and emails.

use crate::domain::plan::owners::alias_key;
use crate::domain::text::{check_text, TextLimit};
use crate::domain::FieldErrors;

pub const MAX_NAME: TextLimit = TextLimit::one_line(200);
pub const MAX_ROLE: TextLimit = TextLimit::one_line(200);
pub const MAX_ALIAS: TextLimit = TextLimit::one_line(100);
pub const MAX_ALIASES: usize = 20;
pub const MAX_EMAIL_BYTES: usize = 254;

/// Every character that is `char::is_whitespace` or `char::is_control`, as ranges: none may be in an email.
const SPACE_OR_CONTROL: [(u32, u32); 8] = [
    (0x0000, 0x0020),
    (0x007f, 0x00a0),
    (0x1680, 0x1680),
    (0x2000, 0x200a),
    (0x2028, 0x2029),
    (0x202f, 0x202f),
    (0x205f, 0x205f),
    (0x3000, 0x3000),
];

/// A pattern's class of the characters other than `also` and those above (a pattern's `\s` differs between
/// regex engines, so they are spelled out).
fn none_of(also: &str) -> String {
    let ranges: String = SPACE_OR_CONTROL
        .iter()
        .map(|&(from, to)| {
            if from == to {
                format!("\\u{from:04x}")
            } else {
                format!("\\u{from:04x}-\\u{to:04x}")
            }
        })
        .collect();
    format!("[^{also}{ranges}]")
}

/// The email rule as a JSON Schema pattern: exactly what `check_email` accepts (bar its byte limit).
pub fn email_pattern() -> String {
    let local = none_of("@");
    let domain = none_of("@.");
    format!("^{local}+@{domain}+(\\.{domain}+)+$")
}

/// A name, role or alias: `check_text`, and a key to match by (`...` has none).
pub fn check_matchable(
    value: &str,
    field: &str,
    limit: TextLimit,
    errors: &mut FieldErrors,
) -> String {
    let before = errors.len();
    let text = check_text(value, field, true, limit, errors);
    if errors.len() == before && text.chars().any(is_direction_mark) {
        // An override or isolate can make one person's name display as another's.
        errors.add(
            field,
            "must not hold text-direction marks (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069)",
        );
    } else if errors.len() == before && alias_key(&text).is_empty() {
        errors.add(
            field,
            "must hold a letter or digit: a printed owner is matched by it",
        );
    }
    text
}

/// The characters that change how text around them is laid out, left to right or right to left.
fn is_direction_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// An email as given, lower-cased: one line within 254 bytes, no spaces, exactly one `@` with text before it,
/// and a domain with a dot and text either side of each dot.
pub fn check_email(value: &str, errors: &mut FieldErrors) -> String {
    const FIELD: &str = "email";
    if value.len() > MAX_EMAIL_BYTES {
        errors.add(
            FIELD,
            format!(
                "must be at most {MAX_EMAIL_BYTES} bytes of UTF-8; this is {}",
                value.len()
            ),
        );
    } else if let Some(bad) = value.chars().find(|c| c.is_whitespace() || c.is_control()) {
        errors.add(
            FIELD,
            format!(
                "must not contain spaces or control characters such as U+{:04X}",
                u32::from(bad)
            ),
        );
    } else {
        match value.split_once('@') {
            Some((local, domain)) if !domain.contains('@') => {
                if local.is_empty() {
                    errors.add(FIELD, "needs text before the `@`");
                } else if domain.split('.').count() < 2 || domain.split('.').any(str::is_empty) {
                    errors.add(
                        FIELD,
                        "needs a domain after the `@` with a dot in it and text either side of each dot, such as example.gov.uk",
                    );
                }
            }
            _ => errors.add(FIELD, "must hold exactly one `@`"),
        }
    }
    value.to_lowercase()
}

/// Aliases: at most 20, each one line of 1 to 100 bytes with something to match by, none twice by its key
/// (the later named). Answers them trimmed.
pub fn check_aliases(values: &[String], errors: &mut FieldErrors) -> Vec<String> {
    if values.len() > MAX_ALIASES {
        errors.add(
            "aliases",
            format!("at most {MAX_ALIASES} aliases; these are {}", values.len()),
        );
    }
    let mut seen: Vec<(String, usize)> = Vec::new();
    let mut checked = Vec::with_capacity(values.len());
    for (at, value) in values.iter().enumerate() {
        let field = format!("aliases[{at}]");
        let before = errors.len();
        let alias = check_matchable(value, &field, MAX_ALIAS, errors);
        if errors.len() == before {
            let key = alias_key(&alias);
            match seen.iter().find(|(earlier, _)| *earlier == key) {
                Some((_, first)) => errors.add(
                    field,
                    format!("`{alias}` is aliases[{first}] again (aliases are matched whatever their case and spacing)"),
                ),
                None => seen.push((key, at)),
            }
        }
        checked.push(alias);
    }
    checked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(value: &str) -> Result<String, String> {
        let mut errors = FieldErrors::default();
        let checked = check_email(value, &mut errors);
        errors
            .into_result(checked)
            .map_err(|errors| errors[0].message.clone())
    }

    #[test]
    fn an_email_is_stored_lower_cased() {
        assert_eq!(
            email("Shelley.Davies@Example.gov.uk"),
            Ok("shelley.davies@example.gov.uk".to_owned())
        );
    }

    #[test]
    fn an_email_needs_one_at_text_both_sides_and_a_dotted_domain() {
        assert!(email("shelley.davies")
            .unwrap_err()
            .contains("exactly one `@`"));
        assert!(email("a@b@c.uk").unwrap_err().contains("exactly one `@`"));
        assert!(email("@example.gov.uk")
            .unwrap_err()
            .contains("before the `@`"));
        for no_domain in [
            "sd@",
            "sd@localhost",
            "sd@.uk",
            "sd@example.",
            "sd@example..uk",
        ] {
            assert!(
                email(no_domain).unwrap_err().contains("a dot"),
                "{no_domain}"
            );
        }
        assert!(email("shelley davies@example.gov.uk")
            .unwrap_err()
            .contains("spaces"));
        assert!(email(" sd@example.gov.uk").is_err());
        assert!(email("sd@example.gov.uk\u{a0}").is_err());
        let long = format!("{}@example.gov.uk", "a".repeat(240));
        assert!(email(&long).unwrap_err().contains("254 bytes"));
    }

    #[test]
    fn the_pattern_spells_out_every_space_and_control_character() {
        let listed = |c: char| {
            SPACE_OR_CONTROL
                .iter()
                .any(|&(from, to)| (from..=to).contains(&u32::from(c)))
        };
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            assert_eq!(
                c.is_whitespace() || c.is_control(),
                listed(c),
                "U+{:04X}",
                u32::from(c)
            );
        }
        assert_eq!(none_of("@"), "[^@\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028-\\u2029\\u202f\\u205f\\u3000]");
    }

    fn aliases(values: &[&str]) -> Result<Vec<String>, Vec<String>> {
        let mut errors = FieldErrors::default();
        let values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        let checked = check_aliases(&values, &mut errors);
        errors
            .into_result(checked)
            .map_err(|errors| errors.into_iter().map(|e| e.field).collect())
    }

    #[test]
    fn an_alias_given_twice_in_any_case_is_named_where_it_repeats() {
        assert_eq!(
            aliases(&["SD", "S Davies", "Shelley", "s  davies"]),
            Err(vec!["aliases[3]".to_owned()])
        );
        assert_eq!(
            aliases(&[" SD ", "DM"]),
            Ok(vec!["SD".to_owned(), "DM".to_owned()])
        );
    }

    #[test]
    fn an_alias_is_one_line_of_1_to_100_bytes_with_something_to_match() {
        assert_eq!(aliases(&["SD", ""]), Err(vec!["aliases[1]".to_owned()]));
        assert_eq!(aliases(&["..."]), Err(vec!["aliases[0]".to_owned()]));
        assert_eq!(
            aliases(&[&"a".repeat(101)]),
            Err(vec!["aliases[0]".to_owned()])
        );
        assert_eq!(aliases(&["S\nD"]), Err(vec!["aliases[0]".to_owned()]));
        let many: Vec<String> = (0..21).map(|n| format!("A{n}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(aliases(&many), Err(vec!["aliases".to_owned()]));
    }
}
