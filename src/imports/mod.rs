//! Bulk import of lines, from the PMO tracker's CSV layout (as CSV or an XLSX sheet) or JSON: all or nothing, every problem reported by
//! row and column (the first of them listed, all counted), and warnings where a figure looks typed in the
//! wrong unit or out of scale.
//!
//! A file goes through: reading within the limits (`read`, `limits`; `xlsx` unpacks a workbook within its own), the key's scope (`scope`), planning
//! against the tracker as read (`plan`), then writing (`write`) in one write transaction. With `mode=propose`
//! the rows are planned as a change set against the baseline instead (`propose`), and only the set is written.

pub mod amounts;
pub mod api;
pub mod limits;
pub mod model;
pub mod plan;
pub mod propose;
pub mod read;
pub mod scope;
pub mod write;
pub mod xlsx;

pub use model::{CellProblem, ImportReport, ImportRow};
pub use write::{import_lines, write_when_current};
