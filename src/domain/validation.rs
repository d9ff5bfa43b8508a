//! Field-level validation errors, collected so that a client sees every problem with a request at once.

use serde::Serialize;
use utoipa::ToSchema;

/// One problem with one field of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field, as a path into the request: `years[1].amount`, or a query or path parameter's name.
    #[schema(example = "years[0].amount")]
    pub field: String,
    #[schema(
        example = "`1.005` has more than two decimal places: amounts are in pounds and pence and are never rounded"
    )]
    pub message: String,
}

#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// How many have been added: a rule that depends on earlier checks can see whether any failed.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was added, else every error.
    pub fn into_result<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}
