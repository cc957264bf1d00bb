//! The rate-limit governor: concurrent calls wait for a bucket's reset instead of collecting
//! 429s, clones share one budget, concurrency 429s back off, the concurrency cap holds, and
//! the "off" mode is the retry-only behaviour.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use okta_client::RateLimitConfig;
use tests::okta_sim;

use super::*;

/// An Okta-style bucket in one-second windows aligned on the Unix clock: `limit` requests per
/// window, the count in `X-Rate-Limit-*` with `Date`, a 429 once it is spent.
struct Bucket {
    limit: u64,
    window: Mutex<(u64, u64)>,
    ok: AtomicU64,
    rejected: AtomicU64,
}

impl Bucket {
    fn new(limit: u64) -> Arc<Bucket> {
        Arc::new(Bucket {
            limit,
            window: Mutex::new((0, 0)),
            ok: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
        })
    }
}

struct Serve(Arc<Bucket>);

impl wiremock::Respond for Serve {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let now = SystemTime::now();
        let secs = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let b = &self.0;
        let mut w = b.window.lock().unwrap();
        if w.0 != secs {
            *w = (secs, 0);
        }
        let (status, remaining) = if w.1 >= b.limit {
            b.rejected.fetch_add(1, Ordering::SeqCst);
            (429, 0)
        } else {
            w.1 += 1;
            b.ok.fetch_add(1, Ordering::SeqCst);
            (200, b.limit - w.1)
        };
        let r = ResponseTemplate::new(status)
            .insert_header("X-Rate-Limit-Limit", b.limit.to_string().as_str())
            .insert_header("X-Rate-Limit-Remaining", remaining.to_string().as_str())
            .insert_header("X-Rate-Limit-Reset", (secs + 1).to_string().as_str())
            .insert_header("Date", httpdate::fmt_http_date(now).as_str());
        if status == 200 {
            r.set_body_json(json!({"id": "h"}))
        } else {
            r
        }
    }
}

async fn bucket_server(limit: u64) -> (MockServer, Arc<Bucket>) {
    let server = MockServer::start().await;
    let bucket = Bucket::new(limit);
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks/h"))
        .respond_with(Serve(bucket.clone()))
        .mount(&server)
        .await;
    (server, bucket)
}

fn patient_retries() -> RetryConfig {
    RetryConfig::default()
        .max_retries(20)
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(40))
        .max_jitter(Duration::from_millis(20))
}

fn governed(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .api_token(TOKEN)
        .retry(patient_retries())
        .rate_limit(RateLimitConfig::default().max_jitter(Duration::from_millis(20)))
        .build()
        .unwrap()
}

/// Runs `calls` calls of `get_event_hook("h")` from as many tasks, each on the client
/// `pick` gives it, and returns the retries each needed.
async fn run_concurrently(calls: usize, pick: impl Fn(usize) -> Client) -> Vec<u32> {
    let tasks: Vec<_> = (0..calls)
        .map(|i| {
            let c = pick(i);
            tokio::spawn(async move { c.event_hook().get_event_hook("h").send().await })
        })
        .collect();
    let mut retries = Vec::new();
    for t in tasks {
        retries.push(t.await.unwrap().expect("every call succeeds").retries);
    }
    retries
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_wait_for_the_reset_instead_of_receiving_429s() {
    // 10 calls against 4 per window: three windows, and not one 429.
    let (server, bucket) = bucket_server(4).await;
    let client = governed(&server);
    let retries = run_concurrently(10, |_| client.clone()).await;
    assert_eq!(bucket.ok.load(Ordering::SeqCst), 10);
    assert_eq!(bucket.rejected.load(Ordering::SeqCst), 0);
    assert!(retries.iter().all(|r| *r == 0), "{retries:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clones_share_the_budget_and_separate_clients_do_not() {
    let (server, bucket) = bucket_server(3).await;
    let client = governed(&server);
    let clones: Vec<Client> = (0..4).map(|_| client.clone()).collect();
    run_concurrently(8, |i| clones[i % 4].clone()).await;
    assert_eq!(bucket.ok.load(Ordering::SeqCst), 8);
    assert_eq!(bucket.rejected.load(Ordering::SeqCst), 0);

    // Clients built separately each learn the bucket on their own and overrun it together.
    let (server, bucket) = bucket_server(3).await;
    let separate: Vec<Client> = (0..8).map(|_| governed(&server)).collect();
    run_concurrently(8, |i| separate[i].clone()).await;
    assert_eq!(bucket.ok.load(Ordering::SeqCst), 8);
    assert!(bucket.rejected.load(Ordering::SeqCst) > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_mode_sends_at_once_and_only_retries() {
    let (server, bucket) = bucket_server(3).await;
    let client = Client::builder(server.uri())
        .api_token(TOKEN)
        .retry(patient_retries())
        .rate_limit(RateLimitConfig::disabled())
        .build()
        .unwrap();
    let retries = run_concurrently(8, |_| client.clone()).await;
    assert_eq!(bucket.ok.load(Ordering::SeqCst), 8);
    // Everything went out at once: eight calls in at most two windows of three, so at least
    // two met a 429 and were retried after it.
    assert!(bucket.rejected.load(Ordering::SeqCst) >= 2);
    assert!(
        retries.iter().filter(|r| **r > 0).count() >= 2,
        "{retries:?}"
    );
    assert!(format!("{client:?}").contains("rate_limit: None"));
}

#[tokio::test]
async fn a_concurrency_429_backs_off_instead_of_waiting_for_its_reset() {
    let server = MockServer::start().await;
    let now = SystemTime::now();
    let secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let limits = |limit: u64, remaining: u64, status: u16| {
        ResponseTemplate::new(status)
            .insert_header("X-Rate-Limit-Limit", limit.to_string().as_str())
            .insert_header("X-Rate-Limit-Remaining", remaining.to_string().as_str())
            .insert_header("X-Rate-Limit-Reset", (secs + 600).to_string().as_str())
            .insert_header("Date", httpdate::fmt_http_date(now).as_str())
            .set_body_json(json!({"id": "h"}))
    };
    // The bucket: 600 a window, plenty left.
    Mock::given(method("GET"))
        .respond_with(limits(600, 598, 200))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    // Then a 429 describing the org's 75 concurrent requests, its reset ten minutes away.
    Mock::given(method("GET"))
        .respond_with(limits(75, 0, 429))
        .up_to_n_times(1)
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("X-Okta-Retry-Count", "1"))
        .respond_with(limits(600, 597, 200))
        .with_priority(3)
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .api_token(TOKEN)
        .retry(RetryConfig::default().max_total_wait(Duration::from_secs(5)))
        .rate_limit(RateLimitConfig::default().concurrency_backoff(Duration::from_millis(10)))
        .build()
        .unwrap();
    client
        .event_hook()
        .get_event_hook("h")
        .send()
        .await
        .unwrap();
    // Waiting for that reset would exceed the 5 s budget and fail; a back-off retries.
    let r = client
        .event_hook()
        .get_event_hook("h")
        .send()
        .await
        .unwrap();
    assert_eq!(r.retries, 1);
}

#[tokio::test]
async fn a_spent_bucket_429_far_past_the_budget_comes_back_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-Rate-Limit-Limit", "600")
                .insert_header("X-Rate-Limit-Remaining", "0")
                .insert_header("X-Rate-Limit-Reset", u64::MAX.to_string().as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server)
        .event_hook()
        .list_event_hooks()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.as_api().unwrap().retries, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_concurrency_cap_holds_across_clones() {
    let (base, stats) = okta_sim::start(okta_sim::Rules {
        window_secs: 1,
        limits: HashMap::new(),
        default_limit: 1_000_000,
        concurrency: 1_000,
        principal_share: 1.0,
        service: Duration::from_millis(20),
    })
    .await;
    let client = Client::builder(&base)
        .api_token(TOKEN)
        .rate_limit(RateLimitConfig::default().max_concurrency(3))
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let c = client.clone();
            tokio::spawn(async move {
                c.request(Method::GET, &format!("/api/v1/groups/g{i}"))
                    .send()
                    .await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(stats.ok.load(Ordering::SeqCst), 24);
    let peak = stats.max_in_flight.load(Ordering::SeqCst);
    assert!((1..=3).contains(&peak), "{peak} in flight at once");
}

#[tokio::test]
async fn a_bucket_still_spent_after_its_reset_backs_off_instead_of_spinning() {
    let server = MockServer::start().await;
    // A server whose reset is always already past: a wait for it would be no wait at all.
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-Rate-Limit-Limit", "600")
                .insert_header("X-Rate-Limit-Remaining", "0")
                .insert_header("X-Rate-Limit-Reset", "1"),
        )
        .expect(3)
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .api_token(TOKEN)
        .retry(
            RetryConfig::default()
                .max_retries(3)
                // The first retry goes at once, the second after 125 to 250 ms, and the third
                // would need 250 to 500 ms more: past the budget.
                .max_total_wait(Duration::from_millis(350)),
        )
        .rate_limit(
            RateLimitConfig::default()
                .concurrency_backoff(Duration::from_millis(250))
                .max_jitter(Duration::ZERO),
        )
        .build()
        .unwrap();
    let e = client
        .event_hook()
        .list_event_hooks()
        .send()
        .await
        .unwrap_err();
    // Without the back-off all three retries would fit in any budget.
    assert_eq!(e.as_api().unwrap().retries, 2, "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generic_requests_to_one_family_share_a_bucket_whatever_the_ids() {
    let server = MockServer::start().await;
    let bucket = Bucket::new(3);
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(r"^/api/v1/users/[^/]+$"))
        .respond_with(Serve(bucket.clone()))
        .mount(&server)
        .await;
    let client = governed(&server);
    // Were the ids part of the bucket, each call would be a new route sent at once.
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let c = client.clone();
            tokio::spawn(async move {
                c.request(Method::GET, &format!("/api/v1/users/00u{i}"))
                    .send()
                    .await
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().retries, 0);
    }
    assert_eq!(bucket.ok.load(Ordering::SeqCst), 8);
    assert_eq!(bucket.rejected.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_wait_is_traced_with_the_bucket_never_the_id() {
    let server = MockServer::start().await;
    let bucket = Bucket::new(1);
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(r"^/api/v1/users/[^/]+$"))
        .respond_with(Serve(bucket.clone()))
        .mount(&server)
        .await;
    let (captured, _guard) = tests::traces::capture();
    let client = governed(&server);
    for id in ["00uFIRSTUSER", "00uSECONDUSER"] {
        client
            .request(Method::GET, &format!("/api/v1/users/{id}"))
            .send()
            .await
            .unwrap();
    }
    // One a window: the second call waited for the reset instead of meeting a 429.
    assert_eq!(bucket.rejected.load(Ordering::SeqCst), 0);
    let traces = captured.text();
    let waits: Vec<&str> = traces
        .lines()
        .filter(|l| l.contains("waiting for the bucket's reset"))
        .collect();
    assert!(!waits.is_empty(), "{traces}");
    for line in waits {
        assert!(line.contains("GET /api/v1/users/*"), "{line}");
        assert!(!line.contains("00u"), "an id in the trace: {line}");
    }
}

#[test]
fn bad_rate_limit_settings_are_configuration_errors() {
    let build = |config: RateLimitConfig| {
        Client::builder("https://example.okta.com")
            .api_token("t")
            .rate_limit(config)
            .build()
    };
    for share in [0.0, 1.01, f64::NAN, -0.5] {
        let e = build(RateLimitConfig::default().budget_share(share)).unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{share}: {e:?}");
    }
    assert!(build(RateLimitConfig::default().max_concurrency(0)).is_err());
    // Switched off, the other settings do not matter; huge ones are accepted and bounded.
    assert!(build(RateLimitConfig::disabled().max_concurrency(0)).is_ok());
    assert!(build(
        RateLimitConfig::default()
            .max_concurrency(usize::MAX)
            .max_buckets(usize::MAX)
            .max_jitter(Duration::MAX)
            .concurrency_backoff(Duration::MAX)
            .max_concurrency_backoff(Duration::MAX)
    )
    .is_ok());
}

/// Waiting for a bucket's reset counts against the call's deadline: a call whose bucket resets
/// after its deadline ends with a timeout that made no attempt, and the server sees nothing.
#[tokio::test]
async fn a_wait_for_budget_ends_at_the_deadline() {
    let server = MockServer::start().await;
    let spent = ResponseTemplate::new(200)
        .set_body_json(json!({"id": "h1"}))
        .insert_header("X-Rate-Limit-Limit", "10")
        .insert_header("X-Rate-Limit-Remaining", "0");
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks/h1"))
        .respond_with(reset_in(spent, 30))
        .expect(1)
        .mount(&server)
        .await;
    let client = governed(&server);
    client
        .event_hook()
        .get_event_hook("h1")
        .send()
        .await
        .unwrap();
    let e = client
        .event_hook()
        .get_event_hook("h1")
        .customize()
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    let (elapsed, attempts) = timeout_of(&e);
    assert_eq!(attempts, 0, "{e}");
    assert!(elapsed >= Duration::from_millis(300), "{e}");
}
