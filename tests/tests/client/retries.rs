//! Rate limits (Okta's headers, Retry-After), backoff, the retry budget and which methods are
//! retried.

use super::*;

#[tokio::test]
async fn rate_limit_waits_until_reset_and_marks_retries() {
    let server = MockServer::start().await;
    let now = SystemTime::now();
    let now_secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks/h1"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-Rate-Limit-Reset", now_secs.to_string().as_str())
                .insert_header("Date", httpdate::fmt_http_date(now).as_str())
                .insert_header("X-Okta-Request-Id", "first-attempt"),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks/h1"))
        .and(header("X-Okta-Retry-For", "first-attempt"))
        .and(header("X-Okta-Retry-Count", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "h1"})))
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    let r = client(&server)
        .event_hook()
        .get_event_hook("h1")
        .send()
        .await
        .unwrap();
    // Reset − Date + 1 s, measured against the server's clock.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited only {:?}",
        started.elapsed()
    );
    assert_eq!(r.retries, 1);
}

#[tokio::test]
async fn rate_limit_without_headers_backs_off() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .and(header("X-Okta-Retry-Count", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": "a"}])))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .event_hook()
        .list_event_hooks()
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
}

#[tokio::test]
async fn retries_run_out_with_the_last_429() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/inlineHooks/h/lifecycle/activate"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-Okta-Request-Id", "limited")
                .insert_header("X-Rate-Limit-Remaining", "0")
                .set_body_json(json!({"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests."})),
        )
        .expect(3)
        .mount(&server)
        .await;
    let err = client(&server)
        .inline_hook()
        .activate_inline_hook("h")
        .send()
        .await
        .unwrap_err();
    let api = err.as_api().expect("an API error");
    assert_eq!(api.status, 429);
    assert_eq!(api.retries, 2);
    assert_eq!(api.error_code(), Some("E0000047"));
    assert_eq!(api.rate_limit().remaining, Some(0));
    assert_eq!(err.request_id(), Some("limited"));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn retries_can_be_switched_off_and_respect_the_total_wait() {
    let server = MockServer::start().await;
    let far = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-Rate-Limit-Reset", far.to_string().as_str()),
        )
        .expect(2)
        .mount(&server)
        .await;
    let off = Client::builder(server.uri())
        .api_token(TOKEN)
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let e = off
        .event_hook()
        .list_event_hooks()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(429));
    // An hour-long wait exceeds the default total budget: no retry, the 429 comes back at once.
    let e = client(&server)
        .event_hook()
        .list_event_hooks()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.as_api().unwrap().retries, 0);
}

#[tokio::test]
async fn unavailable_is_retried_for_idempotent_methods_only() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks/x"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks/x"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "x"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(ResponseTemplate::new(504))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>oops</html>"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(
        c.event_hook()
            .get_event_hook("x")
            .send()
            .await
            .unwrap()
            .retries,
        1
    );
    let e = c
        .event_hook()
        .create_event_hook(models::EventHook::new())
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(504));
    let e = c
        .event_hook()
        .delete_event_hook("x")
        .send()
        .await
        .unwrap_err();
    let api = e.as_api().unwrap();
    assert_eq!(api.status, 500);
    assert!(api.body.is_none());
    assert_eq!(api.raw_body, "<html>oops</html>");
    assert!(!e.is_retryable());
}

/// A stalled attempt of an idempotent call is retried within the budget; a POST that timed
/// out is never sent again (Okta may have acted on it); the switch turns the retries off.
#[tokio::test]
async fn timeouts_are_retried_on_idempotent_calls_only() {
    let server = MockServer::start().await;
    let stalled = ResponseTemplate::new(200)
        .set_body_json(json!({"id": "slow"}))
        .set_delay(Duration::from_secs(3));
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks/h1"))
        .respond_with(stalled.clone())
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks/h1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "h1"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(stalled)
        .expect(1)
        .mount(&server)
        .await;
    let build = |retry: RetryConfig| {
        Client::builder(server.uri())
            .api_token(TOKEN)
            .attempt_timeout(Duration::from_millis(200))
            .retry(retry)
            .build()
            .unwrap()
    };
    let c = build(fast_retries());
    let got = c.event_hook().get_event_hook("h1").send().await.unwrap();
    assert_eq!((got.retries, got.body.id.as_deref()), (1, Some("h1")));
    let e = c
        .event_hook()
        .create_event_hook(models::EventHook::new())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Timeout { attempts: 1, .. }),
        "a POST is sent once: {e:?}"
    );

    // Switched off, the first stalled GET is the answer.
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks/h2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "h2"}))
                .set_delay(Duration::from_secs(3)),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    let off = build(fast_retries().retry_transport_errors(false));
    let e = off
        .event_hook()
        .get_event_hook("h2")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
}

/// Which statuses are retried is a setting: a 500 is an answer by default, retried when
/// listed; an empty list retries neither 503 nor 504.
#[tokio::test]
async fn retried_statuses_are_configurable() {
    let server = MockServer::start().await;
    for (id, status) in [("h500", 500), ("h503", 503)] {
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/eventHooks/{id}")))
            .respond_with(ResponseTemplate::new(status))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/eventHooks/{id}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": id})))
            .mount(&server)
            .await;
    }
    let build = |retry: RetryConfig| {
        Client::builder(server.uri())
            .api_token(TOKEN)
            .retry(retry)
            .build()
            .unwrap()
    };
    let with_500 = build(fast_retries().retry_statuses(vec![StatusCode::INTERNAL_SERVER_ERROR]));
    let got = with_500
        .event_hook()
        .get_event_hook("h500")
        .send()
        .await
        .unwrap();
    assert_eq!(got.retries, 1);
    let none = build(fast_retries().retry_statuses(Vec::new()));
    let e = none
        .event_hook()
        .get_event_hook("h503")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
}

/// A server that answers with headers at once and then drips its body, a byte every 50 ms:
/// no single read ever stalls for long, so only a deadline ends the call.
async fn dripping_server() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for _ in 0..100_000 {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    if socket.write_all(b" ").await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

/// The timeout a user sets bounds the call they wait on, not each attempt: with the default
/// retry policy a GET against a dripping body ends at its deadline, and the error reports the
/// whole call and its attempts. (Before, a 2 s timeout came back after 9 s, three attempts and
/// two back-offs later, saying "2.0 s".)
#[tokio::test]
async fn the_timeout_is_the_deadline_of_the_whole_call() {
    let uri = dripping_server().await;
    let client = Client::builder(&uri)
        .api_token(TOKEN)
        .timeout(Duration::from_millis(700))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client
        .event_hook()
        .get_event_hook("h1")
        .send()
        .await
        .unwrap_err();
    let waited = started.elapsed();
    let (elapsed, attempts) = timeout_of(&e);
    // One attempt: the default back-off (1 s) would end after the deadline.
    assert_eq!(attempts, 1, "{e}");
    assert!(elapsed >= Duration::from_millis(700), "{e}");
    // Far below the 2.7 s that three attempts and two back-offs take.
    assert!(waited < Duration::from_millis(2_000), "{waited:?}");
    assert!(e.to_string().contains("1 attempt)"), "{e}");

    // With a per-attempt limit below the deadline, attempts are retried until the retry
    // policy stops; the error reports all of them and the whole time.
    let client = Client::builder(&uri)
        .api_token(TOKEN)
        .timeout(Duration::from_secs(20))
        .attempt_timeout(Duration::from_millis(150))
        .retry(fast_retries())
        .build()
        .unwrap();
    let e = client
        .event_hook()
        .get_event_hook("h1")
        .send()
        .await
        .unwrap_err();
    let (elapsed, attempts) = timeout_of(&e);
    assert_eq!(attempts, 3, "{e}");
    assert!(elapsed >= Duration::from_millis(450), "{e}");
    assert!(e.to_string().contains("3 attempts"), "{e}");

    // One request's deadline overrides the client's.
    let started = Instant::now();
    let e = client
        .event_hook()
        .get_event_hook("h1")
        .customize()
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout { attempts: 1, .. }), "{e:?}");
    assert!(started.elapsed() < Duration::from_millis(1_500));
}

/// A 429 whose reset lies past the deadline is returned at once, not waited for.
#[tokio::test]
async fn a_retry_wait_past_the_deadline_is_not_started() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks/h1"))
        .respond_with(reset_in(ResponseTemplate::new(429), 30))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .api_token(TOKEN)
        .timeout(Duration::from_secs(5))
        .rate_limit(okta_client::RateLimitConfig::disabled())
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client
        .event_hook()
        .get_event_hook("h1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::TOO_MANY_REQUESTS), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// The default retry policy and `Error::is_retryable` are one rule: every status the default
/// retries (on an idempotent method) is retryable, and no other.
#[tokio::test]
async fn is_retryable_agrees_with_the_default_retry_policy() {
    let server = MockServer::start().await;
    let statuses = [
        400u16, 401, 403, 404, 408, 409, 429, 500, 501, 502, 503, 504, 599,
    ];
    for status in statuses {
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/eventHooks/s{status}")))
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
    }
    let client = Client::builder(server.uri())
        .api_token(TOKEN)
        .retry(
            RetryConfig::default()
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(1))
                .max_jitter(Duration::ZERO),
        )
        .rate_limit(okta_client::RateLimitConfig::disabled())
        .build()
        .unwrap();
    for status in statuses {
        let e = client
            .event_hook()
            .get_event_hook(format!("s{status}"))
            .send()
            .await
            .unwrap_err();
        let Error::Api(api) = &e else { panic!("{e:?}") };
        let retried = api.retries > 0;
        assert_eq!(retried, e.is_retryable(), "{status}: {e}");
        assert_eq!(
            retried,
            status == 429
                || okta_client::DEFAULT_RETRY_STATUSES
                    .iter()
                    .any(|s| s.as_u16() == status),
            "{status}"
        );
    }
}
