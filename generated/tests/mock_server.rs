//! How to test code that uses okta-client without a real Okta org: serve the answers you expect
//! from a mock HTTP server on 127.0.0.1 and point a client at it. Copy this file into your own
//! `tests/` (with `wiremock`, `tokio` and `serde_json` as dev-dependencies and okta-client's
//! `test-util` feature enabled there).

use okta_client::test_util::{mock_client, TEST_TOKEN};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The code under test: the ids of the active event hooks.
async fn active_hook_ids(client: &okta_client::Client) -> Result<Vec<String>, okta_client::Error> {
    let page = client.event_hook().list_event_hooks().send().await?;
    Ok(page
        .items
        .into_iter()
        .filter(|h| h.status.as_deref() == Some("ACTIVE"))
        .filter_map(|h| h.id)
        .collect())
}

#[tokio::test]
async fn lists_only_active_hooks() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .and(header(
            "authorization",
            format!("SSWS {TEST_TOKEN}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "who1", "name": "audit", "status": "ACTIVE"},
            {"id": "who2", "name": "old", "status": "INACTIVE"}
        ])))
        .expect(1)
        .mount(&server)
        .await;
    let client = mock_client(&server.uri()).unwrap();
    assert_eq!(active_hook_ids(&client).await.unwrap(), ["who1"]);
}

#[tokio::test]
async fn an_okta_error_reaches_the_caller() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "errorCode": "E0000006",
            "errorSummary": "You do not have permission to perform the requested action"
        })))
        .mount(&server)
        .await;
    let client = mock_client(&server.uri()).unwrap();
    let e = active_hook_ids(&client).await.unwrap_err();
    assert_eq!(e.as_api().and_then(|a| a.error_code()), Some("E0000006"));
}
