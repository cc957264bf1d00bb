//! What the client records through the `metrics` facade (the `metrics` feature); without the
//! feature every function here is empty. Labels are route templates (`GET /api/v1/users/{id}`)
//! and fixed words, never ids, principals or secrets. The names are listed in the README
//! ("Several workers against one org") and in the crate docs.

#[cfg(feature = "metrics")]
mod on {
    use std::time::Duration;

    /// An answer to one attempt: `okta_requests_total{route, status}` (status class: `2xx`,
    /// `4xx`, `429`, `5xx`, or `error` for no answer).
    pub fn request(route: &dyn std::fmt::Display, status: Option<u16>) {
        let class = match status {
            None => "error",
            Some(429) => "429",
            Some(s) if s < 300 => "2xx",
            Some(s) if s < 400 => "3xx",
            Some(s) if s < 500 => "4xx",
            Some(_) => "5xx",
        };
        metrics::counter!("okta_requests_total", "route" => route.to_string(), "status" => class)
            .increment(1);
    }

    /// A `429`: `okta_rate_limit_429_total{route, kind}` (`spent`, `concurrency`, `unknown`).
    pub fn rate_limited(route: &dyn std::fmt::Display, kind: &'static str) {
        metrics::counter!("okta_rate_limit_429_total", "route" => route.to_string(), "kind" => kind)
            .increment(1);
    }

    /// Time an attempt waited for the governor: `okta_rate_limit_wait_seconds{route}`.
    pub fn waited(route: &dyn std::fmt::Display, wait: Duration) {
        metrics::histogram!("okta_rate_limit_wait_seconds", "route" => route.to_string())
            .record(wait.as_secs_f64());
    }

    /// A bucket's remaining count from Okta's headers: `okta_rate_limit_remaining{route}`.
    pub fn remaining(route: &dyn std::fmt::Display, remaining: u64) {
        metrics::gauge!("okta_rate_limit_remaining", "route" => route.to_string())
            .set(remaining as f64);
    }

    /// The start of a Redis outage: `okta_redis_fallback_total{cause}`, and
    /// `okta_rate_limit_shared` set to 0 (1 again when Redis is back).
    pub fn redis_fallback(cause: &'static str) {
        metrics::counter!("okta_redis_fallback_total", "cause" => cause).increment(1);
        metrics::gauge!("okta_rate_limit_shared").set(0.0);
    }

    /// A failed Redis operation, outage or not: `okta_redis_failures_total{cause}` (`timeout`,
    /// `refused`, `unresolved`, `auth`, `script`, `connection`, `other`).
    pub fn redis_failure(cause: &'static str) {
        metrics::counter!("okta_redis_failures_total", "cause" => cause).increment(1);
    }

    /// The shared budget in use: `okta_rate_limit_shared` 1.
    pub fn redis_back() {
        metrics::gauge!("okta_rate_limit_shared").set(1.0);
    }
    /// One request to the event hook receiver: `okta_hook_requests_total{outcome}` (`accepted`,
    /// `verification`, `refused_unauthorized`, `refused_too_large`, `refused_slow`,
    /// `refused_malformed`, `refused_method`, `unavailable`).
    pub fn hook_request(outcome: &'static str) {
        metrics::counter!("okta_hook_requests_total", "outcome" => outcome).increment(1);
    }

    /// Events handed over: `okta_hook_events_total{source}` (`hook`, `reconciliation`).
    pub fn hook_events(source: &'static str, n: u64) {
        metrics::counter!("okta_hook_events_total", "source" => source).increment(n);
    }

    /// Repeated events dropped: `okta_hook_duplicates_total{source}`.
    pub fn hook_duplicates(source: &'static str, n: u64) {
        metrics::counter!("okta_hook_duplicates_total", "source" => source).increment(n);
    }

    /// Batches waiting in the receiver's queue: `okta_hook_queue_depth`.
    pub fn hook_queue_depth(depth: usize) {
        metrics::gauge!("okta_hook_queue_depth").set(depth as f64);
    }

    /// From a delivery's arrival to its acknowledgement: `okta_hook_ack_seconds`.
    pub fn hook_ack(latency: Duration) {
        metrics::histogram!("okta_hook_ack_seconds").record(latency.as_secs_f64());
    }

    /// How far reconciliation is behind the present: `okta_hook_reconciliation_lag_seconds`.
    pub fn hook_reconciliation_lag(lag: Duration) {
        metrics::gauge!("okta_hook_reconciliation_lag_seconds").set(lag.as_secs_f64());
    }
}

#[cfg(not(feature = "metrics"))]
#[allow(dead_code)]
mod on {
    use std::time::Duration;

    /// Records nothing: the `metrics` feature is off.
    pub fn request(_: &dyn std::fmt::Display, _: Option<u16>) {}
    /// Records nothing: the `metrics` feature is off.
    pub fn rate_limited(_: &dyn std::fmt::Display, _: &'static str) {}
    /// Records nothing: the `metrics` feature is off.
    pub fn waited(_: &dyn std::fmt::Display, _: Duration) {}
    /// Records nothing: the `metrics` feature is off.
    pub fn remaining(_: &dyn std::fmt::Display, _: u64) {}
    /// Records nothing: the `metrics` feature is off.
    pub fn redis_fallback(_: &'static str) {}
    /// Records nothing: the `metrics` feature is off.
    pub fn redis_failure(_: &'static str) {}
    /// Records nothing: the `metrics` feature is off.
    pub fn redis_back() {}
    /// Records nothing: the `metrics` feature is off.
    pub fn hook_request(_: &'static str) {}
    /// Records nothing: the `metrics` feature is off.
    pub fn hook_events(_: &'static str, _: u64) {}
    /// Records nothing: the `metrics` feature is off.
    pub fn hook_duplicates(_: &'static str, _: u64) {}
    /// Records nothing: the `metrics` feature is off.
    pub fn hook_queue_depth(_: usize) {}
    /// Records nothing: the `metrics` feature is off.
    pub fn hook_ack(_: Duration) {}
    /// Records nothing: the `metrics` feature is off.
    pub fn hook_reconciliation_lag(_: Duration) {}
}

#[allow(unused_imports)]
pub use on::*;
