//! Runs the per-operation tests emitted from the catalog (`generated/operations.rs`): for every
//! operation, the request the client sends (method, path, query, headers, body) and the decoding
//! of its documented response, against a local HTTP server. What every test shares is here, so
//! that the emitted tests hold only what differs between operations.

use wiremock::{Match, MockBuilder, MockServer, Request, ResponseTemplate};

#[rustfmt::skip]
#[allow(non_snake_case)]
#[path = "generated/operations.rs"]
mod generated;

/// A server that answers `response` to exactly one request matching `mock` and carrying the
/// client's API token (checked when the server is dropped), and nothing else.
async fn serve(mock: MockBuilder, response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    mock.and(wiremock::matchers::header(
        "authorization",
        "SSWS test-token",
    ))
    .respond_with(response)
    .expect(1)
    .mount(&server)
    .await;
    server
}

fn client(server: &MockServer) -> okta_client::Client {
    okta_client::Client::builder(server.uri())
        .api_token("test-token")
        .retry(okta_client::RetryConfig::disabled())
        .build()
        .expect("client")
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> T {
    serde_json::from_str(text).expect("the emitted sample matches its type")
}

/// A JSON answer with `status`.
fn json(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json")
}

/// Matches a request whose body is `text` as JSON (compared as values, not bytes) and whose
/// content type says so.
fn json_body(text: &str) -> JsonBody {
    JsonBody(from_json(text))
}

struct JsonBody(serde_json::Value);

impl Match for JsonBody {
    fn matches(&self, request: &Request) -> bool {
        let content_type = request.headers.get("content-type");
        is_json(
            content_type.and_then(|v| v.to_str().ok()),
            &request.body,
            &self.0,
        )
    }
}

fn is_json(content_type: Option<&str>, body: &[u8], expected: &serde_json::Value) -> bool {
    content_type == Some("application/json")
        && serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|b| b == *expected)
}

/// `decoded`, encoded again, is the JSON of `text`: nothing was lost or invented on the way.
fn assert_json<T: serde::Serialize>(decoded: &T, text: &str) {
    let got = serde_json::to_value(decoded).expect("a decoded value encodes");
    assert_eq!(got, from_json::<serde_json::Value>(text));
}

/// Every field of the sample decoded into a typed field of the model: only the one field the
/// catalog does not know (`fieldNotInCatalog`, see codegen's `emit/samples.rs`) is left in
/// `additional_properties`. A field decoded under the wrong name would land there as well, and
/// the round trip of [`assert_json`] would not notice, since unknown fields are written back.
fn assert_typed(unknown: &serde_json::Map<String, serde_json::Value>) {
    let keys: Vec<&str> = unknown.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["fieldNotInCatalog"],
        "catalog fields decoded as unknown fields"
    );
}

/// The `type` filter of ListInlineHooks is a string in the document and an open enum in the
/// client: a type the catalog does not list is sent exactly as written.
#[tokio::test]
async fn an_inline_hook_type_the_catalog_does_not_list_is_sent_as_written() {
    use wiremock::matchers::{method, path, query_param};
    let server = serve(
        wiremock::Mock::given(method("GET"))
            .and(path("/api/v1/inlineHooks"))
            .and(query_param("type", "com.okta.future.transform")),
        json(200, "[]"),
    )
    .await;
    let hooks = client(&server)
        .inline_hook()
        .list_inline_hooks()
        .type_("com.okta.future.transform")
        .send()
        .await
        .expect("the unlisted type is sent");
    assert!(hooks.body.is_empty());
}

#[test]
fn a_catalog_field_left_among_the_unknown_fields_fails_the_typed_check() {
    let only_unknown = from_json(r#"{"fieldNotInCatalog": 1}"#);
    assert_typed(&only_unknown);
    let misnamed: serde_json::Map<String, serde_json::Value> =
        from_json(r#"{"status": "ACTIVE", "fieldNotInCatalog": 1}"#);
    assert!(std::panic::catch_unwind(|| assert_typed(&misnamed)).is_err());
}

#[test]
fn a_json_body_is_compared_as_a_value_and_needs_its_content_type() {
    let expected = from_json(r#"{"a":1,"b":[true,null]}"#);
    let json = Some("application/json");
    assert!(is_json(
        json,
        br#"{ "b": [true, null], "a": 1 }"#,
        &expected
    ));
    assert!(!is_json(json, br#"{"a":1,"b":[true]}"#, &expected));
    assert!(!is_json(
        Some("text/plain"),
        br#"{"a":1,"b":[true,null]}"#,
        &expected
    ));
    assert!(!is_json(None, br#"{"a":1,"b":[true,null]}"#, &expected));
    assert!(!is_json(json, b"not json", &expected));
}
