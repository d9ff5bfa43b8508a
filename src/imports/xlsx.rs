//! Reading the first sheet of an `.xlsx` upload into a header and rows of text, for `read::table_rows`.
//!
//! A workbook is a zip of XML, so what it costs is not its size on the wire: before calamine opens it, every
//! entry is unpacked once into nothing, within a budget of [`MAX_UNPACKED_BYTES`] in all (a zip bomb stops at the
//! budget), and the shared strings' declared count is bounded (calamine reserves room for that many up front).
//! calamine then streams the sheet's cells one at a time, each checked against the row and column limits before
//! it is kept; a panic inside it is a problem with the file, not a 500. Numbers are read through their shortest
//! decimal text (`1608000`, `1171500.0000000002`), so the amount rules see what the cell holds: a value with
//! more decimals than pence is refused naming its cell, never rounded.

use std::io::{self, BufReader, Cursor, Read};
use std::panic::{self, AssertUnwindSafe};

use calamine::{open_workbook_from_rs, DataRef, Reader, Xlsx};

use super::limits::{MAX_COLUMNS, MAX_ROWS};

/// What a workbook may unpack to, all its entries together: four times the largest import body.
pub const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// Entries in a workbook's zip: a real one has a few dozen.
const MAX_ENTRIES: usize = 10_000;
/// Distinct strings a workbook may declare: more than 50,000 rows of text columns need.
const MAX_SHARED_STRINGS: usize = 1_000_000;

/// A sheet as text: the header's cells, then each row's cells with its number (1 for the first after the
/// header), empty rows left out.
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Why a workbook cannot be read, in words for the import's problem.
pub enum Refusal {
    File(String),
    TooManyRows,
    TooManyColumns(usize),
}

/// The first sheet of the workbook in `bytes`.
pub fn first_sheet(bytes: &[u8]) -> Result<Sheet, Refusal> {
    check_unpacked(bytes).map_err(Refusal::File)?;
    // calamine is well kept, but a hostile file is the one input no one tested: a panic refuses the file.
    panic::catch_unwind(AssertUnwindSafe(|| read_sheet(bytes))).unwrap_or_else(|_| {
        Err(Refusal::File(
            "the workbook cannot be read (calamine could not parse it)".to_owned(),
        ))
    })
}

fn not_a_workbook(error: impl std::fmt::Display) -> String {
    format!("not an .xlsx workbook that can be read: {error}")
}

/// Unpacks every entry into nothing within the budget, and reads the shared strings' declared count.
fn check_unpacked(bytes: &[u8]) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(not_a_workbook)?;
    if archive.len() > MAX_ENTRIES {
        return Err(format!(
            "the workbook holds {} files; an .xlsx holds at most {MAX_ENTRIES}",
            archive.len()
        ));
    }
    let mut budget = MAX_UNPACKED_BYTES;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(not_a_workbook)?;
        let shared_strings = entry
            .name()
            .is_ok_and(|name| name.ends_with("sharedStrings.xml"));
        let unpacked = io::copy(&mut (&mut entry).take(budget + 1), &mut io::sink())
            .map_err(not_a_workbook)?;
        if unpacked > budget {
            return Err(format!(
                "the workbook unpacks to more than {} MiB",
                MAX_UNPACKED_BYTES / (1024 * 1024)
            ));
        }
        budget -= unpacked;
        drop(entry);
        if shared_strings {
            let declared = declared_strings(archive.by_index(index).map_err(not_a_workbook)?)?;
            if declared > MAX_SHARED_STRINGS {
                return Err(format!(
                    "the workbook declares {declared} distinct strings; at most {MAX_SHARED_STRINGS} are read"
                ));
            }
        }
    }
    Ok(())
}

/// The `uniqueCount` (else `count`) of a shared-strings part's `<sst>` element, 0 when it has none.
fn declared_strings(part: impl Read) -> Result<usize, String> {
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(part));
    let mut buffer = Vec::new();
    loop {
        match reader
            .read_event_into(&mut buffer)
            .map_err(not_a_workbook)?
        {
            quick_xml::events::Event::Start(element) | quick_xml::events::Event::Empty(element)
                if element.local_name().as_ref() == "sst" =>
            {
                let mut declared = 0;
                for name in ["uniqueCount", "count"] {
                    if let Some(attribute) =
                        element.try_get_attribute(name).map_err(not_a_workbook)?
                    {
                        // calamine reserves only for digits it can read; too many of them is past the limit.
                        let text = attribute.value.trim();
                        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
                            declared = declared.max(text.parse::<usize>().unwrap_or(usize::MAX));
                        }
                    }
                }
                return Ok(declared);
            }
            quick_xml::events::Event::Eof => return Ok(0),
            _ => buffer.clear(),
        }
    }
}

fn read_sheet(bytes: &[u8]) -> Result<Sheet, Refusal> {
    let file = |error: calamine::XlsxError| Refusal::File(not_a_workbook(error));
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(file)?;
    let Some(name) = workbook.sheet_names().first().cloned() else {
        return Err(Refusal::File("the workbook has no sheet".to_owned()));
    };
    let mut cells = workbook.worksheet_cells_reader(&name).map_err(file)?;
    let mut grid: Vec<Vec<String>> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(file)? {
        let (row, column) = cell.get_position();
        let (row, column) = (row as usize, column as usize);
        if column >= MAX_COLUMNS {
            return Err(Refusal::TooManyColumns(column + 1));
        }
        if row > MAX_ROWS {
            return Err(Refusal::TooManyRows);
        }
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        if grid.len() <= row {
            grid.resize_with(row + 1, Vec::new);
        }
        let cells = &mut grid[row];
        if cells.len() <= column {
            cells.resize(column + 1, String::new());
        }
        cells[column] = text;
    }
    let mut rows = grid.into_iter().enumerate();
    let headers = match rows.next() {
        Some((0, headers)) if !headers.is_empty() => headers,
        _ => {
            return Err(Refusal::File(
                "the first sheet's first row is not a header row".to_owned(),
            ))
        }
    };
    Ok(Sheet {
        headers,
        rows: rows.filter(|(_, cells)| !cells.is_empty()).collect(),
    })
}

/// A cell as the import reads it: text as it is, a number through its shortest decimal text.
fn cell_text(value: &DataRef) -> String {
    match value {
        DataRef::Int(number) => number.to_string(),
        // Rust writes the shortest text that reads back as the same double, and never an exponent.
        DataRef::Float(number) if number.is_finite() => number.to_string(),
        DataRef::Float(_) => "not a finite number".to_owned(),
        DataRef::String(text) => text.trim().to_owned(),
        DataRef::SharedString(text) => text.trim().to_owned(),
        DataRef::Bool(true) => "TRUE".to_owned(),
        DataRef::Bool(false) => "FALSE".to_owned(),
        DataRef::DateTime(serial) => format!("a date (serial {})", serial.as_f64()),
        DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => text.clone(),
        DataRef::Error(error) => format!("{error}"),
        DataRef::Empty => String::new(),
    }
}
