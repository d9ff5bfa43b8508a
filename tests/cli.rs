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
