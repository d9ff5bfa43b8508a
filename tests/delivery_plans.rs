//! A line's delivery plan (issue 19 items 1 and 3), on CFE SAV09 as the two 2021 plans print it: the Cabinet
//! decision on the children's centres strategy was due "June 2021" in February and 31/08/21 in July.

mod common;

use common::feed::all_events;
use common::reads::{expect, get_ok, with_as_at};
use common::TestApi;
use serde_json::{json, Value};

const PLAN: &str = "/api/v1/lines/CFE-SAV09/actions";

/// SAV09's public consultation (6.3) and the Cabinet decision that waits on it (6.4), as February planned them.
fn february_plan(api: &TestApi) {
    api.with_demo();
    expect(
        api.post(
            PLAN,
            &json!({"action": "6.3", "text": "Launch public consultation", "owners": ["DM"],
                "due": "1st March 2021", "status": "complete"}),
        ),
        201,
    );
    let created = api.post(
        PLAN,
        &json!({"action": "6.4", "text": "Full Cabinet to agree children's centres strategy",
            "owners": ["SD"], "due": "June 2021", "critical": true, "status": "not_started",
            "depends_on": ["6.3"]}),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        created.header("Location"),
        Some("/api/v1/lines/CFE-SAV09/actions/6.4")
    );
    assert_eq!(created.header("ETag"), Some("\"1\""));
}

fn action<'a>(plan: &'a Value, action_ref: &str) -> &'a Value {
    plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == action_ref)
        .unwrap_or_else(|| panic!("no {action_ref} in {plan}"))
}

on_both_backends! {
    fn a_due_date_that_moves_keeps_the_first_and_the_plan_shows_the_slip(api: &TestApi) {
        february_plan(api);
        let before_move = common::reads::now();
        let moved = api.send_with(
            "PATCH",
            &format!("{PLAN}/6.4"),
            &[("If-Match", "\"1\"")],
            Some(&json!({"due": "31/08/21", "reason": "Cabinet moved to August"})),
        );
        assert_eq!(moved.status, 200, "{}", moved.body);
        let moved = moved.json();
        assert_eq!(moved["due"], "2021-08-31");
        assert_eq!(moved["due_as_printed"], "31/08/21");
        assert_eq!(moved["original_due"], "2021-06");
        assert_eq!(moved["original_due_by"], "2021-06-30");
        assert_eq!(moved["original_due_as_printed"], "June 2021");
        assert_eq!(moved["slip"], json!({"days": 62, "months": 2}));
        assert_eq!(moved["version"], 2);

        // 31 July 2021: slipped two months, not yet due, the next milestone.
        let july = get_ok(api, &format!("{PLAN}?on=2021-07-31"));
        let decision = action(&july, "6.4");
        assert_eq!(decision["standing"], "on_track", "{decision}");
        assert_eq!(decision["slipped"], true);
        assert_eq!(july["next_milestone"]["action"], "6.4");
        assert_eq!(july["next_milestone"]["due_by"], "2021-08-31");
        assert_eq!(july["counts"]["complete"], 1);
        assert_eq!(july["counts"]["on_track"], 1);
        assert_eq!(july["counts"]["slipped"], 1);
        // The period's end is the same day: 2021/22 P4 is July.
        let p4 = get_ok(api, &format!("{PLAN}?year=2021-22&period=P4"));
        assert_eq!(p4["on"], "2021-07-31");
        assert_eq!(action(&p4, "6.4")["standing"], "on_track");

        // 30 September 2021: overdue.
        let september = get_ok(api, &format!("{PLAN}?on=2021-09-30"));
        assert_eq!(action(&september, "6.4")["standing"], "overdue");
        assert_eq!(september["counts"]["overdue"], 1);
        assert_eq!(september["next_milestone"], Value::Null);

        // Every due date it has had, with the reason it moved.
        let detail = api.get(&format!("{PLAN}/6.4"));
        assert_eq!(detail.status, 200);
        assert_eq!(detail.header("ETag"), Some("\"2\""));
        let history = detail.json()["due_history"].clone();
        assert_eq!(history.as_array().unwrap().len(), 2, "{history}");
        assert_eq!(history[0]["due"], "2021-06");
        assert_eq!(history[0]["due_as_printed"], "June 2021");
        assert_eq!(history[1]["due"], "2021-08-31");
        assert_eq!(history[1]["reason"], "Cabinet moved to August");

        // As recorded before the move: due in June, nothing slipped.
        let then = get_ok(api, &with_as_at(&format!("{PLAN}?on=2021-07-31"), &before_move));
        let decision = action(&then, "6.4");
        assert_eq!(decision["due"], "2021-06");
        assert_eq!(decision["standing"], "overdue");
        assert_eq!(decision["slipped"], false);
        let then = get_ok(api, &with_as_at(&format!("{PLAN}/6.4"), &before_move));
        assert_eq!(then["due_history"].as_array().unwrap().len(), 1);

        // A stale If-Match changes nothing.
        api.send_with("PATCH", &format!("{PLAN}/6.4"), &[("If-Match", "\"1\"")], Some(&json!({"status": "complete"})))
            .assert_problem(412, "precondition-failed");
        assert_eq!(get_ok(api, &format!("{PLAN}/6.4"))["action"]["status"], "not_started");

        // The change feed carries each action's events.
        let events: Vec<Value> = all_events(api)
            .into_iter()
            .filter(|event| event["entity"] == "action")
            .collect();
        assert_eq!(events.len(), 3, "{events:?}");
        assert_eq!(events[2]["after"]["due"], "2021-08-31");
        assert_eq!(events[2]["before"]["due"], "2021-06");
        assert_eq!(events[2]["reason"], "Cabinet moved to August");
    }

    fn an_action_brought_forward_while_one_it_waits_on_slipped_is_flagged(api: &TestApi) {
        february_plan(api);
        // The consultation was extended to 20 June (the July plan's 6.3 says so) ...
        let extended = api.post(
            PLAN,
            &json!({"action": "6.2", "text": "Review delivery options", "due": "04/06/21"}),
        );
        assert_eq!(extended.status, 201, "{}", extended.body);
        expect(api.patch(&format!("{PLAN}/6.2"), &json!({"due": "20/06/2021"})), 200);
        // ... while the decision waiting on it was brought forward from June to May.
        expect(
            api.patch(&format!("{PLAN}/6.4"), &json!({"due": "2021-05-31", "depends_on": ["6.2", "6.3"]})),
            200,
        );
        let plan = get_ok(api, &format!("{PLAN}?on=2021-05-01"));
        let decision = action(&plan, "6.4");
        assert_eq!(decision["slip"], json!({"days": -30, "months": -1}));
        assert_eq!(decision["brought_forward_while_slipped"], json!(["6.2"]));
        assert_eq!(action(&plan, "6.2")["brought_forward_while_slipped"], json!([]));
    }

    fn owners_resolve_through_the_directory_and_are_never_guessed(api: &TestApi) {
        february_plan(api);
        let plan = get_ok(api, PLAN);
        assert_eq!(plan["unresolved_owners"], json!(["DM", "SD"]));
        assert_eq!(action(&plan, "6.4")["owners"], json!([{"printed": "SD"}]));
        // Two people answer to SD: an owner naming both is refused with both names, and nothing is written.
        let mut conn = api.connection();
        add_person(&mut conn, 1, "Shelley Davies", &["SD"]);
        add_person(&mut conn, 2, "Sam Dyer", &["SD", "Sam"]);
        let refused = api.patch(&format!("{PLAN}/6.4"), &json!({"owners": ["Sam", "SD"]}));
        let problem = refused.assert_field_error(422, "validation", "owners[1]");
        let detail = problem.to_string();
        assert!(detail.contains("Sam Dyer") && detail.contains("Shelley Davies"), "{detail}");
        assert_eq!(get_ok(api, &format!("{PLAN}/6.4"))["action"]["version"], 1);
        // One person's alias, in any case, resolves to them.
        let resolved = expect(api.patch(&format!("{PLAN}/6.4"), &json!({"owners": ["sam"]})), 200);
        assert_eq!(resolved["owners"], json!([{"printed": "sam", "person_id": 2, "person": "Sam Dyer"}]));
        assert_eq!(get_ok(api, PLAN)["unresolved_owners"], json!(["DM"]));
    }

    fn bad_actions_are_refused_naming_the_field_and_write_nothing(api: &TestApi) {
        february_plan(api);
        for (body, field) in [
            (json!({"action": "6.5", "text": "Procure", "due": "soon"}), "due"),
            (json!({"action": "6.5", "text": "  "}), "text"),
            (json!({"action": "6.5", "text": "Procure", "completed_on": "2021-11-30"}), "completed_on"),
            (json!({"action": "6.5", "text": "Procure", "depends_on": ["9.9"]}), "depends_on[0]"),
            (json!({"action": "6.5", "text": "Procure", "depends_on": ["6.5"]}), "depends_on[0]"),
            (json!({"action": "6.5", "text": "Procure", "depends_on": ["6.3", "6.3"]}), "depends_on[1]"),
            (json!({"action": "6.5", "text": "Procure", "owners": ["x".repeat(201)]}), "owners[0]"),
            (json!({"action": "6.5", "text": "Procure", "due": "2021-11-30/2021-09-01"}), "due"),
            (json!({"action": "6 5", "text": "Procure"}), "action"),
            (json!({"action": "6.5", "text": "Procure", "colour": "red"}), "colour"),
            (json!({"action": "6.5", "text": "Procure", "status": "Complete"}), "status"),
        ] {
            let reply = api.post(PLAN, &body);
            assert!(matches!(reply.status, 400 | 422), "{body}: {} {}", reply.status, reply.body);
            let problem_type = reply.json()["type"].as_str().unwrap_or_default().trim_start_matches("/problems/").to_owned();
            reply.assert_field_error(reply.status, &problem_type, field);
        }
        // A circle through another action.
        expect(api.post(PLAN, &json!({"action": "6.5", "text": "Procure", "depends_on": ["6.4"]})), 201);
        api.patch(&format!("{PLAN}/6.4"), &json!({"depends_on": ["6.5"]}))
            .assert_field_error(422, "validation", "depends_on[0]");
        // The same ref twice, and a rename onto a ref the plan holds.
        api.post(PLAN, &json!({"action": "6.5", "text": "Again"})).assert_problem(409, "conflict");
        api.patch(&format!("{PLAN}/6.5"), &json!({"action": "6.4"}))
            .assert_field_error(422, "validation", "action");
        // No such line, no such action, a ref that is no action's.
        api.post("/api/v1/lines/CFE-SAV99/actions", &json!({"action": "1", "text": "x"}))
            .assert_problem(404, "not-found");
        api.patch(&format!("{PLAN}/9.9"), &json!({"text": "x"})).assert_problem(404, "not-found");
        api.get(&format!("{PLAN}/6%2C4")).assert_field_error(400, "invalid-parameter", "action");
        api.get(&format!("{PLAN}?on=2021-07-31&year=2021-22&period=P4"))
            .assert_field_error(400, "invalid-parameter", "on");
        let plan = get_ok(api, PLAN);
        assert_eq!(plan["counts"]["actions"], 3, "{plan}");
        assert_eq!(action(&plan, "6.4")["version"], 1);
    }

    fn only_an_editor_of_the_lines_directorate_changes_its_plan_and_before_the_body_is_read(api: &TestApi) {
        february_plan(api);
        api.with_directorate("ASC", "Adult Social Care");
        let other = api.as_key(&api.create_key("asc-finance", "editor", &["ASC"]));
        let reader = api.as_key(&api.create_key("pmo", "reader", &[]));
        for key in [&other, &reader] {
            key.send("POST", PLAN, "application/json", "{not json")
                .assert_problem(403, "forbidden");
            key.send("PATCH", &format!("{PLAN}/6.4"), "application/merge-patch+json", "{not json")
                .assert_problem(403, "forbidden");
        }
        api.anonymous().get(PLAN).assert_problem(401, "unauthorized");
        // A reader reads it.
        assert_eq!(get_ok(&reader, PLAN)["counts"]["actions"], 2);
        let cfe = api.as_key(&api.create_key("cfe-finance", "editor", &["CFE"]));
        expect(cfe.patch(&format!("{PLAN}/6.4"), &json!({"status": "in_progress"})), 200);
    }

    fn a_repeated_post_with_its_idempotency_key_creates_one_action(api: &TestApi) {
        api.with_demo();
        let body = json!({"action": "6.1", "text": "Agree in-year savings approach", "due": "11/2020"});
        let first = api.send_with("POST", PLAN, &[("Idempotency-Key", "sav09-6.1")], Some(&body));
        assert_eq!(first.status, 201, "{}", first.body);
        let again = api.send_with("POST", PLAN, &[("Idempotency-Key", "sav09-6.1")], Some(&body));
        assert_eq!(again.status, 201);
        assert_eq!(again.header("Idempotent-Replayed"), Some("true"));
        assert_eq!(again.json(), first.json());
        let plan = get_ok(api, PLAN);
        assert_eq!(plan["counts"]["actions"], 1);
        assert_eq!(action(&plan, "6.1")["due_by"], "2020-11-30");
    }
}

/// A person of the directory, straight into its tables (the directory's own API has its tests).
fn add_person(conn: &mut mtfs::db::PooledConnection, id: i64, name: &str, aliases: &[&str]) {
    use diesel::connection::SimpleConnection;
    let mut sql = format!(
        "INSERT INTO people (id, name, updated_at, updated_by, version) VALUES ({id}, '{name}', '2021-07-01 09:00:00', 'test', 1);"
    );
    for (alias, kind) in aliases
        .iter()
        .map(|a| (*a, "alias"))
        .chain([(name, "name")])
    {
        sql += &format!(
            "INSERT INTO person_aliases (alias_key, person_id, kind, alias) VALUES ('{}', {id}, '{kind}', '{alias}');",
            alias.to_lowercase()
        );
    }
    conn.batch_execute(&sql).expect("person");
}
