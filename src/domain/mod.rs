//! The domain: plain Rust with no web or database code, so every rule can be tested in microseconds.

/// A value that travels as text: serialised through `Display` (unless it writes itself another way: `@schema`),
/// documented in OpenAPI as a string with a pattern, an example and a description, and (unless it reads its
/// JSON another way) read back through `parse`.
macro_rules! text_value {
    ($type:ty, parse: $parse:path, $($schema:tt)*) => {
        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(deserializer)?;
                $parse(&text).map_err(serde::de::Error::custom)
            }
        }
        text_value!($type, $($schema)*);
    };
    ($type:ty, pattern: $pattern:expr, example: $example:expr, description: $description:expr) => {
        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
        text_value!(@schema $type, pattern: $pattern, example: $example, description: $description);
    };
    (@schema $type:ty, pattern: $pattern:expr, example: $example:expr, description: $description:expr) => {
        impl utoipa::PartialSchema for $type {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .pattern($pattern)
                    .description(Some($description))
                    .examples([$example])
                    .into()
            }
        }

        impl utoipa::ToSchema for $type {}
    };
}

pub mod directorate_code;
pub mod dsg;
pub mod financial_year;
pub mod instant;
pub mod line;
pub mod line_ref;
pub mod money;
pub mod monitoring;
pub mod summary;
pub mod text;
pub mod validation;

pub use directorate_code::DirectorateCode;
pub use financial_year::FinancialYear;
pub use line::{LineKind, LineNature, LineStatus, YearAmount};
pub use line_ref::LineRef;
pub use money::Money;
pub use validation::{FieldError, FieldErrors};
