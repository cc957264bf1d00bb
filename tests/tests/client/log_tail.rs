//! The System Log tailer: catching up and polling the same link again, de-duplication by
//! `uuid`, resuming from a stored cursor, and bounded queries that end.

use futures::StreamExt;
use okta_client::system_log::LogCursor;
use wiremock::matchers::query_param_is_missing;

use super::*;

fn event(uuid: &str) -> Value {
    json!({"uuid": uuid, "published": "2026-12-01T10:00:00.000Z", "eventType": "user.session.start"})
}

fn page(events: &[&str], next: Option<&str>, base: &str) -> ResponseTemplate {
    let items: Vec<Value> = events.iter().map(|u| event(u)).collect();
    let mut r = ResponseTemplate::new(200).set_body_json(items);
    if let Some(n) = next {
        r = r.append_header("Link", format!("<{base}{n}>; rel=\"next\"").as_str());
    }
    r
}

fn uuids(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["uuid"].as_str().unwrap()).collect()
}

async fn take(stream: &mut okta_client::system_log::SystemLogStream, n: usize) -> Vec<Value> {
    let mut out = Vec::new();
    while out.len() < n {
        let event = stream.next().await.expect("more events").expect("no error");
        // The typed event and its JSON as received.
        assert_eq!(event.uuid(), event.to_value()["uuid"].as_str());
        out.push(event.to_value());
    }
    out
}

const AFTER_B: &str = "/api/v1/logs?after=b&sortOrder=ASCENDING";
const AFTER_C: &str = "/api/v1/logs?after=c&sortOrder=ASCENDING";

/// The first page: `since` and ascending order, no `after`; events a and b.
async fn first_page(server: &MockServer, events: &[&str]) {
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .and(query_param("since", "2026-12-01T00:00:00Z"))
        .and(query_param("sortOrder", "ASCENDING"))
        .and(query_param_is_missing("after"))
        .and(query_param_is_missing("until"))
        .respond_with(page(events, Some(AFTER_B), &server.uri()))
        .expect(1)
        .mount(server)
        .await;
}

fn tailer(client: &Client) -> okta_client::system_log::SystemLogTail {
    client
        .log_tailer()
        .since("2026-12-01T00:00:00Z")
        .poll_interval(Duration::from_millis(5))
}

#[tokio::test]
async fn catching_up_waits_and_polls_the_same_link_again() {
    let server = MockServer::start().await;
    first_page(&server, &["a", "b"]).await;
    // Caught up: an empty page whose next link is itself...
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .and(query_param("after", "b"))
        .respond_with(page(&[], Some(AFTER_B), &server.uri()))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    // ...asked again after the poll interval, now with a new event.
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .and(query_param("after", "b"))
        .respond_with(page(&["c"], Some(AFTER_C), &server.uri()))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let mut events = tailer(&client).into_stream();
    let got = take(&mut events, 3).await;
    assert_eq!(uuids(&got), ["a", "b", "c"]);
    // The page of c is delivered: a resume would start after it.
    assert_eq!(
        events.cursor().unwrap().as_str(),
        format!("{}{AFTER_C}", server.uri())
    );
}

#[tokio::test]
async fn a_repeated_uuid_is_delivered_once() {
    let server = MockServer::start().await;
    first_page(&server, &["a", "b"]).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .and(query_param("after", "b"))
        .respond_with(page(&["b", "c"], Some(AFTER_C), &server.uri()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .and(query_param("after", "c"))
        .respond_with(page(
            &["c", "d"],
            Some("/api/v1/logs?after=d"),
            &server.uri(),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let mut events = tailer(&client).into_stream();
    let got = take(&mut events, 4).await;
    assert_eq!(uuids(&got), ["a", "b", "c", "d"]);
}

#[tokio::test]
async fn a_stored_cursor_resumes_where_the_stream_stood() {
    let server = MockServer::start().await;
    first_page(&server, &["a", "b"]).await;
    let client = client(&server);
    let mut events = tailer(&client).into_stream();
    take(&mut events, 1).await;
    // In the middle of a page the cursor is that page.
    let mid = events.cursor().unwrap();
    assert!(!mid.as_str().contains("after="), "{mid}");
    assert!(mid.as_str().contains("sortOrder=ASCENDING"), "{mid}");
    take(&mut events, 1).await;
    let stored = serde_json::to_string(&events.cursor().unwrap()).unwrap();
    drop(events);

    // Later, elsewhere: only the cursor's query is sent (not the builder's `since`).
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .and(query_param("after", "b"))
        .and(query_param_is_missing("since"))
        .respond_with(page(&["c"], Some(AFTER_C), &server.uri()))
        .expect(1)
        .mount(&server)
        .await;
    let cursor: LogCursor = serde_json::from_str(&stored).unwrap();
    let other = Client::builder(server.uri())
        .api_token(TOKEN)
        .build()
        .unwrap();
    let mut resumed = tailer(&other).resume(cursor).into_stream();
    assert_eq!(uuids(&take(&mut resumed, 1).await), ["c"]);

    // A cursor off the org is refused before anything is sent.
    let foreign: LogCursor = "https://elsewhere.example.com/api/v1/logs?after=b"
        .parse()
        .unwrap();
    let mut refused = tailer(&other).resume(foreign).into_stream();
    let e = refused.next().await.unwrap().unwrap_err();
    assert!(matches!(e, Error::InvalidRequest(_)), "{e:?}");
}

#[tokio::test]
async fn a_bounded_query_ends_after_the_last_page() {
    let server = MockServer::start().await;
    let next = "/api/v1/logs?after=b&until=2026-12-01T12:00:00Z&sortOrder=ASCENDING";
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .and(query_param("until", "2026-12-01T12:00:00Z"))
        .and(query_param("sortOrder", "ASCENDING"))
        .and(query_param_is_missing("after"))
        .respond_with(page(&["a", "b"], Some(next), &server.uri()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .and(query_param("after", "b"))
        .respond_with(page(&["c"], None, &server.uri()))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let mut events = tailer(&client).until("2026-12-01T12:00:00Z").into_stream();
    let got: Vec<Value> = (&mut events)
        .map_ok(|e| e.to_value())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(uuids(&got), ["a", "b", "c"]);
    assert_eq!(events.cursor(), None);
}

#[tokio::test]
async fn an_error_does_not_end_a_tailing_stream() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    first_page(&server, &["a"]).await;
    let client = client(&server);
    let mut events = tailer(&client).into_stream();
    let e = events.next().await.unwrap().unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(500));
    // Polled again, the same link is asked for after the poll interval.
    assert_eq!(uuids(&take(&mut events, 1).await), ["a"]);
}

/// A bounded query whose page answers a permanent error (403) yields it once and ends, instead
/// of asking again every poll interval for ever; its cursor points at the page that failed.
#[tokio::test]
async fn a_bounded_query_ends_on_a_permanent_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "errorCode": "E0000006",
            "errorSummary": "You do not have permission to perform the requested action"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let mut events = tailer(&client).until("2026-12-01T12:00:00Z").into_stream();
    let e = events.next().await.unwrap().unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));
    assert!(events.next().await.is_none(), "the stream ended");
    let cursor = events.cursor().expect("the failed page");
    assert!(cursor.as_str().contains("until="), "{cursor}");
}

/// A transient failure of a bounded query is asked again, and only pages that arrived count
/// toward max_pages: a one-page limit still reads the one page after a failed fetch.
#[tokio::test]
async fn failed_fetches_do_not_count_toward_max_pages() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .respond_with(page(&["a"], None, &server.uri()))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .api_token(TOKEN)
        .retry(RetryConfig::disabled())
        .max_pages(1)
        .build()
        .unwrap();
    let mut events = tailer(&client).until("2026-12-01T12:00:00Z").into_stream();
    let e = events.next().await.unwrap().unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    let rest: Vec<Value> = (&mut events)
        .map_ok(|e| e.to_value())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(uuids(&rest), ["a"]);
}

/// The tailer is the catalog's ListSystemLogEvents operation: with the same parameters it
/// sends the very request the operation's builder sends (so a change to the operation in the
/// catalog reaches the tailer).
#[tokio::test]
async fn the_tailer_sends_the_list_system_log_events_operation() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .respond_with(page(&[], None, &server.uri()))
        .mount(&server)
        .await;
    let client = client(&server);
    let (since, until, filter, q) = (
        "2026-12-01T00:00:00Z",
        "2026-12-02T00:00:00Z",
        r#"eventType eq "user.session.start""#,
        "alice",
    );
    let mut events = client
        .log_tailer()
        .since(since)
        .until(until)
        .filter(filter)
        .q(q)
        .limit(250)
        .into_stream();
    assert!(events.next().await.is_none());
    client
        .log()
        .list_system_log_events()
        .since(since)
        .until(until)
        .filter(filter)
        .q(q)
        .limit(250)
        .sort_order("ASCENDING")
        .send()
        .await
        .unwrap();
    let got = server.received_requests().await.unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].url, got[1].url);
    assert!(got[0].url.as_str().contains("limit=250"), "{}", got[0].url);
}

#[tokio::test]
async fn events_come_typed_with_their_json_and_a_non_object_is_an_error_in_its_place() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([event("a"), 42, event("b")])))
        .mount(&server)
        .await;
    let client = client(&server);
    let mut events = tailer(&client).until("2026-12-01T12:00:00Z").into_stream();
    let a = events.next().await.unwrap().unwrap();
    assert_eq!(a.event_type.as_deref(), Some("user.session.start"));
    assert_eq!(a.raw().get(), event("a").to_string());
    let e = events.next().await.unwrap().unwrap_err();
    assert!(
        matches!(e, okta_client::Error::UnexpectedResponse(_)),
        "{e}"
    );
    assert_eq!(events.next().await.unwrap().unwrap().uuid(), Some("b"));
    assert!(events.next().await.is_none());
}
