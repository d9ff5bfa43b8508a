//! A printed delivery plan read into checked rows (issue 19): the July 2021 action tables (`Layout::Actions`) or
//! the February 2021 high level milestones (`Layout::Milestones`), as CSV, the first sheet of an XLSX, or JSON.
//! Pure: no connection.
//!
//! All or nothing: every refusal (a missing required cell, a bad line or action ref, a ref twice for one line,
//! an unknown column, too many rows) is named by `row N: column` and the file answered with one 422. What the
//! print leaves unclear is never merged or corrected: the row loads with the printed cell kept, the value left
//! unset, and a warning naming the row (several dates or statuses in a cell, a date that cannot be right for the
//! plan's years, a date not understood, an action's text naming a date its By-when does not).

use std::collections::{BTreeSet, HashMap};

use time::Date;

use crate::domain::instant::shown;
use crate::domain::plan::owners::owners_in;
use crate::domain::plan::printed::{self, due_cell, plausible, status_cell, Cell};
use crate::domain::plan::{ActionStatus, Due};
use crate::domain::text::{check_text, TextLimit, MAX_OWNER};
use crate::domain::{FieldErrors, FinancialYear, LineRef};
use crate::error::ApiError;
use crate::imports::limits::{self, Capped, MAX_COLUMNS};
use crate::imports::model::CellProblem;
use crate::imports::read::{csv_table, json_table, refused_workbook, Record};
use crate::imports::xlsx;
use crate::present::table::without_neutralising_mark;

/// Rows in one plan file: a directorate's plan has a few hundred.
pub const MAX_PLAN_ROWS: usize = 10_000;
/// An action's or a milestone's text. The longest CFE one (SAV04's review team) is 668 bytes.
pub const MAX_ACTION_TEXT: TextLimit = TextLimit::multi_line(2_000);
/// A By-when, Progress or completion cell as printed. The longest CFE one is 67 bytes.
pub const MAX_PRINTED_CELL: TextLimit = TextLimit::multi_line(500);
/// An action's ref: `6.4`, `M3`.
pub const MAX_REF_LEN: usize = 20;
/// The actions one action may depend on.
pub const MAX_DEPENDENCIES: usize = 20;

/// Which printed layout a file has; the caller says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// The July 2021 action tables: `line`, `ref`, `action`, `owners`, `by_when`, `progress`, and optionally
    /// `critical`, `depends_on` and `completed_on`.
    Actions,
    /// The February 2021 high level milestones: `line`, `milestone`, `owner`, `status`, `date`, and optionally
    /// `action_ref`, the action the milestone became (blank: `M<n>`, its place among its line's milestones).
    Milestones,
}

/// A plan file's format, by its media type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    /// The first sheet.
    Xlsx,
    /// An array of objects, each the columns as keys with text values (or `{"rows": [...]}`).
    Json,
}

/// The columns of each layout, by the names they play in it.
struct Columns {
    all: &'static [&'static str],
    required: &'static [&'static str],
    action_ref: &'static str,
    text: &'static str,
    owners: &'static str,
    due: &'static str,
    status: &'static str,
}

const ACTIONS: Columns = Columns {
    all: &[
        "line",
        "ref",
        "action",
        "owners",
        "by_when",
        "progress",
        "critical",
        "depends_on",
        "completed_on",
    ],
    required: &["line", "ref", "action"],
    action_ref: "ref",
    text: "action",
    owners: "owners",
    due: "by_when",
    status: "progress",
};

const MILESTONES: Columns = Columns {
    all: &["line", "milestone", "owner", "status", "date", "action_ref"],
    required: &["line", "milestone"],
    action_ref: "action_ref",
    text: "milestone",
    owners: "owner",
    due: "date",
    status: "status",
};

impl Layout {
    fn columns(self) -> &'static Columns {
        match self {
            Layout::Actions => &ACTIONS,
            Layout::Milestones => &MILESTONES,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Layout::Actions => "an action table",
            Layout::Milestones => "a milestones table",
        }
    }
}

/// A plan file read: its rows, and what the print leaves unclear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanFile {
    pub rows: Vec<PlanRow>,
    pub warnings: Vec<PlanWarning>,
}

/// One action (or milestone) as read and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanRow {
    /// The row's number in the file: 1 for the first after the header.
    pub row: usize,
    pub line_ref: LineRef,
    pub action_ref: String,
    pub text: String,
    /// `owners_in` the cell: each as printed, for the caller to resolve.
    pub owners: Vec<String>,
    /// Only when the cell is one due date, plausible for the plan's years.
    pub due: Option<Due>,
    pub due_as_printed: Option<String>,
    /// Only when the cell is one status, or several that are all the same beside a cell of one date.
    pub status: Option<ActionStatus>,
    pub status_as_printed: Option<String>,
    pub critical: bool,
    pub depends_on: Vec<String>,
    pub completed_on: Option<Date>,
    /// A February milestone (`Layout::Milestones`).
    pub milestone: bool,
}

/// What the print leaves unclear in one cell: the row still loads, with that value unset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanWarning {
    pub row: usize,
    pub line_ref: LineRef,
    pub action_ref: String,
    pub column: String,
    pub message: String,
}

/// Reads a plan file of `layout` in `format`, for a plan of the years `window` (first, last): every row checked,
/// or one 422 naming every refusal (the first 100 listed).
pub fn read(
    layout: Layout,
    format: Format,
    bytes: &[u8],
    window: (FinancialYear, FinancialYear),
) -> Result<PlanFile, ApiError> {
    match format {
        Format::Csv => {
            let (headers, records) = csv_table(bytes)?;
            read_table(layout, &headers, records, window)
        }
        Format::Xlsx => {
            let sheet = xlsx::first_sheet(bytes).map_err(|refusal| match refusal {
                xlsx::Refusal::TooManyRows => limits::too_many_rows_of(MAX_PLAN_ROWS),
                other => refused_workbook(other),
            })?;
            let records = sheet.rows.into_iter().map(|(row, cells)| (row, Ok(cells)));
            read_table(layout, &sheet.headers, records, window)
        }
        Format::Json => {
            let value: serde_json::Value = crate::http::extract::parse_json(bytes)?;
            let (headers, records) = json_table(&value, MAX_PLAN_ROWS)?;
            read_table(layout, &headers, records.into_iter(), window)
        }
    }
}

fn read_table(
    layout: Layout,
    headers: &[String],
    records: impl Iterator<Item = Record>,
    window: (FinancialYear, FinancialYear),
) -> Result<PlanFile, ApiError> {
    let headers = header(layout, headers)?;
    let mut reader = Reader {
        layout,
        columns: layout.columns(),
        window,
        problems: Capped::default(),
        warnings: Vec::new(),
        first_row_of: HashMap::new(),
        milestones_of: HashMap::new(),
    };
    let mut rows = Vec::new();
    for (row, record) in records {
        if row > MAX_PLAN_ROWS {
            return Err(limits::too_many_rows_of(MAX_PLAN_ROWS));
        }
        let cells = match record {
            Ok(cells) => cells,
            Err(error) => {
                reader.refuse_row(row, format!("this row cannot be read: {error}"));
                continue;
            }
        };
        if let Some(read) = reader.row(row, &headers, &cells) {
            rows.push(read);
        }
    }
    if reader.problems.is_empty() {
        Ok(PlanFile {
            rows,
            warnings: reader.warnings,
        })
    } else {
        Err(reader.problems.into_error())
    }
}

/// The header checked whole before any row: each name (any case; spaces and hyphens read as `_`, so `By when`
/// is `by_when`) a column of the layout and named once, the required ones there. An unnamed column is kept
/// only while its cells are blank.
fn header(layout: Layout, headers: &[String]) -> Result<Vec<Option<&'static str>>, ApiError> {
    if headers.len() > MAX_COLUMNS {
        return Err(limits::too_many_columns(headers.len()));
    }
    let columns = layout.columns();
    let mut problems = Capped::default();
    let mut named = Vec::with_capacity(headers.len());
    let mut seen = BTreeSet::new();
    for written in headers {
        let name: String = written
            .trim()
            .to_lowercase()
            .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
            .filter(|word| !word.is_empty())
            .collect::<Vec<_>>()
            .join("_");
        if name.is_empty() {
            named.push(None);
            continue;
        }
        let column = columns.all.iter().find(|column| **column == name).copied();
        match column {
            None => problems.push(at(
                0,
                shown(written.trim()),
                format!(
                    "`{}` is not a column of {}: use {}",
                    shown(written.trim()),
                    layout.name(),
                    columns.all.join(", ")
                ),
            )),
            Some(column) if !seen.insert(column) => problems.push(at(
                0,
                column,
                format!("`{column}` is named twice: a file names each column once"),
            )),
            Some(_) => {}
        }
        named.push(column);
    }
    for required in columns.required {
        if !seen.contains(required) {
            problems.push(at(
                0,
                required,
                format!("{} needs a `{required}` column", layout.name()),
            ));
        }
    }
    if problems.is_empty() {
        Ok(named)
    } else {
        Err(problems.into_error())
    }
}

/// What reading the rows keeps: the refusals, the warnings, the refs seen by line, and each line's milestones
/// counted (a milestone without a ref is `M<n>`).
struct Reader {
    layout: Layout,
    columns: &'static Columns,
    window: (FinancialYear, FinancialYear),
    problems: Capped,
    warnings: Vec<PlanWarning>,
    first_row_of: HashMap<(LineRef, String), usize>,
    milestones_of: HashMap<LineRef, usize>,
}

/// A row's cells by column, each trimmed and without the export's formula guard.
type Cells<'a> = HashMap<&'static str, &'a str>;

impl Reader {
    fn refuse(&mut self, row: usize, column: &str, message: impl Into<String>) {
        self.problems.push(at(row, column, message));
    }

    fn refuse_row(&mut self, row: usize, message: String) {
        self.problems.push(CellProblem {
            row,
            column: None,
            message,
        });
    }

    /// One row read and checked: `None` when it is blank or refused.
    fn row(
        &mut self,
        row: usize,
        headers: &[Option<&'static str>],
        values: &[String],
    ) -> Option<PlanRow> {
        let before = self.problems.total;
        if values
            .iter()
            .skip(headers.len())
            .any(|v| !v.trim().is_empty())
        {
            self.refuse_row(
                row,
                "this row has a value right of the last named column".to_owned(),
            );
        }
        let mut cells: Cells = HashMap::new();
        for (index, (column, value)) in headers.iter().zip(values).enumerate() {
            let value = without_neutralising_mark(value.trim());
            match column {
                None if !value.is_empty() => self.refuse_row(
                    row,
                    format!(
                        "this row has a value under column {}, which has no name",
                        index + 1
                    ),
                ),
                None => {}
                Some(column) => match limits::oversized(row, column, value) {
                    Some(problem) => self.problems.push(problem),
                    None => {
                        cells.insert(column, value);
                    }
                },
            }
        }
        if cells.values().all(|value| value.is_empty()) && self.problems.total == before {
            return None;
        }
        let cell = |column: &str| cells.get(column).copied().unwrap_or("");
        let line_ref = self.line_ref(row, cell("line"));
        let action_ref = self.action_ref(row, line_ref.as_ref(), cell(self.columns.action_ref));
        let text = self.text(
            row,
            self.columns.text,
            cell(self.columns.text),
            true,
            MAX_ACTION_TEXT,
        );
        let owners = self.owners(row, cell(self.columns.owners));
        let critical = self.critical(row, cell("critical"));
        let depends_on = self.depends_on(row, action_ref.as_deref(), cell("depends_on"));
        let completed_on = self.completed_on(row, cell("completed_on"));
        let due_printed = self.text(
            row,
            self.columns.due,
            cell(self.columns.due),
            false,
            MAX_PRINTED_CELL,
        );
        let status_printed = self.text(
            row,
            self.columns.status,
            cell(self.columns.status),
            false,
            MAX_PRINTED_CELL,
        );
        let (Some(line_ref), Some(action_ref)) = (line_ref, action_ref) else {
            return None;
        };
        if self.problems.total > before {
            return None;
        }
        let mut read = PlanRow {
            row,
            line_ref,
            action_ref,
            text,
            owners,
            due: None,
            due_as_printed: Some(due_printed).filter(|t| !t.is_empty()),
            status: None,
            status_as_printed: Some(status_printed).filter(|t| !t.is_empty()),
            critical,
            depends_on,
            completed_on,
            milestone: self.layout == Layout::Milestones,
        };
        self.interpret(&mut read);
        Some(read)
    }

    fn line_ref(&mut self, row: usize, written: &str) -> Option<LineRef> {
        if written.is_empty() {
            self.refuse(row, "line", "name the line (such as CFE SAV09)");
            return None;
        }
        match LineRef::parse(written) {
            Ok(line_ref) => Some(line_ref),
            Err(error) => {
                self.refuse(row, "line", error.to_string());
                None
            }
        }
    }

    /// The action's ref, or a milestone's `M<n>` when none is given; each once a line.
    fn action_ref(&mut self, row: usize, line: Option<&LineRef>, written: &str) -> Option<String> {
        let column = self.columns.action_ref;
        let action_ref = match self.layout {
            Layout::Actions if written.is_empty() => {
                self.refuse(row, column, "give the action's ref (such as 6.4)");
                return None;
            }
            Layout::Actions => written.to_owned(),
            Layout::Milestones if written.is_empty() => {
                // Numbered by its place among its line's milestones; a row without a line is refused already.
                let count = self.milestones_of.entry(line?.clone()).or_default();
                *count += 1;
                format!("M{count}")
            }
            Layout::Milestones => {
                if let Some(line) = line {
                    *self.milestones_of.entry(line.clone()).or_default() += 1;
                }
                written.to_owned()
            }
        };
        if let Err(message) = check_ref(&action_ref) {
            self.refuse(row, column, message);
            return None;
        }
        let key = (line?.clone(), action_ref);
        if let Some(first) = self.first_row_of.get(&key) {
            let message = format!("{} of {} is on row {first} already", key.1, key.0);
            self.refuse(row, column, message);
            return None;
        }
        self.first_row_of.insert(key.clone(), row);
        Some(key.1)
    }

    fn text(
        &mut self,
        row: usize,
        column: &str,
        written: &str,
        required: bool,
        limit: TextLimit,
    ) -> String {
        let mut errors = FieldErrors::default();
        let text = check_text(written, column, required, limit, &mut errors);
        if let Err(errors) = errors.into_result(()) {
            for error in errors {
                self.refuse(row, column, error.message);
            }
        }
        text
    }

    fn owners(&mut self, row: usize, written: &str) -> Vec<String> {
        let column = self.columns.owners;
        let owners = owners_in(written);
        for owner in &owners {
            self.text(row, column, owner, false, MAX_OWNER);
        }
        owners
    }

    fn critical(&mut self, row: usize, written: &str) -> bool {
        match written.to_lowercase().as_str() {
            "" | "no" | "false" => false,
            "yes" | "true" => true,
            _ => {
                let message = format!("`{}` is not yes or no (or true or false)", shown(written));
                self.refuse(row, "critical", message);
                false
            }
        }
    }

    /// The refs an action depends on, separated by `,` or `;`: each a ref, named once, not the action's own.
    fn depends_on(&mut self, row: usize, own: Option<&str>, written: &str) -> Vec<String> {
        let mut refs: Vec<String> = Vec::new();
        for part in written
            .split([',', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let problem = if let Err(message) = check_ref(part) {
                Some(message)
            } else if own == Some(part) {
                Some(format!(
                    "{part} is this action's own ref: an action does not depend on itself"
                ))
            } else if refs.iter().any(|r| r == part) {
                Some(format!("{part} is named twice"))
            } else if refs.len() == MAX_DEPENDENCIES {
                Some(format!(
                    "an action depends on at most {MAX_DEPENDENCIES} others"
                ))
            } else {
                refs.push(part.to_owned());
                None
            };
            if let Some(message) = problem {
                self.refuse(row, "depends_on", message);
                break;
            }
        }
        refs
    }

    /// A day: `2021-06-30`, or printed (`30/06/21`).
    fn completed_on(&mut self, row: usize, written: &str) -> Option<Date> {
        if written.is_empty() {
            return None;
        }
        match Due::parse(written) {
            Ok(Due::Day(day)) => Some(day),
            Ok(other) => {
                let message = format!(
                    "`{}` is {other}, not a day: give the day it was completed",
                    shown(written)
                );
                self.refuse(row, "completed_on", message);
                None
            }
            Err(message) => {
                self.refuse(row, "completed_on", message);
                None
            }
        }
    }

    /// The row's due date and status from their printed cells, and a warning for each thing the print leaves
    /// unclear.
    fn interpret(&mut self, read: &mut PlanRow) {
        let (first, last) = self.window;
        let dates = read.due_as_printed.as_deref().map_or(Cell::Blank, due_cell);
        let mut warnings: Vec<(&'static str, String)> = Vec::new();
        let mut by_when: Vec<Due> = Vec::new();
        match &dates {
            Cell::Blank => {}
            Cell::One { value, printed } => {
                by_when.push(*value);
                if plausible(value, first, last) {
                    read.due = Some(*value);
                } else {
                    warnings.push((
                        self.columns.due,
                        format!(
                            "`{printed}` ({value}) is outside the years of a {first} to {last} plan: the due date \
                             is left unset and the cell kept as printed"
                        ),
                    ));
                }
            }
            Cell::Several(dates) => {
                by_when.extend(dates.iter().filter_map(|date| Due::parse(date).ok()));
                warnings.push((
                    self.columns.due,
                    format!(
                        "prints {} dates ({}): the due date is left unset and the cell kept as printed",
                        dates.len(),
                        dates.join("; ")
                    ),
                ));
            }
            Cell::NotUnderstood(printed) => {
                by_when.extend(
                    printed::dates_in(printed)
                        .iter()
                        .filter_map(|date| Due::parse(date).ok()),
                );
                warnings.push((
                    self.columns.due,
                    format!(
                        "`{}` is not one due date: the due date is left unset and the cell kept as printed",
                        shown(printed)
                    ),
                ));
            }
        }
        let several_dates = matches!(dates, Cell::Several(_));
        match read.status_as_printed.as_deref().map_or(Cell::Blank, status_cell) {
            Cell::Blank => {}
            Cell::One { value, .. } => read.status = Some(value),
            Cell::Several(statuses) => {
                let values: BTreeSet<Option<ActionStatus>> =
                    statuses.iter().map(|s| ActionStatus::from_printed(s)).collect();
                let same = match values.iter().collect::<Vec<_>>().as_slice() {
                    [Some(one)] => Some(*one),
                    _ => None,
                };
                match (same, several_dates) {
                    (Some(one), false) => read.status = Some(one),
                    (Some(_), true) => warnings.push((
                        self.columns.status,
                        format!(
                            "prints {} statuses ({}) beside several dates, and not which goes with which: the \
                             status is left unset and the cell kept as printed",
                            statuses.len(),
                            statuses.join("; ")
                        ),
                    )),
                    (None, _) => warnings.push((
                        self.columns.status,
                        format!(
                            "prints {} statuses ({}){}: the status is left unset and the cell kept as printed",
                            statuses.len(),
                            statuses.join("; "),
                            if several_dates { " beside several dates" } else { "" }
                        ),
                    )),
                }
            }
            Cell::NotUnderstood(printed) => warnings.push((
                self.columns.status,
                format!(
                    "`{}` is not a status (such as Not started, In progress, Complete, On hold, Cancelled): the \
                     status is left unset and the cell kept as printed",
                    shown(&printed)
                ),
            )),
        }
        if let Some(message) = dates_not_due(&read.text, &by_when, read.due_as_printed.as_deref()) {
            warnings.push((self.columns.text, message));
        }
        for (column, message) in warnings {
            self.warnings.push(PlanWarning {
                row: read.row,
                line_ref: read.line_ref.clone(),
                action_ref: read.action_ref.clone(),
                column: column.to_owned(),
                message,
            });
        }
    }
}

/// The dates an action's text names that its By-when does not (6.3: `extended to 20/06/2021`, due 04/06/21), as
/// a warning's message. A date is the By-when's when it is due the same day (`31 March 2021` and `31/03/21`);
/// a bare `ongoing` in the text is a word, not a date.
fn dates_not_due(text: &str, by_when: &[Due], printed: Option<&str>) -> Option<String> {
    let same = |a: &Due, b: &Due| a == b || (a.by().is_some() && a.by() == b.by());
    let named: Vec<String> = printed::dates_in(text)
        .into_iter()
        .filter(|date| match Due::parse(date) {
            Ok(Due::Ongoing { since: None }) | Err(_) => false,
            Ok(due) => !by_when.iter().any(|b| same(&due, b)),
        })
        .collect();
    if named.is_empty() {
        return None;
    }
    let by_when = match printed {
        Some(printed) => format!("not its by-when ({printed})"),
        None => "and its by-when is blank".to_owned(),
    };
    Some(format!(
        "the text names {}, {by_when}: check which is the due date",
        named.join(" and "),
    ))
}

/// An action's ref: 1–20 letters, digits, `.` and `-`, starting with a letter or a digit (`6.4`, `M3`).
fn check_ref(text: &str) -> Result<(), String> {
    let well_formed = text.len() <= MAX_REF_LEN
        && text.starts_with(|c: char| c.is_ascii_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not an action's ref: 1 to {MAX_REF_LEN} letters, digits, `.` and `-`, such as 6.4",
            shown(text)
        ))
    }
}

fn at(row: usize, column: &str, message: impl Into<String>) -> CellProblem {
    CellProblem {
        row,
        column: Some(column.to_owned()),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use time::macros::date;

    fn data() -> Value {
        serde_json::from_str(include_str!("../../data/plans/cfe-plan-versions.json")).unwrap()
    }

    /// A 2021–24 plan.
    fn window() -> (FinancialYear, FinancialYear) {
        (
            FinancialYear::parse("2021/22").unwrap(),
            FinancialYear::parse("2023/24").unwrap(),
        )
    }

    fn text(value: &Value) -> String {
        value.as_str().unwrap_or("").to_owned()
    }

    const JULY_HEADER: [&str; 6] = ["line", "ref", "action", "owners", "by_when", "progress"];
    const FEBRUARY_HEADER: [&str; 5] = ["line", "milestone", "owner", "status", "date"];

    /// The July 2021 action tables (all 32 actions), each cell as printed: the line's ref, the action's ref and
    /// text, `owners_as_printed`, `by_when_as_printed`, `progress_as_printed`. Sheet 4's ref is printed cut short
    /// (`CFE SAV 0`), which the data file resolves to CFE SAV06: so does this.
    fn july() -> Vec<Vec<String>> {
        let data = data();
        let mut rows = Vec::new();
        for line in data["versions"][1]["lines"].as_array().unwrap() {
            let printed = text(&line["ref_as_printed"]);
            let line_ref = if printed == "CFE SAV 0" {
                text(&line["ref"])
            } else {
                printed
            };
            for action in line["actions"].as_array().unwrap() {
                rows.push(vec![
                    line_ref.clone(),
                    text(&action["ref"]),
                    text(&action["action"]),
                    text(&action["owners_as_printed"]),
                    text(&action["by_when_as_printed"]),
                    text(&action["progress_as_printed"]),
                ]);
            }
        }
        rows
    }

    /// The February 2021 milestones (all 58), with their `owner`, `status` and `date` (blank where null).
    fn february() -> Vec<Vec<String>> {
        let data = data();
        let mut rows = Vec::new();
        for line in data["versions"][0]["lines"].as_array().unwrap() {
            for milestone in line["milestones"].as_array().unwrap() {
                rows.push(vec![
                    text(&line["ref_as_printed"]),
                    text(&milestone["action"]),
                    text(&milestone["owner"]),
                    text(&milestone["status"]),
                    text(&milestone["date"]),
                ]);
            }
        }
        rows
    }

    fn csv_of(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(header).unwrap();
        for row in rows {
            writer.write_record(row).unwrap();
        }
        writer.into_inner().unwrap()
    }

    fn xlsx_of(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (column, name) in header.iter().enumerate() {
            sheet.write_string(0, column as u16, *name).unwrap();
        }
        for (row, cells) in rows.iter().enumerate() {
            for (column, cell) in cells.iter().enumerate() {
                if !cell.is_empty() {
                    sheet
                        .write_string(row as u32 + 1, column as u16, cell)
                        .unwrap();
                }
            }
        }
        workbook.save_to_buffer().unwrap()
    }

    fn json_of(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
        let rows: Vec<serde_json::Map<String, Value>> = rows
            .iter()
            .map(|cells| {
                header
                    .iter()
                    .zip(cells)
                    .map(|(name, cell)| (name.to_string(), Value::String(cell.clone())))
                    .collect()
            })
            .collect();
        serde_json::to_vec(&rows).unwrap()
    }

    fn read_csv(
        layout: Layout,
        header: &[&str],
        rows: &[Vec<String>],
    ) -> Result<PlanFile, ApiError> {
        read(layout, Format::Csv, &csv_of(header, rows), window())
    }

    fn find<'a>(file: &'a PlanFile, line: &str, action_ref: &str) -> &'a PlanRow {
        let line = LineRef::parse(line).unwrap();
        file.rows
            .iter()
            .find(|row| row.line_ref == line && row.action_ref == action_ref)
            .unwrap_or_else(|| panic!("{line} {action_ref}"))
    }

    fn warned(file: &PlanFile) -> BTreeSet<(String, String, String)> {
        file.warnings
            .iter()
            .map(|w| {
                (
                    w.line_ref.to_string(),
                    w.action_ref.clone(),
                    w.column.clone(),
                )
            })
            .collect()
    }

    fn set(items: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String)> {
        items
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect()
    }

    /// The refused fields of a 422, as `row N: column`.
    fn refused(error: ApiError) -> Vec<String> {
        let problem = error.problem();
        assert_eq!(problem.status, 422, "{problem:?}");
        problem.errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn the_july_actions_load_every_one_with_a_warning_wherever_the_print_is_unclear() {
        let file = read_csv(Layout::Actions, &JULY_HEADER, &july()).unwrap();
        assert_eq!(file.rows.len(), 32);
        assert!(file.rows.iter().all(|row| !row.milestone));
        // Every printed progress maps: to one status, or to several that are each a status.
        for row in &file.rows {
            if let Some(printed) = &row.status_as_printed {
                assert!(
                    !matches!(status_cell(printed), Cell::NotUnderstood(_)),
                    "{printed}"
                );
            }
        }
        assert_eq!(
            warned(&file),
            set(&[
                ("CFE SAV02", "1.2", "by_when"),
                ("CFE SAV02", "1.2", "progress"),
                ("CFE SAV04", "2.2", "by_when"),
                ("CFE SAV05", "3.1", "by_when"),
                ("CFE SAV05", "3.2", "by_when"),
                ("CFE SAV05", "3.2", "progress"),
                ("CFE SAV05", "3.3", "by_when"),
                ("CFE SAV05", "3.3", "progress"),
                ("CFE SAV09", "6.3", "action"),
                ("CFE SAV09", "6.5", "action"),
            ])
        );
        assert_eq!(file.warnings.len(), 10);
        let message = |line: &str, action_ref: &str, column: &str| {
            file.warnings
                .iter()
                .find(|w| {
                    w.line_ref.to_string() == line
                        && w.action_ref == action_ref
                        && w.column == column
                })
                .map(|w| w.message.clone())
                .unwrap()
        };
        assert_eq!(
            message("CFE SAV02", "1.2", "by_when"),
            "prints 3 dates (01/04/21; 31/07/21; 31/10/21): the due date is left unset and the cell kept as printed"
        );
        assert_eq!(
            message("CFE SAV02", "1.2", "progress"),
            "prints 2 statuses (Complete; In progress) beside several dates: the status is left unset and the cell \
             kept as printed"
        );
        assert!(message("CFE SAV05", "3.3", "progress").starts_with(
            "prints 3 statuses (In progress; In progress; In progress) beside several dates"
        ));
        assert_eq!(
            message("CFE SAV09", "6.3", "action"),
            "the text names 20/06/2021, not its by-when (04/06/21): check which is the due date"
        );
        assert_eq!(
            message("CFE SAV09", "6.5", "action"),
            "the text names 20.09.21 and 21.09.21-22.10.21, not its by-when (Sept-Nov 2021): check which is the \
             due date"
        );

        let sav02_2 = find(&file, "CFE SAV02", "1.2");
        assert_eq!((sav02_2.due, sav02_2.status), (None, None));
        assert_eq!(
            sav02_2.due_as_printed.as_deref(),
            Some("01/04/21 31/07/21 31/10/21")
        );
        assert_eq!(
            sav02_2.status_as_printed.as_deref(),
            Some("Complete In progress")
        );
        let cabinet = find(&file, "CFE SAV09", "6.4");
        assert_eq!(cabinet.due, Some(Due::Day(date!(2021 - 08 - 31))));
        assert_eq!(cabinet.status, Some(ActionStatus::NotStarted));
        assert_eq!(cabinet.owners, ["SD"]);
        assert_eq!(
            cabinet.text,
            "Full Cabinet to agree children's centres strategy"
        );
        // One status beside several dates is kept; the dates are not.
        let repeat = find(&file, "CFE SAV04", "2.2");
        assert_eq!(
            (repeat.due, repeat.status),
            (None, Some(ActionStatus::NotStarted))
        );
        let gatekeeping = find(&file, "CFE SAV05", "3.1");
        assert_eq!(
            (gatekeeping.due, gatekeeping.status),
            (None, Some(ActionStatus::Complete))
        );
        assert_eq!(gatekeeping.owners, ["RM", "SH"]);
        let systems = find(&file, "CFE SAV05", "3.3");
        assert_eq!((systems.due, systems.status), (None, None));
        assert_eq!(systems.owners, ["ST", "SH"]);
        let procurement = find(&file, "CFE SAV09", "6.5");
        assert_eq!(
            procurement.due,
            Some(Due::Range {
                from: date!(2021 - 09 - 01),
                to: date!(2021 - 11 - 30)
            })
        );
        assert_eq!(procurement.status, Some(ActionStatus::InProgress));
        let triple = find(&file, "CFE SAV06", "4.2");
        assert_eq!(
            triple.due,
            Some(Due::Ongoing {
                since: Some(date!(2021 - 04 - 01))
            })
        );
        assert_eq!(find(&file, "CFE SAV06", "4.4").owners, ["JM", "SC"]);
        assert_eq!(
            find(&file, "CFE SAV09", "6.1").due,
            Some(Due::Month {
                year: 2020,
                month: time::Month::November
            })
        );
        let last = find(&file, "CFE SAV09", "6.6");
        assert_eq!(
            (last.status, last.status_as_printed.as_deref()),
            (None, None)
        );
        assert_eq!(
            find(&file, "CFE GRO04", "7.3").status,
            Some(ActionStatus::InProgress)
        );
        // Every other action has its one due date and status.
        let unclear = ["1.2", "2.2", "3.1", "3.2", "3.3"];
        for row in file
            .rows
            .iter()
            .filter(|row| !unclear.contains(&row.action_ref.as_str()))
        {
            assert!(row.due.is_some(), "{}", row.action_ref);
            assert!(
                row.status.is_some() || row.action_ref == "6.6",
                "{}",
                row.action_ref
            );
            assert!(!row.critical && row.depends_on.is_empty() && row.completed_on.is_none());
        }
    }

    #[test]
    fn the_february_milestones_load_numbered_by_line_with_the_impossible_dates_warned() {
        let file = read_csv(Layout::Milestones, &FEBRUARY_HEADER, &february()).unwrap();
        assert_eq!(file.rows.len(), 58);
        assert!(file.rows.iter().all(|row| row.milestone));
        let cabinet = find(&file, "CFE SAV09", "M4");
        assert_eq!(
            cabinet.text,
            "Full Cabinet to agree children's centres strategy"
        );
        assert_eq!(
            cabinet.due,
            Some(Due::Month {
                year: 2021,
                month: time::Month::June
            })
        );
        assert_eq!(
            cabinet.due.and_then(|due| due.by()),
            Some(date!(2021 - 06 - 30))
        );
        assert_eq!(
            cabinet.owners,
            ["Early Help Service Manager", "Head of Commissioning CFE"]
        );
        let library = find(&file, "CFE SAV04", "M6");
        assert_eq!(library.text, "Update policy and procedure library");
        assert_eq!(
            (library.due, library.due_as_printed.as_deref()),
            (None, Some("30th May, 2012"))
        );
        assert_eq!(
            warned(&file),
            set(&[
                ("CFE SAV04", "M6", "date"),
                ("CFE SAV04", "M8", "date"),
                ("CFE SAV08", "M2", "date"),
                ("CFE GRO01", "M1", "date"),
                ("CFE GRO02", "M1", "date"),
            ])
        );
        let message = &file
            .warnings
            .iter()
            .find(|w| w.action_ref == "M6")
            .unwrap()
            .message;
        assert_eq!(
            message,
            "`30th May, 2012` (2012-05-30) is outside the years of a 2021/22 to 2023/24 plan: the due date is left \
             unset and the cell kept as printed"
        );
        let tbc = file
            .warnings
            .iter()
            .find(|w| w.line_ref.to_string() == "CFE SAV08")
            .unwrap();
        assert_eq!(
            tbc.message,
            "`tbc` is not one due date: the due date is left unset and the cell kept as printed"
        );
        // Text naming the milestone's own date (`31 March 2021` beside `31/03/21`) is no warning.
        let review = find(&file, "CFE SAV04", "M2");
        assert_eq!(review.due, Some(Due::Day(date!(2021 - 03 - 31))));
        assert_eq!(
            find(&file, "CFE SAV12", "M1").due,
            Some(Due::Month {
                year: 2020,
                month: time::Month::November
            })
        );
        assert_eq!(
            find(&file, "CFE SAV03", "M1").status,
            Some(ActionStatus::Complete)
        );
        assert_eq!(
            find(&file, "CFE SAV05", "M1").status,
            Some(ActionStatus::InProgress)
        );
        assert_eq!(find(&file, "CFE SAV05", "M5").owners, ["Lead TBC"]);
        assert_eq!(
            find(&file, "CFE SAV04", "M9").owners,
            ["Pasquale Brammer", "Head of Commissioning"]
        );
    }

    #[test]
    fn a_workbook_and_json_read_as_the_same_csv_does() {
        let rows = july();
        let csv = read_csv(Layout::Actions, &JULY_HEADER, &rows).unwrap();
        let xlsx = read(
            Layout::Actions,
            Format::Xlsx,
            &xlsx_of(&JULY_HEADER, &rows),
            window(),
        )
        .unwrap();
        assert_eq!(xlsx, csv);
        let json = read(
            Layout::Actions,
            Format::Json,
            &json_of(&JULY_HEADER, &rows),
            window(),
        )
        .unwrap();
        assert_eq!(json, csv);
        let rows = february();
        let csv = read_csv(Layout::Milestones, &FEBRUARY_HEADER, &rows).unwrap();
        let json = read(
            Layout::Milestones,
            Format::Json,
            &json_of(&FEBRUARY_HEADER, &rows),
            window(),
        )
        .unwrap();
        assert_eq!(json, csv);
    }

    #[test]
    fn the_optional_columns_read_critical_dependencies_completion_and_a_milestones_action() {
        let header = [
            "Line",
            "Ref",
            "Action",
            "By when",
            "critical",
            "depends-on",
            "completed_on",
        ];
        let rows = vec![
            vec![
                "CFE-SAV09",
                "6.3",
                "Launch public consultation",
                "04/06/21",
                "",
                "",
                "2021-06-20",
            ],
            vec![
                "CFE SAV 09",
                "6.4",
                "Full Cabinet",
                "31/08/21",
                "Yes",
                "6.3; 6.2, ",
                "20/09/21",
            ],
            vec!["cfe sav09", "6.5", "Procure", "", "FALSE", "6.4", ""],
        ];
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|r| r.into_iter().map(str::to_owned).collect())
            .collect();
        let file = read_csv(Layout::Actions, &header, &rows).unwrap();
        let [consult, cabinet, procure] = file.rows.as_slice() else {
            panic!("three rows");
        };
        assert_eq!(consult.completed_on, Some(date!(2021 - 06 - 20)));
        assert!(!consult.critical);
        assert!(cabinet.critical);
        assert_eq!(cabinet.depends_on, ["6.3", "6.2"]);
        assert_eq!(cabinet.completed_on, Some(date!(2021 - 09 - 20)));
        assert_eq!(
            (procure.critical, procure.due, procure.status),
            (false, None, None)
        );
        assert_eq!(procure.depends_on, ["6.4"]);
        assert!(file.warnings.is_empty());

        let header = ["line", "milestone", "date", "action_ref"];
        let rows: Vec<Vec<String>> = [
            [
                "CFE SAV09",
                "Launch public consultation",
                "1st March 2021",
                "6.3",
            ],
            [
                "CFE SAV09",
                "Full Cabinet to agree children's centres strategy",
                "June 2021",
                "",
            ],
            ["CFE SAV02", "Remove vacant posts", "01/04/21", ""],
        ]
        .iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
        let file = read_csv(Layout::Milestones, &header, &rows).unwrap();
        let refs: Vec<&str> = file
            .rows
            .iter()
            .map(|row| row.action_ref.as_str())
            .collect();
        assert_eq!(refs, ["6.3", "M2", "M1"]);
    }

    #[test]
    fn every_refusal_is_named_by_row_and_column_and_nothing_is_read() {
        let header = [
            "line",
            "ref",
            "action",
            "owners",
            "by_when",
            "progress",
            "critical",
            "depends_on",
            "completed_on",
        ];
        let long = "x".repeat(2_001);
        let rows: Vec<Vec<String>> = [
            [
                "CFE SAV 0",
                "4.1",
                "HRA training",
                "JM",
                "March 21",
                "Complete",
                "",
                "",
                "",
            ],
            ["CFE SAV09", "", "No ref", "", "", "", "", "", ""],
            ["CFE SAV09", "6.4", "", "", "", "", "", "", ""],
            ["CFE SAV09", "6.4", "Twice", "", "", "", "", "", ""],
            [
                "CFE SAV09",
                "6 5",
                "Bad ref",
                "",
                "",
                "",
                "maybe",
                "6.4, 6.4",
                "soon",
            ],
            [
                "CFE SAV09",
                "6.6",
                long.as_str(),
                "",
                "",
                "",
                "",
                "6.6",
                "June 2021",
            ],
            ["", "6.7", "No line", "", "", "", "", "", ""],
            ["", "", "", "", "", "", "", "", ""],
        ]
        .iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
        let error = read_csv(Layout::Actions, &header, &rows).unwrap_err();
        assert_eq!(
            refused(error),
            [
                "row 1: line",
                "row 2: ref",
                "row 3: action",
                "row 4: ref",
                "row 5: ref",
                "row 5: critical",
                "row 5: depends_on",
                "row 5: completed_on",
                "row 6: action",
                "row 6: depends_on",
                "row 6: completed_on",
                "row 7: line",
            ]
        );

        let error = read_csv(
            Layout::Actions,
            &["line", "ref", "action", "owner", "Ref"],
            &[],
        )
        .unwrap_err();
        assert_eq!(refused(error), ["row 0: owner", "row 0: ref"]);
        let error = read_csv(Layout::Milestones, &["milestone", "by_when"], &[]).unwrap_err();
        assert_eq!(refused(error), ["row 0: by_when", "row 0: line"]);

        let row = vec![
            "CFE SAV09".to_owned(),
            "6.4".to_owned(),
            "An action".to_owned(),
        ];
        let too_many: Vec<Vec<String>> = (0..=MAX_PLAN_ROWS)
            .map(|n| {
                let mut row = row.clone();
                row[1] = format!("{n}");
                row
            })
            .collect();
        let error = read_csv(Layout::Actions, &["line", "ref", "action"], &too_many).unwrap_err();
        assert_eq!(refused(error), ["rows"]);
        assert_eq!(
            read_csv(Layout::Actions, &["line", "ref", "action"], &too_many[1..])
                .unwrap()
                .rows
                .len(),
            MAX_PLAN_ROWS
        );
    }

    #[test]
    fn a_file_that_is_no_table_is_refused_not_a_500() {
        for (format, bytes) in [
            (Format::Xlsx, b"not a workbook".as_slice()),
            (Format::Json, b"{\"rows\": 3}".as_slice()),
            (Format::Json, b"[{\"line\": [1]}]".as_slice()),
            (Format::Json, b"[1, 2]".as_slice()),
            (Format::Csv, b"line,ref,action\nCFE SAV09,6.4\n".as_slice()),
            (
                Format::Csv,
                b"line,ref,action\nCFE SAV09,6.4,Cabinet,extra\n".as_slice(),
            ),
        ] {
            let error = read(Layout::Actions, format, bytes, window()).unwrap_err();
            assert_eq!(
                error.problem().status,
                422,
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
        let error = read(Layout::Actions, Format::Json, b"[", window()).unwrap_err();
        assert_eq!(error.problem().status, 400);
    }

    proptest::proptest! {
        #[test]
        fn no_file_makes_the_reader_panic_or_answer_other_than_400_or_422(
            cells in proptest::collection::vec("\\PC{0,30}", 0..24),
            layout in proptest::prop_oneof![proptest::strategy::Just(Layout::Actions), proptest::strategy::Just(Layout::Milestones)],
        ) {
            let header: Vec<&str> = match layout {
                Layout::Actions => ACTIONS.all.to_vec(),
                Layout::Milestones => MILESTONES.all.to_vec(),
            };
            let rows: Vec<Vec<String>> = cells.chunks(header.len()).map(|chunk| {
                let mut row = chunk.to_vec();
                row.resize(header.len(), String::new());
                row
            }).collect();
            for (format, bytes) in [
                (Format::Csv, csv_of(&header, &rows)),
                (Format::Json, json_of(&header, &rows)),
                (Format::Csv, cells.join(",").into_bytes()),
                (Format::Json, cells.join("").into_bytes()),
            ] {
                if let Err(error) = read(layout, format, &bytes, window()) {
                    let status = error.problem().status;
                    proptest::prop_assert!(status == 400 || status == 422, "{status}");
                }
            }
        }
    }
}
