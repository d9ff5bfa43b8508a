//! What operations' monitoring reads (`GET /api/v1/metrics`, an admin key): requests by route template and
//! status class, their latency, the pool and the write queue, in the OpenMetrics text format that Prometheus
//! scrapes (prometheus-client). Every label value comes from a fixed set (a route template as registered, a
//! method among the standard ones, a status class), never from a ref, a key or a raw path, so a hostile client
//! cannot grow the registry.

use std::time::Duration;

use actix_web::http::{Method, StatusCode};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::db::PoolStats;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

/// A process's metrics, shared by its workers.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    connections: Gauge,
    idle: Gauge,
    waiting: Gauge,
    write_queue: Gauge,
    writes: Counter,
    write_wait: Counter<f64>,
}

/// The route of a request no route took: one label value for every unknown path.
pub const UNMATCHED: &str = "unmatched";

fn latency_histogram() -> Histogram {
    // 0.5 ms to about 16 s, doubling.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Metrics {
        let metrics = Metrics {
            registry: Registry::with_prefix("mtfs"),
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            connections: Gauge::default(),
            idle: Gauge::default(),
            waiting: Gauge::default(),
            write_queue: Gauge::default(),
            writes: Counter::default(),
            write_wait: Counter::default(),
        };
        metrics.registered()
    }
}

impl Metrics {
    /// Registers every metric under its name (each is a handle onto the same values).
    fn registered(mut self) -> Metrics {
        let registry = &mut self.registry;
        registry.register(
            "http_requests",
            "Requests answered, by method, route template and status class",
            self.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer, by method and route template (reports and imports are their routes)",
            self.latency.clone(),
        );
        registry.register(
            "pool_connections",
            "Database connections open in this process's pool",
            self.connections.clone(),
        );
        registry.register(
            "pool_idle_connections",
            "Open connections not in use",
            self.idle.clone(),
        );
        registry.register(
            "pool_waiting",
            "Requests waiting for a database connection",
            self.waiting.clone(),
        );
        registry.register(
            "write_queue_depth",
            "Writers waiting for the write turn in this process",
            self.write_queue.clone(),
        );
        registry.register(
            "writes",
            "Write transactions that took the write turn",
            self.writes.clone(),
        );
        registry.register(
            "write_wait_seconds",
            "Time writers waited for the write turn, in all (divide by writes for the mean)",
            self.write_wait.clone(),
        );
        self
    }
}

impl Metrics {
    /// Counts one answered request. `route` is the template the router matched, `None` for none.
    pub fn observe(
        &self,
        method: &Method,
        route: Option<String>,
        status: StatusCode,
        took: Duration,
    ) {
        let method = method_label(method);
        let route = route.unwrap_or_else(|| UNMATCHED.to_owned());
        self.latency
            .get_or_create(&RouteLabels {
                method,
                route: route.clone(),
            })
            .observe(took.as_secs_f64());
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status: status_class(status),
            })
            .inc();
    }

    /// Everything, as OpenMetrics text, with the pool's and the write queue's state read now.
    pub fn render(&self, pool: PoolStats) -> String {
        self.connections.set(i64::from(pool.connections));
        self.idle.set(i64::from(pool.idle));
        self.waiting.set(pool.waiting);
        self.write_queue.set(pool.write_queue);
        // Counters only go up: add what was counted since the last scrape.
        self.writes
            .inc_by(pool.writes.saturating_sub(self.writes.get()));
        let waited = Duration::from_micros(pool.write_wait_micros).as_secs_f64();
        let more = waited - self.write_wait.get();
        if more > 0.0 {
            self.write_wait.inc_by(more);
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String does not fail");
        text
    }
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_fixed_sets() {
        let metrics = Metrics::default();
        let weird = Method::from_bytes(b"BREW").unwrap();
        metrics.observe(
            &weird,
            None,
            StatusCode::IM_A_TEAPOT,
            Duration::from_millis(3),
        );
        metrics.observe(
            &Method::GET,
            Some("/api/v1/lines/{ref}".into()),
            StatusCode::OK,
            Duration::from_micros(700),
        );
        let text = metrics.render(PoolStats::default());
        assert!(
            text.contains(
                r#"mtfs_http_requests_total{method="other",route="unmatched",status="4xx"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"mtfs_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/api/v1/lines/{ref}"} 1"#
            ),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn pool_counters_follow_the_pool_and_never_go_down() {
        let metrics = Metrics::default();
        let stats = PoolStats {
            writes: 5,
            write_wait_micros: 2_500_000,
            write_queue: 3,
            ..PoolStats::default()
        };
        let text = metrics.render(stats);
        assert!(text.contains("mtfs_writes_total 5\n"), "{text}");
        assert!(
            text.contains("mtfs_write_wait_seconds_total 2.5\n"),
            "{text}"
        );
        assert!(text.contains("mtfs_write_queue_depth 3\n"), "{text}");
        let again = metrics.render(stats);
        assert!(again.contains("mtfs_writes_total 5\n"), "{again}");
    }
}
