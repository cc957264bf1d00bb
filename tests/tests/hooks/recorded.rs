//! What the receiver records through the `metrics` facade, read back by a small recorder
//! installed for this test binary.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use tests::okta_hooks::{delivery, post};

use super::*;

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

    fn get(&self, name: &str) -> u64 {
        self.0
            .lock()
            .unwrap()
            .get(name)
            .map_or(0, |c| c.0.load(Ordering::SeqCst))
    }
}

struct Installed(&'static Captured);

impl Recorder for Installed {
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
        metrics::set_global_recorder(Installed(c)).expect("one recorder");
        c
    })
}

#[tokio::test]
async fn deliveries_refusals_duplicates_queue_depth_and_ack_latency_are_recorded() {
    let m = captured();
    let before = |n: &str| m.get(n);
    let accepted0 = before("okta_hook_requests_total{outcome=accepted}");
    let unauthorized0 = before("okta_hook_requests_total{outcome=refused_unauthorized}");
    let malformed0 = before("okta_hook_requests_total{outcome=refused_malformed}");
    let verification0 = before("okta_hook_requests_total{outcome=verification}");
    let unavailable0 = before("okta_hook_requests_total{outcome=unavailable}");
    let dups0 = before("okta_hook_duplicates_total{source=hook}");
    let events0 = before("okta_hook_events_total{source=hook}");
    let acks0 = before("okta_hook_ack_seconds{}");

    let (receiver, mut queue) = EventHookReceiver::builder(HEADER, SECRET).queue(1).unwrap();
    let served = Served::start(&receiver).await;
    let body = delivery(&events("m", 4, "user.lifecycle.create")).to_string();
    assert_eq!(
        post(&served.addr, PATH, &[&auth()], body.as_bytes()).await,
        Some(200)
    );
    assert_eq!(m.get("okta_hook_queue_depth{}"), 1);
    assert_eq!(
        post(&served.addr, PATH, &[&auth()], body.as_bytes()).await,
        Some(200)
    );
    let other = delivery(&events("n", 1, "user.lifecycle.create")).to_string();
    assert_eq!(
        post(&served.addr, PATH, &[&auth()], other.as_bytes()).await,
        Some(503)
    );
    assert_eq!(
        post(&served.addr, PATH, &[], body.as_bytes()).await,
        Some(401)
    );
    assert_eq!(post(&served.addr, PATH, &[&auth()], b"{").await, Some(400));
    let headers = vec![
        (HEADER.to_string(), SECRET.to_string()),
        ("X-Okta-Verification-Challenge".to_string(), "c".to_string()),
    ];
    let (status, _) = tests::okta_hooks::exchange(
        &served.addr,
        "GET",
        PATH,
        &headers,
        b"",
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    queue.recv().await.unwrap().ack().await;
    assert_eq!(m.get("okta_hook_queue_depth{}"), 0);

    // Other tests of this binary record too: at least what this one caused.
    assert!(m.get("okta_hook_requests_total{outcome=accepted}") >= accepted0 + 2);
    assert!(m.get("okta_hook_requests_total{outcome=refused_unauthorized}") > unauthorized0);
    assert!(m.get("okta_hook_requests_total{outcome=refused_malformed}") > malformed0);
    assert!(m.get("okta_hook_requests_total{outcome=verification}") > verification0);
    assert!(m.get("okta_hook_requests_total{outcome=unavailable}") > unavailable0);
    assert!(m.get("okta_hook_duplicates_total{source=hook}") >= dups0 + 4);
    assert!(m.get("okta_hook_events_total{source=hook}") >= events0 + 4);
    assert!(m.get("okta_hook_ack_seconds{}") >= acks0 + 2);
}
