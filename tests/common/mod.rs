//! The test harness: every test starts the real service on its own fresh database (a temporary SQLite file,
//! or its own schema in the PostgreSQL at `MTFS_TEST_POSTGRES_URL`) and talks to it over real HTTP.

#![allow(dead_code)] // each test file uses part of the harness

pub mod feed;
pub mod fixtures;
pub mod migrations;
pub mod reads;

use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};

use actix_web::dev::ServerHandle;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use mtfs::app;
use mtfs::auth::{Actor, Role};
use mtfs::db::{self, DatabaseUrl, PooledConnection};
use mtfs::keys;
use mtfs::state::AppState;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each test body once on SQLite and once on PostgreSQL, as `sqlite::NAME` and `postgres::NAME`.
/// Without `MTFS_TEST_POSTGRES_URL` the PostgreSQL runs are reported as ignored, saying why (see
/// tests/postgres-gate); CI sets it. With it, they fail when PostgreSQL cannot be reached.
#[macro_export]
macro_rules! on_both_backends {
    ($(fn $name:ident($api:ident: &TestApi) $body:block)*) => {
        mod sqlite {
            #[allow(unused_imports)] // a body may need nothing of its file
            use super::*;
            $(#[test] fn $name() {
                let $api = &$crate::common::TestApi::start($crate::common::Backend::Sqlite);
                $body
            })*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(mtfs_postgres_gate::postgres_test! {
                fn $name() {
                    let $api = &$crate::common::TestApi::start($crate::common::Backend::Postgres);
                    $body
                }
            })*
        }
    };
}

/// A running service on a fresh database, and the key requests are sent with (an admin key by default).
#[derive(Clone)]
pub struct TestApi {
    pub base: String,
    pub database_url: String,
    agent: ureq::Agent,
    token: Option<String>,
    _running: Arc<Running>,
}

/// The server and its database, stopped and removed when the last handle goes.
struct Running {
    server: ServerHandle,
    scratch: Scratch,
}

/// The test's own database, removed when the test ends.
pub enum Scratch {
    SqliteDir(tempfile::TempDir),
    PostgresSchema { url: String, schema: String },
}

/// One HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The body as sent, but a problem's `instance` (its request's id, new on every request) left out, so
    /// that two answers to the same read compare equal.
    pub fn comparable_body(&self) -> String {
        if self.content_type != "application/problem+json" {
            return self.body.clone();
        }
        let mut problem = self.json();
        problem
            .as_object_mut()
            .expect("a problem object")
            .remove("instance");
        problem.to_string()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Asserts a problem+json answer with this status and problem type; returns the problem.
    pub fn assert_problem(&self, status: u16, problem_type: &str) -> Value {
        assert_eq!(self.status, status, "status of {}", self.body);
        assert_eq!(
            self.content_type, "application/problem+json",
            "content type of {}",
            self.body
        );
        let problem = self.json();
        assert_eq!(
            problem["type"],
            format!("/problems/{problem_type}"),
            "{problem}"
        );
        assert_eq!(problem["status"], status, "{problem}");
        assert!(
            problem["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{problem}"
        );
        assert!(
            problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{problem}"
        );
        problem
    }

    /// Asserts a validation problem (422 or 400) naming `field`.
    pub fn assert_field_error(&self, status: u16, problem_type: &str, field: &str) -> Value {
        let problem = self.assert_problem(status, problem_type);
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            fields.contains(&field),
            "expected an error on `{field}`, got {problem}"
        );
        problem
    }
}

static NEXT_SCHEMA: AtomicU64 = AtomicU64::new(0);

impl TestApi {
    /// Starts the service on a fresh database of `backend` (PostgreSQL: a new schema in the test database).
    pub fn start(backend: Backend) -> TestApi {
        let (database_url, scratch) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                (
                    format!("sqlite://{}", dir.path().join("mtfs.db").display()),
                    Scratch::SqliteDir(dir),
                )
            }
            Backend::Postgres => {
                let url = postgres_test_url();
                let schema = fresh_postgres_schema(&url);
                (
                    schema_url(&url, &schema),
                    Scratch::PostgresSchema { url, schema },
                )
            }
        };
        TestApi::start_on(&database_url, scratch)
    }

    /// Starts the service on an existing database (migrating it first), with a new admin key.
    pub fn start_on(database_url: &str, scratch: Scratch) -> TestApi {
        TestApi::serve(database_url, scratch, None)
    }

    /// Starts the service on a copy of this one's database (a restored backup), calling it with this one's key.
    pub fn start_on_copy(&self, database_url: &str, scratch: Scratch) -> TestApi {
        TestApi::serve(database_url, scratch, self.token.clone())
    }

    fn serve(database_url: &str, scratch: Scratch, token: Option<String>) -> TestApi {
        let url = DatabaseUrl::parse(database_url).expect("database URL");
        let pool =
            db::connect(&url, 8).unwrap_or_else(|e| panic!("cannot reach the test database: {e}"));
        db::migrations::run_pending(&mut pool.get().expect("connection")).expect("migrations");
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = app::serve(AppState::new(pool), listener, 2).expect("server");
                sender.send(server.handle()).expect("handle");
                server.await
            })
        });
        let server = receiver.recv().expect("the server started");
        let agent = ureq::Agent::new_with_config(
            ureq::config::Config::builder()
                .http_status_as_error(false)
                .build(),
        );
        let admin = token.unwrap_or_else(|| {
            let mut conn = db::connect(&url, 1)
                .expect("database")
                .get()
                .expect("connection");
            let operator = Actor::operator("test-setup");
            db::write_transaction(&mut conn, |conn| {
                keys::service::create(conn, &operator, Some("test-admin"), None, Role::Admin, &[])
            })
            .expect("an admin key")
            .token
        });
        TestApi {
            base,
            database_url: database_url.to_owned(),
            agent,
            token: Some(admin),
            _running: Arc::new(Running { server, scratch }),
        }
    }

    /// The same service, called with another key's token.
    pub fn as_key(&self, token: &str) -> TestApi {
        TestApi {
            token: Some(token.to_owned()),
            ..self.clone()
        }
    }

    /// The same service, called with no key at all.
    pub fn anonymous(&self) -> TestApi {
        TestApi {
            token: None,
            ..self.clone()
        }
    }

    /// Creates a key through the API (as admin) and returns its token.
    pub fn create_key(&self, name: &str, role: &str, directorates: &[&str]) -> String {
        let body = serde_json::json!({"name": name, "role": role, "directorates": directorates});
        let reply = self.post("/api/v1/keys", &body);
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.json()["token"].as_str().expect("a token").to_owned()
    }

    pub fn get(&self, path: &str) -> Reply {
        self.reply(self.authorised(self.agent.get(self.url(path))).call())
    }

    pub fn delete(&self, path: &str) -> Reply {
        self.reply(self.authorised(self.agent.delete(self.url(path))).call())
    }

    /// GET with an `Accept` header, for a binary answer: (status, content type, body).
    pub fn get_bytes(&self, path: &str, accept: &str) -> (u16, String, Vec<u8>) {
        let request = self
            .authorised(self.agent.get(self.url(path)))
            .header("accept", accept);
        let mut response = request.call().expect("an HTTP answer");
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.body_mut().read_to_vec().expect("a body");
        (response.status().as_u16(), content_type, body)
    }

    /// Sends with extra headers (e.g. `If-Match`, `Idempotency-Key`).
    pub fn send_with(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Reply {
        let url = self.url(path);
        match body {
            None => {
                let mut request = match method {
                    "GET" => self.agent.get(url),
                    "DELETE" => self.agent.delete(url),
                    other => panic!("{other} needs a body"),
                };
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                self.reply(self.authorised(request).call())
            }
            Some(body) => {
                let mut request = match method {
                    "POST" => self.agent.post(url),
                    "PUT" => self.agent.put(url),
                    "PATCH" => self.agent.patch(url),
                    other => panic!("no body for {other}"),
                };
                request = request.header("content-type", "application/json");
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                self.reply(self.authorised(request).send(body.to_string()))
            }
        }
    }

    /// `senders` copies of one request, released together by a barrier so that they reach the service at
    /// once; the replies in the senders' order.
    pub fn send_at_once(
        &self,
        senders: usize,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Vec<Reply> {
        let barrier = Barrier::new(senders);
        std::thread::scope(|scope| {
            let running: Vec<_> = (0..senders)
                .map(|_| {
                    let barrier = &barrier;
                    scope.spawn(move || {
                        barrier.wait();
                        self.send_with(method, path, headers, body)
                    })
                })
                .collect();
            running
                .into_iter()
                .map(|sender| sender.join().expect("a sender"))
                .collect()
        })
    }

    fn authorised<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.token {
            Some(token) => request.header("authorization", format!("Bearer {token}")),
            None => request,
        }
    }

    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.send("POST", path, "application/json", &body.to_string())
    }

    pub fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send(
            "PATCH",
            path,
            "application/merge-patch+json",
            &body.to_string(),
        )
    }

    pub fn put(&self, path: &str, body: &Value) -> Reply {
        self.send("PUT", path, "application/json", &body.to_string())
    }

    /// Sends a body as it is, with this content type (empty for none).
    pub fn send(&self, method: &str, path: &str, content_type: &str, body: &str) -> Reply {
        let url = self.url(path);
        let request = match method {
            "POST" => self.agent.post(url),
            "PUT" => self.agent.put(url),
            "PATCH" => self.agent.patch(url),
            other => panic!("no body for {other}"),
        };
        let request = if content_type.is_empty() {
            request
        } else {
            request.header("content-type", content_type)
        };
        self.reply(self.authorised(request).send(body))
    }

    /// Sends bytes as they are (a spreadsheet, say), with this content type.
    pub fn send_bytes(&self, method: &str, path: &str, content_type: &str, body: &[u8]) -> Reply {
        let url = self.url(path);
        let request = match method {
            "POST" => self.agent.post(url),
            "PUT" => self.agent.put(url),
            other => panic!("no body for {other}"),
        };
        self.reply(
            self.authorised(request.header("content-type", content_type))
                .send(body),
        )
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn reply(&self, outcome: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut response = outcome.expect("an HTTP answer");
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.to_string(),
                    value.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect::<Vec<_>>();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response
            .body_mut()
            .read_to_string()
            .expect("a readable body");
        Reply {
            status: response.status().as_u16(),
            content_type,
            headers,
            body,
        }
    }

    /// Adds the CFE directorate, as most tests need it.
    pub fn with_cfe(&self) -> &TestApi {
        self.with_directorate("CFE", "Children, Families & Education")
    }

    /// Adds a directorate.
    pub fn with_directorate(&self, code: &str, name: &str) -> &TestApi {
        let reply = self.post(
            "/api/v1/directorates",
            &serde_json::json!({"code": code, "name": name}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        self
    }

    /// Loads the shipped CFE 2021–24 dataset through the same code as `mtfs load-demo`.
    /// A connection of its own to the service's database, for a test to look at or change what is stored.
    pub fn connection(&self) -> PooledConnection {
        let url = DatabaseUrl::parse(&self.database_url).expect("database URL");
        db::connect(&url, 1)
            .expect("database")
            .get()
            .expect("connection")
    }

    /// The demo's lines as a plan no baseline holds yet: edited directly, as before change control.
    pub fn with_demo(&self) -> &TestApi {
        self.load_demo(mtfs::demo::Approval::PlanOnly)
    }

    /// The demo as `mtfs load-demo` loads it: Table 8 is the baseline "Budget Council, February 2021", so its
    /// lines' profiles, owners and statuses change only by an approved change request.
    pub fn with_approved_demo(&self) -> &TestApi {
        self.load_demo(mtfs::demo::Approval::Approved)
    }

    /// The demo's CFE directory and both 2021 delivery plans (February's milestones, then July's actions), as
    /// `mtfs load-demo` loads them after the lines. Needs `with_demo` or `with_approved_demo` first.
    pub fn with_plans(&self) -> &TestApi {
        let url = DatabaseUrl::parse(&self.database_url).expect("database URL");
        let pool = db::connect(&url, 1).expect("database");
        mtfs::demo::load_plans(
            &mut pool.get().expect("connection"),
            &Actor::operator("load-demo"),
        )
        .expect("demo plans");
        self
    }

    fn load_demo(&self, approval: mtfs::demo::Approval) -> &TestApi {
        let url = DatabaseUrl::parse(&self.database_url).expect("database URL");
        let pool = db::connect(&url, 1).expect("database");
        let loaded = mtfs::demo::load_as(
            &mut pool.get().expect("connection"),
            &Actor::operator("load-demo"),
            approval,
        )
        .expect("demo data");
        assert_eq!(loaded, mtfs::demo::Loaded::Lines(21));
        self
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Stopping sends the command at once; the server thread ends on its own.
        drop(self.server.stop(false));
        if let Scratch::PostgresSchema { url, schema } = &self.scratch {
            // Best effort, and never long: a schema left behind only takes space in a scratch database.
            if let Ok(mut conn) = PgConnection::establish(url) {
                let _ = conn.batch_execute(&format!(
                    "SET lock_timeout = '2s'; DROP SCHEMA IF EXISTS {schema} CASCADE"
                ));
            }
        }
    }
}

/// The test PostgreSQL database. A PostgreSQL test runs only where it was set at build time (it is ignored
/// elsewhere: `mtfs_postgres_gate::postgres_test!`), so its absence here is a failure, never a silent pass.
pub fn postgres_test_url() -> String {
    std::env::var("MTFS_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!("a PostgreSQL test needs MTFS_TEST_POSTGRES_URL (set it, and build with it set)")
    })
}

/// A new, empty schema in the test PostgreSQL.
fn fresh_postgres_schema(url: &str) -> String {
    let mut conn = PgConnection::establish(url).unwrap_or_else(|e| {
        panic!("MTFS_TEST_POSTGRES_URL is set but PostgreSQL cannot be reached: {e}")
    });
    let schema = format!(
        "test_{}_{}_{}",
        std::process::id(),
        NEXT_SCHEMA.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
        .expect("create schema");
    schema
}

/// A URL whose connections use `schema`.
pub fn schema_url(url: &str, schema: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-csearch_path%3D{schema}")
}

/// The demo dataset as shipped, for expected values.
pub fn demo_dataset() -> Value {
    serde_json::from_str(mtfs::demo::CFE_2021_24).expect("demo JSON")
}
