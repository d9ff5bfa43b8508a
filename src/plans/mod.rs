//! Delivery plans (issue 19): each line's actions with owners, due dates, progress and slippage; a printed
//! plan read in bulk.

pub mod read;
