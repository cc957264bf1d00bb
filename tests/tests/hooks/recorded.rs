//! What the receiver records through the `metrics` facade, read back by a small recorder
//! installed for this test binary.

use std::time::Duration;

use tests::captured_metrics::captured;
use tests::okta_hooks::{delivery, post};

use super::*;

#[tokio::test]
async fn deliveries_refusals_duplicates_queue_depth_and_ack_latency_are_recorded() {
    let recorded = captured();
    // A metric not recorded yet counts as zero.
    let m = Zeroed(recorded);
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

/// The captured metrics, with one not recorded yet read as zero.
struct Zeroed(&'static tests::captured_metrics::Captured);

impl Zeroed {
    fn get(&self, name: &str) -> u64 {
        self.0.get(name).unwrap_or(0)
    }
}
