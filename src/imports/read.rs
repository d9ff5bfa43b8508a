//! Reading an import file (CSV in the PMO tracker's layout, or JSON) into rows, and reading its amounts.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::{CellProblem, ImportRow};
use crate::domain::money::{Unit, MAX_PENCE};
use crate::domain::{FinancialYear, LineKind, Money};

/// The text columns an import understands; every other column must be a financial year (or `total`,
/// which is ignored so that the tracker's own export reads back).
pub const TEXT_COLUMNS: [&str; 8] = [
    "ref",
    "kind",
    "directorate",
    "title",
    "owner",
    "status",
    "description",
    "reason",
];

/// Reads CSV: a header row (any case), then a line per row.
pub fn csv_rows(bytes: &[u8]) -> Result<Vec<ImportRow>, Vec<CellProblem>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header_problem = |message: String| {
        vec![CellProblem {
            row: 0,
            column: None,
            message,
        }]
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(|error| header_problem(format!("the header row cannot be read: {error}")))?
        .iter()
        .map(|h| h.to_lowercase())
        .collect();
    let columns = columns(headers.iter().map(String::as_str))?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 1;
        match record {
            Ok(record) => {
                let mut import = ImportRow {
                    row,
                    ..ImportRow::default()
                };
                for (column, value) in columns.iter().zip(record.iter()) {
                    match column {
                        Column::Text(name) => {
                            import.cells.insert(name.clone(), value.to_owned());
                        }
                        Column::Year(year) => import.years.push((*year, value.to_owned())),
                        Column::Ignored => {}
                    }
                }
                rows.push(import);
            }
            Err(error) => problems.push(CellProblem {
                row,
                column: None,
                message: format!("this row cannot be read: {error}"),
            }),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Reads JSON: `{"rows": [...]}` or a bare array; each row has the text columns and `years` keyed by year.
pub fn json_rows(value: &serde_json::Value) -> Result<Vec<ImportRow>, Vec<CellProblem>> {
    let list = value
        .get("rows")
        .unwrap_or(value)
        .as_array()
        .ok_or_else(|| {
            vec![CellProblem {
                row: 0,
                column: None,
                message: "send {\"rows\": [...]} or an array of rows".to_owned(),
            }]
        })?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (index, item) in list.iter().enumerate() {
        let row = index + 1;
        let Some(object) = item.as_object() else {
            problems.push(CellProblem {
                row,
                column: None,
                message: "each row is an object".to_owned(),
            });
            continue;
        };
        let mut import = ImportRow {
            row,
            ..ImportRow::default()
        };
        for (name, value) in object {
            let text = |value: &serde_json::Value| match value {
                serde_json::Value::String(text) => Some(text.clone()),
                serde_json::Value::Number(number) => Some(number.to_string()),
                serde_json::Value::Null => Some(String::new()),
                _ => None,
            };
            if name == "years" {
                let Some(years) = value.as_object() else {
                    problems.push(CellProblem {
                        row,
                        column: Some("years".to_owned()),
                        message: "map each year to its amount".to_owned(),
                    });
                    continue;
                };
                for (year, amount) in years {
                    match (FinancialYear::parse(year), text(amount)) {
                        (Ok(year), Some(amount)) => import.years.push((year, amount)),
                        (Err(error), _) => problems.push(CellProblem {
                            row,
                            column: Some(year.clone()),
                            message: error.to_string(),
                        }),
                        (_, None) => problems.push(CellProblem {
                            row,
                            column: Some(year.clone()),
                            message: "not an amount".to_owned(),
                        }),
                    }
                }
            } else if TEXT_COLUMNS.contains(&name.as_str()) {
                match text(value) {
                    Some(text) => {
                        import.cells.insert(name.clone(), text);
                    }
                    None => problems.push(CellProblem {
                        row,
                        column: Some(name.clone()),
                        message: "not text".to_owned(),
                    }),
                }
            } else {
                problems.push(CellProblem {
                    row,
                    column: Some(name.clone()),
                    message: unknown_column(name),
                });
            }
        }
        rows.push(import);
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

enum Column {
    Text(String),
    Year(FinancialYear),
    Ignored,
}

fn columns<'a>(headers: impl Iterator<Item = &'a str>) -> Result<Vec<Column>, Vec<CellProblem>> {
    let mut problems = Vec::new();
    let columns = headers
        .map(|header| {
            if TEXT_COLUMNS.contains(&header) {
                Column::Text(header.to_owned())
            } else if header == "total" {
                Column::Ignored
            } else if let Ok(year) = FinancialYear::parse(header) {
                Column::Year(year)
            } else {
                problems.push(CellProblem {
                    row: 0,
                    column: Some(header.to_owned()),
                    message: unknown_column(header),
                });
                Column::Ignored
            }
        })
        .collect();
    if problems.is_empty() {
        Ok(columns)
    } else {
        Err(problems)
    }
}

fn unknown_column(name: &str) -> String {
    format!(
        "`{name}` is not a column this import reads: use {}, and a column per year such as 2021/22",
        TEXT_COLUMNS.join(", ")
    )
}

/// Reads one amount written in `unit`: exactly, to the penny (so up to five decimals in £000s). A saving may
/// be written negative, as printed; growth may not. Returns the amount in pounds and, where the figure looks
/// typed in the wrong unit, a warning.
pub fn amount(
    written: &str,
    unit: Unit,
    kind: Option<LineKind>,
) -> Result<(Money, Option<String>), String> {
    let text = written.trim();
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = unsigned
        .split_once('.')
        .map_or((unsigned, ""), |(w, f)| (w, f));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let decimals_allowed = match unit {
        Unit::Pounds => 2,
        Unit::Thousands => 5,
    };
    if whole.is_empty()
        || !digits(whole)
        || !digits(fraction)
        || (unsigned.contains('.') && fraction.is_empty())
    {
        return Err(format!(
            "`{text}` is not an amount: write digits with an optional point, e.g. 794000.00"
        ));
    }
    if fraction.len() > decimals_allowed {
        return Err(format!(
            "`{text}` has more decimals than pence allow; amounts are never rounded"
        ));
    }
    let value = Decimal::from_str(text).map_err(|_| format!("`{text}` is not an amount"))?;
    let mut pounds = match unit {
        Unit::Pounds => value,
        Unit::Thousands => value * Decimal::ONE_THOUSAND,
    };
    pounds = pounds.normalize();
    if pounds.scale() > 2 || pounds.abs() > Decimal::new(MAX_PENCE, 2) {
        return Err(format!("`{text}` is out of range"));
    }
    if pounds.is_sign_negative() && !pounds.is_zero() {
        if kind == Some(LineKind::Growth) {
            return Err(format!("`{text}` is negative: growth is a positive amount"));
        }
        pounds = -pounds; // a saving printed negative, as the tracker's own export writes it
    }
    let amount =
        Money::parse(&pounds.round_dp(2).to_string()).map_err(|error| error.to_string())?;
    let warning = match unit {
        Unit::Thousands if value.abs() >= Decimal::new(100_000, 0) => Some(format!(
            "`{text}` thousands is £{amount}: is it pounds typed in a £000s column?"
        )),
        Unit::Thousands if fraction.len() == 3 => Some(format!(
            "`{text}` reads as £{amount}: was the point meant as a thousands separator?"
        )),
        _ => None,
    };
    Ok((amount, warning))
}

/// Years whose amount is a hundred times larger or smaller than the line's largest other amount.
pub fn out_of_scale(years: &[crate::domain::YearAmount]) -> Vec<(FinancialYear, String)> {
    let non_zero: Vec<&crate::domain::YearAmount> =
        years.iter().filter(|e| !e.amount.is_zero()).collect();
    let mut warnings = Vec::new();
    for entry in &non_zero {
        let Some(largest_other) = non_zero
            .iter()
            .filter(|o| o.year != entry.year)
            .map(|o| o.amount)
            .max()
        else {
            continue;
        };
        let (this, other) = (entry.amount.decimal(), largest_other.decimal());
        if this >= other * Decimal::ONE_HUNDRED || this * Decimal::ONE_HUNDRED <= other {
            warnings.push((entry.year, format!("£{} is far out of scale with the line's other years (largest £{largest_other})", entry.amount)));
        }
    }
    warnings
}
