//! Answers that drift from the documents: one odd item never breaks a list, an optional field
//! of another shape never breaks an object, and strict decoding turns both into errors.

use super::*;
use futures::StreamExt;
use okta_client::models::NetworkZone;
use wiremock::matchers::body_json;

// The documents give the zone list and GET no item schema, so these tests read zones as the
// typed model the create/replace bodies use, through `pages_as` and `send_as`.

/// Okta's enhanced dynamic zone: `locations` is an object, where the documents say array.
fn enhanced_zone(id: &str) -> Value {
    json!({
        "id": id,
        "name": "Enhanced",
        "type": "DYNAMIC_V2",
        "locations": {"include": [{"country": "US"}], "exclude": []},
    })
}

fn zone(id: &str) -> Value {
    json!({"id": id, "name": "Office", "type": "IP", "gateways": [{"type": "CIDR", "value": "1.2.3.0/24"}]})
}

async fn zones_page(server: &MockServer, items: Value) {
    Mock::given(method("GET"))
        .and(path("/api/v1/zones"))
        .respond_with(ResponseTemplate::new(200).set_body_json(items))
        .mount(server)
        .await;
}

#[tokio::test]
async fn one_odd_item_never_breaks_a_page() {
    let server = MockServer::start().await;
    zones_page(
        &server,
        json!([zone("nzo1"), "not a zone", enhanced_zone("nzo3")]),
    )
    .await;
    let page = client(&server)
        .network_zone()
        .list_network_zones()
        .customize()
        .pages_as::<NetworkZone>()
        .await
        .unwrap();
    let ids: Vec<_> = page
        .items
        .iter()
        .map(|z| z.id.as_deref().unwrap())
        .collect();
    assert_eq!(ids, ["nzo1", "nzo3"]);
    // The enhanced zone decodes; its locations are kept raw and reported.
    let enhanced = &page.items[1];
    assert!(enhanced.locations.is_none());
    assert_eq!(
        enhanced.mismatched_fields.get("locations").unwrap().value,
        enhanced_zone("nzo3")["locations"]
    );
    // The item that is not a zone at all is kept with its position, path and raw value.
    assert_eq!(page.undecoded.len(), 1);
    let odd = &page.undecoded[0];
    assert_eq!(odd.item_index, Some(1));
    assert_eq!(odd.path, "[1]");
    assert_eq!(odd.raw_item, Some(json!("not a zone")));
    assert!(odd.to_string().contains("item 1"), "{odd}");
}

#[tokio::test]
async fn a_stream_yields_an_odd_item_as_an_error_and_goes_on() {
    let server = MockServer::start().await;
    let next = format!("{}/api/v1/zones?after=p2", server.uri());
    Mock::given(method("GET"))
        .and(path("/api/v1/zones"))
        .and(query_param("after", "p2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([zone("nzo4")])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/zones"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("link", format!("<{next}>; rel=\"next\"").as_str())
                .set_body_json(json!([zone("nzo1"), {"id": ["not", "a", "string"]}, zone("nzo3")])),
        )
        .mount(&server)
        .await;
    let results: Vec<Result<NetworkZone, Error>> = client(&server)
        .network_zone()
        .list_network_zones()
        .customize()
        .into_stream_as::<NetworkZone>()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(results.len(), 4, "{results:?}");
    let ok: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|z| z.id.clone().unwrap_or_default())
        .collect();
    // `id` is optional: a list of strings there is kept raw, so that zone decodes too.
    assert_eq!(ok, ["nzo1", "", "nzo3", "nzo4"]);
    let raw_id = &results[1].as_ref().unwrap().mismatched_fields;
    assert_eq!(
        raw_id.get("id").unwrap().value,
        json!(["not", "a", "string"])
    );
}

#[tokio::test]
async fn an_item_that_fails_is_yielded_in_its_place() {
    let server = MockServer::start().await;
    zones_page(&server, json!([zone("nzo1"), 42, zone("nzo3")])).await;
    let results: Vec<Result<NetworkZone, Error>> = client(&server)
        .network_zone()
        .list_network_zones()
        .customize()
        .into_stream_as::<NetworkZone>()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[2].is_ok());
    let Err(Error::Decode(e)) = &results[1] else {
        panic!("{:?}", results[1]);
    };
    assert_eq!(
        (e.item_index, e.raw_item.clone()),
        (Some(1), Some(json!(42)))
    );
}

#[tokio::test]
async fn strict_decoding_fails_the_page_and_the_object() {
    let server = MockServer::start().await;
    zones_page(&server, json!([zone("nzo1"), enhanced_zone("nzo2")])).await;
    let strict = Client::builder(server.uri())
        .api_token(TOKEN)
        .strict_decoding(true)
        .build()
        .unwrap();
    let e = strict
        .network_zone()
        .list_network_zones()
        .customize()
        .pages_as::<NetworkZone>()
        .await
        .unwrap_err();
    let Error::Decode(d) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(d.path, "[1].locations");
    // Per request, both ways.
    let lenient = strict
        .network_zone()
        .list_network_zones()
        .customize()
        .strict_decoding(false)
        .pages_as::<NetworkZone>()
        .await
        .unwrap();
    assert_eq!(lenient.items.len(), 2);
    let e = client(&server)
        .network_zone()
        .list_network_zones()
        .customize()
        .strict_decoding(true)
        .pages_as::<NetworkZone>()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode(_)), "{e:?}");
}

#[tokio::test]
async fn a_raw_field_is_written_back_unchanged_on_put() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/zones/nzo3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(enhanced_zone("nzo3")))
        .mount(&server)
        .await;
    let mut sent = enhanced_zone("nzo3");
    sent["name"] = json!("Renamed");
    Mock::given(method("PUT"))
        .and(path("/api/v1/zones/nzo3"))
        .and(body_json(&sent))
        .respond_with(ResponseTemplate::new(200).set_body_json(&sent))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    // GET zone is untyped in the catalog; decode it as the typed model.
    let got = c
        .network_zone()
        .get_network_zone("nzo3")
        .customize()
        .send_as::<NetworkZone>()
        .await
        .unwrap()
        .body;
    let updated = c
        .network_zone()
        .replace_network_zone("nzo3", got.with_name("Renamed"))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.body, sent);
}

/// A list that is not paginated (ListInlineHooks) decodes item by item too: the item whose
/// required field is of another kind is kept in `undecoded`, the others are returned.
#[tokio::test]
async fn a_list_that_is_not_paginated_keeps_its_odd_item() {
    let server = MockServer::start().await;
    let odd = json!({"id": "x", "channel": {"type": "HTTP", "config": {"uri": 5}}, "name": ["not", "a", "name"]});
    Mock::given(method("GET"))
        .and(path("/api/v1/inlineHooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            hook("a"),
            "not a hook",
            hook("c")
        ])))
        .mount(&server)
        .await;
    let c = client(&server);
    let got = c.inline_hook().list_inline_hooks().send().await.unwrap();
    let ids: Vec<_> = got.body.iter().map(|h| h.id.as_deref().unwrap()).collect();
    assert_eq!(ids, ["a", "c"]);
    assert_eq!(got.undecoded.len(), 1);
    assert_eq!(got.undecoded[0].item_index, Some(1));
    assert_eq!(got.undecoded[0].raw_item, Some(json!("not a hook")));
    // An optional field of another kind does not make an item odd.
    let hook: models::InlineHook =
        okta_client::json::from_slice(odd.to_string().as_bytes()).unwrap();
    assert!(hook.mismatched_fields.contains("name"));
    assert!(hook.channel.unwrap().mismatched_fields.contains("config"));
}
