//! Line refs such as `CFE SAV05`: a directorate code, `SAV` (saving) or `GRO` (growth), and a number.
//!
//! The council's papers print the same ref many ways (`CFE Sav 07`, `CFE SAV 08`, `MTFS Ref: CFE SAV 02`,
//! `CFE-SAV05`); all of them read as the one normal form `CFE SAV05`.

use std::fmt;

use super::directorate_code::DirectorateCode;
use super::line::LineKind;

/// The normal form of a line's ref.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, diesel::AsExpression, diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct LineRef {
    directorate: DirectorateCode,
    kind: LineKind,
    number: u16,
}

/// The largest line number; refs print at least two digits (`SAV05`), more from 100 (`SAV123`, `SAV1111`).
pub const MAX_LINE_NUMBER: u16 = 9999;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a line ref: write the directorate, SAV or GRO, and a number, e.g. CFE SAV05")]
pub struct LineRefError(String);

impl LineRef {
    pub fn new(directorate: DirectorateCode, kind: LineKind, number: u16) -> Option<LineRef> {
        (1..=MAX_LINE_NUMBER).contains(&number).then_some(LineRef {
            directorate,
            kind,
            number,
        })
    }

    /// Reads any printed form: any case, spaces, hyphens, underscores, leading zeros and an `MTFS Ref:` prefix.
    pub fn parse(text: &str) -> Result<LineRef, LineRefError> {
        let error = || LineRefError(text.to_owned());
        let mut compact: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_' | '\t'))
            .collect::<String>()
            .to_ascii_uppercase();
        if let Some(rest) = compact.strip_prefix("MTFSREF:") {
            compact = rest.to_owned();
        }
        let digits_from = compact.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (letters, digits) = compact.split_at(digits_from);
        // ASCII only: every valid ref is, and the split below counts bytes.
        if digits.is_empty() || letters.len() < 3 || !letters.is_ascii() {
            return Err(error());
        }
        let (directorate, kind) = letters.split_at(letters.len() - 3);
        let kind = match kind {
            "SAV" => LineKind::Saving,
            "GRO" => LineKind::Growth,
            _ => return Err(error()),
        };
        let directorate = DirectorateCode::parse(directorate).map_err(|_| error())?;
        let number = digits
            .trim_start_matches('0')
            .parse::<u16>()
            .map_err(|_| error())?;
        LineRef::new(directorate, kind, number).ok_or_else(error)
    }

    /// Reads the form the database stores, as `Display` prints it (`CFE SAV05`), without `parse`'s allowances
    /// for printed forms: the few checks that form needs, and no copy of the text but the directorate's. Any
    /// other text goes to `parse`, so the answer is always `parse`'s.
    pub fn parse_stored(text: &str) -> Result<LineRef, LineRefError> {
        let canonical = text.split_once(' ').and_then(|(code, rest)| {
            let kind = match rest.get(..3)? {
                "SAV" => LineKind::Saving,
                "GRO" => LineKind::Growth,
                _ => return None,
            };
            let digits = &rest[3..];
            if !(2..=4).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let directorate = DirectorateCode::parse(code).ok()?;
            LineRef::new(directorate, kind, digits.parse().ok()?)
        });
        canonical.map_or_else(|| LineRef::parse(text), Ok)
    }

    pub fn directorate(&self) -> &DirectorateCode {
        &self.directorate
    }

    pub fn kind(&self) -> LineKind {
        self.kind
    }

    pub fn number(&self) -> u16 {
        self.number
    }

    /// The text range `[from, to)` that the normal form of every ref of a directorate's lines of one kind falls
    /// in (`CFE SAV` up to `CFE SAV:`, the character after the digits): a range on an index of refs finds a
    /// directorate's savings without a join to the lines.
    pub fn range_of(directorate: &DirectorateCode, kind: LineKind) -> (String, String) {
        let from = format!("{directorate} {}", kind.ref_code());
        let to = format!("{from}:");
        (from, to)
    }

    /// The form used in URLs: `CFE-SAV05` (no space to encode).
    pub fn path_form(&self) -> String {
        format!(
            "{}-{}{:02}",
            self.directorate,
            self.kind.ref_code(),
            self.number
        )
    }
}

impl fmt::Display for LineRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}{:02}",
            self.directorate,
            self.kind.ref_code(),
            self.number
        )
    }
}

text_value!(
    LineRef,
    parse: LineRef::parse,
    pattern: None::<String>,
    example: "CFE SAV05",
    description: "A line's ref: directorate, SAV (saving) or GRO (growth), and a number. Answers use the normal form \
        `CFE SAV05`; requests may use any printed form (`cfe sav 5`, `CFE-SAV05`, `MTFS Ref: CFE SAV 05`)."
);

#[cfg(test)]
mod tests {
    #[test]
    fn range_of_holds_exactly_a_directorates_refs_of_a_kind() {
        let cfe = DirectorateCode::parse("CFE").expect("a code");
        let (from, to) = LineRef::range_of(&cfe, LineKind::Saving);
        let within = |text: &str| from.as_str() <= text && text < to.as_str();
        for number in [1, 5, 99, 100, 999] {
            let saving = LineRef::new(cfe.clone(), LineKind::Saving, number).expect("a ref");
            assert!(within(&saving.to_string()), "{saving}");
            let growth = LineRef::new(cfe.clone(), LineKind::Growth, number).expect("a ref");
            assert!(!within(&growth.to_string()), "{growth}");
        }
        for other in ["CF", "CFEX", "CFF", "AB"] {
            let code = DirectorateCode::parse(other).expect("a code");
            let saving = LineRef::new(code, LineKind::Saving, 5).expect("a ref");
            assert!(!within(&saving.to_string()), "{saving}");
        }
    }

    use super::*;

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(text in ".{0,16}") {
            let _ = LineRef::parse(&text);
        }

        #[test]
        fn the_stored_form_reads_as_parse_reads_it(
            text in "([A-Za-z]{1,9}|MTFS) ?(SAV|GRO|sav|Sa)[ 0-9]{0,6}|.{0,12}",
            code in "[A-Z]{2,8}",
            saving: bool,
            number in 0u16..=10000,
        ) {
            proptest::prop_assert_eq!(LineRef::parse_stored(&text), LineRef::parse(&text));
            let kind = if saving { LineKind::Saving } else { LineKind::Growth };
            if let Some(line_ref) = DirectorateCode::parse(&code).ok().and_then(|d| LineRef::new(d, kind, number)) {
                let stored = line_ref.to_string();
                proptest::prop_assert_eq!(LineRef::parse_stored(&stored), Ok(line_ref));
            }
        }
    }

    #[test]
    fn refuses_letters_beyond_ascii() {
        for text in ["éé1", "CFÉSAV1", "CFE SÀV1", "\u{10000}0"] {
            assert!(LineRef::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn reads_every_printed_form() {
        for printed in [
            "CFE SAV05",
            "cfe sav 5",
            "CFE Sav 05",
            "CFE SAV 05",
            "CFE-SAV05",
            "cfesav05",
            "CFE SAV 005",
            "MTFS Ref: CFE SAV 05",
            "  CFE  SAV05 ",
        ] {
            assert_eq!(
                LineRef::parse(printed).unwrap().to_string(),
                "CFE SAV05",
                "{printed:?}"
            );
        }
        let growth = LineRef::parse("cfe gro 1").unwrap();
        assert_eq!(growth.to_string(), "CFE GRO01");
        assert_eq!(growth.path_form(), "CFE-GRO01");
        assert_eq!(
            LineRef::parse("ASC SAV123").unwrap().to_string(),
            "ASC SAV123"
        );
    }

    #[test]
    fn rejects_what_is_not_a_ref() {
        for bad in [
            "",
            "CFE",
            "CFE SAV",
            "CFE XYZ05",
            "SAV05",
            "C SAV05",
            "CFE SAV0",
            "CFE SAV10000",
            "CF3 SAV05",
            "ABCDEFGHI SAV01",
        ] {
            assert!(LineRef::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
