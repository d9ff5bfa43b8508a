//! Roles, and the caller of a request (`Actor`) with the rules of what each may change.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::DirectorateCode;
use crate::error::ApiError;

/// What a key may do. Every role reads; editors change figures, approvers approve changes to approved lines
/// (never their own), admins manage keys, directorates, periods and baselines and change figures as editors do.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ToSchema,
    clap::ValueEnum,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything.
    Reader,
    /// Also changes the figures of its directorates (all, when the key names none).
    Editor,
    /// Also approves or rejects changes to its directorates' approved lines (all, when the key names none),
    /// never a change the same person proposed; changes no figure itself.
    Approver,
    /// Also manages directorates, keys and monitoring periods, in every directorate.
    Admin,
}

crate::domain::text_enum!(Role {
    Reader => "reader",
    Editor => "editor",
    Approver => "approver",
    Admin => "admin",
});

impl Role {
    /// "a reader", "an editor", "an approver", "an admin".
    pub fn with_article(self) -> &'static str {
        match self {
            Role::Reader => "a reader",
            Role::Editor => "an editor",
            Role::Approver => "an approver",
            Role::Admin => "an admin",
        }
    }
}

/// Who is making a request: a key's name, the person holding it, role and directorates. The name is what the
/// audit trail records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub person: String,
    pub role: Role,
    /// The directorates an editor may change; empty for all.
    pub directorates: Vec<DirectorateCode>,
}

/// The names the command line records for its operator in the audit trail: `mtfs keys …`, `mtfs load-demo`
/// and `mtfs import`. No key may take one (in any case), so no key can pass for the operator.
pub const OPERATOR_CLI: &str = "cli";
pub const OPERATOR_LOAD_DEMO: &str = "load-demo";
pub const OPERATOR_IMPORT: &str = "import";
pub const OPERATOR_NAMES: [&str; 3] = [OPERATOR_CLI, OPERATOR_LOAD_DEMO, OPERATOR_IMPORT];

impl Actor {
    /// The operator at the command line, who has the database itself and so every right.
    pub fn operator(name: &str) -> Actor {
        Actor {
            name: name.to_owned(),
            person: name.to_owned(),
            role: Role::Admin,
            directorates: Vec::new(),
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "key {} is {}; this needs an admin key",
                self.name,
                self.role.as_str()
            )))
        }
    }

    /// Changing council-wide figures (the DSG): an editor of every directorate, or an admin.
    pub fn require_council_editor(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Editor if self.directorates.is_empty() => Ok(()),
            _ => Err(ApiError::Forbidden(format!(
                "key {} may not change DSG figures: they are council-wide and need an editor key for every directorate",
                self.name
            ))),
        }
    }

    /// Approving or rejecting a change to an approved line: an approver of that directorate (all, when the key
    /// names none). Not an admin: admins manage keys and baselines, not budgets.
    pub fn require_approver_of(&self, directorate: &DirectorateCode) -> Result<(), ApiError> {
        match self.role {
            Role::Approver
                if self.directorates.is_empty() || self.directorates.contains(directorate) =>
            {
                Ok(())
            }
            Role::Approver => Err(ApiError::Forbidden(format!(
                "key {} may not approve changes to {directorate}'s lines",
                self.name
            ))),
            _ => Err(ApiError::Forbidden(format!(
                "key {} is {} key; approving a change needs an approver key",
                self.name,
                self.role.with_article()
            ))),
        }
    }

    /// Changing figures: an editor of that directorate, or an admin.
    pub fn require_editor_of(&self, directorate: &DirectorateCode) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Editor
                if self.directorates.is_empty() || self.directorates.contains(directorate) =>
            {
                Ok(())
            }
            Role::Editor => Err(ApiError::Forbidden(format!(
                "key {} may not change {directorate}'s figures",
                self.name
            ))),
            Role::Reader | Role::Approver => Err(ApiError::Forbidden(format!(
                "key {} is {} key; changing figures needs an editor key",
                self.name,
                self.role.with_article()
            ))),
        }
    }
}
