//! Free text from requests (titles, names, descriptions, reasons, notes): one check for all of it.
//!
//! Limits are in bytes of UTF-8, not characters, because bytes are what every stored row, audit event and
//! report pays for: a letter may take four. Control characters are refused: PostgreSQL cannot store NUL at
//! all, and the others only hide text from readers. Multi-line text may keep tabs and line breaks.

use super::validation::FieldErrors;

/// How much text a field takes, and whether it may run over several lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextLimit {
    pub max_bytes: usize,
    pub multi_line: bool,
}

impl TextLimit {
    pub const fn one_line(max_bytes: usize) -> TextLimit {
        TextLimit {
            max_bytes,
            multi_line: false,
        }
    }

    pub const fn multi_line(max_bytes: usize) -> TextLimit {
        TextLimit {
            max_bytes,
            multi_line: true,
        }
    }

    fn allows(self, c: char) -> bool {
        !c.is_control() || (self.multi_line && matches!(c, '\t' | '\n' | '\r'))
    }
}

/// A line's title, a transfer's reference, who agreed a plan. The longest CFE title is 72 bytes.
pub const MAX_TITLE: TextLimit = TextLimit::one_line(200);
/// A person's name (a line's owner). The longest CFE owner is 16 bytes.
pub const MAX_OWNER: TextLimit = TextLimit::one_line(100);
/// A directorate's name. The CFE one is 30 bytes.
pub const MAX_NAME: TextLimit = TextLimit::one_line(200);
/// A line's description. The longest CFE description is 1,485 bytes.
pub const MAX_DESCRIPTION: TextLimit = TextLimit::multi_line(10_000);
/// A reason, a mitigation, a note.
pub const MAX_REASON: TextLimit = TextLimit::multi_line(2_000);

/// Checks one text field: trimmed, not empty when `required`, within `limit`, no control characters.
/// Returns the trimmed text.
pub fn check_text(
    value: &str,
    field: &str,
    required: bool,
    limit: TextLimit,
    errors: &mut FieldErrors,
) -> String {
    let trimmed = value.trim();
    if required && trimmed.is_empty() {
        errors.add(field, "must not be empty");
    } else if trimmed.len() > limit.max_bytes {
        errors.add(
            field,
            format!(
                "must be at most {} bytes of UTF-8 (a letter takes 1 to 4); this is {}",
                limit.max_bytes,
                trimmed.len()
            ),
        );
    } else if let Some(control) = trimmed.chars().find(|c| !limit.allows(*c)) {
        let allowed = if limit.multi_line {
            " (tabs and line breaks are allowed)"
        } else {
            " (one line of text)"
        };
        errors.add(
            field,
            format!(
                "must not contain control characters such as U+{:04X}{allowed}",
                u32::from(control)
            ),
        );
    }
    trimmed.to_owned()
}

/// A query parameter that is free text (a search): within `max_bytes`, and no control characters, so that
/// none reaches a query (PostgreSQL fails on NUL).
pub fn check_query_text(value: &str, max_bytes: usize) -> Result<(), String> {
    if value.len() > max_bytes {
        return Err(format!("must be at most {max_bytes} bytes of UTF-8"));
    }
    match value.chars().find(|c| c.is_control()) {
        Some(control) => Err(format!(
            "must not contain control characters such as U+{:04X}",
            u32::from(control)
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(value: &str, limit: TextLimit) -> Result<String, String> {
        let mut errors = FieldErrors::default();
        let text = check_text(value, "f", true, limit, &mut errors);
        errors
            .into_result(text)
            .map_err(|errors| errors[0].message.clone())
    }

    #[test]
    fn limits_count_bytes_not_characters() {
        let limit = TextLimit::one_line(8);
        assert_eq!(check("abcdefgh", limit), Ok("abcdefgh".to_owned()));
        assert_eq!(check("𝔞𝔟", limit), Ok("𝔞𝔟".to_owned())); // 4 bytes each
        assert!(check("𝔞𝔟𝔠", limit).unwrap_err().contains("at most 8 bytes"));
        assert!(check("abcdefghi", limit).is_err());
    }

    #[test]
    fn control_characters_are_refused_line_breaks_only_in_multi_line_text() {
        assert!(check("a\u{0}b", MAX_DESCRIPTION)
            .unwrap_err()
            .contains("U+0000"));
        assert!(check("a\u{1b}[31mb", MAX_DESCRIPTION).is_err());
        assert!(check("a\u{85}b", MAX_DESCRIPTION).is_err());
        assert_eq!(
            check("a\n\tb\r\nc", MAX_DESCRIPTION),
            Ok("a\n\tb\r\nc".to_owned())
        );
        assert!(check("a\nb", MAX_TITLE).unwrap_err().contains("U+000A"));
        assert!(check("a\tb", MAX_TITLE).is_err());
        assert_eq!(
            check("  Staffing Review \n", MAX_TITLE),
            Ok("Staffing Review".to_owned())
        );
    }
}
