//! The monthly return (issue 18): a period's assessments of one directorate's savings, out as the spreadsheet
//! the services already send, pre-filled from their last assessment.

pub mod api;
pub mod template;
