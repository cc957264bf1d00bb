//! The client's behaviour against a real HTTP server on 127.0.0.1: authentication, timeouts,
//! bad bodies, hostile ids, multipart, generic requests and redaction here; retries and rate
//! limits in `retries`, the rate-limit governor in `rate_limit`, pagination in `pagination`, the
//! System Log tailer in `log_tail`.

mod decoding;
mod log_tail;
mod pagination;
mod rate_limit;
mod retries;

use std::time::{Duration, Instant, SystemTime};

use futures::TryStreamExt;
use okta_client::request::FilePart;
use okta_client::{models, Client, Error, Method, RetryConfig, StatusCode};
use serde_json::{json, Value};
use wiremock::matchers::{body_string_contains, header, header_regex, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "00TOPSECRETtoken";

fn fast_retries() -> RetryConfig {
    RetryConfig::default()
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(40))
}

/// `response` with `X-Rate-Limit-Reset` `secs` from now and the server's `Date`.
fn reset_in(response: ResponseTemplate, secs: u64) -> ResponseTemplate {
    let now = SystemTime::now();
    let reset = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + secs;
    response
        .insert_header("X-Rate-Limit-Reset", reset.to_string().as_str())
        .insert_header("Date", httpdate::fmt_http_date(now).as_str())
}

/// The whole elapsed time and the attempts of a timeout; panics on any other error.
fn timeout_of(e: &Error) -> (Duration, u32) {
    match e {
        Error::Timeout {
            elapsed, attempts, ..
        } => (*elapsed, *attempts),
        other => panic!("not a timeout: {other:?}"),
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
    // An optional object whose required field is mistyped is kept raw; the hook decodes.
    let hooks = c
        .inline_hook()
        .list_inline_hooks()
        .send()
        .await
        .unwrap()
        .body;
    let channel = hooks[1].channel.as_ref().expect("channel");
    assert_eq!(
        channel.mismatched_fields.get("config").unwrap().value,
        json!({"uri": 5})
    );
    // Strictly, the bad item fails the list and is reported with its position.
    let e = c
        .inline_hook()
        .list_inline_hooks()
        .customize()
        .strict_decoding(true)
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
