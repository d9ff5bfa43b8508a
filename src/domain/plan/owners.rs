//! Owners as printed: the key an owner's name, role, initials or alias is matched by.

/// The text an alias is matched by: lower case, one space between words, no punctuation at either end.
pub fn alias_key(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches(|c: char| c.is_ascii_punctuation())
        .trim()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alias_matches_whatever_its_case_and_spacing() {
        assert_eq!(alias_key("  Debby   MacCormack, "), "debby maccormack");
        assert_eq!(alias_key("SD"), "sd");
    }
}
