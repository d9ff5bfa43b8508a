//! The id of the request being served, so that every log line of a request, and its problem+json `instance`,
//! name it. It lives in a task-local while the request's future runs (`scope`), and is carried onto the
//! blocking pool by `carry`, which sets it for the closure's thread while the closure runs. Below everything
//! that logs: `error`, `db` and the middleware that sets it (`http::request_id`) all read it here.

use std::cell::Cell;
use std::future::Future;

use uuid::Uuid;

/// A request's id: a UUID, the client's when it sent one, else a new random one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestId(Uuid);

impl RequestId {
    pub fn new() -> RequestId {
        RequestId(Uuid::new_v4())
    }

    /// A client's `X-Request-Id`, when it is a UUID in its usual hyphenated form (any case); anything else
    /// is not a well-formed id, and the request gets a new one.
    pub fn parse(text: &str) -> Option<RequestId> {
        (text.len() == 36)
            .then(|| Uuid::try_parse(text).ok())
            .flatten()
            .map(RequestId)
    }

    /// As RFC 9457 `instance`: `urn:uuid:…`.
    pub fn urn(&self) -> String {
        self.0.urn().to_string()
    }
}

impl Default for RequestId {
    fn default() -> RequestId {
        RequestId::new()
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

tokio::task_local! {
    static SERVING: RequestId;
}

thread_local! {
    static ON_THIS_THREAD: Cell<Option<RequestId>> = const { Cell::new(None) };
}

/// Runs a request's future with its id current.
pub async fn scope<F: Future>(id: RequestId, future: F) -> F::Output {
    SERVING.scope(id, future).await
}

/// The id of the request this code is serving, on its worker or on the blocking pool; `None` outside any
/// request (start-up, commands).
pub fn current() -> Option<RequestId> {
    SERVING
        .try_with(|id| *id)
        .ok()
        .or_else(|| ON_THIS_THREAD.with(Cell::get))
}

/// Wraps work bound for another thread so that it runs with the current request's id.
pub fn carry<T>(work: impl FnOnce() -> T) -> impl FnOnce() -> T {
    let id = current();
    move || {
        let outer = ON_THIS_THREAD.with(|slot| slot.replace(id));
        let outcome = work();
        ON_THIS_THREAD.with(|slot| slot.set(outer));
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_hyphenated_uuid_is_a_clients_id() {
        let id = RequestId::parse("9F86D081-8842-4C7D-A59A-2FEAA0C55AD0").expect("a UUID");
        assert_eq!(id.to_string(), "9f86d081-8842-4c7d-a59a-2feaa0c55ad0");
        assert_eq!(id.urn(), "urn:uuid:9f86d081-8842-4c7d-a59a-2feaa0c55ad0");
        for bad in [
            "",
            "9f86d0818842-4c7d-a59a-2feaa0c55ad0",
            "9f86d08188424c7da59a2feaa0c55ad0",
            "{9f86d081-8842-4c7d-a59a-2feaa0c55ad0}",
            "9f86d081-8842-4c7d-a59a-2feaa0c55ad0\n",
            "req-1234",
        ] {
            assert_eq!(RequestId::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn work_carried_to_another_thread_knows_the_request_and_leaves_nothing_behind() {
        let id = RequestId::new();
        let carried = ON_THIS_THREAD.with(|slot| {
            slot.set(Some(id));
            let carried = carry(current);
            slot.set(None);
            carried
        });
        let seen = std::thread::spawn(move || (carried(), current()))
            .join()
            .unwrap();
        assert_eq!(seen, (Some(id), None));
    }
}
