//! Every parser of client input, driven with arbitrary input: each gives a value or an error, never a panic;
//! and where a value has a written form, that form reads back as the same value.

use mtfs::domain::instant::{parse_date, parse_instant, EARLIEST_YEAR, LATEST_YEAR};
use mtfs::domain::money::Unit;
use mtfs::domain::monitoring::Period;
use mtfs::domain::LineKind;
use mtfs::domain::{FinancialYear, LineRef, Money};
use mtfs::imports::amounts::amount;
use mtfs::imports::read::csv_rows;
use mtfs::reports::reconciliation::PrintedAmount;
use proptest::prelude::*;
use time::format_description::well_known::Rfc3339;
use time::UtcOffset;

/// Text that looks like an amount often enough to reach every branch: signs, digits, points, separators,
/// brackets, exponents, and the odd letter or space.
fn amount_like() -> impl Strategy<Value = String> {
    prop::string::string_regex(
        r"[ (]?[-+]?[0-9]{0,32}([.,][0-9]{0,6}){0,3}([eE][-+]?[0-9]{1,3})?[) ]?",
    )
    .expect("a regex")
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), amount_like()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn money_parses_or_refuses_and_its_text_reads_back(text in any_text()) {
        if let Ok(money) = Money::parse(&text) {
            let written = money.to_string();
            prop_assert_eq!(Money::parse(&written), Ok(money));
            prop_assert!(money.pence().abs() <= mtfs::domain::money::MAX_PENCE);
        }
    }

    #[test]
    fn financial_years_parse_or_refuse_and_read_back(
        text in prop_oneof![any::<String>(), "[0-9]{0,6}[/-][0-9]{0,4}"]
    ) {
        if let Ok(year) = FinancialYear::parse(&text) {
            prop_assert_eq!(FinancialYear::parse(&year.to_string()), Ok(year));
            prop_assert_eq!(FinancialYear::parse(&year.path_form()), Ok(year));
            prop_assert!((1990..=2099).contains(&year.start()));
        }
    }

    #[test]
    fn refs_parse_or_refuse_and_read_back(
        text in prop_oneof![
            any::<String>(),
            "(MTFS Ref: ?)?[A-Za-z]{0,10}[ _-]{0,2}(SAV|Sav|sav|GRO|gro|XYZ)[ _-]{0,2}[0-9]{0,24}",
        ]
    ) {
        if let Ok(line_ref) = LineRef::parse(&text) {
            let (written, in_path) = (line_ref.to_string(), line_ref.path_form());
            prop_assert_eq!(LineRef::parse(&written).ok(), Some(line_ref.clone()));
            prop_assert_eq!(LineRef::parse(&in_path).ok(), Some(line_ref));
        }
    }

    #[test]
    fn periods_parse_or_refuse_and_read_back(text in prop_oneof![any::<String>(), " ?[Pp]?[0-9]{0,22} ?"]) {
        if let Ok(period) = Period::parse(&text) {
            prop_assert_eq!(Period::parse(&period.to_string()), Ok(period));
            prop_assert!((1..=12).contains(&period.number()));
        }
    }

    #[test]
    fn instants_parse_or_refuse_in_range_and_read_back(
        text in prop_oneof![
            any::<String>(),
            "[0-9+-]?[0-9]{4}-[01][0-9]-[0-3][0-9][Tt ][0-2][0-9]:[0-5][0-9]:[0-6][0-9](\\.[0-9]{1,12})?([Zz]|[+-][0-2][0-9]:[0-5][0-9])",
            "(1990|2099|9999|0000)-(01|12)-(01|31)T(00|23):(00|59):(00|59)([Zz]|[+-](00|23):(00|59))",
        ]
    ) {
        if let Ok(at) = parse_instant(&text) {
            prop_assert_eq!(at.offset(), UtcOffset::UTC);
            // The year is checked as written; an offset moves it by a day at most.
            prop_assert!((EARLIEST_YEAR - 1..=LATEST_YEAR + 1).contains(&at.year()));
            let written = at.format(&Rfc3339).expect("an instant in range formats");
            if (EARLIEST_YEAR..=LATEST_YEAR).contains(&at.year()) {
                prop_assert_eq!(parse_instant(&written), Ok(at));
            }
        }
    }

    #[test]
    fn dates_parse_or_refuse_in_range_and_read_back(
        text in prop_oneof![any::<String>(), "[+-]?[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}"]
    ) {
        if let Ok(date) = parse_date(&text) {
            prop_assert!((EARLIEST_YEAR..=LATEST_YEAR).contains(&date.year()));
            prop_assert_eq!(parse_date(&date.to_string()), Ok(date));
        }
    }

    #[test]
    fn printed_amounts_parse_or_refuse(text in any_text()) {
        let _ = PrintedAmount::parse(&text);
    }

    #[test]
    fn import_amounts_parse_or_refuse_in_every_unit(
        text in any_text(),
        unit in prop_oneof![Just(Unit::Pounds), Just(Unit::Thousands)],
        kind in prop_oneof![Just(None), Just(Some(LineKind::Saving)), Just(Some(LineKind::Growth))],
    ) {
        if let Ok((money, _warning)) = amount(&text, unit, kind) {
            prop_assert!(!money.is_negative());
            prop_assert!(money.pence() <= mtfs::domain::money::MAX_PENCE);
        }
    }

    #[test]
    fn csv_cells_of_any_bytes_read_or_refuse(bytes in prop::collection::vec(any::<u8>(), 0..2_048)) {
        let _ = csv_rows(&bytes);
    }

    #[test]
    fn csv_files_with_a_real_header_and_any_cells_read_or_refuse(
        cells in prop::collection::vec(prop::collection::vec(any_text(), 0..8), 0..12)
    ) {
        let mut file = String::from("ref,kind,directorate,title,owner,2021/22,2022/23,2021-22\n");
        for row in &cells {
            let quoted: Vec<String> = row.iter().map(|cell| format!("\"{}\"", cell.replace('"', "\"\""))).collect();
            file.push_str(&quoted.join(","));
            file.push('\n');
        }
        let _ = csv_rows(file.as_bytes());
    }
}

#[test]
fn the_inputs_that_used_to_panic_are_refused() {
    assert!(parse_instant("9999-12-31T23:59:59-23:59").is_err());
    assert!(parse_instant("-9999-01-01T00:00:00+23:59").is_err());
    assert!(amount("9999999999999999999999999999", Unit::Thousands, None).is_err());
}
