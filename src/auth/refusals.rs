//! Refused requests (401 and 403), counted per key in this process's memory since it started, so that a flood
//! of refusals costs a map update each, never a database write. Admins read them on `GET /keys`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Names come only from stored keys (a caller found by its token, or the key a token's id names), so the map
/// holds at most one entry per key; this bound only guards against a database with absurdly many.
const MAX_KEYS: usize = 100_000;

#[derive(Default)]
pub struct RefusalCounts {
    by_key: Mutex<HashMap<String, u64>>,
    /// No key, a malformed token, or a key id that belongs to no key.
    without_key: AtomicU64,
}

impl RefusalCounts {
    /// Counts one refusal of `key`'s request, or of a request that named no known key.
    pub fn count(&self, key: Option<&str>) {
        let Some(name) = key else {
            self.without_key.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let mut by_key = self.by_key.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = by_key.get_mut(name) {
            *count += 1;
        } else if by_key.len() < MAX_KEYS {
            by_key.insert(name.to_owned(), 1);
        } else {
            drop(by_key);
            self.without_key.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn of(&self, key: &str) -> u64 {
        let by_key = self.by_key.lock().unwrap_or_else(|p| p.into_inner());
        by_key.get(key).copied().unwrap_or(0)
    }

    pub fn without_key(&self) -> u64 {
        self.without_key.load(Ordering::Relaxed)
    }
}
