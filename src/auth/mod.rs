//! Who is asking, and what they may do: roles, the caller (`Actor`), tokens and how a presented one is checked,
//! the cache of keys found valid, refusal counts, and the role extractors. Below the audit trail and every
//! resource; managing keys as a resource is `keys`.

pub mod actor;
pub mod cache;
pub mod lookup;
pub mod refusals;
pub mod roles;
pub mod token;

pub use actor::{Actor, Role, OPERATOR_CLI, OPERATOR_IMPORT, OPERATOR_LOAD_DEMO, OPERATOR_NAMES};
pub use roles::{Admin, Approver, Closer, CouncilEditor, Editor, Recorder, RefEditor};
