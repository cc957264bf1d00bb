//! The `metrics` feature: what the client records through the facade, read back by a small
//! recorder installed for this test binary.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use okta_client::{Client, Method, RateLimitConfig, RetryConfig, SharedBudget};
use tests::captured_metrics::captured;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

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
        .retry(RetryConfig::default().max_total_wait(Duration::from_secs(10)))
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
    for key in metrics.names() {
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
