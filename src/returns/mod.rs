//! The monthly return (issue 18): a period's assessments of one directorate's savings, out as the spreadsheet
//! the services already send, pre-filled from their last assessment, and
//! back in whole.

pub mod api;
pub mod read;
pub mod receipts;
pub mod service;
pub mod template;
