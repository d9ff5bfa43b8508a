//! Answers for requests no handler took: 405 when the path exists with other methods, else 404.
//! The known paths come from the OpenAPI document, which is generated from the handlers themselves.

use actix_web::dev::ResourceDef;
use actix_web::{web, HttpRequest, HttpResponse};
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::OpenApi;

use crate::error::ApiError;

pub struct KnownRoutes(Vec<(ResourceDef, Vec<String>)>);

impl KnownRoutes {
    pub fn from_spec(spec: &OpenApi) -> KnownRoutes {
        let methods = [
            (HttpMethod::Get, "GET"),
            (HttpMethod::Post, "POST"),
            (HttpMethod::Put, "PUT"),
            (HttpMethod::Patch, "PATCH"),
            (HttpMethod::Delete, "DELETE"),
        ];
        let routes = spec
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let allowed = methods
                    .iter()
                    .filter(|(method, _)| match method {
                        HttpMethod::Get => item.get.is_some(),
                        HttpMethod::Post => item.post.is_some(),
                        HttpMethod::Put => item.put.is_some(),
                        HttpMethod::Patch => item.patch.is_some(),
                        HttpMethod::Delete => item.delete.is_some(),
                        _ => false,
                    })
                    .map(|(_, name)| (*name).to_owned())
                    .collect();
                (ResourceDef::new(path.as_str()), allowed)
            })
            .collect();
        KnownRoutes(routes)
    }
}

pub async fn not_routed(
    req: HttpRequest,
    routes: web::Data<KnownRoutes>,
) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    Err(match routes.0.iter().find(|(def, _)| def.is_match(path)) {
        Some((_, allowed)) => ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            allowed: allowed.clone(),
        },
        None => ApiError::NotFound(format!("there is nothing at {path}")),
    })
}
