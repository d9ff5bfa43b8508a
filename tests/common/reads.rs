//! Reading answers: a body that must come with a status, the refs of a list, what is stored, and instants
//! for `as_at`.

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{Reply, TestApi};

/// The body of a reply that must have this status.
pub fn expect(reply: Reply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.body);
    reply.json()
}

/// The body of a GET that must answer 200.
pub fn get_ok(api: &TestApi, path: &str) -> Value {
    let reply = api.get(path);
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
    reply.json()
}

/// The `ref` of each item of a list, in order.
pub fn refs(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|item| item["ref"].as_str().expect("a ref").to_owned())
        .collect()
}

/// How many lines there are (the first page of 500, which holds them all in a test).
pub fn line_count(api: &TestApi) -> usize {
    let page = api.get("/api/v1/lines?limit=500");
    assert_eq!(page.status, 200, "{}", page.body);
    page.json()["lines"].as_array().unwrap().len()
}

/// Everything a write would change, as the API shows it: every line (withdrawn too) and the audit feed.
pub fn lines_and_feed(api: &TestApi) -> (String, String) {
    let lines = api.get("/api/v1/lines?limit=500&include_withdrawn=true");
    let feed = api.get("/api/v1/changes?limit=1000");
    assert_eq!((lines.status, feed.status), (200, 200));
    (lines.body, feed.body)
}

/// Now, in RFC 3339: an instant no later write shares.
pub fn now() -> String {
    let now = OffsetDateTime::now_utc();
    std::thread::sleep(std::time::Duration::from_millis(2)); // nothing else shares this instant
    now.format(&Rfc3339).unwrap()
}

/// `path` asked as it stood at `at`.
pub fn with_as_at(path: &str, at: &str) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}as_at={at}")
}

/// A line read now, as its writes answer it: without what `GET /lines/{ref}` adds now only (the baselines that
/// hold it and its pending changes), which must be there.
#[allow(dead_code)]
pub fn line_now(api: &TestApi, path: &str) -> Value {
    let mut line = get_ok(api, path);
    let object = line.as_object_mut().expect("a line is an object");
    for added in ["baselines", "pending_changes"] {
        assert!(
            object.remove(added).is_some_and(|v| v.is_array()),
            "{path}: no {added}"
        );
    }
    line
}
