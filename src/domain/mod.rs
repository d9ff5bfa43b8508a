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
                $crate::domain::display_text::serialize_display(self, serializer)
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

/// An enum whose variants each have one name: the same stored in the database, written in JSON (serde's
/// `rename_all = "snake_case"` gives the same names) and read from query strings. Gives `ALL`, `as_str`,
/// `from_name` and `names`, and diesel's `ToSql`/`FromSql` for `TEXT`, generic over the backend; the enum
/// carries `#[derive(diesel::AsExpression, diesel::FromSqlRow)]` and `#[diesel(sql_type = Text)]` itself.
/// A stored name that is no variant's is a deserialisation error (the request answers 500).
macro_rules! text_enum {
    ($type:ty { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $type {
            pub const ALL: [$type; [$($text),+].len()] = [$(<$type>::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(<$type>::$variant => $text),+ }
            }

            /// Reads a stored or query-string name.
            pub fn from_name(text: &str) -> Option<$type> {
                match text { $($text => Some(<$type>::$variant),)+ _ => None }
            }

            /// The accepted names, for error messages.
            #[allow(dead_code)]
            pub fn names() -> String {
                [$($text),+].join(", ")
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $type
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $type
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<$type> {
                let text = String::from_sql(bytes)?;
                <$type>::from_name(&text).ok_or_else(|| {
                    format!("stored {} {text:?} is not valid", stringify!($type)).into()
                })
            }
        }
    };
}
pub(crate) use text_enum;

pub mod directorate_code;
pub mod display_text;
pub mod dsg;
pub mod financial_year;
pub mod instant;
pub mod line;
pub mod line_ref;
pub mod money;
pub mod monitoring;
pub mod plan;
pub mod printed_amount;
pub mod summary;
pub mod text;
pub mod validation;
pub mod version;

pub use directorate_code::DirectorateCode;
pub use financial_year::FinancialYear;
pub use line::{LineKind, LineNature, LineStatus, YearAmount};
pub use line_ref::LineRef;
pub use money::Money;
pub use validation::{FieldError, FieldErrors};
