//! The printed forms of the plans' dates and statuses (issue 19). To be written in full: see `due`.

use super::due::Due;

/// One printed due date (`31/08/21`, `June 2021`, `Sept-Nov 2021`, `April 21 and ongoing`), if the text is one.
pub fn due(_text: &str) -> Option<Due> {
    None
}
