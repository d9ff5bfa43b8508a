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
