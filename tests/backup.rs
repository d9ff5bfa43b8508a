//! Backup and restore of the embedded database: a copy taken while 32 writers write holds every write
//! acknowledged before it began and verifies; a restore goes only into an empty database. (On PostgreSQL the
//! README's pg_dump/pg_restore take these roles; `verify` itself runs on both: tests/audit_chain.rs.)

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::feed::all_events;
use common::{Backend, Scratch, TestApi};
use diesel::prelude::*;
use diesel::sql_types::Text;
use mtfs::auth::Actor;
use mtfs::db::DbConnection;
use mtfs::maintenance::backup::{self, Failure};
use serde_json::json;

const WRITERS: usize = 32;

#[derive(QueryableByName)]
struct Ref {
    #[diesel(sql_type = Text)]
    line_ref: String,
}

fn refs_in(path: &Path) -> BTreeSet<String> {
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).expect("the copy opens");
    diesel::sql_query("SELECT line_ref FROM lines")
        .load::<Ref>(&mut conn)
        .expect("lines")
        .into_iter()
        .map(|row| row.line_ref)
        .collect()
}

fn new_saving(writer: usize, n: usize) -> serde_json::Value {
    json!({
        "kind": "saving", "directorate": "CFE", "title": format!("Writer {writer} saving {n}"),
        "owner": "Finance BP", "status": "proposed",
        "years": [{"year": "2021/22", "amount": format!("{}.00", 1000 + n)}]
    })
}

#[test]
fn a_backup_among_32_writers_holds_every_write_acknowledged_before_it_began_and_verifies() {
    let api = TestApi::start(Backend::Sqlite);
    api.with_cfe();
    let folder = tempfile::tempdir().unwrap();
    let stop = AtomicBool::new(false);
    let acknowledged: Mutex<Vec<(Instant, String)>> = Mutex::new(Vec::new());
    let (began, taken) = std::thread::scope(|scope| {
        for writer in 0..WRITERS {
            let (api, stop, acknowledged) = (&api, &stop, &acknowledged);
            scope.spawn(move || {
                for n in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let reply = api.post("/api/v1/lines", &new_saving(writer, n));
                    assert_eq!(reply.status, 201, "{}", reply.body);
                    let line_ref = reply.json()["ref"].as_str().unwrap().to_owned();
                    acknowledged
                        .lock()
                        .unwrap()
                        .push((Instant::now(), line_ref));
                }
            });
        }
        std::thread::sleep(Duration::from_millis(400));
        let began = Instant::now();
        let taken = backup::backup(
            &mut api.connection(),
            &Actor::operator("cli"),
            folder.path(),
            None,
        );
        std::thread::sleep(Duration::from_millis(300));
        stop.store(true, Ordering::Relaxed);
        (began, taken)
    });
    let taken = taken.expect("the backup is taken");
    let acknowledged = acknowledged.into_inner().unwrap();
    let before: Vec<&String> = acknowledged
        .iter()
        .filter(|(at, _)| *at < began)
        .map(|(_, r)| r)
        .collect();
    let after = acknowledged.len() - before.len();
    assert!(
        before.len() >= WRITERS,
        "the writers had written before the backup: {}",
        before.len()
    );
    assert!(after > 0, "and went on writing while it was taken");

    let copied = refs_in(&taken.path);
    let missing: Vec<&&String> = before
        .iter()
        .filter(|r| !copied.contains(r.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup, missing from it: {missing:?}"
    );
    assert!(taken.verification.is_sound(), "{}", taken.verification);
    let chain = taken.verification.chain.as_ref().unwrap();
    // The copy's trail: the admin key, the directorate, and one event a line in it.
    assert_eq!(
        chain.events,
        2 + copied.len() as u64,
        "{}",
        taken.verification
    );
    assert_eq!(taken.bytes, std::fs::metadata(&taken.path).unwrap().len());
    let name = taken.path.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with("mtfs-backup-") && name.ends_with("Z.db"),
        "{name}"
    );

    // The backup is on the live trail, naming the copy and the head it holds.
    let events = all_events(&api);
    let recorded = events
        .iter()
        .find(|e| e["entity"] == "database")
        .expect("a backup event");
    assert_eq!(recorded["action"], "backed_up");
    assert_eq!(recorded["actor"], "cli");
    assert_eq!(recorded["after"]["path"], taken.path.to_str().unwrap());
    assert_eq!(recorded["after"]["head"].as_str(), chain.head.as_deref());
}

#[test]
fn a_restore_goes_only_into_an_empty_database_and_is_recorded_there() {
    let api = TestApi::start(Backend::Sqlite);
    api.with_cfe();
    assert_eq!(
        api.post("/api/v1/lines", &common::fixtures::sav05()).status,
        201
    );
    let folder = tempfile::tempdir().unwrap();
    let copy = folder.path().join("before-cabinet.db");
    let taken =
        backup::backup(&mut api.connection(), &Actor::operator("cli"), &copy, None).unwrap();
    assert_eq!(taken.path, copy);

    // Never over a file, never into live figures.
    let again =
        backup::backup(&mut api.connection(), &Actor::operator("cli"), &copy, None).unwrap_err();
    assert!(matches!(again, Failure::Refused(_)), "{again}");
    let live = api.database_url.strip_prefix("sqlite://").unwrap();
    let refused = backup::restore(live, &copy).unwrap_err();
    assert!(refused.to_string().contains("is not empty"), "{refused}");

    // Into a database the service only migrated: restored, then opened, and the restore is on its trail.
    let target_dir = tempfile::tempdir().unwrap();
    let target = target_dir.path().join("restored.db");
    let target = target.to_str().unwrap().to_owned();
    let fresh = mtfs::db::connect(
        &mtfs::db::DatabaseUrl::parse(&format!("sqlite://{target}")).unwrap(),
        1,
    )
    .unwrap();
    mtfs::db::migrations::run_pending(&mut fresh.get().unwrap()).unwrap();
    drop(fresh);
    let verification = backup::restore(&target, &copy).expect("restored");
    assert!(verification.is_sound(), "{verification}");
    let restored = api.start_on_copy(
        &format!("sqlite://{target}"),
        Scratch::SqliteDir(target_dir),
    );
    backup::record_restore(
        &mut restored.connection(),
        &Actor::operator("cli"),
        &copy,
        &verification,
    )
    .unwrap();
    assert_eq!(
        restored.get("/api/v1/lines/CFE-SAV05").json(),
        api.get("/api/v1/lines/CFE-SAV05").json()
    );
    let events = all_events(&restored);
    let last = events.last().unwrap();
    assert_eq!(
        (last["entity"].as_str(), last["action"].as_str()),
        (Some("database"), Some("restored"))
    );
    assert_eq!(last["after"]["from"], copy.to_str().unwrap());
    let whole = mtfs::maintenance::verify::verify(
        &mut restored.connection(),
        verification.chain.as_ref().unwrap().head.as_deref(),
    )
    .unwrap();
    assert!(
        whole.is_sound(),
        "the restored trail continues the backup's chain: {whole}"
    );
}

#[test]
fn a_backup_changed_after_it_was_taken_is_not_restored() {
    let api = TestApi::start(Backend::Sqlite);
    api.with_cfe();
    assert_eq!(
        api.post("/api/v1/lines", &common::fixtures::sav05()).status,
        201
    );
    let folder = tempfile::tempdir().unwrap();
    let copy = folder.path().join("copy.db");
    backup::backup(&mut api.connection(), &Actor::operator("cli"), &copy, None).unwrap();
    let mut tampered = SqliteConnection::establish(copy.to_str().unwrap()).unwrap();
    diesel::sql_query("UPDATE events SET after_state = replace(after_state, '794000', '94000') WHERE entity = 'line'")
        .execute(&mut tampered)
        .unwrap();
    drop(tampered);
    let target = folder.path().join("restored.db");
    let refused = backup::restore(target.to_str().unwrap(), &copy).unwrap_err();
    assert!(matches!(refused, Failure::Unsound { .. }), "{refused}");
    let said = refused.to_string();
    assert!(
        said.contains("does not verify") && said.contains("was changed"),
        "{said}"
    );
    assert!(!target.exists(), "nothing was restored");
}

mtfs_postgres_gate::postgres_test! {
    fn a_backup_of_a_postgresql_database_is_refused_with_the_way_to_take_one() {
        let api = TestApi::start(Backend::Postgres);
        let mut conn = api.connection();
        assert!(matches!(&**conn, DbConnection::Postgresql(_)));
        let refused = backup::backup(&mut conn, &Actor::operator("cli"), Path::new("/tmp"), None).unwrap_err();
        assert!(refused.to_string().contains("pg_dump"), "{refused}");
    }
}
