//! The actix application, built the same way for the server and for the tests.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Logger;
use actix_web::{web, App, HttpResponse, HttpServer};
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::http::extract::MAX_BODY_BYTES;
use crate::http::fallback::{not_routed, KnownRoutes};
use crate::openapi::ApiDoc;
use crate::state::AppState;
use crate::{
    audit, budget, change_control, directorates, dsg, imports, keys, lines, mitigations,
    monitoring, ops, outturn, people, plans, reports, returns,
};

/// Every versioned API operation, under `/api/v1`.
fn api_v1(config: &mut ServiceConfig) {
    config
        .service(directorates::api::list_directorates)
        .service(directorates::api::create_directorate)
        .service(directorates::api::get_directorate)
        .service(lines::api::list_lines)
        .service(lines::api::create_line)
        .service(lines::api::get_line)
        .service(lines::api::patch_line)
        .service(lines::api::put_year)
        .service(lines::api::delete_year)
        .service(imports::api::import)
        .service(monitoring::api::list_periods)
        .service(monitoring::api::create_period)
        .service(monitoring::api::get_period)
        .service(monitoring::api::close_period)
        .service(monitoring::api::list_assessments)
        .service(monitoring::api::put_assessment)
        .service(monitoring::api::copy_from)
        .service(monitoring::api::line_assessments)
        // Plans first: `/dsg/plans/…` would otherwise read as a year and a block.
        .service(dsg::api::put_plan)
        .service(dsg::api::get_plan)
        .service(dsg::api::plan_variance)
        .service(dsg::api::dsg_range)
        .service(dsg::api::dsg_year)
        .service(dsg::api::put_balance)
        .service(dsg::api::list_transfers)
        .service(dsg::api::create_transfer)
        .service(lines::api::line_history)
        .service(budget::api::record_decision)
        .service(budget::api::list_decisions)
        .service(budget::api::get_decision)
        .service(budget::api::set_baseline)
        .service(budget::api::list_baselines)
        .service(budget::api::get_baseline)
        .service(budget::api::record_write_off)
        .service(budget::api::list_write_offs)
        .service(returns::api::return_statuses)
        .service(returns::api::get_return)
        .service(returns::api::import_return)
        .service(mitigations::api::record_mitigation)
        .service(mitigations::api::list_mitigations)
        .service(mitigations::api::get_mitigation)
        .service(outturn::api::get_year)
        .service(outturn::api::put_outturn)
        .service(outturn::api::close_year)
        .service(outturn::api::reopen_year)
        .service(outturn::api::line_outturns)
        .service(plans::api::line_plan)
        .service(plans::api::create_action)
        .service(plans::api::get_action)
        .service(plans::api::patch_action)
        .service(plans::api::import_plan)
        .service(change_control::api::propose)
        .service(change_control::api::list)
        .service(change_control::api::get)
        .service(change_control::api::approve)
        .service(change_control::api::reject)
        .service(change_control::api::withdraw)
        .service(change_control::api::dispose)
        .service(people::api::create_person)
        .service(people::api::list_people)
        // Before `/people/{id}`, which would read `resolve` as an id.
        .service(people::api::resolve_owner)
        .service(people::api::get_person)
        .service(people::api::patch_person)
        .service(audit::api::change_feed)
        .service(keys::api::list_keys)
        .service(keys::api::create_key)
        .service(keys::api::revoke_key)
        .service(reports::summary::summary_report)
        .service(reports::changes::changes_report)
        .service(reports::at_risk::at_risk_report)
        .service(reports::variance::variance_report)
        .service(reports::delivery::delivery_report)
        .service(reports::delivery_plan::delivery_plan_report)
        .service(reports::overdue_actions::overdue_actions_report)
        .service(reports::reconciliation::reconcile)
        .service(ops::metrics);
}

fn documented_app() -> (
    App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    utoipa::openapi::OpenApi,
) {
    let (app, mut spec) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .service(ops::health)
        .service(ops::ready)
        .service(
            utoipa_actix_web::scope("/api/v1")
                .wrap(actix_web::middleware::from_fn(
                    crate::http::path_text::refuse_control_characters,
                ))
                .wrap(actix_web::middleware::from_fn(
                    crate::http::authenticate::require_key,
                ))
                .configure(api_v1),
        )
        .split_for_parts();
    crate::openapi::finish(&mut spec);
    (app, spec)
}

/// The OpenAPI document, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented_app().1
}

/// The whole application: the API, `/health` and `/ready`, the spec and the docs page, one log line per
/// request, and problem+json for every request no handler takes.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, spec) = documented_app();
    let known_routes = web::Data::new(KnownRoutes::from_spec(&spec));
    app.app_data(web::Data::new(state))
        .app_data(known_routes)
        .service(web::resource("/docs").get(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header((header::LOCATION, "/docs/"))
                .finish()
        }))
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .url("/api-docs/openapi.json", spec)
                .config(Config::default().validator_url("none")),
        )
        .default_service(web::to(not_routed))
        .wrap(actix_web::middleware::from_fn(
            crate::http::metrics::count_requests,
        ))
        .wrap(actix_web::middleware::from_fn(
            crate::http::request_id::tag_request,
        ))
        // The id is named from the response: the access line is written when the body has been sent.
        .wrap(Logger::new("%r %s %Dms request_id=%{x-request-id}o"))
}

/// How long a request's head (request line and headers) may take to arrive.
pub const HEAD_DEADLINE: Duration = Duration::from_secs(5);

/// Starts serving on `listener`; stops gracefully (finishing requests in flight) on SIGTERM or Ctrl-C.
pub fn serve(state: AppState, listener: TcpListener, workers: usize) -> std::io::Result<Server> {
    Ok(HttpServer::new(move || build_app(state.clone()))
        .workers(workers)
        // The head must arrive within this; the body has its own deadline (crate::http::body).
        .client_request_timeout(HEAD_DEADLINE)
        .shutdown_timeout(30)
        .listen(listener)?
        .run())
}
