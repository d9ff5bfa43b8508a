//! The published contract: the spec the service serves is the one checked in at `openapi/openapi.json`.

mod common;

use common::{Backend, TestApi};
use serde_json::Value;

const REGENERATE: &str = "cargo run --quiet -- openapi > openapi/openapi.json";

#[test]
fn served_spec_matches_the_checked_in_file() {
    let api = TestApi::start(Backend::Sqlite);
    let served = api.get("/api-docs/openapi.json");
    assert_eq!(served.status, 200);
    let checked_in: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .expect("openapi/openapi.json"),
    )
    .expect("JSON");
    assert!(served.json() == checked_in, "openapi/openapi.json differs from the spec the service serves; regenerate it with `{REGENERATE}` and review the diff");
}

#[test]
fn every_operation_documents_its_problems_and_every_path_is_served() {
    let spec = serde_json::to_value(mtfs::app::openapi()).unwrap();
    let paths = spec["paths"].as_object().unwrap();
    for expected in [
        "/api/v1/lines",
        "/api/v1/lines/{ref}",
        "/api/v1/lines/{ref}/years/{year}",
        "/api/v1/directorates",
        "/api/v1/directorates/{code}",
        "/api/v1/reports/summary",
        "/health",
        "/ready",
    ] {
        assert!(
            paths.contains_key(expected),
            "{expected} is not in the spec"
        );
    }
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            for range in ["4XX", "5XX"] {
                let content = &responses[range]["content"]["application/problem+json"];
                assert!(
                    content.is_object(),
                    "{method} {path} does not document {range} as problem+json"
                );
            }
            let mut names: Vec<&str> = operation["parameters"]
                .as_array()
                .map(|ps| ps.iter().map(|p| p["name"].as_str().unwrap()).collect())
                .unwrap_or_default();
            let count = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(
                names.len(),
                count,
                "{method} {path} documents a parameter twice"
            );
            assert!(
                operation["tags"]
                    .as_array()
                    .is_some_and(|tags| !tags.is_empty()),
                "{method} {path} has no tag"
            );
        }
    }
    let money = &spec["components"]["schemas"]["Money"];
    // A string in pounds, or a whole JSON number (read from its text): never a float.
    assert_eq!(money["type"], serde_json::json!(["string", "integer"]));
    assert_eq!(money["pattern"], r"^-?0*[0-9]{1,12}(\.[0-9]{1,2})?$");
    assert_eq!(money["examples"][0], "794000.00");
}

/// What a client generator needs: every body an operation takes has a JSON form with a schema (so the import,
/// which also takes CSV, is not skipped), and every operation says whether it needs a key (`security`).
#[test]
fn every_operation_has_a_json_body_schema_and_says_whether_it_needs_a_key() {
    let spec = serde_json::to_value(mtfs::app::openapi()).unwrap();
    let mut bodies = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let security = operation["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path}: no security"));
            assert_eq!(
                security.is_empty(),
                !path.starts_with("/api/v1/"),
                "{method} {path}: {security:?}"
            );
            let Some(content) = operation["requestBody"]["content"].as_object() else {
                continue;
            };
            bodies += 1;
            let json = content
                .iter()
                .find(|(media, _)| *media == "application/json" || media.ends_with("+json"))
                .unwrap_or_else(|| {
                    panic!("{method} {path} takes no JSON body: {:?}", content.keys())
                });
            let schema = &json.1["schema"];
            assert!(
                schema["$ref"].is_string()
                    || schema["type"].is_string()
                    || schema["oneOf"].is_array(),
                "{method} {path}: {schema}"
            );
        }
    }
    assert!(bodies >= 12, "{bodies}");
    let import = &spec["paths"]["/api/v1/imports/lines"]["post"]["requestBody"]["content"];
    assert_eq!(
        import["application/json"]["schema"]["$ref"],
        "#/components/schemas/ImportJson"
    );
    assert_eq!(
        spec["info"]["license"],
        serde_json::json!({"name": "MIT", "identifier": "MIT"})
    );
    assert_eq!(spec["servers"][0]["url"], "/");
}
