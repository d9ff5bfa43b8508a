//! Keys recently found valid, so that most requests need no database lookup before their own work.
//!
//! An entry is trusted for `TRUST_FOR`. A key revoked through this process is forgotten at once; one revoked
//! through another process sharing the database (or through the command line) stops working here within
//! `TRUST_FOR`. Only valid keys are kept, by a hash of the whole token, so the map never holds a secret and an
//! unknown token cannot fill it.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::actor::Actor;

pub const TRUST_FOR: Duration = Duration::from_secs(5);
/// More live keys than this and the cache starts again empty: a bound, not a working size.
const MAX_ENTRIES: usize = 10_000;

type TokenHash = [u8; 32];

#[derive(Default)]
pub struct KeyCache {
    entries: RwLock<HashMap<TokenHash, (Actor, Instant)>>,
}

impl KeyCache {
    /// The caller behind `token`, when it was found valid less than `TRUST_FOR` ago.
    pub fn get(&self, token: &str) -> Option<Actor> {
        let entries = self
            .entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries
            .get(&hash(token))
            .filter(|(_, checked)| checked.elapsed() < TRUST_FOR)
            .map(|(actor, _)| actor.clone())
    }

    pub fn remember(&self, token: &str, actor: &Actor) {
        let mut entries = self
            .entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(hash(token), (actor.clone(), Instant::now()));
    }

    /// Forgets every key, so that a revocation takes effect on this process at once.
    pub fn forget_all(&self) {
        self.entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }
}

fn hash(token: &str) -> TokenHash {
    Sha256::digest(token.as_bytes()).into()
}
