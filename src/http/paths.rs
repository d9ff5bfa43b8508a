//! Path parameters, each parsed and documented once: a handler takes `LinePath`, `PeriodPath`, … and gets
//! the domain value, or the client gets 400 naming the parameter. The spec's patterns for these names are
//! added in `openapi::finish`.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, Ref, RefOr, Required, Schema};
use utoipa::IntoParams;

use crate::domain::dsg::DsgBlock;
use crate::domain::monitoring::Period;
use crate::domain::{DirectorateCode, FinancialYear, LineRef};
use crate::error::ApiError;

/// A path parameter: its name in the route, how it reads, and how the spec documents it.
macro_rules! path_parameter {
    ($(#[$doc:meta])* $type:ident($value:ty), $name:literal, $read:expr,
     description: $description:literal $(, example: $example:literal)? $(, schema: $schema:expr)?) => {
        $(#[$doc])*
        pub struct $type(pub $value);

        impl FromRequest for $type {
            type Error = ApiError;
            type Future = Ready<Result<$type, ApiError>>;

            fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
                /// The segment as `web::Path` reads it: percent-decoded (`p%2B3` is `p+3`) but an encoded slash.
                #[derive(serde::Deserialize)]
                struct Segment {
                    #[serde(rename = $name)]
                    text: String,
                }
                let read: fn(&str) -> Result<$value, String> = $read;
                let segment = web::Path::<Segment>::extract(req)
                    .into_inner()
                    .map(|segment| segment.into_inner().text)
                    .map_err(|error| ApiError::parameter($name, error.to_string()));
                ready(segment.and_then(|text| {
                    read(&text)
                        .map($type)
                        .map_err(|message| ApiError::parameter($name, message))
                }))
            }
        }

        impl IntoParams for $type {
            fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
                #[allow(unused_mut, unused_assignments)]
                let mut schema: RefOr<Schema> = ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .into();
                $(schema = $schema;)?
                #[allow(unused_mut, unused_assignments)]
                let mut example: Option<&str> = None;
                $(example = Some($example);)?
                vec![documented($name, $description, schema, example)]
            }
        }
    };
}

path_parameter!(
    /// `{ref}`: a line's ref in any printed form.
    LinePath(LineRef), "ref", |text| LineRef::parse(text).map_err(|error| error.to_string()),
    description: "The line's ref in any printed form: `CFE-SAV05`, `CFE%20SAV05`, `cfesav05`",
    example: "CFE-SAV05"
);

path_parameter!(
    /// `{year}`: a financial year, `2021-22` (a client may also send `2021%2F22`).
    YearPath(FinancialYear), "year", read_year,
    description: "The financial year, written `2021-22` in a path",
    example: "2021-22"
);

path_parameter!(
    /// `{period}`: a monitoring period of the path's year.
    PeriodNumberPath(Period), "period", |text| Period::parse(text).map_err(|error| error.to_string()),
    description: "The monitoring period, P1 (April) to P12 (March)",
    example: "P3"
);

path_parameter!(
    /// `{from}`: the earlier period a new one is copied from.
    EarlierPeriodPath(Period), "from", |text| Period::parse(text).map_err(|error| error.to_string()),
    description: "The earlier period",
    example: "P2"
);

path_parameter!(
    /// `{block}`: a DSG block.
    BlockPath(DsgBlock), "block", |text| DsgBlock::from_name(text).ok_or_else(|| format!(
        "`{text}` is not a DSG block: use schools, central_school_services, early_years or high_needs"
    )),
    description: "The block",
    schema: RefOr::Ref(Ref::from_schema_name("DsgBlock"))
);

path_parameter!(
    /// `{code}`: a directorate's code, in any case.
    DirectoratePath(DirectorateCode), "code",
    |text| DirectorateCode::parse_lenient(text).map_err(|error| error.to_string()),
    description: "The directorate's code",
    example: "CFE"
);

path_parameter!(
    /// `{name}` of a key.
    KeyNamePath(String), "name", |text| Ok(text.to_owned()),
    description: "The key's name"
);

path_parameter!(
    /// `{id}` of a decision.
    DecisionPath(i64), "id",
    |text| text.parse().map_err(|_| format!("`{text}` is not a decision's id (a whole number)")),
    description: "The decision's id",
    example: "1",
    schema: ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64)))
        .minimum(Some(1))
        .into()
);

path_parameter!(
    /// `{id}` of a mitigation.
    MitigationPath(i64), "id",
    |text| text.parse().map_err(|_| format!("`{text}` is not a mitigation's id (a whole number)")),
    description: "The mitigation's id",
    example: "1",
    schema: ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64)))
        .minimum(Some(1))
        .into()
);

path_parameter!(
    /// `{id}` of a person of the directory.
    PersonPath(i64), "id",
    |text| text.parse().map_err(|_| format!("`{text}` is not a person's id (a whole number)")),
    description: "The person's id",
    example: "1",
    schema: ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64)))
        .minimum(Some(1))
        .into()
);

path_parameter!(
    /// `{id}` of a change set.
    ChangeSetPath(i64), "id",
    |text| text.parse().map_err(|_| format!("`{text}` is not a change set's id (a whole number)")),
    description: "The change set's id",
    example: "1",
    schema: ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64)))
        .minimum(Some(1))
        .into()
);

path_parameter!(
    /// `{name}` of a baseline.
    BaselineNamePath(String), "name", |text| Ok(text.to_owned()),
    description: "The baseline's name",
    example: "Budget Council, February 2021"
);

path_parameter!(
    /// `{name}` of a DSG deficit management plan.
    PlanNamePath(String), "name", |text| Ok(text.to_owned()),
    description: "The plan's name",
    example: "dsg-recovery-2021"
);

/// `{year}/{period}`: one monitoring period.
pub struct PeriodPath {
    pub year: FinancialYear,
    pub period: Period,
}

impl FromRequest for PeriodPath {
    type Error = ApiError;
    type Future = Ready<Result<PeriodPath, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let year = YearPath::from_request(req, payload).into_inner();
        let period = PeriodNumberPath::from_request(req, payload).into_inner();
        ready(year.and_then(|YearPath(year)| {
            period.map(|PeriodNumberPath(period)| PeriodPath { year, period })
        }))
    }
}

impl IntoParams for PeriodPath {
    fn into_params(in_path: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = YearPath::into_params(&in_path);
        params.extend(PeriodNumberPath::into_params(in_path));
        params
    }
}

fn read_year(text: &str) -> Result<FinancialYear, String> {
    // The router leaves an encoded slash (`2021%2F22`) as it is.
    let text = text.replace("%2F", "/").replace("%2f", "/");
    FinancialYear::parse(&text).map_err(|error| error.to_string())
}

fn documented(
    name: &str,
    description: &str,
    schema: RefOr<Schema>,
    example: Option<&str>,
) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(schema))
        .example(example.map(example_of))
        .build()
}

/// A whole number's example as a JSON number (an id's schema is an integer), any other as text.
fn example_of(example: &str) -> serde_json::Value {
    match example.parse::<i64>() {
        Ok(number) => serde_json::Value::from(number),
        Err(_) => serde_json::Value::String(example.to_owned()),
    }
}

path_parameter!(
    /// `{action}`: an action's ref in its line's plan.
    ActionPath(crate::domain::plan::ActionRef), "action",
    crate::domain::plan::ActionRef::parse,
    description: "The action's ref in the line's plan",
    example: "6.4"
);
