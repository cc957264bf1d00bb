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
            .timeout(Duration::from_millis(200))
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
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");

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
    let off = build(RetryConfig {
        retry_transport_errors: false,
        ..fast_retries()
    });
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
    let with_500 = build(RetryConfig {
        retry_statuses: vec![StatusCode::INTERNAL_SERVER_ERROR],
        ..fast_retries()
    });
    let got = with_500
        .event_hook()
        .get_event_hook("h500")
        .send()
        .await
        .unwrap();
    assert_eq!(got.retries, 1);
    let none = build(RetryConfig {
        retry_statuses: Vec::new(),
        ..fast_retries()
    });
    let e = none
        .event_hook()
        .get_event_hook("h503")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
}
