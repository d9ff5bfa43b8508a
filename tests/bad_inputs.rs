//! Bad inputs, table-driven: every row must be answered with the right status and problem type, name the
//! offending field where there is one, and write nothing at all.
//!
//! Bodies are sent as raw text, so a JSON number such as `12345678901234567.89` reaches the service with
//! exactly the digits written here and is never rounded through a float on the way.

mod common;

use common::TestApi;

const CFE: &str = r#"{"code":"CFE","name":"Children, Families & Education"}"#;

const SAV05: &str = r#"{"ref":"CFE SAV05","kind":"saving","directorate":"CFE",
    "title":"Reduction in the numbers of children in care","owner":"Hannah Doughty",
    "years":[{"year":"2021/22","amount":"794000.00"},{"year":"2022/23","amount":"1654000.00"},
             {"year":"2023/24","amount":"1385000.00"}]}"#;

const JSON: &str = "application/json";
const MERGE_PATCH: &str = "application/merge-patch+json";
const NONE: &str = "";

/// Adds the CFE directorate and the line CFE SAV05, so the bad inputs meet real data.
fn seed(api: &TestApi) {
    let directorate = api.send("POST", "/api/v1/directorates", JSON, CFE);
    assert_eq!(directorate.status, 201, "{}", directorate.body);
    let line = api.send("POST", "/api/v1/lines", JSON, SAV05);
    assert_eq!(line.status, 201, "{}", line.body);
}

/// Everything stored, as the API shows it: every line (withdrawn too, with versions and times) and every
/// directorate.
fn snapshot(api: &TestApi) -> (String, String) {
    let lines = api.get("/api/v1/lines?limit=500&include_withdrawn=true");
    assert_eq!(lines.status, 200, "{}", lines.body);
    let directorates = api.get("/api/v1/directorates");
    assert_eq!(directorates.status, 200, "{}", directorates.body);
    (lines.body, directorates.body)
}

/// A new line, CFE SAV06, that would be recorded if the rest of the request were let through.
fn new_line_with(fields: &str) -> String {
    format!(
        r#"{{"ref":"CFE SAV06","kind":"saving","directorate":"CFE","title":"Placements review",
            "owner":"Finance BP",{fields}}}"#
    )
}

/// A new line whose only year has this amount, written as raw JSON (`"1.005"` is a string, `1e3` a number).
fn new_line_amount(amount: &str) -> String {
    new_line_with(&format!(
        r#""years":[{{"year":"2021/22","amount":{amount}}}]"#
    ))
}

/// A new line whose only year is this text.
fn new_line_year(year: &str) -> String {
    new_line_with(&format!(
        r#""years":[{{"year":"{year}","amount":"100.00"}}]"#
    ))
}

struct Row {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    content_type: &'static str,
    body: String,
    status: u16,
    problem: &'static str,
    field: Option<&'static str>,
    /// Methods the `allow` header must list.
    allow: &'static [&'static str],
}

#[allow(clippy::too_many_arguments)]
fn row(
    name: &'static str,
    method: &'static str,
    path: &'static str,
    content_type: &'static str,
    body: impl Into<String>,
    status: u16,
    problem: &'static str,
    field: Option<&'static str>,
) -> Row {
    Row {
        name,
        method,
        path,
        content_type,
        body: body.into(),
        status,
        problem,
        field,
        allow: &[],
    }
}

impl Row {
    fn allow(mut self, methods: &'static [&'static str]) -> Row {
        self.allow = methods;
        self
    }
}

fn rows() -> Vec<Row> {
    let amount = Some("years[0].amount");
    let body_year = Some("years[0].year");
    let valid = new_line_with(r#""years":[{"year":"2021/22","amount":"100.00"}]"#);
    let mut too_large = valid.clone();
    too_large.push_str(&" ".repeat(1024 * 1024));
    let lines = "/api/v1/lines";
    let sav05 = "/api/v1/lines/CFE-SAV05";
    vec![
        // Amounts in a new line's profile: never rounded, never a float, never negative.
        row(
            "amount with three decimals",
            "POST",
            lines,
            JSON,
            new_line_amount(r#""1.005""#),
            422,
            "validation",
            amount,
        ),
        row(
            "amount with an exponent",
            "POST",
            lines,
            JSON,
            new_line_amount(r#""1e3""#),
            422,
            "validation",
            amount,
        ),
        row(
            "amount NaN",
            "POST",
            lines,
            JSON,
            new_line_amount(r#""NaN""#),
            422,
            "validation",
            amount,
        ),
        row(
            "negative amount",
            "POST",
            lines,
            JSON,
            new_line_amount(r#""-5.00""#),
            422,
            "validation",
            amount,
        ),
        row(
            "amount with a thousands separator",
            "POST",
            lines,
            JSON,
            new_line_amount(r#""12,000""#),
            422,
            "validation",
            amount,
        ),
        row(
            "amount as a too-large JSON number",
            "POST",
            lines,
            JSON,
            new_line_amount("12345678901234567.89"),
            422,
            "validation",
            amount,
        ),
        row(
            "amount as a JSON number with an exponent",
            "POST",
            lines,
            JSON,
            new_line_amount("1e3"),
            422,
            "validation",
            amount,
        ),
        row(
            "amount true",
            "POST",
            lines,
            JSON,
            new_line_amount("true"),
            422,
            "validation",
            amount,
        ),
        row(
            "amount empty",
            "POST",
            lines,
            JSON,
            new_line_amount(r#""""#),
            422,
            "validation",
            amount,
        ),
        row(
            "amount null",
            "POST",
            lines,
            JSON,
            new_line_amount("null"),
            422,
            "validation",
            amount,
        ),
        row(
            "amount three-decimal JSON number",
            "POST",
            lines,
            JSON,
            new_line_amount("1.005"),
            422,
            "validation",
            amount,
        ),
        // Financial years.
        row(
            "year running two years",
            "POST",
            lines,
            JSON,
            new_line_year("2021/23"),
            422,
            "validation",
            body_year,
        ),
        row(
            "year with a short start",
            "POST",
            lines,
            JSON,
            new_line_year("21/22"),
            422,
            "validation",
            body_year,
        ),
        row(
            "year as one calendar year",
            "POST",
            lines,
            JSON,
            new_line_year("2021"),
            422,
            "validation",
            body_year,
        ),
        row(
            "year in a query as one calendar year",
            "GET",
            "/api/v1/lines?year=2021",
            NONE,
            "",
            400,
            "invalid-parameter",
            Some("year"),
        ),
        row(
            "year in a query running two years",
            "GET",
            "/api/v1/lines?year=2021/23",
            NONE,
            "",
            400,
            "invalid-parameter",
            Some("year"),
        ),
        row(
            "year in a path as one calendar year",
            "PUT",
            "/api/v1/lines/CFE-SAV05/years/2021",
            JSON,
            r#"{"amount":"1.00"}"#,
            400,
            "invalid-parameter",
            Some("year"),
        ),
        row(
            "a year twice in a profile",
            "POST",
            lines,
            JSON,
            new_line_with(
                r#""years":[{"year":"2021/22","amount":"1.00"},{"year":"2021-22","amount":"2.00"}]"#,
            ),
            422,
            "validation",
            Some("years[1].year"),
        ),
        // Bodies that are not JSON, or not JSON at all.
        row(
            "malformed JSON",
            "POST",
            lines,
            JSON,
            r#"{"kind":"#,
            400,
            "malformed-request",
            None,
        ),
        row(
            "trailing garbage after JSON",
            "POST",
            lines,
            JSON,
            format!("{valid} x"),
            400,
            "malformed-request",
            None,
        ),
        row(
            "two JSON documents",
            "POST",
            lines,
            JSON,
            format!("{valid}{valid}"),
            400,
            "malformed-request",
            None,
        ),
        row(
            "text/plain body",
            "POST",
            lines,
            "text/plain",
            valid.clone(),
            415,
            "unsupported-media-type",
            None,
        ),
        row(
            "no content type",
            "POST",
            lines,
            NONE,
            valid.clone(),
            415,
            "unsupported-media-type",
            None,
        ),
        row(
            "PATCH as text/plain",
            "PATCH",
            sav05,
            "text/plain",
            r#"{"owner":"Debbie Jones"}"#,
            415,
            "unsupported-media-type",
            None,
        ),
        row(
            "body over 1 MiB",
            "POST",
            lines,
            JSON,
            too_large,
            413,
            "payload-too-large",
            None,
        ),
        // Fields of the wrong shape.
        row(
            "unknown field",
            "POST",
            lines,
            JSON,
            new_line_with(r#""bogus":1"#),
            422,
            "validation",
            Some("bogus"),
        ),
        row(
            "missing title",
            "POST",
            lines,
            JSON,
            r#"{"ref":"CFE SAV06","kind":"saving","directorate":"CFE","owner":"Finance BP"}"#,
            422,
            "validation",
            Some("title"),
        ),
        row(
            "kind capex",
            "POST",
            lines,
            JSON,
            r#"{"ref":"CFE SAV06","kind":"capex","directorate":"CFE","title":"Placements review"}"#,
            422,
            "validation",
            Some("kind"),
        ),
        row(
            "status done",
            "POST",
            lines,
            JSON,
            new_line_with(r#""status":"done""#),
            422,
            "validation",
            Some("status"),
        ),
        row(
            "empty title",
            "POST",
            lines,
            JSON,
            r#"{"ref":"CFE SAV06","kind":"saving","directorate":"CFE","title":"  "}"#,
            422,
            "validation",
            Some("title"),
        ),
        // Refs and directorates that disagree or do not exist.
        row(
            "growth ref on a saving",
            "POST",
            lines,
            JSON,
            r#"{"ref":"CFE GRO20","kind":"saving","directorate":"CFE","title":"Placements review"}"#,
            422,
            "validation",
            Some("ref"),
        ),
        row(
            "ref of another directorate",
            "POST",
            lines,
            JSON,
            r#"{"ref":"ASC SAV20","kind":"saving","directorate":"CFE","title":"Placements review"}"#,
            422,
            "validation",
            Some("ref"),
        ),
        row(
            "unknown directorate",
            "POST",
            lines,
            JSON,
            r#"{"ref":"ASC SAV20","kind":"saving","directorate":"ASC","title":"Placements review"}"#,
            422,
            "validation",
            Some("directorate"),
        ),
        row(
            "unknown directorate, ref assigned",
            "POST",
            lines,
            JSON,
            r#"{"kind":"saving","directorate":"ASC","title":"Placements review"}"#,
            422,
            "validation",
            Some("directorate"),
        ),
        row(
            "duplicate ref",
            "POST",
            lines,
            JSON,
            r#"{"ref":"cfe sav 5","kind":"saving","directorate":"CFE","title":"Placements review"}"#,
            409,
            "conflict",
            None,
        ),
        row(
            "bad ref in a path",
            "GET",
            "/api/v1/lines/CFE-XYZ01",
            NONE,
            "",
            400,
            "invalid-parameter",
            Some("ref"),
        ),
        row(
            "bad ref in a PATCH path",
            "PATCH",
            "/api/v1/lines/CFE-XYZ01",
            MERGE_PATCH,
            r#"{"owner":"Debbie Jones"}"#,
            400,
            "invalid-parameter",
            Some("ref"),
        ),
        row(
            "line that does not exist",
            "GET",
            "/api/v1/lines/CFE-SAV09",
            NONE,
            "",
            404,
            "not-found",
            None,
        ),
        row(
            "PATCH of a line that does not exist",
            "PATCH",
            "/api/v1/lines/CFE-SAV09",
            MERGE_PATCH,
            r#"{"owner":"Debbie Jones"}"#,
            404,
            "not-found",
            None,
        ),
        row(
            "PUT of a year of a line that does not exist",
            "PUT",
            "/api/v1/lines/CFE-SAV09/years/2021-22",
            JSON,
            r#"{"amount":"1.00"}"#,
            404,
            "not-found",
            None,
        ),
        row(
            "DELETE of a year the line does not have",
            "DELETE",
            "/api/v1/lines/CFE-SAV05/years/2024-25",
            NONE,
            "",
            404,
            "not-found",
            None,
        ),
        // Routing.
        row(
            "DELETE of a line",
            "DELETE",
            sav05,
            NONE,
            "",
            405,
            "method-not-allowed",
            None,
        )
        .allow(&["GET", "PATCH"]),
        row(
            "unknown path",
            "GET",
            "/api/v1/savings",
            NONE,
            "",
            404,
            "not-found",
            None,
        ),
        row(
            "unknown path under a line",
            "GET",
            "/api/v1/lines/CFE-SAV05/comments",
            NONE,
            "",
            404,
            "not-found",
            None,
        ),
        // Changes to an existing line.
        row(
            "withdrawing without a reason",
            "PATCH",
            sav05,
            MERGE_PATCH,
            r#"{"status":"withdrawn"}"#,
            422,
            "validation",
            Some("reason"),
        ),
        row(
            "withdrawing with a blank reason",
            "PATCH",
            sav05,
            MERGE_PATCH,
            r#"{"status":"withdrawn","reason":"  "}"#,
            422,
            "validation",
            Some("reason"),
        ),
        row(
            "changing the kind",
            "PATCH",
            sav05,
            MERGE_PATCH,
            r#"{"kind":"growth"}"#,
            422,
            "validation",
            Some("kind"),
        ),
        row(
            "negative amount in a patched profile",
            "PATCH",
            sav05,
            MERGE_PATCH,
            r#"{"owner":"Debbie Jones","years":[{"year":"2021/22","amount":"-5.00"}]}"#,
            422,
            "validation",
            amount,
        ),
        row(
            "empty title in a patch",
            "PATCH",
            sav05,
            MERGE_PATCH,
            r#"{"owner":"Debbie Jones","title":"  "}"#,
            422,
            "validation",
            Some("title"),
        ),
        row(
            "one year's amount with three decimals",
            "PUT",
            "/api/v1/lines/CFE-SAV05/years/2021-22",
            JSON,
            r#"{"amount":"1.005"}"#,
            422,
            "validation",
            Some("amount"),
        ),
        row(
            "one year's amount negative",
            "PUT",
            "/api/v1/lines/CFE-SAV05/years/2021-22",
            JSON,
            r#"{"amount":"-5.00"}"#,
            422,
            "validation",
            Some("amount"),
        ),
        // Query parameters.
        row(
            "unknown query parameter",
            "GET",
            "/api/v1/lines?colour=red",
            NONE,
            "",
            400,
            "invalid-parameter",
            Some("colour"),
        ),
        row(
            "limit 0",
            "GET",
            "/api/v1/lines?limit=0",
            NONE,
            "",
            400,
            "invalid-parameter",
            Some("limit"),
        ),
        row(
            "limit over 500",
            "GET",
            "/api/v1/lines?limit=501",
            NONE,
            "",
            400,
            "invalid-parameter",
            Some("limit"),
        ),
        row(
            "kind capex in a query",
            "GET",
            "/api/v1/lines?kind=capex",
            NONE,
            "",
            400,
            "invalid-parameter",
            Some("kind"),
        ),
        // Directorates.
        row(
            "lower-case directorate code",
            "POST",
            "/api/v1/directorates",
            JSON,
            r#"{"code":"cfe","name":"Children"}"#,
            422,
            "validation",
            Some("code"),
        ),
        row(
            "duplicate directorate",
            "POST",
            "/api/v1/directorates",
            JSON,
            r#"{"code":"CFE","name":"Again"}"#,
            409,
            "conflict",
            None,
        ),
    ]
}

fn call(api: &TestApi, row: &Row) -> common::Reply {
    match row.method {
        "GET" => api.get(row.path),
        "DELETE" => api.delete(row.path),
        method => api.send(method, row.path, row.content_type, &row.body),
    }
}

/// Checks one row; `Err` says how it went wrong, so every failing row is reported together.
fn check(api: &TestApi, row: &Row) -> Result<(), String> {
    let before = snapshot(api);
    let reply = call(api, row);
    let after = snapshot(api);
    let verdict = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        match row.field {
            Some(field) => reply.assert_field_error(row.status, row.problem, field),
            None => reply.assert_problem(row.status, row.problem),
        };
        for method in row.allow {
            let allow = reply.header("allow").unwrap_or_default();
            assert!(
                allow.split(',').any(|m| m.trim() == *method),
                "`allow: {allow}` does not list {method}"
            );
        }
    }));
    let mut failures = Vec::new();
    if let Err(panic) = verdict {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        failures.push(format!(
            "{message}\n    observed: {} `{}` allow={:?} {}",
            reply.status,
            reply.content_type,
            reply.header("allow"),
            reply.body
        ));
    }
    if after != before {
        failures.push(format!(
            "something was written:\n    before: {before:?}\n    after:  {after:?}"
        ));
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n  "))
    }
}

on_both_backends! {
    fn bad_inputs_are_refused_and_write_nothing(api: &TestApi) {
        seed(api);
        let rows = rows();
        let mut failures = Vec::new();
        for row in &rows {
            if let Err(failure) = check(api, row) {
                failures.push(format!(
                    "{} ({} {}): expected {} {}{}\n  {failure}",
                    row.name,
                    row.method,
                    row.path,
                    row.status,
                    row.problem,
                    row.field.map(|f| format!(" on `{f}`")).unwrap_or_default()
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} rows failed:\n{}",
            failures.len(),
            rows.len(),
            failures.join("\n")
        );
    }

    fn json_number_amounts_are_read_exactly(api: &TestApi) {
        seed(api);
        let largest = api.send("POST", "/api/v1/lines", JSON, &new_line_amount("999999999999.99"));
        assert_eq!(largest.status, 201, "{}", largest.body);
        let line = largest.json();
        assert_eq!(line["years"][0]["amount"], "999999999999.99");
        assert_eq!(line["total"], "999999999999.99");
        let read = api.get("/api/v1/lines/CFE-SAV06").json();
        assert_eq!(read["years"][0]["amount"], "999999999999.99");

        let tenth = api.send(
            "POST",
            "/api/v1/lines",
            JSON,
            r#"{"ref":"CFE SAV07","kind":"saving","directorate":"CFE","title":"Tenth",
                "years":[{"year":"2021/22","amount":0.1}]}"#,
        );
        assert_eq!(tenth.status, 201, "{}", tenth.body);
        assert_eq!(tenth.json()["years"][0]["amount"], "0.10");
        assert_eq!(tenth.json()["total"], "0.10");
        let read = api.get("/api/v1/lines/CFE-SAV07").json();
        assert_eq!(read["years"][0]["amount"], "0.10");
    }
}
