//! What every handler can reach, shared by a process's workers. Its own module, below every handler, so that
//! handlers and the app that mounts them do not import each other.

use std::sync::Arc;

use crate::auth::cache::KeyCache;
use crate::auth::refusals::RefusalCounts;
use crate::db::Pool;
use crate::metrics::Metrics;
use crate::present::download::Downloads;

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    /// Keys recently found valid, shared by this process's workers.
    pub keys: Arc<KeyCache>,
    /// Requests refused (401, 403) per key, since this process started.
    pub refusals: Arc<RefusalCounts>,
    /// Requests, latency, pool and write queue, for `/api/v1/metrics`.
    pub metrics: Arc<Metrics>,
    /// Table files being prepared or sent: a few at a time.
    pub downloads: Arc<Downloads>,
}

impl AppState {
    pub fn new(pool: Pool) -> AppState {
        AppState {
            pool,
            keys: Arc::default(),
            refusals: Arc::default(),
            metrics: Arc::default(),
            downloads: Arc::default(),
        }
    }
}
