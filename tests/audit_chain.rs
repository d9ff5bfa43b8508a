//! The tamper-evident audit trail: each event is chained by hash to the one before it, the change feed
//! publishes the chain's head, and `verify` names the first event that was changed, removed or inserted, and
//! catches a whole chain rewritten against a head kept elsewhere.

mod common;

use common::feed::all_events;
use common::fixtures::sav05;
use common::TestApi;
use diesel::connection::SimpleConnection;
use mtfs::audit;
use mtfs::maintenance::verify::{verify, Verification};
use serde_json::json;

fn verified(api: &TestApi, head: Option<&str>) -> Verification {
    verify(&mut api.connection(), head).expect("verify runs")
}

fn chain_fault(api: &TestApi, head: Option<&str>) -> String {
    let verification = verified(api, head);
    assert!(!verification.is_sound(), "{verification}");
    verification.chain.expect_err("the chain breaks")
}

/// The CFE directorate, SAV05 as printed, then re-profiled: a trail of four events (the test's admin key,
/// the directorate, the line, the revision).
fn trail(api: &TestApi) -> Vec<serde_json::Value> {
    api.with_cfe();
    assert_eq!(api.post("/api/v1/lines", &sav05()).status, 201);
    let revised = api.patch(
        "/api/v1/lines/CFE-SAV05",
        &json!({
            "years": [
                {"year": "2021/22", "amount": "700000.00"},
                {"year": "2022/23", "amount": "1654000.00"},
                {"year": "2023/24", "amount": "1385000.00"}
            ],
            "reason": "Re-profiled at P3"
        }),
    );
    assert_eq!(revised.status, 200, "{}", revised.body);
    all_events(api)
}

fn event_id(event: &serde_json::Value) -> i64 {
    event["id"]
        .as_str()
        .expect("an id")
        .parse()
        .expect("a number")
}

on_both_backends! {
    fn every_event_is_chained_and_the_feed_publishes_the_head(api: &TestApi) {
        let events = trail(api);
        assert_eq!(events.len(), 4, "{events:?}");
        let hashes: Vec<&str> = events.iter().map(|e| e["hash"].as_str().expect("every event has a hash")).collect();
        assert!(hashes.iter().all(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())), "{hashes:?}");
        let distinct: std::collections::BTreeSet<_> = hashes.iter().collect();
        assert_eq!(distinct.len(), hashes.len(), "no two events share a chain hash");

        let feed = api.get("/api/v1/changes?limit=1").json();
        let head = feed["head"].as_str().expect("the feed names the head");
        assert_eq!(head, *hashes.last().unwrap(), "the head is the newest event's hash, whatever the page");

        let verification = verified(api, Some(head));
        assert!(verification.is_sound(), "{verification}");
        let chain = verification.chain.as_ref().unwrap();
        assert_eq!(chain.events, events.len() as u64);
        assert_eq!(chain.head.as_deref(), Some(head));
        assert_eq!(verification.integrity.is_some(), api.database_url.starts_with("sqlite"));
        assert_eq!(verification.totals_checked, 3, "SAV05's three years are kept: {verification}");
        assert!(verification.totals_wrong.is_empty(), "{verification}");
        // An earlier head is still in the chain: the PMO tracker's copy from last month checks out.
        assert!(verified(api, Some(hashes[0])).is_sound());
    }

    fn an_event_changed_in_place_is_named(api: &TestApi) {
        let events = trail(api);
        let revised = events.iter().find(|e| e["action"] == "updated").expect("the revision's event");
        let id = event_id(revised);
        api.connection().batch_execute(&format!(
            "UPDATE events SET after_state = replace(after_state, '700000', '794000') WHERE id = {id}"
        )).unwrap();
        assert_eq!(
            chain_fault(api, None),
            format!("event {id} was changed: its stored content does not match its hash")
        );
        // Any column of it: the reason too.
        api.connection().batch_execute(&format!(
            "UPDATE events SET after_state = replace(after_state, '794000', '700000'), reason = 'quietly' WHERE id = {id}"
        )).unwrap();
        assert!(chain_fault(api, None).starts_with(&format!("event {id} was changed")));
    }

    fn an_event_removed_or_inserted_is_named(api: &TestApi) {
        let events = trail(api);
        let (removed, next) = (event_id(&events[1]), event_id(&events[2]));
        let before = event_id(&events[0]);
        api.connection().batch_execute(&format!("DELETE FROM events WHERE id = {removed}")).unwrap();
        assert_eq!(
            chain_fault(api, None),
            format!(
                "event {next} does not follow event {before}: an event between them was removed (id {removed} is \
                 missing), or event {next} was inserted out of order"
            )
        );
    }

    fn a_rewritten_chain_verifies_alone_but_not_against_a_head_kept_elsewhere(api: &TestApi) {
        trail(api);
        let kept_head = api.get("/api/v1/changes?limit=1").json()["head"].as_str().unwrap().to_owned();
        let revision = all_events(api).into_iter().find(|e| e["action"] == "updated").unwrap();
        let id = event_id(&revision);
        // Someone with write access changes a figure and re-chains everything from scratch.
        api.connection().batch_execute(&format!(
            "UPDATE events SET after_state = replace(after_state, '700000', '794000') WHERE id = {id};
             UPDATE events SET content_hash = NULL, chain_hash = NULL;"
        )).unwrap();
        let chained = mtfs::db::write_transaction(&mut api.connection(), |conn| Ok(audit::seal_unchained(conn)?)).unwrap();
        assert_eq!(chained, all_events(api).len() as u64);
        assert!(verified(api, None).is_sound(), "alone, a rewritten chain is consistent");
        assert_eq!(
            chain_fault(api, Some(&kept_head)),
            format!(
                "the head {kept_head} is not in this database's chain: the trail was rewritten, or this database is \
                 older than that head"
            )
        );
    }

    fn upgrading_chains_the_events_already_there(api: &TestApi) {
        let events = trail(api);
        common::migrations::upgrade_through(
            api,
            &[
                ("20261208000001", "delivery plans came last"),
                ("20261207000003", "return receipts came before them"),
                ("20261207000002", "year-end outturn came before them"),
                ("20261207000001", "the shortfall's nature came before it"),
                ("20261203000007", "plan proposals came before it"),
                ("20261203000006", "DSG transfers by decision came before them"),
                ("20261203000005", "write-offs came before them"),
                ("20261203000004", "change control came before them"),
                ("20261203000003", "the approved budget came before it"),
                ("20261203000002", "the created ETag came before it"),
                ("20261203000001", "the audit chain came before it"),
            ],
        );
        assert!(all_events(api).iter().all(|e| e["hash"].is_null()), "the upgraded trail starts unchained");
        let chained = mtfs::db::write_transaction(&mut api.connection(), |conn| Ok(audit::seal_unchained(conn)?)).unwrap();
        assert_eq!(chained, events.len() as u64);
        assert_eq!(all_events(api), events, "chained as the writes themselves chained them");
        assert!(verified(api, None).is_sound());
    }

    fn events_an_older_release_wrote_are_chained_by_the_next_write(api: &TestApi) {
        let events = trail(api);
        let from = event_id(&events[events.len() - 2]);
        api.connection().batch_execute(&format!(
            "UPDATE events SET content_hash = NULL, chain_hash = NULL WHERE id >= {from}"
        )).unwrap();
        assert_eq!(chain_fault(api, None), format!("event {from} has no hash: it was never chained"));
        let head_before = events[events.len() - 3]["hash"].as_str().unwrap().to_owned();
        let again = api.patch(
            "/api/v1/lines/CFE-SAV05",
            &json!({"owner": "Finance BP (CFE)", "reason": "New owner"}),
        );
        assert_eq!(again.status, 200, "{}", again.body);
        let after = all_events(api);
        assert_eq!(after.len(), events.len() + 1);
        assert_eq!(after[events.len() - 2]["hash"], events[events.len() - 2]["hash"],
            "re-chained exactly as the first time");
        let verification = verified(api, Some(&head_before));
        assert!(verification.is_sound(), "{verification}");
    }
}
