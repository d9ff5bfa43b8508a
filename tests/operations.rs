//! Health, readiness, the offline docs page, and problem+json for requests no handler takes.

mod common;

use common::TestApi;

on_both_backends! {
    fn is_healthy_and_ready(api: &TestApi) {
        let health = api.get("/health");
        assert_eq!(health.status, 200);
        assert_eq!(health.json()["status"], "ok");
        let ready = api.get("/ready");
        assert_eq!(ready.status, 200, "{}", ready.body);
        assert_eq!(ready.json()["status"], "ready");
        let expected = if api.database_url.starts_with("sqlite") { "sqlite" } else { "postgresql" };
        assert_eq!(ready.json()["database"], expected);
    }

    fn unknown_paths_and_methods_are_problems(api: &TestApi) {
        api.get("/api/v1/nothing-here").assert_problem(404, "not-found");
        let wrong_method = api.delete("/api/v1/lines");
        let problem = wrong_method.assert_problem(405, "method-not-allowed");
        assert_eq!(wrong_method.header("allow"), Some("GET, POST"), "{problem}");
        let wrong_method = api.send("POST", "/api/v1/reports/summary", "application/json", "{}");
        wrong_method.assert_problem(405, "method-not-allowed");
        assert_eq!(wrong_method.header("allow"), Some("GET"));
        // A collection beside a templated path: PUT on the transfers is not a PUT of a block named "transfers".
        let transfers = api.put("/api/v1/dsg/2021-22/transfers", &serde_json::json!({}));
        transfers.assert_problem(405, "method-not-allowed");
        assert_eq!(transfers.header("allow"), Some("GET, POST"));
    }

    fn refs_that_are_not_ascii_are_refused_not_fatal(api: &TestApi) {
        // `éé1` once split a character in two: the request must get a problem, and the server must stay up.
        for path in ["/api/v1/lines/%C3%A9%C3%A91", "/api/v1/lines/CF%C3%89SAV1", "/api/v1/lines?cursor=%F0%90%80%800"] {
            api.get(path).assert_field_error(400, "invalid-parameter", if path.contains("cursor") { "cursor" } else { "ref" });
        }
        assert_eq!(api.get("/health").status, 200);
    }

    fn metrics_count_requests_by_route_template_for_an_admin_only(api: &TestApi) {
        api.with_cfe();
        let scrape = |api: &TestApi| {
            let reply = api.get("/api/v1/metrics");
            assert_eq!(reply.status, 200, "{}", reply.body);
            assert_eq!(reply.content_type, "application/openmetrics-text; version=1.0.0; charset=utf-8");
            assert!(reply.body.ends_with("# EOF\n"), "{}", reply.body);
            reply.body
        };
        let count = |text: &str, series: &str| -> f64 {
            text.lines()
                .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.trim().parse().ok()))
                .unwrap_or(0.0)
        };
        const LINE_OK: &str = r#"mtfs_http_requests_total{method="GET",route="/api/v1/lines/{ref}",status="2xx"}"#;
        const LINE_MISSING: &str = r#"mtfs_http_requests_total{method="GET",route="/api/v1/lines/{ref}",status="4xx"}"#;
        const UNKNOWN: &str = r#"mtfs_http_requests_total{method="GET",route="unmatched",status="4xx"}"#;
        let before = scrape(api);
        assert_eq!(api.post("/api/v1/lines", &common::fixtures::sav05()).status, 201);
        for path in ["/api/v1/lines/CFE-SAV05", "/api/v1/lines/cfe-sav-5"] {
            assert_eq!(api.get(path).status, 200);
        }
        assert_eq!(api.get("/api/v1/lines/CFE-SAV99").status, 404);
        assert_eq!(api.get("/api/v1/no/such/place/CFE-SAV05").status, 404);
        let after = scrape(api);
        assert_eq!(count(&after, LINE_OK) - count(&before, LINE_OK), 2.0, "{after}");
        assert_eq!(count(&after, LINE_MISSING) - count(&before, LINE_MISSING), 1.0, "{after}");
        assert_eq!(count(&after, UNKNOWN) - count(&before, UNKNOWN), 1.0, "{after}");
        assert_eq!(count(&after, "mtfs_writes_total") - count(&before, "mtfs_writes_total"), 1.0, "{after}");
        let histogram = r#"mtfs_http_request_duration_seconds_count{method="GET",route="/api/v1/lines/{ref}"}"#;
        assert_eq!(count(&after, histogram) - count(&before, histogram), 3.0, "{after}");
        assert!(after.contains("mtfs_pool_connections "), "{after}");
        assert!(after.contains("mtfs_write_queue_depth 0"), "{after}");
        // No raw path, ref or key reaches a label.
        for leak in ["SAV05", "SAV99", "no/such", "cfe-sav"] {
            assert!(!after.contains(leak), "{leak} in the metrics:\n{after}");
        }
        api.anonymous().get("/api/v1/metrics").assert_problem(401, "unauthorized");
        let reader = api.create_key("pmo-reader", "reader", &[]);
        api.as_key(&reader).get("/api/v1/metrics").assert_problem(403, "forbidden");
    }

    fn every_answer_carries_a_request_id_and_a_problem_names_it_as_instance(api: &TestApi) {
        let uuid = |text: &str| {
            text.len() == 36
                && text.split('-').map(str::len).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        };
        let health = api.get("/health");
        let first = health
            .header("x-request-id")
            .expect("an id on /health")
            .to_owned();
        assert!(uuid(&first), "{first}");
        assert_ne!(
            api.get("/health").header("x-request-id"),
            Some(first.as_str()),
            "a new id each time"
        );

        // A problem names its request: from a handler (422), the key gate (401) and the fallback (404).
        let bad = api.post(
            "/api/v1/directorates",
            &serde_json::json!({"code": "", "name": "Nobody"}),
        );
        for (reply, status) in [
            (bad, 422),
            (api.anonymous().get("/api/v1/lines"), 401),
            (api.get("/api/v1/nothing-here"), 404),
        ] {
            assert_eq!(reply.status, status, "{}", reply.body);
            let id = reply.header("x-request-id").expect("an id").to_owned();
            assert_eq!(
                reply.json()["instance"],
                format!("urn:uuid:{id}"),
                "{}",
                reply.body
            );
        }

        // The client's own id, when it is a UUID, is kept (in lower case); anything else is replaced.
        let mine = "9F86D081-8842-4C7D-A59A-2FEAA0C55AD0";
        let kept = api.send_with(
            "GET",
            "/api/v1/lines/CFE-SAV99",
            &[("x-request-id", mine)],
            None,
        );
        assert_eq!(kept.status, 404);
        assert_eq!(
            kept.header("x-request-id"),
            Some("9f86d081-8842-4c7d-a59a-2feaa0c55ad0")
        );
        assert_eq!(
            kept.json()["instance"],
            "urn:uuid:9f86d081-8842-4c7d-a59a-2feaa0c55ad0"
        );
        for theirs in [
            "req-42",
            "9f86d081-8842-4c7d-a59a-2feaa0c55ad0-and-more",
            "'; DROP TABLE events; --",
        ] {
            let replaced = api.send_with("GET", "/health", &[("x-request-id", theirs)], None);
            let id = replaced.header("x-request-id").unwrap();
            assert!(uuid(id) && id != theirs, "{theirs:?} -> {id}");
        }
    }
}

#[test]
fn docs_page_is_served_from_the_binary_with_no_outside_address() {
    let api = TestApi::start(common::Backend::Sqlite);
    let redirect = api.get("/docs");
    // ureq follows the redirect from /docs to /docs/.
    assert_eq!(redirect.status, 200);
    let page = api.get("/docs/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("swagger-ui-bundle.js"));
    for asset in [
        "/docs/swagger-ui-bundle.js",
        "/docs/swagger-ui.css",
        "/docs/swagger-initializer.js",
    ] {
        let reply = api.get(asset);
        assert_eq!(reply.status, 200, "{asset}");
        assert!(reply.body.len() > 100, "{asset} is empty");
    }
    let initializer = api.get("/docs/swagger-initializer.js").body;
    assert!(initializer.contains("/api-docs/openapi.json"));
    assert!(
        initializer.contains(r#""validatorUrl": "none""#),
        "the page must not call an outside validator"
    );
    for page in [&page.body, &initializer] {
        assert!(
            !page.contains("https://"),
            "the docs page refers to an outside address"
        );
    }
}
