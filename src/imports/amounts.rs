//! An import's amounts: read exactly in the file's unit, with warnings where a figure looks typed in the
//! wrong unit or is far out of scale with the line's other years.

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::domain::money::{Unit, MAX_PENCE};
use crate::domain::printed_amount;
use crate::domain::{FinancialYear, LineKind, Money, YearAmount};

/// Reads one amount written in `unit`, in any printed form (`domain::printed_amount`): exactly, to the penny (so
/// up to five decimals in £000s). A saving may
/// be written negative, as printed; growth may not. Returns the amount in pounds and, where the figure looks
/// typed in the wrong unit, a warning. Any text at all is an amount or an error, never a panic.
pub fn amount(
    written: &str,
    unit: Unit,
    kind: Option<LineKind>,
) -> Result<(Money, Option<String>), String> {
    // As printed (`1,608`, `(1,065)`, `£272,000`, `-`), into plain digits; messages quote what was written.
    let plain = printed_amount::plain(written)?;
    let text = written.trim();
    let unsigned = plain.strip_prefix('-').unwrap_or(&plain);
    let fraction = unsigned.split_once('.').map_or("", |(_, f)| f);
    let whole = unsigned.split_once('.').map_or(unsigned, |(w, _)| w);
    let decimals_allowed = match unit {
        Unit::Pounds => 2,
        Unit::Thousands => 5,
    };
    if fraction.len() > decimals_allowed {
        return Err(format!(
            "`{text}` has more decimals than pence allow; amounts are never rounded"
        ));
    }
    let out_of_range = || format!("`{text}` is out of range: at most £999,999,999,999.99");
    // More whole digits than the largest amount has in any unit: refused before any arithmetic.
    if whole.trim_start_matches('0').len() > 12 {
        return Err(out_of_range());
    }
    let value = Decimal::from_str(&plain).map_err(|_| out_of_range())?;
    let pounds = match unit {
        Unit::Pounds => Some(value),
        Unit::Thousands => value.checked_mul(Decimal::ONE_THOUSAND),
    }
    .ok_or_else(out_of_range)?
    .normalize();
    if pounds.scale() > 2 || pounds.abs() > Decimal::new(MAX_PENCE, 2) {
        return Err(out_of_range());
    }
    let pounds = if pounds.is_sign_negative() && !pounds.is_zero() {
        if kind == Some(LineKind::Growth) {
            return Err(format!("`{text}` is negative: growth is a positive amount"));
        }
        -pounds // a saving printed negative, as the tracker's own export writes it
    } else {
        pounds
    };
    let amount =
        Money::parse(&pounds.round_dp(2).to_string()).map_err(|error| error.to_string())?;
    // The slips the February 2021 sheets print (tests/import_slips.rs): pounds in a £000s column, with their £
    // sign (`£272,000`) or as a round number of thousands too big for one line's year (`126,000`); and a
    // point for a thousands separator (`1.719`). A real £000s figure has neither.
    let magnitude = value.abs();
    let round_thousands =
        magnitude >= Decimal::new(10_000, 0) && (magnitude % Decimal::ONE_THOUSAND).is_zero();
    let warning = match unit {
        Unit::Thousands if text.contains('£') => Some(format!(
            "`{text}` has a £ sign in a £000s column, and reads as £{amount}: is it pounds?"
        )),
        Unit::Thousands if magnitude >= Decimal::new(100_000, 0) || round_thousands => Some(
            format!("`{text}` thousands is £{amount}: is it pounds typed in a £000s column?"),
        ),
        Unit::Thousands if fraction.len() == 3 => Some(format!(
            "`{text}` reads as £{amount}: was the point meant as a thousands separator?"
        )),
        _ => None,
    };
    Ok((amount, warning))
}

/// How many times larger or smaller than the line's largest other year a year must be to be warned of: a unit
/// slip is a factor of 1,000, while a real profile can be uneven by a hundred (CFE GRO01 prints 8,341 / 85 / 77).
const OUT_OF_SCALE: i64 = 500;

/// Years whose amount is [`OUT_OF_SCALE`] times larger or smaller than the line's largest other amount. Linear:
/// only the largest two amounts are ever the "largest other" of a year.
pub fn out_of_scale(years: &[YearAmount]) -> Vec<(FinancialYear, String)> {
    let mut largest: Option<&YearAmount> = None;
    let mut second: Option<&YearAmount> = None;
    for entry in years.iter().filter(|e| !e.amount.is_zero()) {
        if largest.is_none_or(|l| entry.amount > l.amount) {
            second = largest;
            largest = Some(entry);
        } else if second.is_none_or(|s| entry.amount > s.amount) {
            second = Some(entry);
        }
    }
    let mut warnings = Vec::new();
    for entry in years.iter().filter(|e| !e.amount.is_zero()) {
        let other = if largest.is_some_and(|l| std::ptr::eq(l, entry)) {
            second
        } else {
            largest
        };
        let Some(other) = other else { continue };
        let (this, other_amount) = (entry.amount.decimal(), other.amount.decimal());
        let factor = Decimal::from(OUT_OF_SCALE);
        if this >= other_amount * factor || this * factor <= other_amount {
            warnings.push((
                entry.year,
                format!(
                    "£{} is far out of scale with the line's other years (largest £{})",
                    entry.amount, other.amount
                ),
            ));
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn years(amounts: &[&str]) -> Vec<YearAmount> {
        amounts
            .iter()
            .enumerate()
            .map(|(i, a)| YearAmount {
                year: FinancialYear::parse(&format!("{}/{:02}", 2021 + i, (22 + i) % 100)).unwrap(),
                amount: Money::parse(a).unwrap(),
            })
            .collect()
    }

    #[test]
    fn out_of_scale_compares_each_year_with_the_largest_other() {
        let flagged = |amounts: &[&str]| -> Vec<String> {
            out_of_scale(&years(amounts))
                .into_iter()
                .map(|(y, _)| y.to_string())
                .collect()
        };
        assert_eq!(flagged(&["500000.00", "1000.00"]), ["2021/22", "2022/23"]);
        assert_eq!(
            flagged(&["500000.00", "1000.01", "0.00"]),
            Vec::<String>::new()
        );
        // Uneven is not out of scale: CFE GRO01 as printed, in pounds.
        assert_eq!(
            flagged(&["8341000.00", "85000.00", "77000.00"]),
            Vec::<String>::new()
        );
        // Two equal largest: each is the other's largest other.
        assert_eq!(flagged(&["900.00", "900.00", "1.80"]), ["2023/24"]);
        assert_eq!(flagged(&["100.00"]), Vec::<String>::new());
    }

    #[test]
    fn any_amount_in_any_unit_is_read_or_refused_never_a_panic() {
        for unit in [Unit::Pounds, Unit::Thousands] {
            for text in [
                "9999999999999999999999999999",
                "-79228162514264337593543950335",
                "0000000000000000000000000001",
                "1e5",
                "",
                "-",
                ".5",
                "1.",
                "999999999999.99",
            ] {
                let _ = amount(text, unit, Some(LineKind::Saving));
            }
        }
        assert_eq!(
            amount("0000000000000000000000000001", Unit::Pounds, None)
                .unwrap()
                .0
                .to_string(),
            "1.00"
        );
        assert!(amount("999999999.99999", Unit::Thousands, None).is_ok());
        assert!(
            amount("999999999.99999", Unit::Thousands, None)
                .unwrap()
                .0
                .to_string()
                == "999999999999.99"
        );
    }
}
