//! Reading an import file (CSV in the PMO tracker's layout, the first sheet of an XLSX in the same layout, or
//! JSON) into rows, within the limits: the header
//! is checked whole (its size, every column known, none twice) before any row is read, and reading stops at
//! the first row past the limit.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use super::limits::{self, Capped, MAX_COLUMNS, MAX_ROWS};
use super::model::{CellProblem, ImportRow};
use super::xlsx;
use crate::domain::FinancialYear;
use crate::error::ApiError;
use crate::present::table::without_neutralising_mark;

/// The text columns an import understands; every other column must be a financial year (or `total`,
/// which is ignored so that the tracker's own export reads back).
pub const TEXT_COLUMNS: [&str; 9] = [
    "ref",
    "kind",
    "directorate",
    "title",
    "owner",
    "status",
    "nature",
    "description",
    "reason",
];

/// The labels of the totals rows that end the tracker's own CSV export of lines: skipped when read back.
const EXPORT_TOTALS: [&str; 3] = ["total efficiencies", "total growth", "net"];

/// A row of a table as read: its number (1 for the first after the header) and its cells, or why it cannot be
/// read.
pub type Record = (usize, Result<Vec<String>, String>);

/// Reads CSV: a header row (any case), then a line per row.
pub fn csv_rows(bytes: &[u8]) -> Result<Vec<ImportRow>, ApiError> {
    let (headers, records) = csv_table(bytes)?;
    table_rows(&headers, records)
}

/// CSV as its header and its rows of text (each cell trimmed), read lazily so that a caller can stop at its
/// row limit: for this import and for modules with columns of their own (`plans::read`).
pub fn csv_table(
    bytes: &[u8],
) -> Result<(Vec<String>, impl Iterator<Item = Record> + '_), ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers: Vec<String> = match reader.headers() {
        Ok(headers) => headers.iter().map(str::to_owned).collect(),
        Err(error) => {
            let mut problems = Capped::default();
            problems.push(header_problem(
                None,
                format!("the header row cannot be read: {error}"),
            ));
            return Err(problems.into_error());
        }
    };
    let records = reader.into_records().enumerate().map(|(index, record)| {
        let record = record
            .map(|record| record.iter().map(str::to_owned).collect())
            .map_err(|error| error.to_string());
        (index + 1, record)
    });
    Ok((headers, records))
}

/// JSON rows as a table, for modules with columns of their own (`plans::read`): an array of objects (or
/// `{"rows": [...]}`), the columns every row names in the order first named; each value text, a number as its
/// text, null as empty. At most `max_rows` rows and [`MAX_COLUMNS`] columns.
pub fn json_table(
    value: &serde_json::Value,
    max_rows: usize,
) -> Result<(Vec<String>, Vec<Record>), ApiError> {
    let Some(list) = value.get("rows").unwrap_or(value).as_array() else {
        let mut problems = Capped::default();
        problems.push(header_problem(
            None,
            "send an array of rows, each an object of its columns".to_owned(),
        ));
        return Err(problems.into_error());
    };
    if list.len() > max_rows {
        return Err(limits::too_many_rows_of(max_rows));
    }
    let mut headers: Vec<String> = Vec::new();
    for key in list
        .iter()
        .filter_map(|row| row.as_object())
        .flat_map(|row| row.keys())
    {
        if !headers.contains(key) {
            if headers.len() >= MAX_COLUMNS {
                return Err(limits::too_many_columns(headers.len() + 1));
            }
            headers.push(key.clone());
        }
    }
    let records = list
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let cells = match row.as_object() {
                None => Err("each row is an object of its columns".to_owned()),
                Some(object) => headers
                    .iter()
                    .map(|header| match object.get(header) {
                        None => Ok(String::new()),
                        Some(value) => json_text(value).ok_or_else(|| {
                            format!("`{header}` is not text: send text, a number or null")
                        }),
                    })
                    .collect(),
            };
            (index + 1, cells)
        })
        .collect();
    Ok((headers, records))
}

/// Reads the first sheet of an `.xlsx` workbook as CSV is read: a header row, then a row per line.
pub fn xlsx_rows(bytes: &[u8]) -> Result<Vec<ImportRow>, ApiError> {
    let sheet = xlsx::first_sheet(bytes).map_err(refused_workbook)?;
    let rows = sheet.rows.into_iter().map(|(row, cells)| (row, Ok(cells)));
    table_rows(&sheet.headers, rows)
}

/// A workbook `xlsx::first_sheet` refused, as the problem a client gets: the file's, or a limit passed.
pub fn refused_workbook(refusal: xlsx::Refusal) -> ApiError {
    match refusal {
        xlsx::Refusal::File(message) => {
            let mut problems = Capped::default();
            problems.push(header_problem(None, message));
            problems.into_error()
        }
        xlsx::Refusal::TooManyRows => limits::too_many_rows(),
        xlsx::Refusal::TooManyColumns(columns) => limits::too_many_columns(columns),
    }
}

/// A header, then rows of text (each numbered, or a problem reading it): the header checked whole first (its
/// size, every column known, none twice), then each cell within its limit, stopping at the first row past
/// the limit.
fn table_rows(
    headers: &[String],
    records: impl Iterator<Item = (usize, Result<Vec<String>, String>)>,
) -> Result<Vec<ImportRow>, ApiError> {
    let headers: Vec<String> = headers.iter().map(|h| h.trim().to_lowercase()).collect();
    if headers.len() > MAX_COLUMNS {
        return Err(limits::too_many_columns(headers.len()));
    }
    let columns = columns(&headers).map_err(Capped::into_error)?;
    let mut problems = Capped::default();
    let mut rows = Vec::new();
    for (row, record) in records {
        if row > MAX_ROWS {
            return Err(limits::too_many_rows());
        }
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                problems.push(CellProblem {
                    row,
                    column: None,
                    message: format!("this row cannot be read: {error}"),
                });
                continue;
            }
        };
        if record
            .iter()
            .skip(headers.len())
            .any(|value| !value.is_empty())
        {
            problems.push(CellProblem {
                row,
                column: None,
                message: "this row has a value right of the last named column".to_owned(),
            });
            continue;
        }
        let mut import = ImportRow {
            row,
            ..ImportRow::default()
        };
        for ((column, header), value) in columns.iter().zip(&headers).zip(&record) {
            if let Some(problem) = limits::oversized(row, header, value) {
                problems.push(problem);
                continue;
            }
            match column {
                Column::Text(name) => {
                    // The export neutralises text that a spreadsheet would run as a formula; read it back as it was.
                    let value = without_neutralising_mark(value);
                    import.cells.insert(name.clone(), value.to_owned());
                }
                Column::Year(year) => import.years.push((*year, value.to_owned())),
                Column::Ignored => {}
            }
        }
        if !is_export_total(&import) {
            rows.push(import);
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems.into_error())
    }
}

/// A totals row of the tracker's own export: a label where the ref goes, and no line in it.
fn is_export_total(row: &ImportRow) -> bool {
    let label = row.cells.get("ref").map(|r| r.to_lowercase());
    label.is_some_and(|label| EXPORT_TOTALS.contains(&label.as_str()))
        && ["kind", "directorate", "title"]
            .iter()
            .all(|column| row.cells.get(*column).is_none_or(|v| v.is_empty()))
}

/// Reads JSON: `{"rows": [...]}` or a bare array; each row has the text columns and `years` keyed by year.
pub fn json_rows(value: &serde_json::Value) -> Result<Vec<ImportRow>, ApiError> {
    let mut problems = Capped::default();
    let Some(list) = value.get("rows").unwrap_or(value).as_array() else {
        problems.push(header_problem(
            None,
            "send {\"rows\": [...]} or an array of rows".to_owned(),
        ));
        return Err(problems.into_error());
    };
    if list.len() > MAX_ROWS {
        return Err(limits::too_many_rows());
    }
    let mut rows = Vec::with_capacity(list.len());
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
        let years = object.get("years").and_then(|years| years.as_object());
        let columns = object.len() + years.map_or(0, |years| years.len());
        if columns > MAX_COLUMNS {
            return Err(limits::too_many_columns(columns));
        }
        let mut import = ImportRow {
            row,
            ..ImportRow::default()
        };
        for (name, value) in object {
            if name == "years" {
                let Some(years) = value.as_object() else {
                    problems.push(CellProblem {
                        row,
                        column: Some("years".to_owned()),
                        message: "map each year to its amount".to_owned(),
                    });
                    continue;
                };
                let mut seen: HashMap<FinancialYear, &str> = HashMap::new();
                for (written, amount) in years {
                    let year = match FinancialYear::parse(written) {
                        Ok(year) => year,
                        Err(error) => {
                            problems.push(cell_problem(row, written, error.to_string()));
                            continue;
                        }
                    };
                    if let Some(first) = seen.insert(year, written) {
                        problems.push(cell_problem(
                            row,
                            written,
                            format!("is the year `{first}` again; name each year once"),
                        ));
                        continue;
                    }
                    match json_text(amount) {
                        Some(amount) => match limits::oversized(row, written, &amount) {
                            Some(problem) => problems.push(problem),
                            None => import.years.push((year, amount)),
                        },
                        None => {
                            problems.push(cell_problem(row, written, "not an amount".to_owned()))
                        }
                    }
                }
            } else if TEXT_COLUMNS.contains(&name.as_str()) {
                match json_text(value) {
                    Some(text) => match limits::oversized(row, name, &text) {
                        Some(problem) => problems.push(problem),
                        None => {
                            import.cells.insert(name.clone(), text);
                        }
                    },
                    None => problems.push(cell_problem(row, name, "not text".to_owned())),
                }
            } else {
                problems.push(cell_problem(row, name, unknown_column(name)));
            }
        }
        rows.push(import);
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems.into_error())
    }
}

fn json_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        serde_json::Value::Null => Some(String::new()),
        _ => None,
    }
}

fn cell_problem(row: usize, column: &str, message: String) -> CellProblem {
    CellProblem {
        row,
        column: Some(column.to_owned()),
        message,
    }
}

fn header_problem(column: Option<&str>, message: String) -> CellProblem {
    CellProblem {
        row: 0,
        column: column.map(str::to_owned),
        message,
    }
}

enum Column {
    Text(String),
    Year(FinancialYear),
    Ignored,
}

/// What each header names, in one pass: unknown columns, and any column named twice (`2021/22` and
/// `2021-22` are the same column), are refused here, before any row is read.
fn columns(headers: &[String]) -> Result<Vec<Column>, Capped> {
    let mut problems = Capped::default();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    let mut columns = Vec::with_capacity(headers.len());
    for (index, header) in headers.iter().enumerate() {
        let (column, key) = if TEXT_COLUMNS.contains(&header.as_str()) {
            (Column::Text(header.clone()), Some(header.clone()))
        } else if header == "total" {
            (Column::Ignored, None)
        } else if let Ok(year) = FinancialYear::parse(header) {
            (Column::Year(year), Some(year.to_string()))
        } else {
            problems.push(header_problem(Some(header), unknown_column(header)));
            (Column::Ignored, None)
        };
        if let Some(key) = key {
            match first_seen.entry(key) {
                Entry::Occupied(first) => {
                    let first = *first.get();
                    problems.push(header_problem(
                        Some(header),
                        format!(
                            "is the same column as column {first} (`{}`); a file names each column once",
                            headers[first - 1]
                        ),
                    ));
                }
                Entry::Vacant(slot) => {
                    slot.insert(index + 1);
                }
            }
        }
        columns.push(column);
    }
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
