//! An action's ref within its line's plan, as the plans print it (`6.4`, `2.1`) or as a February milestone is
//! numbered (`M3`).

use std::cmp::Ordering;
use std::fmt;

/// An action's ref: 1–20 letters, digits, `.` and `-`, starting with a letter or digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ActionRef(String);

pub const MAX_LEN: usize = 20;

impl ActionRef {
    pub fn parse(text: &str) -> Result<ActionRef, String> {
        let text = text.trim();
        let shown = crate::domain::instant::shown(text);
        if text.is_empty() {
            return Err("an action's ref is required (such as 6.4)".to_owned());
        }
        if text.len() > MAX_LEN {
            return Err(format!("`{shown}` is longer than {MAX_LEN} characters"));
        }
        let well_formed = text.starts_with(|c: char| c.is_ascii_alphanumeric())
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !well_formed {
            return Err(format!(
                "`{shown}` is not an action's ref: letters, digits, `.` and `-`, such as 6.4"
            ));
        }
        Ok(ActionRef(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The plan's order: numbers compare as numbers part by part (`6.10` after `6.9`), numbered refs first.
    pub fn plan_order(&self, other: &ActionRef) -> Ordering {
        let parts = |r: &ActionRef| -> Vec<(u8, u64, String)> {
            r.0.split(['.', '-'])
                .map(|part| match part.parse::<u64>() {
                    Ok(n) => (0, n, String::new()),
                    Err(_) => (1, 0, part.to_lowercase()),
                })
                .collect()
        };
        parts(self)
            .cmp(&parts(other))
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl fmt::Display for ActionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

text_value!(
    ActionRef,
    parse: ActionRef::parse,
    pattern: Some(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,19}$"),
    example: "6.4",
    description: "An action's ref within its line's plan: 1–20 letters, digits, `.` and `-` (`6.4`, `M3`)."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_read_as_printed_and_sort_as_a_plan_numbers_them() {
        let mut refs: Vec<ActionRef> = ["6.10", "M1", "6.9", "6.4", "10.1"]
            .iter()
            .map(|text| ActionRef::parse(text).unwrap())
            .collect();
        refs.sort_by(|a, b| a.plan_order(b));
        let sorted: Vec<&str> = refs.iter().map(ActionRef::as_str).collect();
        assert_eq!(sorted, ["6.4", "6.9", "6.10", "10.1", "M1"]);
        assert!(ActionRef::parse("").is_err());
        assert!(ActionRef::parse(".4").is_err());
        assert!(ActionRef::parse("6 4").is_err());
        assert!(ActionRef::parse(&"1".repeat(21)).is_err());
    }
}
