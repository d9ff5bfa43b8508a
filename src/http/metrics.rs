//! Counts every answer in the process's metrics (`crate::metrics`): its method, the route template the router
//! matched (never the raw path) and its status class, and how long it took.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::state::AppState;

pub async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.metrics.clone());
    let method = req.method().clone();
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        metrics.observe(
            &method,
            response.request().match_pattern(),
            response.status(),
            started.elapsed(),
        );
    }
    Ok(response)
}
