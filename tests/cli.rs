//! The `mtfs` command: help on every subcommand, migrate, load-demo and openapi.

use std::process::Command;

fn mtfs(args: &[&str], database_url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mtfs"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("mtfs runs")
}

#[test]
fn every_subcommand_has_help_with_the_shared_flags() {
    for command in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["load-demo", "--help"],
        &["openapi", "--help"],
        &["verify", "--help"],
        &["backup", "--help"],
        &["restore", "--help"],
    ] {
        let output = mtfs(command, "sqlite://unused.db");
        assert!(output.status.success(), "{command:?}");
        let help = String::from_utf8(output.stdout).unwrap();
        for flag in ["--bind", "--database-url", "MTFS_BIND", "DATABASE_URL"] {
            assert!(
                help.contains(flag),
                "{command:?} help lacks {flag}:\n{help}"
            );
        }
    }
}

#[test]
fn migrates_and_loads_the_demo_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    assert!(mtfs(&["migrate"], &url).status.success());
    let first = mtfs(&["load-demo"], &url);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        String::from_utf8(first.stdout).unwrap(),
        "loaded 21 CFE 2021-24 lines\n"
    );
    let again = mtfs(&["load-demo"], &url);
    assert!(again.status.success());
    assert_eq!(
        String::from_utf8(again.stdout).unwrap(),
        "the CFE 2021-24 demo data is already loaded\n"
    );
}

#[test]
fn explains_a_bad_database_url_and_an_unreachable_postgres() {
    let bad = mtfs(&["migrate"], "mysql://nowhere");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("use sqlite://PATH or postgres://"));
    let unreachable = mtfs(&["migrate"], "postgres://postgres@127.0.0.1:1/none");
    assert!(!unreachable.status.success());
    assert!(
        String::from_utf8_lossy(&unreachable.stderr).contains("cannot connect to postgresql"),
        "{}",
        String::from_utf8_lossy(&unreachable.stderr)
    );
}

#[test]
fn prints_the_checked_in_spec() {
    let output = mtfs(&["openapi"], "sqlite://unused.db");
    assert!(output.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let file: serde_json::Value =
        serde_json::from_str(include_str!("../openapi/openapi.json")).unwrap();
    assert!(
        printed == file,
        "openapi/openapi.json is stale: run `cargo run --quiet -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn serves_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("serve.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_mtfs"))
        .args(["serve", "--bind", &bind, "--workers", "1"])
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("mtfs serve starts");
    let agent = ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .http_status_as_error(false)
            .build(),
    );
    let started = std::time::Instant::now();
    let ready = loop {
        if let Ok(reply) = agent.get(format!("http://{bind}/ready")).call() {
            break reply.status().as_u16();
        }
        assert!(started.elapsed().as_secs() < 30, "the server did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(ready, 200);
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = server.wait().unwrap();
    assert!(
        status.success(),
        "mtfs serve did not stop cleanly on SIGTERM: {status}"
    );
    assert!(
        dir.path().join("serve.db").exists(),
        "the SQLite file was created on the spot"
    );
}

#[test]
fn imports_a_file_all_or_nothing_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("import.db").display());
    assert!(mtfs(&["load-demo"], &url).status.success());
    let good = dir.path().join("lines.csv");
    std::fs::write(&good, "ref,kind,directorate,title,owner,status,2021/22\nCFE SAV60,saving,CFE,Transport,BP,agreed,12.5\n").unwrap();
    let dry = mtfs(
        &[
            "import",
            good.to_str().unwrap(),
            "--unit",
            "thousands",
            "--dry-run",
        ],
        &url,
    );
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert_eq!(
        String::from_utf8(dry.stdout).unwrap(),
        "checked (dry run, nothing written): 1 created, 0 updated, 0 unchanged, 0 warnings\n"
    );
    let done = mtfs(
        &["import", good.to_str().unwrap(), "--unit", "thousands"],
        &url,
    );
    assert_eq!(
        String::from_utf8(done.stdout).unwrap(),
        "imported: 1 created, 0 updated, 0 unchanged, 0 warnings\n"
    );

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "ref,kind,directorate,title,owner,status,2021/22\nCFE SAV61,saving,CFE,Fine,BP,agreed,1\nCFE SAV62,saving,CFE,Bad,BP,agreed,1.234\n").unwrap();
    let refused = mtfs(&["import", bad.to_str().unwrap()], &url);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("row 2: 2021/22"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let again = mtfs(
        &["import", good.to_str().unwrap(), "--unit", "thousands"],
        &url,
    );
    assert_eq!(
        String::from_utf8(again.stdout).unwrap(),
        "imported: 0 created, 0 updated, 1 unchanged, 0 warnings\n",
        "SAV61 was not written"
    );
}

#[test]
fn imports_a_monthly_return_from_the_command_line() {
    // The demo's P3 is open: SAV09 revised there, SAV07 as it stands, SAV05 rated for the first time.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("return.db").display());
    assert!(mtfs(&["load-demo"], &url).status.success());
    let file = dir.path().join("cfe-p3.csv");
    std::fs::write(
        &file,
        "ref,rag,at_risk,reason\n\
         CFE SAV09,amber,\"137,000\",Two hubs open in September\n\
         CFE SAV07,red,\"1,065,000\",Reported to scrutiny as at risk; position at 2021-06-30\n\
         CFE SAV05,green,0,\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "import-return",
            file.to_str().unwrap(),
            "--period",
            "2021/22",
            "P3",
        ];
        args.extend_from_slice(extra);
        let output = mtfs(&args, &url);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(
        run(&["--dry-run"]),
        "checked (dry run, nothing written): the CFE return for 2021/22 P3: 1 created, 2 revised, 0 unchanged, 0 not assessed\n"
    );
    assert_eq!(
        run(&[]),
        "imported: the CFE return for 2021/22 P3: 1 created, 2 revised, 0 unchanged, 0 not assessed\n"
    );
    assert_eq!(
        run(&["--directorate", "cfe"]),
        "imported: the CFE return for 2021/22 P3: 0 created, 0 revised, 3 unchanged, 0 not assessed\n"
    );
    let refused = mtfs(
        &[
            "import-return",
            file.to_str().unwrap(),
            "--period",
            "2021/22",
            "P4",
        ],
        &url,
    );
    assert!(!refused.status.success(), "P4 is not open");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("P4"), "{stderr}");
}

#[test]
fn creates_lists_and_revokes_keys_printing_the_token_alone() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("keys.db").display());
    // An editor key's directorates must exist: the demo brings CFE.
    assert!(mtfs(&["load-demo"], &url).status.success());
    let created = mtfs(
        &[
            "keys",
            "create",
            "--name",
            "cfe-finance",
            "--role",
            "editor",
            "--directorate",
            "cfe",
        ],
        &url,
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let stdout = String::from_utf8(created.stdout).unwrap();
    let token = stdout.strip_suffix('\n').expect("one line");
    assert!(
        token.starts_with("mtfs_") && token.len() == 86 && !token.contains(char::is_whitespace),
        "{stdout:?}"
    );
    let listed = String::from_utf8(mtfs(&["keys", "list"], &url).stdout).unwrap();
    assert_eq!(listed, "cfe-finance\teditor\tCFE\tactive\n");
    assert!(!listed.contains(token));
    let again = mtfs(
        &[
            "keys",
            "create",
            "--name",
            "cfe-finance",
            "--role",
            "reader",
        ],
        &url,
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("never reused"));
    assert!(mtfs(&["keys", "revoke", "cfe-finance"], &url)
        .status
        .success());
    assert!(String::from_utf8(mtfs(&["keys", "list"], &url).stdout)
        .unwrap()
        .contains("\trevoked "));
    let admin_with_scope = mtfs(
        &["keys", "create", "--role", "admin", "--directorate", "CFE"],
        &url,
    );
    assert!(String::from_utf8_lossy(&admin_with_scope.stderr).contains("directorates:"));
}

#[test]
fn refuses_the_operators_names_an_unknown_directorate_and_revoking_the_last_admin() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("keys.db").display());
    let stderr =
        |output: &std::process::Output| String::from_utf8_lossy(&output.stderr).into_owned();
    for name in ["cli", "load-demo", "import"] {
        let taken = mtfs(&["keys", "create", "--name", name, "--role", "admin"], &url);
        assert!(!taken.status.success(), "{name}");
        assert!(stderr(&taken).contains("is reserved"), "{}", stderr(&taken));
        assert!(taken.stdout.is_empty(), "no token printed");
    }
    let unknown = mtfs(
        &["keys", "create", "--role", "editor", "--directorate", "CFE"],
        &url,
    );
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("directorates[0]: there is no directorate CFE"),
        "{}",
        stderr(&unknown)
    );
    assert!(mtfs(
        &["keys", "create", "--name", "only", "--role", "admin"],
        &url
    )
    .status
    .success());
    let last = mtfs(&["keys", "revoke", "only"], &url);
    assert!(!last.status.success());
    assert!(
        stderr(&last).contains("last active admin key"),
        "{}",
        stderr(&last)
    );
    let listed = String::from_utf8(mtfs(&["keys", "list"], &url).stdout).unwrap();
    assert_eq!(listed, "only\tadmin\tall\tactive\n");
}

#[test]
fn migrate_check_names_what_it_would_apply_and_applies_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("check.db").display());
    let check = mtfs(&["migrate", "--check"], &url);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let said = String::from_utf8(check.stdout).unwrap();
    let lines: Vec<&str> = said.lines().collect();
    let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .count();
    assert_eq!(lines.len(), shipped, "{said}");
    assert!(
        lines.iter().all(|line| line.starts_with("would apply 20")),
        "{said}"
    );
    let newest = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .max()
        .unwrap();
    assert!(lines.last().unwrap().ends_with(&newest), "{said}");
    // Nothing was applied: asking again says the same.
    assert_eq!(
        String::from_utf8(mtfs(&["migrate", "--check"], &url).stdout).unwrap(),
        said
    );
    assert!(mtfs(&["migrate"], &url).status.success());
    assert_eq!(
        String::from_utf8(mtfs(&["migrate", "--check"], &url).stdout).unwrap(),
        "up to date: no migration to apply\n"
    );
}

#[test]
fn backs_up_into_a_folder_keeps_the_newest_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("live.db").display());
    assert!(mtfs(&["load-demo"], &url).status.success());
    let verified = mtfs(&["verify"], &url);
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    let report = String::from_utf8(verified.stdout).unwrap();
    assert!(
        report.starts_with("integrity: ok\nkept totals: "),
        "{report}"
    );
    let head = report.rsplit("head ").next().unwrap().trim().to_owned();
    assert_eq!(head.len(), 64, "{report}");

    let backups = dir.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    for _ in 0..3 {
        let taken = mtfs(&["backup", backups.to_str().unwrap(), "--keep", "2"], &url);
        assert!(
            taken.status.success(),
            "{}",
            String::from_utf8_lossy(&taken.stderr)
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let mut kept: Vec<String> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    kept.sort();
    assert_eq!(kept.len(), 2, "{kept:?}");
    // Each backup is on the trail, so the head moved on; the old head is still in the chain.
    let later = mtfs(&["verify", "--head", &head], &url);
    assert!(
        later.status.success(),
        "{}",
        String::from_utf8_lossy(&later.stdout)
    );
    let unknown = mtfs(&["verify", "--head", &"0".repeat(64)], &url);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stdout).contains("is not in this database's chain"));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("the database does not verify"));
}

#[test]
fn json_logs_name_the_request_on_the_worker_and_on_the_blocking_pool() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("logs.db").display());
    let created = mtfs(
        &["keys", "create", "--name", "pmo", "--role", "reader"],
        &url,
    );
    assert!(created.status.success());
    let token = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let server = Command::new(env!("CARGO_BIN_EXE_mtfs"))
        .args(["serve", "--bind", &bind, "--workers", "1"])
        .env("DATABASE_URL", &url)
        .env(
            "RUST_LOG",
            "warn,mtfs::db=debug,actix_web::middleware::logger=info",
        )
        .env("MTFS_LOG_FORMAT", "json")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("mtfs serve starts");
    let agent = ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .http_status_as_error(false)
            .build(),
    );
    let started = std::time::Instant::now();
    while agent.get(format!("http://{bind}/health")).call().is_err() {
        assert!(started.elapsed().as_secs() < 30, "the server did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let id = "0b5c3a1e-7d2f-4e8a-9c6b-1f2e3d4c5b6a";
    let feed = agent
        .get(format!("http://{bind}/api/v1/changes"))
        .header("authorization", format!("Bearer {token}"))
        .header("x-request-id", id)
        .call()
        .unwrap();
    assert_eq!(feed.status().as_u16(), 200);
    assert_eq!(feed.headers()["x-request-id"], id);
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let output = server.wait_with_output().unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stderr)
        .unwrap()
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not one JSON object: {line}"))
        })
        .collect();
    let of_request: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["request_id"] == id).collect();
    assert!(
        of_request
            .iter()
            .any(|l| l["target"] == "mtfs::db::work" && l["level"] == "DEBUG"),
        "the feed's database work (on the blocking pool) names the request: {lines:?}"
    );
    let access = lines
        .iter()
        .find(|l| {
            l["target"] == "actix_web::middleware::logger"
                && l["message"].as_str().unwrap().contains("/changes")
        })
        .expect("an access line");
    let message = access["message"].as_str().unwrap();
    assert!(
        message.starts_with("GET /api/v1/changes HTTP/1.1 200 ")
            && message.ends_with(&format!("request_id={id}")),
        "{message}"
    );
    assert!(
        lines
            .iter()
            .all(|l| l["ts"].as_str().is_some_and(|ts| ts.ends_with('Z'))),
        "{lines:?}"
    );
}

#[test]
fn refuses_an_unknown_log_format() {
    let output = Command::new(env!("CARGO_BIN_EXE_mtfs"))
        .args(["migrate"])
        .env("DATABASE_URL", "sqlite://unused.db")
        .env("MTFS_LOG_FORMAT", "yaml")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "mtfs: MTFS_LOG_FORMAT is `yaml`: use text or json\n"
    );
}
