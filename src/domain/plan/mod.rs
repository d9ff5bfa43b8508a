//! Delivery plans (issue 19): an action's due date, status and slippage, as the API writes them and as the
//! printed plans put them.

pub mod action_ref;
pub mod due;
pub mod owners;
pub mod printed;
pub mod slip;
pub mod status;

pub use action_ref::ActionRef;
pub use due::Due;
pub use slip::Slip;
pub use status::ActionStatus;
