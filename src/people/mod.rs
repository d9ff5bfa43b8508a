//! The directory of people (issue 19): who owns a delivery plan's actions and holds keys, with the spellings
//! the papers use for them.

pub mod resolve;
