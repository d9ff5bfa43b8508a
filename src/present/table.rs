//! Reports as tables, for finance's spreadsheets: CSV (through the `csv` crate) or XLSX (through
//! `rust_xlsxwriter`), with a header row, a column per financial year where there are years, and totals.

use std::borrow::Cow;

use std::io::Write;

use rust_xlsxwriter::{DataValidation, Format as CellFormat, Workbook, Worksheet};

use crate::domain::money::Unit;
use crate::domain::Money;
use crate::error::ApiError;

/// One value of a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Amount(Money),
    Empty,
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::Text(text.to_owned())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::Text(text)
    }
}

impl From<Money> for Cell {
    fn from(amount: Money) -> Cell {
        Cell::Amount(amount)
    }
}

impl From<Option<Money>> for Cell {
    fn from(amount: Option<Money>) -> Cell {
        amount.map_or(Cell::Empty, Cell::Amount)
    }
}

impl From<Option<String>> for Cell {
    fn from(text: Option<String>) -> Cell {
        text.map_or(Cell::Empty, Cell::Text)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// What the table is, e.g. "MTFS summary, CFE"; the unit and the date it is as at are added when written.
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// A table sent out to be filled in (a return): in XLSX, what may be typed where.
    pub form: Option<Form>,
}

/// What a table sent out to be filled in allows, in XLSX: the columns before `editable_from` are locked (the
/// sheet is protected, without a password: against slips, not people), and each listed column takes only its
/// choices.
#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    pub editable_from: usize,
    pub choices: Vec<(usize, Vec<&'static str>)>,
}

/// A report that can be written as a table.
pub trait Tabular {
    fn table(&self) -> Table;
}

impl Table {
    pub fn new(
        title: impl Into<String>,
        columns: impl IntoIterator<Item = impl Into<String>>,
    ) -> Table {
        Table {
            title: title.into(),
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            form: None,
        }
    }

    /// Adds a row, padded with empty cells to the table's width.
    pub fn row(&mut self, cells: impl IntoIterator<Item = Cell>) {
        let mut row: Vec<Cell> = cells.into_iter().collect();
        row.resize(self.columns.len().max(row.len()), Cell::Empty);
        self.rows.push(row);
    }

    /// CSV: the header row, then the rows; amounts as plain numbers in `unit` (negative with a minus sign), text
    /// neutralised where a spreadsheet would run it as a formula (amounts stay numbers).
    pub fn to_csv(&self, unit: Unit) -> Result<Vec<u8>, ApiError> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        write_csv_header(&mut writer, &self.columns)?;
        for row in &self.rows {
            write_csv_row(&mut writer, row, unit)?;
        }
        writer
            .into_inner()
            .map_err(|error| ApiError::Internal(format!("writing CSV: {error}")))
    }

    /// XLSX: text is always written as a string cell (never a formula, whatever it starts with); a title row
    /// saying what and as at when, the header row, then the rows (see [`XlsxRows`]).
    pub fn to_xlsx(&self, unit: Unit, title: &str) -> Result<Vec<u8>, ApiError> {
        let mut workbook = Workbook::new();
        let mut rows = XlsxRows::new(unit);
        let sheet = workbook.add_worksheet();
        if let Some(form) = &self.form {
            rows.unlock_from(form.editable_from);
        }
        rows.begin(sheet, title, &self.columns)?;
        for row in &self.rows {
            rows.write(sheet, row)?;
        }
        if let Some(form) = &self.form {
            let (first, last) = (3, rows.next.saturating_sub(1).max(3));
            for (column, choices) in &form.choices {
                let rule = DataValidation::new()
                    .allow_list_strings(choices)
                    .map_err(xlsx_failed)?;
                let column = *column as u16;
                sheet
                    .add_data_validation(first, column, last, column, &rule)
                    .map_err(xlsx_failed)?;
            }
            sheet.protect();
        }
        workbook.save_to_buffer().map_err(xlsx_failed)
    }
}

/// Writes the header row of a CSV table.
pub fn write_csv_header<W: Write>(
    writer: &mut csv::Writer<W>,
    columns: &[String],
) -> Result<(), ApiError> {
    writer
        .write_record(columns.iter().map(|c| neutralised(c).into_owned()))
        .map_err(csv_failed)
}

/// Writes one row of a CSV table: amounts as plain numbers in `unit`, text neutralised.
pub fn write_csv_row<W: Write>(
    writer: &mut csv::Writer<W>,
    row: &[Cell],
    unit: Unit,
) -> Result<(), ApiError> {
    writer
        .write_record(row.iter().map(|cell| match cell {
            Cell::Text(text) => neutralised(text).into_owned(),
            Cell::Amount(amount) => amount_text(*amount, unit),
            Cell::Empty => String::new(),
        }))
        .map_err(csv_failed)
}

fn csv_failed(error: csv::Error) -> ApiError {
    ApiError::Internal(format!("writing CSV: {error}"))
}

pub fn xlsx_failed(error: rust_xlsxwriter::XlsxError) -> ApiError {
    ApiError::Internal(format!("writing XLSX: {error}"))
}

/// The most rows a sheet holds (Excel's limit).
pub const XLSX_MAX_ROWS: u32 = 1_048_576;

/// The rows of an XLSX sheet, written in order (as rust_xlsxwriter's constant-memory mode needs): a bold title
/// row, a blank row, the bold header, then the rows. Amounts are numbers (not text) formatted `#,##0;(#,##0)` in
/// £000s (`#,##0.00;(#,##0.00)` in pounds), so negatives — savings — show in brackets as council tables print
/// them; text is always a string cell.
pub struct XlsxRows {
    unit: Unit,
    bold: CellFormat,
    number: CellFormat,
    /// Columns from this one on are written unlocked (a form's editable columns).
    unlocked_from: Option<usize>,
    next: u32,
}

impl XlsxRows {
    pub fn new(unit: Unit) -> XlsxRows {
        XlsxRows {
            unit,
            bold: CellFormat::new().set_bold(),
            number: CellFormat::new().set_num_format(match unit {
                Unit::Thousands => "#,##0;(#,##0)",
                Unit::Pounds => "#,##0.00;(#,##0.00)",
            }),
            unlocked_from: None,
            next: 0,
        }
    }

    /// Writes the columns from `column` on unlocked: in a protected sheet, the ones that may be filled in.
    pub fn unlock_from(&mut self, column: usize) {
        self.unlocked_from = Some(column);
    }

    /// The title and header rows.
    pub fn begin(
        &mut self,
        sheet: &mut Worksheet,
        title: &str,
        columns: &[String],
    ) -> Result<(), ApiError> {
        sheet.set_column_width(0, 14).map_err(xlsx_failed)?;
        sheet
            .write_string_with_format(0, 0, title, &self.bold)
            .map_err(xlsx_failed)?;
        for (column, name) in columns.iter().enumerate() {
            sheet
                .write_string_with_format(2, column as u16, name, &self.bold)
                .map_err(xlsx_failed)?;
        }
        self.next = 3;
        Ok(())
    }

    /// The next row; a problem naming `format` when the sheet is full.
    pub fn write(&mut self, sheet: &mut Worksheet, row: &[Cell]) -> Result<(), ApiError> {
        if self.next >= XLSX_MAX_ROWS {
            return Err(ApiError::parameter(
                "format",
                format!("an XLSX sheet holds at most {XLSX_MAX_ROWS} rows: ask for CSV, or filter the lines"),
            ));
        }
        let at = self.next;
        let unlocked = CellFormat::new().set_unlocked();
        let unlocked_number = self.number.clone().set_unlocked();
        for (index, cell) in row.iter().enumerate() {
            let column = index as u16;
            let editable = self.unlocked_from.is_some_and(|from| index >= from);
            match (cell, editable) {
                (Cell::Text(text), false) => {
                    sheet.write_string(at, column, text).map_err(xlsx_failed)?;
                }
                (Cell::Text(text), true) => {
                    sheet
                        .write_string_with_format(at, column, text, &unlocked)
                        .map_err(xlsx_failed)?;
                }
                (Cell::Amount(amount), editable) => {
                    let format = if editable {
                        &unlocked_number
                    } else {
                        &self.number
                    };
                    let number = spreadsheet_number(*amount, self.unit);
                    sheet
                        .write_number_with_format(at, column, number, format)
                        .map_err(xlsx_failed)?;
                }
                // An editable cell left empty is still one to fill in.
                (Cell::Empty, true) => {
                    sheet
                        .write_blank(at, column, &unlocked)
                        .map_err(xlsx_failed)?;
                }
                (Cell::Empty, false) => {}
            }
        }
        self.next += 1;
        Ok(())
    }
}

fn amount_text(amount: Money, unit: Unit) -> String {
    match unit {
        Unit::Pounds => amount.to_string(),
        Unit::Thousands => amount.thousands().to_string(),
    }
}

/// A spreadsheet number is an IEEE double. Converted from the amount's exact text: pounds and pence up to 15
/// significant digits come back to the penny.
fn spreadsheet_number(amount: Money, unit: Unit) -> f64 {
    amount_text(amount, unit).parse().unwrap_or_default()
}

/// The characters that make a spreadsheet read a CSV cell as a formula (OWASP, "CSV injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];
/// What neutralises such a cell: a leading apostrophe, as OWASP recommends; spreadsheets show the rest as text.
const NEUTRALISING_MARK: char = '\'';

/// Whether `text`, once any leading marks are set aside, starts as a formula would. Text that already starts
/// with marks before such a character gets one more, so that reading it back removes exactly one.
fn needs_mark(text: &str) -> bool {
    text.trim_start_matches(NEUTRALISING_MARK)
        .starts_with(FORMULA_STARTS)
}

/// A text cell as written to CSV: neutralised when a spreadsheet would run it.
pub fn neutralised(text: &str) -> Cow<'_, str> {
    if needs_mark(text) {
        Cow::Owned(format!("{NEUTRALISING_MARK}{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A text cell of a CSV as it was before [`neutralised`]: the tracker reads its own export back unchanged.
pub fn without_neutralising_mark(cell: &str) -> &str {
    match cell.strip_prefix(NEUTRALISING_MARK) {
        Some(rest) if needs_mark(rest) => rest,
        _ => cell,
    }
}
