//! Attacks on the service's inputs, replayed on both engines: each must be refused with the right status and
//! problem type, name the field at fault, and leave nothing written.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::TestApi;

/// Everything stored that an attack could have touched, as the API shows it: lines, directorates, the feed.
fn snapshot(api: &TestApi) -> Vec<String> {
    [
        "/api/v1/lines?limit=500&include_withdrawn=true",
        "/api/v1/directorates",
        "/api/v1/changes",
    ]
    .iter()
    .map(|path| {
        let reply = api.get(path);
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        reply.body
    })
    .collect()
}

/// An HTTP/1.1 answer read off a raw socket: its status line, headers and body.
struct RawReply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

fn read_raw_reply(stream: TcpStream) -> RawReply {
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).expect("a status line");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP status line: {status_line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("a header line");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("a header");
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map(|(_, value)| value.parse().expect("a length"))
        .expect("a content length");
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("the body");
    RawReply {
        status,
        headers,
        body: String::from_utf8(body).expect("UTF-8"),
    }
}

on_both_backends! {
    // A client that sends its headers and then one byte a second is refused once the body deadline passes,
    // before its body is complete; meanwhile an ordinary request is answered.
    fn a_trickled_body_is_refused_and_others_are_served_meanwhile(api: &TestApi) {
        api.with_cfe();
        let token = api.create_key("trickler", "admin", &[]);
        let before = snapshot(api);
        let address = api.base.trim_start_matches("http://").to_owned();
        let body = br#"{"code":"HOS","name":"Hostile Directorate"}"#;
        let mut stream = TcpStream::connect(&address).expect("a connection");
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .expect("a read timeout");
        write!(
            stream,
            "POST /api/v1/directorates HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .expect("the head");
        let events = Arc::new(Mutex::new(Vec::new()));
        let refused_yet = Arc::new(AtomicBool::new(false));
        let mut writer = stream.try_clone().expect("a second handle");
        let trickle = {
            let refused_yet = Arc::clone(&refused_yet);
            std::thread::spawn(move || {
                // One byte a second: the whole body would take four times the deadline.
                let mut sent = 0;
                for byte in body {
                    if refused_yet.load(Ordering::SeqCst) || writer.write_all(&[*byte]).is_err() {
                        break;
                    }
                    sent += 1;
                    std::thread::sleep(Duration::from_secs(1));
                }
                sent
            })
        };
        let refusal = {
            let events = Arc::clone(&events);
            std::thread::spawn(move || {
                let reply = read_raw_reply(stream);
                refused_yet.store(true, Ordering::SeqCst);
                events.lock().unwrap().push("trickle refused");
                reply
            })
        };
        let ordinary = api.get("/api/v1/directorates/CFE");
        assert_eq!(ordinary.status, 200, "{}", ordinary.body);
        events.lock().unwrap().push("ordinary answered");

        let refused = refusal.join().expect("the refusal");
        assert_eq!(refused.status, 408, "{}", refused.body);
        let problem: serde_json::Value = serde_json::from_str(&refused.body).expect("JSON");
        assert_eq!(problem["type"], "/problems/request-timeout", "{problem}");
        assert_eq!(problem["status"], 408, "{problem}");
        let header = |wanted: &str| {
            refused
                .headers
                .iter()
                .find(|(name, _)| name == wanted)
                .map(|(_, value)| value.as_str())
        };
        assert_eq!(header("content-type"), Some("application/problem+json"));
        assert_eq!(header("connection"), Some("close"));
        let sent = trickle.join().expect("the trickle");
        assert!(sent < body.len(), "refused only after the whole body ({sent} bytes)");
        assert_eq!(
            *events.lock().unwrap(),
            ["ordinary answered", "trickle refused"]
        );
        api.get("/api/v1/directorates/HOS")
            .assert_problem(404, "not-found");
        assert_eq!(snapshot(api), before);
    }
}
