//! Owners as printed: a cell split into its owners, and the key an owner's name, role, initials or alias is
//! matched by.

/// At most this many owners are kept from one cell: a real action has one to three.
pub const MAX_OWNERS: usize = 10;

/// A printed owners cell split into its owners, each as printed (trimmed): on new lines, `,`, `;`, `/` and the
/// word `and` (`RC, OC`, `PB,MW`, `ST/SH`, `JM and SC`), and on bare spaces only between initials (`RM SH`: every
/// word 1–4 capital letters), so `Lead TBC` and `Head of Commissioning CFE` stay whole. Empty parts are dropped
/// and at most [`MAX_OWNERS`] kept. Each is resolved by the caller, who also sees the same owner twice.
pub fn owners_in(cell: &str) -> Vec<String> {
    cell.split(['\n', '\r', ',', ';', '/'])
        .flat_map(split_on_and)
        .flat_map(split_initials)
        .filter(|owner| !owner.is_empty())
        .take(MAX_OWNERS)
        .collect()
}

/// `JM and SC` is two owners (the word `and`, in any case).
fn split_on_and(part: &str) -> Vec<&str> {
    let mut owners = Vec::new();
    let mut rest = part;
    while let Some(at) = find_and(rest) {
        owners.push(&rest[..at]);
        rest = &rest[at + 3..];
    }
    owners.push(rest);
    owners
}

/// Where the word `and` stands between two words of `text`, if it does.
fn find_and(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (1..bytes.len().saturating_sub(3)).find(|&at| {
        bytes[at - 1].is_ascii_whitespace()
            && bytes[at..at + 3].eq_ignore_ascii_case(b"and")
            && bytes[at + 3].is_ascii_whitespace()
    })
}

/// `RM SH` is two owners; a part with any other word stays whole.
fn split_initials(part: &str) -> Vec<String> {
    let words: Vec<&str> = part.split_whitespace().collect();
    let initials =
        |word: &&str| (1..=4).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_uppercase());
    if words.len() > 1 && words.iter().all(initials) {
        words.into_iter().map(str::to_owned).collect()
    } else {
        vec![part.trim().to_owned()]
    }
}

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

    fn owners(cell: &str) -> Vec<String> {
        owners_in(cell)
    }

    #[test]
    fn every_owners_cell_the_cfe_plans_print_splits_into_its_owners() {
        // July 2021 `owners_as_printed` (with its `owners`) and February 2021 `owner`, each distinct one once.
        for (cell, expected) in [
            ("IL", vec!["IL"]),
            ("RB", vec!["RB"]),
            ("RC", vec!["RC"]),
            ("RC, OC", vec!["RC", "OC"]),
            ("PB", vec!["PB"]),
            ("PB, MW", vec!["PB", "MW"]),
            ("PB,MW", vec!["PB", "MW"]),
            ("ST, RC", vec!["ST", "RC"]),
            ("RM SH", vec!["RM", "SH"]),
            ("ST/SH", vec!["ST", "SH"]),
            ("JM", vec!["JM"]),
            ("JM and SC", vec!["JM", "SC"]),
            ("JF", vec!["JF"]),
            ("SS", vec!["SS"]),
            ("RM", vec!["RM"]),
            ("SD, DM", vec!["SD", "DM"]),
            ("SH, DM", vec!["SH", "DM"]),
            ("DM", vec!["DM"]),
            ("SD", vec!["SD"]),
            ("DM, SH", vec!["DM", "SH"]),
            ("KR", vec!["KR"]),
            ("Iain Low", vec!["Iain Low"]),
            ("Nana Bonsu", vec!["Nana Bonsu"]),
            ("Rashida Baig", vec!["Rashida Baig"]),
            ("Rashida Baig/Annette McPartland", vec!["Rashida Baig", "Annette McPartland"]),
            ("Rodica Cobarzan, new HoS", vec!["Rodica Cobarzan", "new HoS"]),
            ("DfE Financial Adviser", vec!["DfE Financial Adviser"]),
            (
                "Azuka Agba Head of Service Transitions/ Head of Service and Rodica Cobrzan for CWD",
                vec!["Azuka Agba Head of Service Transitions", "Head of Service", "Rodica Cobrzan for CWD"],
            ),
            ("Pasquale Brammer, Head of Commissioning", vec!["Pasquale Brammer", "Head of Commissioning"]),
            ("Hannah Doughty", vec!["Hannah Doughty"]),
            ("Pasquale Brammer", vec!["Pasquale Brammer"]),
            ("Lead TBC", vec!["Lead TBC"]),
            (
                "Early Help Service Manager, Head of Commissioning CFE",
                vec!["Early Help Service Manager", "Head of Commissioning CFE"],
            ),
            ("Head of Commissioning CFE", vec!["Head of Commissioning CFE"]),
            ("Julie Ralphs", vec!["Julie Ralphs"]),
            ("Shelley Davies", vec!["Shelley Davies"]),
            ("Denise Bushay", vec!["Denise Bushay"]),
            ("Head of Service", vec!["Head of Service"]),
            ("Kathy Roberts", vec!["Kathy Roberts"]),
            ("", vec![]),
        ] {
            assert_eq!(owners(cell), expected, "{cell}");
        }
    }

    #[test]
    fn owners_split_on_lines_and_keep_at_most_ten() {
        assert_eq!(owners("RM\nSH\r\n  "), ["RM", "SH"]);
        assert_eq!(owners(" , ;/ \n"), Vec::<String>::new());
        assert_eq!(owners("Sandy Anderson"), ["Sandy Anderson"]);
        assert_eq!(owners("Anderson and Co, AND"), ["Anderson", "Co", "AND"]);
        assert_eq!(owners("A B C D E F G H I J K L").len(), MAX_OWNERS);
        assert_eq!(owners("ABCDE FG"), ["ABCDE FG"]);
    }

    proptest::proptest! {
        #[test]
        fn no_cell_makes_the_split_panic(cell in "\\PC{0,80}") {
            let owners = owners_in(&cell);
            proptest::prop_assert!(owners.len() <= MAX_OWNERS);
            proptest::prop_assert!(owners.iter().all(|o| !o.is_empty() && o.trim() == o));
        }
    }

    #[test]
    fn an_alias_matches_whatever_its_case_and_spacing() {
        assert_eq!(alias_key("  Debby   MacCormack, "), "debby maccormack");
        assert_eq!(alias_key("SD"), "sd");
    }
}
