//! Reading a return that comes back (CSV, or the first sheet of an XLSX, in the layout `template` writes) into
//! one checked row per saving, every problem named by row and column. Pure: no connection.

use std::collections::{BTreeSet, HashMap};

use crate::domain::money::Unit;
use crate::domain::monitoring::{Period, Rag, Substitute};
use crate::domain::{DirectorateCode, FinancialYear, LineKind, LineRef, Money};
use crate::error::ApiError;
use crate::imports::limits::{self, Capped, MAX_COLUMNS, MAX_ROWS};
use crate::imports::model::{cell, CellProblem};
use crate::imports::{self, amounts, xlsx};
use crate::present::table::without_neutralising_mark;

/// The columns a return has (`template::SavingsReturn`'s table); `ref` and `rag` are needed, the rest may be
/// left out. `title`, `owner`, `planned` and `assessed_in` are what the return was sent out with: not read.
pub const COLUMNS: [&str; 17] = [
    "directorate",
    "year",
    "period",
    "ref",
    "title",
    "owner",
    "planned",
    "assessed_in",
    "rag",
    "forecast",
    "at_risk",
    "timing",
    "permanent",
    "slips_to",
    "reason",
    "mitigation",
    "substitutes",
];

/// At most this many rows a return: one directorate's savings (the bench's largest has 1,667), each applied
/// inside the write turn.
pub const MAX_RETURN_ROWS: usize = 10_000;

/// A return file, by its media type.
pub enum ReturnFile<'a> {
    Csv(&'a [u8]),
    Xlsx(&'a [u8]),
    /// `{"rows": [{"ref": "CFE SAV09", "rag": "amber", "at_risk": "137000.00", …}]}`: the columns as keys.
    Json(&'a [u8]),
}

/// The JSON form of a return, as documented for clients (`json_table` reads it as values, so that each problem
/// names its row and column).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct ReturnJson {
    pub rows: Vec<ReturnJsonRow>,
}

/// One saving's row: the return's columns, each text, a number read as its text, or null for empty.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct ReturnJsonRow {
    #[serde(rename = "ref")]
    #[schema(schema_with = cell)]
    pub line_ref: Option<String>,
    #[schema(schema_with = cell)]
    pub rag: Option<String>,
    #[schema(schema_with = cell)]
    pub forecast: Option<String>,
    #[schema(schema_with = cell)]
    pub at_risk: Option<String>,
    #[schema(schema_with = cell)]
    pub timing: Option<String>,
    #[schema(schema_with = cell)]
    pub permanent: Option<String>,
    #[schema(schema_with = cell)]
    pub slips_to: Option<String>,
    #[schema(schema_with = cell)]
    pub reason: Option<String>,
    #[schema(schema_with = cell)]
    pub mitigation: Option<String>,
    /// `CFE SAV16: 50,000; mitigation 3: 10,000`.
    #[schema(schema_with = cell)]
    pub substitutes: Option<String>,
    #[schema(schema_with = cell)]
    pub directorate: Option<String>,
    #[schema(schema_with = cell)]
    pub year: Option<String>,
    #[schema(schema_with = cell)]
    pub period: Option<String>,
    #[schema(schema_with = cell)]
    pub title: Option<String>,
    #[schema(schema_with = cell)]
    pub owner: Option<String>,
    #[schema(schema_with = cell)]
    pub planned: Option<String>,
    #[schema(schema_with = cell)]
    pub assessed_in: Option<String>,
}

/// Which return a file must be.
#[derive(Clone, Debug)]
pub struct Expected {
    pub directorate: DirectorateCode,
    pub year: FinancialYear,
    pub period: Period,
    pub unit: Unit,
}

/// One saving's row as it came back; `rag` absent on a row left blank (not assessed this period).
#[derive(Clone, Debug, Default)]
pub struct ReturnLine {
    /// The row's number in the file (1 for the first after the header).
    pub row: usize,
    pub line_ref: Option<LineRef>,
    pub rag: Option<Rag>,
    pub forecast: Option<Money>,
    pub at_risk: Option<Money>,
    pub timing: Option<Money>,
    pub permanent: Option<Money>,
    pub slips_to: Option<FinancialYear>,
    pub reason: Option<String>,
    pub mitigation: Option<String>,
    pub substitutes: Vec<Substitute>,
}

/// Every row, read and checked; or the file's problems (the first 100 listed).
pub fn rows(file: ReturnFile, expected: &Expected) -> Result<Vec<ReturnLine>, ApiError> {
    let (headers, records) = match file {
        ReturnFile::Csv(bytes) => csv_table(bytes)?,
        ReturnFile::Xlsx(bytes) => xlsx_table(bytes)?,
        ReturnFile::Json(bytes) => json_table(bytes)?,
    };
    if records.len() > MAX_RETURN_ROWS {
        return Err(ApiError::field(
            "rows",
            format!("a return holds at most {MAX_RETURN_ROWS} rows, one directorate's savings; this has {}", records.len()),
        ));
    }
    let headers: Vec<String> = headers.iter().map(|h| h.trim().to_lowercase()).collect();
    if headers.len() > MAX_COLUMNS {
        return Err(limits::too_many_columns(headers.len()));
    }
    let mut problems = Capped::default();
    let mut seen_columns = BTreeSet::new();
    for header in &headers {
        if !COLUMNS.contains(&header.as_str()) {
            problems.push(at(
                0,
                header,
                format!(
                    "`{header}` is not a column of a return: use {}",
                    COLUMNS.join(", ")
                ),
            ));
        } else if !seen_columns.insert(header.as_str()) {
            problems.push(at(0, header, format!("`{header}` is named twice")));
        }
    }
    for needed in ["ref", "rag"] {
        if !seen_columns.contains(needed) {
            problems.push(at(0, needed, format!("a return needs a `{needed}` column")));
        }
    }
    if !problems.is_empty() {
        return Err(problems.into_error());
    }
    let mut lines = Vec::new();
    let mut refs = HashMap::new();
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
        let mut cells: HashMap<&str, &str> = HashMap::new();
        for (header, value) in headers.iter().zip(&record) {
            if let Some(problem) = limits::oversized(row, header, value) {
                problems.push(problem);
                continue;
            }
            cells.insert(header.as_str(), without_neutralising_mark(value.trim()));
        }
        if cells.values().all(|value| value.is_empty()) {
            continue;
        }
        let line = read_line(row, &cells, expected, &mut problems);
        if let Some(line_ref) = &line.line_ref {
            if let Some(first) = refs.insert(line_ref.clone(), row) {
                problems.push(at(
                    row,
                    "ref",
                    format!("{line_ref} is on row {first} already"),
                ));
            }
        }
        lines.push(line);
    }
    if problems.is_empty() {
        Ok(lines)
    } else {
        Err(problems.into_error())
    }
}

/// The directorate a return's rows name (its first row's `directorate`, else its first ref's): whose return a
/// file is when nobody says. `None` when the file cannot be read or names none.
pub fn directorate_named(file: ReturnFile) -> Option<DirectorateCode> {
    let (headers, records) = match file {
        ReturnFile::Csv(bytes) => csv_table(bytes).ok()?,
        ReturnFile::Xlsx(bytes) => xlsx_table(bytes).ok()?,
        ReturnFile::Json(bytes) => json_table(bytes).ok()?,
    };
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let first = records.into_iter().find_map(|(_, record)| record.ok())?;
    let named = |index: Option<usize>| {
        index
            .and_then(|i| first.get(i))
            .map(|cell| cell.trim().to_owned())
    };
    if let Some(code) =
        named(column("directorate")).and_then(|c| DirectorateCode::parse_lenient(&c).ok())
    {
        return Some(code);
    }
    named(column("ref"))
        .and_then(|text| LineRef::parse(&text).ok())
        .map(|line_ref| line_ref.directorate().clone())
}

fn at(row: usize, column: &str, message: impl Into<String>) -> CellProblem {
    CellProblem {
        row,
        column: Some(column.to_owned()),
        message: message.into(),
    }
}

type Records = Vec<(usize, Result<Vec<String>, String>)>;

fn csv_table(bytes: &[u8]) -> Result<(Vec<String>, Records), ApiError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let headers = reader
        .headers()
        .map(|headers| headers.iter().map(str::to_owned).collect())
        .map_err(|error| {
            let mut problems = Capped::default();
            problems.push(CellProblem {
                row: 0,
                column: None,
                message: format!("the header row cannot be read: {error}"),
            });
            problems.into_error()
        })?;
    let mut records = Vec::new();
    for (index, record) in reader.into_records().enumerate() {
        if index >= MAX_ROWS {
            return Err(limits::too_many_rows());
        }
        let record = record
            .map(|record| record.iter().map(str::to_owned).collect())
            .map_err(|error| error.to_string());
        records.push((index + 1, record));
    }
    Ok((headers, records))
}

/// JSON rows as a table: the columns every row names, in the order first named (a key that is not a column is
/// refused as the header's); each value text, a number as its text, null as empty.
fn json_table(bytes: &[u8]) -> Result<(Vec<String>, Records), ApiError> {
    let document: serde_json::Value = crate::http::extract::parse_json(bytes)?;
    let Some(rows) = document.get("rows").and_then(|rows| rows.as_array()) else {
        return Err(ApiError::field(
            "rows",
            "send {\"rows\": [{\"ref\": …, \"rag\": …}, …]}",
        ));
    };
    if rows.len() > MAX_ROWS {
        return Err(limits::too_many_rows());
    }
    let mut headers: Vec<String> = Vec::new();
    for row in rows {
        for key in row.as_object().into_iter().flat_map(|object| object.keys()) {
            if !headers.contains(key) {
                if headers.len() >= MAX_COLUMNS {
                    return Err(limits::too_many_columns(headers.len() + 1));
                }
                headers.push(key.clone());
            }
        }
    }
    let records = rows
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let record = match row.as_object() {
                None => Err(format!("a row is an object of its columns, not {row}")),
                Some(object) => headers
                    .iter()
                    .map(|header| match object.get(header) {
                        None | Some(serde_json::Value::Null) => Ok(String::new()),
                        Some(serde_json::Value::String(text)) => Ok(text.clone()),
                        Some(serde_json::Value::Number(number)) => Ok(number.to_string()),
                        Some(other) => Err(format!("`{header}` is {other}: send text or a number")),
                    })
                    .collect(),
            };
            (index + 1, record)
        })
        .collect();
    Ok((headers, records))
}

/// The first sheet: the header is the first row naming `ref` (the template's XLSX has its title above it).
fn xlsx_table(bytes: &[u8]) -> Result<(Vec<String>, Records), ApiError> {
    let sheet = xlsx::first_sheet(bytes).map_err(imports::read::refused_workbook)?;
    let names_ref = |cells: &[String]| cells.iter().any(|c| c.trim().eq_ignore_ascii_case("ref"));
    if names_ref(&sheet.headers) {
        let rows = sheet.rows.into_iter().map(|(row, cells)| (row, Ok(cells)));
        return Ok((sheet.headers, rows.collect()));
    }
    let mut rows = sheet.rows.into_iter();
    let headers = rows
        .by_ref()
        .take(5)
        .find(|(_, cells)| names_ref(cells))
        .map(|(_, cells)| cells)
        .unwrap_or(sheet.headers);
    Ok((headers, rows.map(|(row, cells)| (row, Ok(cells))).collect()))
}

/// One row's cells, each checked; problems named by row and column.
fn read_line(
    row: usize,
    cells: &HashMap<&str, &str>,
    expected: &Expected,
    problems: &mut Capped,
) -> ReturnLine {
    let cell = |column: &str| cells.get(column).copied().filter(|value| !value.is_empty());
    let mut line = ReturnLine {
        row,
        ..ReturnLine::default()
    };
    // A file for another directorate or period than the one named is refused whole, row by row.
    let belongs = [
        ("directorate", expected.directorate.to_string()),
        ("year", expected.year.to_string()),
        ("period", expected.period.to_string()),
    ];
    for (column, expected_value) in belongs {
        if let Some(value) = cell(column) {
            if !value.eq_ignore_ascii_case(&expected_value) {
                problems.push(at(row, column, format!(
                    "this row is of {column} {value}: the file is imported as the return of {} {} {}",
                    expected.directorate, expected.year, expected.period
                )));
            }
        }
    }
    match cell("ref").map(LineRef::parse) {
        None => problems.push(at(row, "ref", "name the saving")),
        Some(Err(error)) => problems.push(at(row, "ref", error.to_string())),
        Some(Ok(line_ref)) if line_ref.directorate() != &expected.directorate => problems.push(at(
            row,
            "ref",
            format!(
                "{line_ref} is not a saving of {}: this is {}'s return",
                expected.directorate, expected.directorate
            ),
        )),
        Some(Ok(line_ref)) => line.line_ref = Some(line_ref),
    }
    let amount = |column: &str, problems: &mut Capped| -> Option<Money> {
        let written = cell(column)?;
        match amounts::amount(written, expected.unit, Some(LineKind::Saving)) {
            Ok((amount, _)) => Some(amount),
            Err(message) => {
                problems.push(at(row, column, message));
                None
            }
        }
    };
    line.forecast = amount("forecast", problems);
    line.at_risk = amount("at_risk", problems);
    line.timing = amount("timing", problems);
    line.permanent = amount("permanent", problems);
    line.reason = cell("reason").map(str::to_owned);
    line.mitigation = cell("mitigation").map(str::to_owned);
    if let Some(year) = cell("slips_to") {
        match FinancialYear::parse(year) {
            Ok(year) => line.slips_to = Some(year),
            Err(error) => problems.push(at(row, "slips_to", error.to_string())),
        }
    }
    if let Some(written) = cell("substitutes") {
        match substitutes(written, expected.unit) {
            Ok(read) => line.substitutes = read,
            Err(message) => problems.push(at(row, "substitutes", message)),
        }
    }
    match cell("rag") {
        Some(rag) => match Rag::from_name(&rag.to_lowercase()) {
            Some(rag) => line.rag = Some(rag),
            None => problems.push(at(
                row,
                "rag",
                format!("`{rag}` is not a RAG rating: use blue, green, amber or red"),
            )),
        },
        None => {
            let figures = [
                "forecast",
                "at_risk",
                "timing",
                "permanent",
                "slips_to",
                "reason",
                "mitigation",
                "substitutes",
            ];
            if let Some(filled) = figures.iter().find(|column| cell(column).is_some()) {
                problems.push(at(
                    row,
                    "rag",
                    format!("rate the saving: `{filled}` is filled in"),
                ));
            }
        }
    }
    line
}

/// A substitutes cell: `CFE SAV16: 50,000; mitigation 3: 10,000`, each amount as printed in the file's unit.
pub fn substitutes(written: &str, unit: Unit) -> Result<Vec<Substitute>, String> {
    written
        .split(';')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (source, amount) = part
                .rsplit_once(':')
                .ok_or_else(|| format!("`{part}`: write each substitute as `CFE SAV16: 50,000` or `mitigation 3: 10,000`"))?;
            let (amount, _) = amounts::amount(amount.trim(), unit, Some(LineKind::Saving))?;
            let source = source.trim();
            let mitigation = source
                .strip_prefix("mitigation")
                .or_else(|| source.strip_prefix("Mitigation"))
                .map(|id| {
                    id.trim()
                        .parse::<i64>()
                        .map_err(|_| format!("`{source}`: a mitigation is named by its id, `mitigation 3`"))
                })
                .transpose()?;
            let line_ref = match mitigation {
                Some(_) => None,
                None => Some(LineRef::parse(source).map_err(|error| format!("`{source}`: {error}"))?),
            };
            Ok(Substitute {
                line_ref,
                mitigation,
                amount,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_substitutes_cell_reads_savings_and_mitigations_as_printed() {
        let read =
            substitutes("CFE SAV16: 50,000; mitigation 3: 10,000.50;", Unit::Pounds).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(
            read[0]
                .line_ref
                .as_ref()
                .map(ToString::to_string)
                .as_deref(),
            Some("CFE SAV16")
        );
        assert_eq!(read[0].amount, Money::parse("50000.00").unwrap());
        assert_eq!(
            (read[1].mitigation, read[1].amount),
            (Some(3), Money::parse("10000.50").unwrap())
        );
        let thousands = substitutes("CFE SAV16: 50", Unit::Thousands).unwrap();
        assert_eq!(thousands[0].amount, Money::parse("50000.00").unwrap());
        for bad in [
            "CFE SAV16 50000",
            "mitigation x: 5",
            "NOPE: 5",
            "CFE SAV16: 1.001",
        ] {
            assert!(substitutes(bad, Unit::Pounds).is_err(), "{bad}");
        }
    }
}
