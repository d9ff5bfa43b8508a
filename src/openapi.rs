//! The OpenAPI document's frame; the paths and schemas come from the handlers themselves.

use std::collections::BTreeMap;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};

use utoipa::openapi::schema::{
    AdditionalProperties, ArrayItems, KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat,
    SchemaType, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, RefOr, Response, ResponseBuilder};
use utoipa::{OpenApi, ToSchema};

use crate::domain::text::{self, TextLimit};
use crate::domain::{line, FinancialYear};
use crate::error::Problem;
use crate::people::rules as people_rules;
use crate::present::{CSV, XLSX};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "MTFS savings tracker",
        description = "The single version of the truth for Medium-Term Financial Strategy savings and growth lines, \
            savings at risk and Dedicated Schools Grant balances.\n\n\
            Amounts are exact: strings in pounds with two decimals (`\"794000.00\"`), never floats. \
            Every error is `application/problem+json` (RFC 9457); validation problems list each field at fault.",
        license(name = "MIT", identifier = "MIT"),
    ),
    // Relative: the spec is served by the service it describes, wherever that runs.
    servers((url = "/", description = "The service that serves this document")),
    tags(
        (name = "lines", description = "MTFS savings and growth lines and their amounts by financial year"),
        (name = "directorates", description = "The directorates that own lines"),
        (name = "reports", description = "Summaries for Cabinet, scrutiny and the PMO tracker"),
        (name = "monitoring", description = "Savings at risk: monitoring periods and assessments"),
        (name = "dsg", description = "Dedicated Schools Grant balances, block transfers and deficit management plans"),
        (name = "audit", description = "Who changed what, when and why; the feed of every change"),
        (name = "change control", description = "Changes to approved lines: proposed in change sets, approved under a decision by someone else"),
        (name = "budget", description = "The approved budget: decisions, and baselines set from the lines by a decision"),
        (name = "outturn", description = "Year-end outturn: each approved saving's delivery recorded when a year closes, and the close by a decision"),
        (name = "delivery plans", description = "Each saving's actions: owners from the people directory, due dates, progress and slippage"),
        (name = "people", description = "The people directory: who owns delivery plans' actions and holds keys, and the spellings the papers use for them"),
        (name = "keys", description = "API keys, the people who hold them and their roles (admin)"),
        (name = "operations", description = "Liveness and readiness"),
    ),
    components(schemas(Problem)),
)]
pub struct ApiDoc;

/// The name of the bearer-key security scheme in the spec.
pub const BEARER: &str = "bearer";

/// Completes the spec once the handlers' paths are collected: the problem+json answers are documented once
/// for every operation, as `4XX` and `5XX` ranges, and every `/api/v1` operation requires a bearer key.
pub fn finish(openapi: &mut utoipa::openapi::OpenApi) {
    let problem = |description: &str| -> RefOr<Response> {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                Content::new(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    Problem::name(),
                )))),
            )
            .into()
    };
    openapi
        .components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
        BEARER,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "An API key's token: `Authorization: Bearer mtfs_…` (see `mtfs keys create`)",
                ))
                .build(),
        ),
    );
    if let Some(components) = openapi.components.as_mut() {
        constrain_request_schemas(&mut components.schemas);
    }
    for (path, item) in openapi.paths.paths.iter_mut() {
        let needs_key = path.starts_with("/api/v1/");
        let operations: [&mut Option<Operation>; 5] = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            // Said either way, so that a client knows `/health` and `/ready` need no key.
            operation.security = Some(if needs_key {
                vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]
            } else {
                Vec::new()
            });
            let exports = operation
                .parameters
                .as_ref()
                .is_some_and(|parameters| parameters.iter().any(|p| p.name == "format"));
            let responses = &mut operation.responses.responses;
            if let (true, Some(RefOr::T(ok))) = (exports, responses.get_mut("200")) {
                // The same answer as a spreadsheet: `format=csv|xlsx`, or by `Accept`.
                let text = || ObjectBuilder::new().schema_type(Type::String);
                ok.content
                    .insert(CSV.to_owned(), Content::new(Some(text())));
                let binary = text().format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)));
                ok.content
                    .insert(XLSX.to_owned(), Content::new(Some(binary)));
            }
            for parameter in operation.parameters.iter_mut().flatten() {
                constrain_parameter(parameter);
            }
            responses.entry("4XX".to_owned()).or_insert_with(|| {
                problem("The request cannot be answered as sent (401: no valid key; 403: the key may not do this); `detail` and `errors` say why")
            });
            responses.entry("5XX".to_owned()).or_insert_with(|| {
                problem("The service or its database failed; nothing was changed")
            });
            for response in responses.values_mut() {
                if let RefOr::T(response) = response {
                    response
                        .headers
                        .insert("X-Request-Id".to_owned(), request_id_header());
                }
            }
        }
    }
}

/// Every answer names its request (http/request_id.rs).
fn request_id_header() -> Header {
    HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::Custom("uuid".to_owned()))),
        )
        .description(Some(
            "The request's id: the client's `X-Request-Id` when it sent a UUID, else a new one. The service's log \
             lines of the request name it, and a problem's `instance` is `urn:uuid:` and this id.",
        ))
        .build()
}

/// What a parameter's text must be, by where it is sent and its name: declared once here rather than on each of
/// the operations that take it, and exactly what the service reads, so that Schemathesis' request checks
/// (a valid value is accepted, an invalid one refused) hold. `None` as the location: path and query alike.
fn parameter_pattern(location: &ParameterIn, name: &str, is_instant: bool) -> Option<String> {
    let pattern = match (location, name) {
        // A path cannot carry `/` unencoded, so the path form of a year is `2021-22`.
        (ParameterIn::Path, "year") => financial_year_pattern("-"),
        (ParameterIn::Query, "year" | "from" | "to") if !is_instant => {
            financial_year_pattern("[/-]")
        }
        (ParameterIn::Path, "period" | "from") | (ParameterIn::Query, "period") => {
            r"^[Pp]\+?0*([1-9]|1[0-2])$".to_owned()
        }
        (ParameterIn::Path, "code") | (ParameterIn::Query, "directorate") => {
            "^[A-Za-z]{2,8}$".to_owned()
        }
        // Query and path instants: RFC 3339, in the years the service reads (1990 to 2099, as written).
        (ParameterIn::Query, _) if is_instant => INSTANT.to_owned(),
        // A path refuses control characters (http/path_text.rs), so no tab between a ref's parts there.
        (ParameterIn::Path, "ref") => LINE_REF.replace(r"\t", ""),
        (ParameterIn::Query, "cursor" | "not_assessed_cursor") => LINE_REF.to_owned(),
        (ParameterIn::Path, "name") => "^[A-Za-z0-9._-]{1,64}$".to_owned(),
        // An action's ref in its line's plan (`domain::plan::ActionRef`).
        (ParameterIn::Path, "action") => r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,19}$".to_owned(),
        // An event's id: a non-negative integer.
        (ParameterIn::Query, "after") => "^[0-9]{1,18}$".to_owned(),
        // `"3"` or `W/"3"` (an ETag this service gave), or `*`.
        (ParameterIn::Header, "If-Match") => r#"^(\*|(W/)?"[0-9]{1,18}")$"#.to_owned(),
        // 1 to 255 characters: visible ASCII, with spaces or tabs only between them (a header's own rule).
        (ParameterIn::Header, "Idempotency-Key") => r"^[!-~]([ \t!-~]{0,253}[!-~])?$".to_owned(),
        _ => return None,
    };
    Some(pattern)
}

/// An RFC 3339 instant in a year from 1990 to 2099 as written: days that exist (29 February in leap years),
/// `T` (or `t`, or a space) between date and time, any fraction of a second, `Z` or an offset.
const INSTANT: &str = concat!(
    "^((199[0-9]|20[0-9]{2})-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)",
    "|02-(0[1-9]|1[0-9]|2[0-8]))|(199[26]|20[02468][048]|20[13579][26])-02-29)",
    r"[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
);

/// A line ref in any printed form the service reads: directorate, SAV or GRO, a number from 1 to 9999 (with any
/// leading zeros), in any case, spaced with spaces, tabs, `-` or `_`, after an optional `MTFS Ref:`.
const LINE_REF: &str = r"^([Mm][ \t_-]*[Tt][ \t_-]*[Ff][ \t_-]*[Ss][ \t_-]*[Rr][ \t_-]*[Ee][ \t_-]*[Ff][ \t_-]*:[ \t_-]*)?[A-Za-z]{2,8}[ \t_-]*([Ss][ \t_-]*[Aa][ \t_-]*[Vv]|[Gg][ \t_-]*[Rr][ \t_-]*[Oo])[ \t_-]*0*[1-9][0-9]{0,3}[ \t_-]*$";

/// The financial years the service accepts (1990/91 to 2099/00), each with the next year's last two digits,
/// spelled out: a pattern cannot add one to a year, and `2021/25` is not a year.
fn financial_year_pattern(separator: &str) -> String {
    let years: Vec<String> = (1900..2200)
        .filter_map(FinancialYear::starting)
        .map(|year| format!("{}{separator}{:02}", year.start(), (year.start() + 1) % 100))
        .collect();
    format!("^({})$", years.join("|"))
}

fn constrain_parameter(parameter: &mut Parameter) {
    let is_instant = matches!(&parameter.schema, Some(RefOr::T(Schema::Object(object)))
        if object.format == Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)));
    if parameter.name == "format" && parameter.parameter_in == ParameterIn::Query {
        parameter.schema = Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["json", "csv", "xlsx"]))
                .into(),
        );
        return;
    }
    if parameter.name == "owner" && parameter.parameter_in == ParameterIn::Query {
        // A printed owner (`GET /people/resolve`): one line, not blank, within its limit (bytes; see README).
        parameter.schema = Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(format!(
                    "^{ONE_LINE}*{NOT_BLANK_ONE_LINE}{ONE_LINE}*$"
                )))
                .max_length(Some(crate::people::service::MAX_OWNER_BYTES))
                .into(),
        );
        return;
    }
    if parameter.name == "q" && parameter.parameter_in == ParameterIn::Query {
        // A search: no control characters (`char::is_control`), within the title's limit (bytes; see README).
        parameter.schema = Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"^[^\u0000-\u001f\u007f-\u009f]*$"))
                .max_length(Some(line::MAX_TITLE.max_bytes))
                .into(),
        );
        return;
    }
    let Some(pattern) = parameter_pattern(&parameter.parameter_in, &parameter.name, is_instant)
    else {
        return;
    };
    parameter.schema = Some(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(pattern))
            .into(),
    );
}

/// Rust's `char::is_whitespace` (Unicode `White_Space`), which `str::trim` removes: a text that is required
/// must hold one other character. Spelled out because a pattern's `\s` differs between regex engines.
const NOT_BLANK: &str = "[^\t\n\u{b}\u{c}\r \u{85}\u{a0}\u{1680}\u{2000}-\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}]";

/// A character of one line of text: no control character (`char::is_control`).
const ONE_LINE: &str = r"[^\u0000-\u001f\u007f-\u009f]";
/// A character of one line of text that is not whitespace either (`char::is_whitespace`).
const NOT_BLANK_ONE_LINE: &str =
    r"[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";

/// The free texts of request bodies, by schema and property: whether a (non-null) value must be more than
/// whitespace, and its limit as `check_text` reads it. The limit is in bytes, which JSON Schema cannot count:
/// `maxLength` says as many characters, so a longer text is always refused, and a shorter one of many-byte
/// letters may still be (422, declared per operation in scripts/schemathesis.toml).
const TEXTS: [(&str, &str, bool, TextLimit); 17] = [
    ("CreateLine", "title", true, line::MAX_TITLE),
    ("CreateLine", "owner", true, line::MAX_OWNER),
    ("CreateLine", "description", false, line::MAX_DESCRIPTION),
    ("CreateLine", "reason", false, line::MAX_REASON),
    ("LinePatch", "title", true, line::MAX_TITLE),
    ("LinePatch", "owner", true, line::MAX_OWNER),
    ("LinePatch", "description", false, line::MAX_DESCRIPTION),
    ("LinePatch", "reason", false, line::MAX_REASON),
    ("CreateDirectorate", "name", true, text::MAX_NAME),
    ("CreateTransfer", "reference", true, line::MAX_TITLE),
    ("PutPlan", "agreed_by", true, line::MAX_TITLE),
    ("AssessmentRequest", "reason", false, line::MAX_REASON),
    ("AssessmentRequest", "mitigation", false, line::MAX_REASON),
    ("CreatePerson", "name", true, people_rules::MAX_NAME),
    ("CreatePerson", "role", true, people_rules::MAX_ROLE),
    ("PersonPatch", "name", true, people_rules::MAX_NAME),
    ("PersonPatch", "role", true, people_rules::MAX_ROLE),
];

/// Request schemas made exactly as strict as the service: financial years that exist, amounts a JSON number
/// may also give, line amounts that are magnitudes, and the texts above.
fn constrain_request_schemas(schemas: &mut BTreeMap<String, RefOr<Schema>>) {
    if let Some(RefOr::T(Schema::Object(year))) = schemas.get_mut("FinancialYear") {
        year.pattern = Some(financial_year_pattern("[/-]"));
    }
    if let Some(RefOr::T(Schema::Object(money))) = schemas.get_mut("Money") {
        // A JSON number is read from its text; whole numbers within twelve digits are always amounts.
        money.schema_type = SchemaType::from_iter([Type::String, Type::Integer]);
        money.minimum = Some((-MAX_WHOLE_POUNDS).into());
        money.maximum = Some(MAX_WHOLE_POUNDS.into());
        // Leading zeros do not count towards the twelve digits.
        money.pattern = Some(MONEY.to_owned());
    }
    if let Some(RefOr::T(Schema::Object(line_ref))) = schemas.get_mut("LineRef") {
        line_ref.pattern = Some(LINE_REF.to_owned());
    }
    for (schema, property, nullable) in MAGNITUDES {
        let Some(RefOr::T(Schema::Object(object))) = schemas.get_mut(schema) else {
            panic!("the spec has no {schema}: update MAGNITUDES in src/openapi.rs");
        };
        object
            .properties
            .insert(property.to_owned(), magnitude(nullable).into());
    }
    for schema in ["PublishedRow", "PublishedTotal"] {
        let Some(years) = object_property(schemas, schema, "years") else {
            panic!("the spec has no {schema}.years: update src/openapi.rs");
        };
        years.property_names = Some(Box::new(text(financial_year_pattern("[/-]")).into()));
        years.additional_properties = Some(Box::new(AdditionalProperties::RefOr(
            printed_amount().into(),
        )));
    }
    if let Some(RefOr::T(Schema::Object(plan))) = schemas.get_mut("PutPlan") {
        if let Some(RefOr::T(Schema::Array(movements))) = plan.properties.get_mut("movements") {
            movements.min_items = Some(1);
        }
    }
    for schema in ["CreatePerson", "PersonPatch"] {
        let Some(email) = object_property(schemas, schema, "email") else {
            panic!("the spec has no {schema}.email: update src/openapi.rs");
        };
        email.pattern = Some(people_rules::email_pattern());
        let Some(aliases) = array_property(schemas, schema, "aliases") else {
            panic!("the spec has no {schema}.aliases: update src/openapi.rs");
        };
        // Each alias one line of 1 to 100 bytes, not blank.
        let alias = ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(people_rules::MAX_ALIAS.max_bytes))
            .pattern(Some(NOT_BLANK.to_owned()));
        aliases.items = ArrayItems::RefOrSchema(Box::new(alias.into()));
    }
    for (schema, property, required, limit) in TEXTS {
        let Some(object) = object_property(schemas, schema, property) else {
            panic!("the spec has no {schema}.{property}: update TEXTS in src/openapi.rs");
        };
        object.max_length = Some(limit.max_bytes);
        if required {
            object.pattern = Some(NOT_BLANK.to_owned());
        }
    }
}

const MAX_WHOLE_POUNDS: i64 = 999_999_999_999;
const MONEY: &str = r"^-?0*[0-9]{1,12}(\.[0-9]{1,2})?$";

/// Amounts that are magnitudes (the line's kind or the figure's name gives the direction): by schema and
/// property, and whether `null` is allowed.
const MAGNITUDES: [(&str, &str, bool); 5] = [
    ("YearAmount", "amount", false),
    ("SetYearAmount", "amount", false),
    ("SetBalance", "funding", true),
    ("SetBalance", "allocation_before_recoupment", true),
    ("SetBalance", "expenditure", true),
];

fn magnitude(nullable: bool) -> Object {
    let mut types = vec![Type::String, Type::Integer];
    if nullable {
        types.push(Type::Null);
    }
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter(types))
        .pattern(Some(r"^0*[0-9]{1,12}(\.[0-9]{1,2})?$"))
        .minimum(Some(0))
        .maximum(Some(MAX_WHOLE_POUNDS))
        .description(Some(
            "A non-negative amount in pounds, at most two decimals",
        ))
        .build()
}

/// An amount as a council table prints it (see `PrintedAmount::parse`): digits, grouped in threes by commas
/// or not, a minus sign or brackets for a negative, and at most two decimals.
/// A JSON number is read as its text is.
fn printed_amount() -> Object {
    let number = r"-?(0*[0-9]{1,12}|[0-9]{1,3}(,[0-9]{3}){1,3})(\.[0-9]{1,2})?";
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Integer]))
        .pattern(Some(format!(r"^({number}|\({number}\))$")))
        .minimum(Some(-MAX_WHOLE_POUNDS))
        .maximum(Some(MAX_WHOLE_POUNDS))
        .build()
}

fn text(pattern: String) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .build()
}

fn array_property<'a>(
    schemas: &'a mut BTreeMap<String, RefOr<Schema>>,
    schema: &str,
    property: &str,
) -> Option<&'a mut utoipa::openapi::schema::Array> {
    let RefOr::T(Schema::Object(object)) = schemas.get_mut(schema)? else {
        return None;
    };
    match object.properties.get_mut(property)? {
        RefOr::T(Schema::Array(array)) => Some(array),
        _ => None,
    }
}

fn object_property<'a>(
    schemas: &'a mut BTreeMap<String, RefOr<Schema>>,
    schema: &str,
    property: &str,
) -> Option<&'a mut Object> {
    let RefOr::T(Schema::Object(object)) = schemas.get_mut(schema)? else {
        return None;
    };
    match object.properties.get_mut(property)? {
        RefOr::T(Schema::Object(text)) => Some(text),
        _ => None,
    }
}
