//! The audit feed (`/api/v1/changes`), read as the tests need it.

use serde_json::Value;

use super::TestApi;

/// The cursor after the last event of the feed.
pub fn feed_end(api: &TestApi) -> String {
    let mut cursor = "0".to_owned();
    loop {
        let page = api.get(&format!("/api/v1/changes?after={cursor}&limit=1000"));
        assert_eq!(page.status, 200, "{}", page.body);
        let page = page.json();
        let next = page["next_cursor"].as_str().expect("a cursor").to_owned();
        if next == cursor {
            return cursor;
        }
        cursor = next;
    }
}

/// The events recorded after `cursor` (up to 1,000).
pub fn events_after(api: &TestApi, cursor: &str) -> Vec<Value> {
    let page = api.get(&format!("/api/v1/changes?after={cursor}&limit=1000"));
    assert_eq!(page.status, 200, "{}", page.body);
    page.json()["events"].as_array().expect("events").clone()
}

/// Every event in the feed, from the start.
pub fn all_events(api: &TestApi) -> Vec<Value> {
    let mut events = Vec::new();
    let mut after = "0".to_owned();
    for _ in 0..100 {
        let reply = api.get(&format!("/api/v1/changes?after={after}&limit=1000"));
        assert_eq!(reply.status, 200, "GET /api/v1/changes: {}", reply.body);
        let page = reply.json();
        let batch = page["events"].as_array().expect("events").clone();
        if batch.is_empty() {
            return events;
        }
        after = page["next_cursor"].as_str().expect("a cursor").to_owned();
        events.extend(batch);
    }
    panic!("the feed never ended");
}
