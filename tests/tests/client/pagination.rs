//! Pagination: next links, the caller's query, walking pages by hand, foreign hosts.

use super::*;

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
