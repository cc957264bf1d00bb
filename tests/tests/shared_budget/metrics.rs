//! The `metrics` feature: what the client records through the facade, read back by a small
//! recorder installed for this test binary.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use okta_client::{Client, Method, RateLimitConfig, RetryConfig, SharedBudget};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Every metric recorded, by name and sorted labels: counters and gauges as their value,
/// histograms as their number of samples.
#[derive(Default)]
struct Captured(Mutex<HashMap<String, Arc<Cell>>>);

#[derive(Default)]
struct Cell(AtomicU64);

impl metrics::CounterFn for Cell {
    fn increment(&self, n: u64) {
        self.0.fetch_add(n, Ordering::SeqCst);
    }
    fn absolute(&self, n: u64) {
        self.0.store(n, Ordering::SeqCst);
    }
}

impl metrics::GaugeFn for Cell {
    fn increment(&self, _: f64) {}
    fn decrement(&self, _: f64) {}
    fn set(&self, v: f64) {
        self.0.store(v as u64, Ordering::SeqCst);
    }
}

impl metrics::HistogramFn for Cell {
    fn record(&self, _: f64) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn name(key: &Key) -> String {
    let mut labels: Vec<String> = key
        .labels()
        .map(|l| format!("{}={}", l.key(), l.value()))
        .collect();
    labels.sort();
    format!("{}{{{}}}", key.name(), labels.join(","))
}

impl Captured {
    fn cell(&self, key: &Key) -> Arc<Cell> {
        self.0.lock().unwrap().entry(name(key)).or_default().clone()
    }
    fn get(&self, name: &str) -> Option<u64> {
        self.0
            .lock()
            .unwrap()
            .get(name)
            .map(|c| c.0.load(Ordering::SeqCst))
    }
}

struct Shared(&'static Captured);

impl Recorder for Shared {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.0.cell(key))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(self.0.cell(key))
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(self.0.cell(key))
    }
}

fn captured() -> &'static Captured {
    static CAPTURED: OnceLock<&'static Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let c: &'static Captured = Box::leak(Box::default());
        metrics::set_global_recorder(Shared(c)).expect("the only recorder of this binary");
        c
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_429s_waits_remaining_and_fallbacks_are_recorded() {
    let metrics = captured();
    let server = MockServer::start().await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let date = httpdate::fmt_http_date(SystemTime::now());
    let limits = |status: u16, remaining: u64| {
        ResponseTemplate::new(status)
            .insert_header("X-Rate-Limit-Limit", "10")
            .insert_header("X-Rate-Limit-Remaining", remaining.to_string().as_str())
            .insert_header("X-Rate-Limit-Reset", (now + 1).to_string().as_str())
            .insert_header("Date", date.as_str())
    };
    // A spent bucket once, then an answer.
    Mock::given(method("GET"))
        .respond_with(limits(429, 0))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(limits(200, 9).set_body_string("[]"))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .api_token("00metrics")
        .retry(RetryConfig {
            max_total_wait: Duration::from_secs(10),
            ..RetryConfig::default()
        })
        .build()
        .unwrap();
    client
        .request(Method::GET, "/api/v1/apps")
        .send()
        .await
        .unwrap();
    let route = "route=GET /api/v1/apps";
    assert_eq!(
        metrics.get(&format!("okta_requests_total{{{route},status=429}}")),
        Some(1)
    );
    assert_eq!(
        metrics.get(&format!("okta_requests_total{{{route},status=2xx}}")),
        Some(1)
    );
    assert_eq!(
        metrics.get(&format!("okta_rate_limit_429_total{{kind=spent,{route}}}")),
        Some(1)
    );
    assert_eq!(
        metrics.get(&format!("okta_rate_limit_remaining{{{route}}}")),
        Some(9)
    );
    assert_eq!(
        metrics.get(&format!("okta_rate_limit_wait_seconds{{{route}}}")),
        Some(2)
    );

    // A shared budget whose Redis is not there: each failure counted with its cause, and
    // one fallback once they repeat.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder(server.uri())
        .api_token("00metrics")
        .shared_budget(SharedBudget::new(format!("redis://127.0.0.1:{port}/"), "m"))
        .build()
        .unwrap();
    for _ in 0..3 {
        client
            .request(Method::GET, "/api/v1/apps")
            .send()
            .await
            .unwrap();
    }
    assert!(metrics
        .get("okta_redis_failures_total{cause=refused}")
        .is_some_and(|n| n >= 3));
    assert!(metrics
        .get("okta_redis_fallback_total{cause=refused}")
        .is_some_and(|n| n >= 1));
    assert_eq!(metrics.get("okta_rate_limit_shared{}"), Some(0));
    // No label anywhere holds an id, a token or a principal.
    for key in metrics.0.lock().unwrap().keys() {
        assert!(
            !key.contains("00metrics") && !key.contains("token:"),
            "{key}"
        );
    }
}

/// With the governor switched off, requests, `429`s and the remaining count are still
/// recorded (the `429` as `kind = "unknown"`: only the governor can tell what was spent).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_recorded_with_the_governor_off() {
    let metrics = captured();
    let server = MockServer::start().await;
    let reset = (SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 1)
    .to_string();
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-Rate-Limit-Limit", "10")
                .insert_header("X-Rate-Limit-Remaining", "0")
                .insert_header("X-Rate-Limit-Reset", reset.as_str())
                .insert_header("Retry-After", "0"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-Rate-Limit-Limit", "10")
                .insert_header("X-Rate-Limit-Remaining", "7")
                .insert_header("X-Rate-Limit-Reset", reset.as_str())
                .set_body_string("[]"),
        )
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .api_token("00metrics")
        .rate_limit(RateLimitConfig::disabled())
        .build()
        .unwrap();
    client
        .request(Method::GET, "/api/v1/unpaced")
        .send()
        .await
        .unwrap();
    let route = "route=GET /api/v1/unpaced";
    for (name, value) in [
        (format!("okta_requests_total{{{route},status=429}}"), 1),
        (format!("okta_requests_total{{{route},status=2xx}}"), 1),
        (
            format!("okta_rate_limit_429_total{{kind=unknown,{route}}}"),
            1,
        ),
        (format!("okta_rate_limit_remaining{{{route}}}"), 7),
    ] {
        assert_eq!(metrics.get(&name), Some(value), "{name}");
    }
    // Nothing waited for a governor that is off.
    assert_eq!(
        metrics.get(&format!("okta_rate_limit_wait_seconds{{{route}}}")),
        None
    );
}
