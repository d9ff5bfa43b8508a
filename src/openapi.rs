//! The OpenAPI document's frame; the paths and schemas come from the handlers themselves.

use utoipa::openapi::path::Operation;
use utoipa::openapi::{Content, RefOr, Response, ResponseBuilder};
use utoipa::{OpenApi, ToSchema};

use crate::error::Problem;

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
        (name = "operations", description = "Liveness and readiness"),
    ),
    components(schemas(Problem)),
)]
pub struct ApiDoc;

/// Documents the problem+json answers once for every operation, as `4XX` and `5XX` ranges.
/// Applied after the handlers' paths are collected.
pub fn add_problem_responses(openapi: &mut utoipa::openapi::OpenApi) {
    {
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
        for item in openapi.paths.paths.values_mut() {
            let operations: [&mut Option<Operation>; 5] = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                responses.entry("4XX".to_owned()).or_insert_with(|| {
                    problem("The request cannot be answered as sent; `detail` and `errors` say why")
                });
                responses.entry("5XX".to_owned()).or_insert_with(|| {
                    problem("The service or its database failed; nothing was changed")
                });
            }
        }
    }
}
