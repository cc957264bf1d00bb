//! The client's behaviour against a real HTTP server on 127.0.0.1: authentication, retries,
//! rate limits, timeouts, bad bodies, pagination, hostile ids, multipart, generic requests and
//! redaction.

use std::time::{Duration, Instant, SystemTime};

use futures::TryStreamExt;
use okta_client::request::FilePart;
use okta_client::{models, Client, Error, Method, RetryConfig};
use serde_json::{json, Value};
use wiremock::matchers::{body_string_contains, header, header_regex, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "00TOPSECRETtoken";

fn fast_retries() -> RetryConfig {
    RetryConfig {
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
        ..RetryConfig::default()
    }
}

fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .api_token(TOKEN)
        .retry(fast_retries())
        .build()
        .expect("client")
}

fn hook(id: &str) -> Value {
    json!({"id": id, "status": "ACTIVE", "name": "Test Inline Hook", "type": "com.okta.oauth2.tokens.transform"})
}

#[tokio::test]
async fn api_token_and_user_agent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .and(header("authorization", format!("SSWS {TOKEN}").as_str()))
        .and(header("accept", "application/json"))
        .and(header_regex(
            "user-agent",
            r"^okta-client-rust/\d+\.\d+\.\d+ my-app/1\.0$",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .insert_header("X-Okta-Request-Id", "req-7"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::builder(server.uri())
        .api_token(TOKEN)
        .user_agent_extension("my-app/1.0")
        .build()
        .unwrap();
    let page = c.event_hook().list_event_hooks().send().await.unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.request_id(), Some("req-7"));
    assert!(!page.has_next());
}

#[tokio::test]
async fn bearer_access_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/inlineHooks/abc"))
        .and(header("authorization", "Bearer at.123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(hook("abc")))
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::builder(server.uri())
        .access_token("at.123")
        .build()
        .unwrap();
    let r = c.inline_hook().get_inline_hook("abc").send().await.unwrap();
    assert_eq!(r.body.id.as_deref(), Some("abc"));
    assert_eq!(r.status, 200);
}

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

#[tokio::test]
async fn timeouts_are_reported_as_such() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let c = Client::builder(server.uri())
        .api_token(TOKEN)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let e = c.event_hook().list_event_hooks().send().await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    assert!(e.is_retryable());
}

#[tokio::test]
async fn okta_error_bodies_are_parsed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("X-Okta-Request-Id", "rid-404")
                .set_body_json(json!({
                    "errorCode": "E0000007",
                    "errorSummary": "Not found: Resource not found: nope (InlineHook)",
                    "errorLink": "E0000007",
                    "errorId": "oaeXYZ",
                    "errorCauses": [{"errorSummary": "id: does not exist"}]
                })),
        )
        .mount(&server)
        .await;
    let e = client(&server)
        .inline_hook()
        .get_inline_hook("nope")
        .send()
        .await
        .unwrap_err();
    let api = e.as_api().unwrap();
    let body = api.body.as_ref().unwrap();
    assert_eq!(body.error_id.as_deref(), Some("oaeXYZ"));
    assert_eq!(body.error_link.as_deref(), Some("E0000007"));
    assert_eq!(
        body.error_causes[0].error_summary.as_deref(),
        Some("id: does not exist")
    );
    let text = e.to_string();
    assert!(
        text.contains("404") && text.contains("E0000007") && text.contains("rid-404"),
        "{text}"
    );
    assert!(text.contains("id: does not exist"), "{text}");
}

#[tokio::test]
async fn malformed_truncated_and_mistyped_bodies_fail_cleanly() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/inlineHooks/bad"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{not json"))
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/inlineHooks/cut"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"id": "cut", "channel": {"type": "HT"#),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/inlineHooks/trailing"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"id": "t"} {"id": "u"}"#))
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/inlineHooks"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([hook("ok"), {"id": "x", "channel": {"config": {"uri": 5}}}])),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/inlineHooks/empty"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let c = client(&server);
    for id in ["bad", "cut", "trailing", "empty"] {
        let e = c
            .inline_hook()
            .get_inline_hook(id)
            .send()
            .await
            .unwrap_err();
        let Error::Decode(d) = &e else {
            panic!("{id}: {e:?}")
        };
        assert_eq!(d.status, 200);
        assert!(!d.message.is_empty(), "{id}");
    }
    // One bad item in a list is reported with its position, not dropped.
    let e = c
        .inline_hook()
        .list_inline_hooks()
        .send()
        .await
        .unwrap_err();
    let Error::Decode(d) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(d.path, "[1].channel.config.uri");
    assert!(e.to_string().contains("[1].channel.config.uri"));
}

/// Responds to a page request with the items and Link header it was set up with.
fn page(items: Value, next: Option<String>) -> ResponseTemplate {
    let mut r = ResponseTemplate::new(200).set_body_json(items);
    if let Some(n) = next {
        r = r.append_header("Link", format!("<{n}>; rel=\"next\"").as_str());
    }
    r
}

#[tokio::test]
async fn pagination_follows_next_links_and_keeps_the_callers_query() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/api/v1/inlineHooks"))
        .and(query_param("type", "com.okta.import.transform"))
        .and(wiremock::matchers::query_param_is_missing("after"))
        .respond_with(
            page(
                json!([hook("1"), hook("2")]),
                Some(format!(
                    "{base}/api/v1/inlineHooks?after=2&type=com.okta.import.transform"
                )),
            )
            .append_header(
                "Link",
                format!("<{base}/api/v1/inlineHooks>; rel=\"self\"").as_str(),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    // The next link drops `type`: the client adds the caller's filter back.
    Mock::given(method("GET"))
        .and(path("/api/v1/inlineHooks"))
        .and(query_param("after", "2"))
        .and(query_param("type", "com.okta.import.transform"))
        .respond_with(page(
            json!([hook("3")]),
            Some(format!("{base}/api/v1/inlineHooks?after=3")),
        ))
        .expect(1)
        .mount(&server)
        .await;
    // An empty last page without a Link header ends the stream.
    Mock::given(method("GET"))
        .and(path("/api/v1/inlineHooks"))
        .and(query_param("after", "3"))
        .and(query_param("type", "com.okta.import.transform"))
        .respond_with(page(json!([]), None))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let items: Vec<models::InlineHook> = c
        .inline_hook()
        .list_inline_hooks()
        .type_(models::InlineHookType::ComOktaImportTransform)
        .customize()
        .into_stream_as::<models::InlineHook>()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = items.iter().map(|h| h.id.clone().unwrap()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
}

#[tokio::test]
async fn pages_can_be_walked_by_hand() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(query_param_missing_after())
        .respond_with(page(
            json!([{"id": "a"}]),
            Some(format!("{base}/api/v1/eventHooks?after=a")),
        ))
        .mount(&server)
        .await;
    Mock::given(query_param("after", "a"))
        .respond_with(page(json!([{"id": "b"}]), None))
        .mount(&server)
        .await;
    let first = client(&server)
        .event_hook()
        .list_event_hooks()
        .send()
        .await
        .unwrap();
    assert!(first.has_next());
    let second = first.next_page().await.unwrap().expect("a second page");
    assert_eq!(second.items[0].id.as_deref(), Some("b"));
    assert!(second.next_page().await.unwrap().is_none());
}

fn query_param_missing_after() -> wiremock::matchers::QueryParamIsMissingMatcher {
    wiremock::matchers::query_param_is_missing("after")
}

#[tokio::test]
async fn a_next_link_to_another_host_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(page(
            json!([{"id": "a"}]),
            Some("https://evil.example.com/api/v1/eventHooks?after=a".into()),
        ))
        .mount(&server)
        .await;
    let e = client(&server)
        .event_hook()
        .list_event_hooks()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::UnexpectedResponse(_)), "{e:?}");
}

#[tokio::test]
async fn hostile_ids_cannot_change_the_path_or_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/inlineHooks/..%2Fusers%3Fx%3D1%23f"))
        .and(wiremock::matchers::query_param_is_missing("x"))
        .respond_with(ResponseTemplate::new(200).set_body_json(hook("weird")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    c.inline_hook()
        .get_inline_hook("../users?x=1#f")
        .send()
        .await
        .unwrap();
    for bad in ["..", ".", ""] {
        let e = c
            .inline_hook()
            .get_inline_hook(bad)
            .send()
            .await
            .unwrap_err();
        assert!(matches!(e, Error::InvalidRequest(_)), "{bad:?}: {e:?}");
    }
}

#[tokio::test]
async fn multipart_uploads_send_the_file() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/org/logo"))
        .and(header_regex(
            "content-type",
            "^multipart/form-data; boundary=",
        ))
        .and(body_string_contains("name=\"file\"; filename=\"logo.png\""))
        .and(body_string_contains("Content-Type: image/png"))
        .and(body_string_contains("PNG-BYTES"))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let file = FilePart::new(&b"PNG-BYTES"[..])
        .file_name("logo.png")
        .content_type("image/png");
    let r = client(&server)
        .org()
        .update_org_logo(models::ApplicationUpdateLogoRequest::new(file))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status, 201);
}

#[tokio::test]
async fn generic_requests_reach_any_path_of_the_org() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/custom/thing"))
        .and(query_param("x", "1"))
        .and(query_param("y", "a b"))
        .and(header("authorization", format!("SSWS {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/raw"))
        .and(wiremock::matchers::body_json(json!({"a": 1})))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(&b"\x00\x01raw"[..]))
        .mount(&server)
        .await;
    let c = client(&server);
    let r = c
        .request(Method::GET, "/api/v1/custom/thing?x=1")
        .query("y", "a b")
        .send_as::<Value>()
        .await
        .unwrap();
    assert_eq!(r.body, json!({"ok": true}));
    let r = c
        .request(Method::POST, "/api/v1/raw")
        .json(json!({"a": 1}))
        .send_bytes()
        .await
        .unwrap();
    assert_eq!(&r.body[..], b"\x00\x01raw");
    for elsewhere in ["https://evil.example.com/x", "//evil.example.com/x"] {
        let e = c
            .request(Method::GET, elsewhere)
            .send_bytes()
            .await
            .unwrap_err();
        assert!(matches!(e, Error::InvalidRequest(_)), "{elsewhere}: {e:?}");
    }
}

#[tokio::test]
async fn secrets_never_reach_debug_errors_or_traces() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"errorCode": "E0000011", "errorSummary": "Invalid token provided"}),
        ))
        .mount(&server)
        .await;
    let (captured, _guard) = tests::traces::capture();

    let c = client(&server);
    let e = c.event_hook().list_event_hooks().send().await.unwrap_err();
    let bearer = Client::builder(server.uri())
        .access_token(TOKEN)
        .build()
        .unwrap();
    let e2 = bearer
        .event_hook()
        .list_event_hooks()
        .send()
        .await
        .unwrap_err();

    let traces = captured.text();
    assert!(
        traces.contains("okta.request") && traces.contains("ListEventHooks"),
        "{traces}"
    );
    assert!(traces.contains("/api/v1/eventHooks"), "{traces}");
    for text in [
        format!("{c:?}"),
        format!("{bearer:?}"),
        format!("{e:?}"),
        e.to_string(),
        format!("{e2:?}"),
        traces,
    ] {
        assert!(!text.contains(TOKEN), "secret leaked: {text}");
    }
    assert!(format!("{c:?}").contains("redacted"));
}

#[test]
fn configuration_is_checked() {
    let ok = |url: &str| Client::builder(url).api_token("t").build().is_ok();
    assert!(ok("https://example.okta.com"));
    assert!(ok("http://127.0.0.1:8080"));
    assert!(ok("http://localhost:1"));
    assert!(
        !ok("http://example.okta.com"),
        "plain http only for loopback"
    );
    assert!(!ok("ftp://example.okta.com"));
    assert!(!ok("not a url"));
    assert!(
        Client::builder("https://x.okta.com").build().is_err(),
        "no credentials"
    );
    assert!(Client::builder("https://x.okta.com")
        .api_token("")
        .build()
        .is_err());
    assert!(Client::builder("https://x.okta.com")
        .api_token("a\nb")
        .build()
        .is_err());

    let vars = |mode: Option<&'static str>| {
        move |k: &str| match k {
            "OKTA_CLIENT_ORGURL" => Some("https://x.okta.com".to_string()),
            "OKTA_CLIENT_TOKEN" => Some("tok".to_string()),
            "OKTA_CLIENT_AUTHORIZATIONMODE" => mode.map(str::to_string),
            _ => None,
        }
    };
    let c = Client::from_vars(vars(None)).unwrap();
    assert!(format!("{c:?}").contains("ApiToken"));
    let c = Client::from_vars(vars(Some("Bearer"))).unwrap();
    assert!(format!("{c:?}").contains("AccessToken"));
    assert!(matches!(
        Client::from_vars(vars(Some("Magic"))),
        Err(Error::Config(_))
    ));
    assert!(matches!(Client::from_vars(|_| None), Err(Error::Config(_))));
}
