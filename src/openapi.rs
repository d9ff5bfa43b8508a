//! The OpenAPI document's frame; the paths and schemas come from the handlers themselves.

use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, RefOr, Response, ResponseBuilder};
use utoipa::{OpenApi, ToSchema};

use crate::error::Problem;
use crate::reports::presentation::{CSV, XLSX};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "MTFS savings tracker",
        description = "The single version of the truth for Medium-Term Financial Strategy savings and growth lines, \
            savings at risk and Dedicated Schools Grant balances.\n\n\
            Amounts are exact: strings in pounds with two decimals (`\"794000.00\"`), never floats. \
            Every error is `application/problem+json` (RFC 9457); validation problems list each field at fault.",
        license(name = "MIT"),
    ),
    tags(
        (name = "lines", description = "MTFS savings and growth lines and their amounts by financial year"),
        (name = "directorates", description = "The directorates that own lines"),
        (name = "reports", description = "Summaries for Cabinet, scrutiny and the PMO tracker"),
        (name = "monitoring", description = "Savings at risk: monitoring periods and assessments"),
        (name = "dsg", description = "Dedicated Schools Grant balances, block transfers and deficit management plans"),
        (name = "audit", description = "Who changed what, when and why; the feed of every change"),
        (name = "keys", description = "API keys and their roles (admin)"),
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
            if needs_key {
                operation.security =
                    Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
            }
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
                constrain_path_parameter(parameter);
            }
            responses.entry("4XX".to_owned()).or_insert_with(|| {
                problem("The request cannot be answered as sent (401: no valid key; 403: the key may not do this); `detail` and `errors` say why")
            });
            responses.entry("5XX".to_owned()).or_insert_with(|| {
                problem("The service or its database failed; nothing was changed")
            });
        }
    }
}

/// The forms a path parameter's text must take, by parameter name: declared once here rather than on each of
/// the two dozen operations that take them. The service reads a little more (any case, `2021%2F22`, a ref
/// spaced any way); these are the forms to send.
const PATH_PATTERNS: [(&str, &str); 5] = [
    ("year", r"^(199[0-9]|20[0-9]{2})-[0-9]{2}$"),
    ("period", r"^[Pp](0?[1-9]|1[0-2])$"),
    ("from", r"^[Pp](0?[1-9]|1[0-2])$"),
    ("code", r"^[A-Za-z]{2,8}$"),
    (
        "ref",
        r"^([Mm][Tt][Ff][Ss] ?[Rr][Ee][Ff]: ?)?[A-Za-z]{2,8}[ _-]*([Ss][Aa][Vv]|[Gg][Rr][Oo])[ _-]*[0-9]{1,4}$",
    ),
];

fn constrain_path_parameter(parameter: &mut Parameter) {
    if parameter.parameter_in != ParameterIn::Path {
        return;
    }
    let Some((_, pattern)) = PATH_PATTERNS
        .iter()
        .find(|(name, _)| *name == parameter.name)
    else {
        return;
    };
    parameter.schema = Some(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(*pattern))
            .into(),
    );
}
