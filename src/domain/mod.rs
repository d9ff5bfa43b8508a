//! The domain: plain Rust with no web or database code, so every rule can be tested in microseconds.

pub mod directorate_code;
pub mod financial_year;
pub mod line;
pub mod line_ref;
pub mod money;
pub mod summary;
pub mod validation;

pub use directorate_code::DirectorateCode;
pub use financial_year::FinancialYear;
pub use line::{LineKind, LineNature, LineStatus, YearAmount};
pub use line_ref::LineRef;
pub use money::Money;
pub use validation::{FieldError, FieldErrors};
