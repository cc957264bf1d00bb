//! What the catalog does not know, reached through `customize()` and `Client::request` against
//! a real HTTP server on 127.0.0.1: extra parameters, bodies and content types, answers decoded
//! into the caller's types or read as text, per-request timeouts, prepared HTTP clients,
//! gateway prefixes and resumable listings.

use std::time::Duration;

use futures::TryStreamExt;
use okta_client::{Client, Error, Method, RetryConfig};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wiremock::matchers::{body_json, body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "00hatchtoken";

fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .api_token(TOKEN)
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

/// A user's own type for Okta's user, with only the fields they care about.
#[derive(Debug, Deserialize, PartialEq)]
struct MyUser {
    id: String,
    status: String,
    profile: MyProfile,
}

#[derive(Debug, Deserialize, PartialEq)]
struct MyProfile {
    login: String,
}

fn user(id: &str) -> Value {
    json!({"id": id, "status": "ACTIVE", "profile": {"login": format!("{id}@example.com")}})
}

#[tokio::test]
async fn list_users_with_search_limit_and_paging_through_after() {
    let server = MockServer::start().await;
    let next = format!("{}/api/v1/users?after=00u2&limit=2", server.uri());
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .and(query_param("search", r#"profile.department eq "Eng""#))
        .and(query_param("limit", "2"))
        .and(query_param("after", "00u2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([user("00u3")])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .and(query_param("search", r#"profile.department eq "Eng""#))
        .and(query_param("limit", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([user("00u1"), user("00u2")]))
                .insert_header("link", format!("<{next}>; rel=\"next\"").as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    // The search parameter is carried onto the next page even though Okta's link omits it.
    let users: Vec<MyUser> = c
        .user()
        .list_users()
        .customize()
        .query("search", r#"profile.department eq "Eng""#)
        .query("limit", 2)
        .into_stream_as::<MyUser>()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["00u1", "00u2", "00u3"]);
    assert_eq!(users[2].profile.login, "00u3@example.com");
}

#[tokio::test]
async fn a_listing_resumes_from_a_stored_next_link_or_after_cursor() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .and(query_param("after", "00u2"))
        .and(query_param("limit", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([user("00u3")])))
        .expect(3)
        .mount(&server)
        .await;
    let c = client(&server);
    let stored = format!("{}/api/v1/users?after=00u2&limit=2", server.uri());
    // A typed operation, a generic request, and a relative link all resume the same way.
    let page = c
        .user()
        .list_users()
        .customize()
        .resume_from(&stored)
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let generic: Vec<MyUser> = c
        .request(Method::GET, "/api/v1/users")
        .resume_from("/api/v1/users?after=00u2&limit=2")
        .into_stream_as()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(generic[0].id, "00u3");
    let by_cursor = c
        .request(Method::GET, "/api/v1/users")
        .query("after", "00u2")
        .query("limit", 2)
        .pages_as::<MyUser>()
        .await
        .unwrap();
    assert_eq!(by_cursor.items[0].id, "00u3");
    // A stored link to another host is refused before anything is sent.
    let e = c
        .request(Method::GET, "/api/v1/users")
        .resume_from("https://evil.example.com/api/v1/users?after=x")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidRequest(_)), "{e:?}");
}

#[tokio::test]
async fn a_required_query_parameter_no_document_names() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/apps/0oa1/credentials/keys/generate"))
        .and(query_param("validityYears", "2"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"kid": "k1"})))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server)
        .application()
        .generate_application_key("0oa1")
        .customize()
        .query("validityYears", 2)
        .send()
        .await
        .unwrap();
    assert_eq!(r.body["kid"], "k1");
}

#[tokio::test]
async fn set_query_replaces_and_query_never_silently_does() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/inlineHooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let c = client(&server);
    c.inline_hook()
        .list_inline_hooks()
        .type_(okta_client::models::InlineHookType::ComOktaImportTransform)
        .customize()
        .query("type", "extra")
        .send_bytes()
        .await
        .unwrap();
    c.inline_hook()
        .list_inline_hooks()
        .type_(okta_client::models::InlineHookType::ComOktaImportTransform)
        .customize()
        .set_query("type", "replaced")
        .send_bytes()
        .await
        .unwrap();
    let got: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.query().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        got,
        ["type=com.okta.import.transform&type=extra", "type=replaced"]
    );
}

#[tokio::test]
async fn a_pem_certificate_body_with_its_content_type() {
    let server = MockServer::start().await;
    let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    Mock::given(method("POST"))
        .and(path(
            "/api/v1/apps/0oa1/credentials/csrs/csr1/lifecycle/publish",
        ))
        .and(header("content-type", "application/x-pem-file"))
        .and(body_string(pem))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"kid": "k2"})))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server)
        .application()
        .publish_csr_for_application("0oa1", "csr1", ())
        .customize()
        .body(pem, "application/x-pem-file")
        .send_as::<Value>()
        .await
        .unwrap();
    assert_eq!(r.body["kid"], "k2");
}

#[tokio::test]
async fn saml_metadata_read_as_xml_text() {
    let server = MockServer::start().await;
    let xml = r#"<?xml version="1.0"?><md:EntityDescriptor entityID="x"/>"#;
    Mock::given(method("GET"))
        .and(path("/api/v1/apps/0oa1/sso/saml/metadata"))
        .and(header("accept", "application/xml"))
        .and(query_param("kid", "k1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(xml, "application/xml"))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server)
        .application()
        .preview_saml_app_metadata("0oa1")
        .customize()
        .query("kid", "k1")
        .accept("application/xml")
        .send_text()
        .await
        .unwrap();
    assert_eq!(r.body, xml);
    assert_eq!(r.content_type(), Some("application/xml"));
}

#[tokio::test]
async fn a_json_body_the_documents_do_not_show() {
    #[derive(Serialize)]
    struct Rotate {
        r#use: &'static str,
    }
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(
            "/api/v1/authorizationServers/aus1/credentials/lifecycle/keyRotate",
        ))
        .and(body_json(json!({"use": "sig"})))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"kid": "k"}])))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server)
        .authorization_server()
        .rotate_authorization_server_keys("aus1")
        .customize()
        .json(Rotate { r#use: "sig" })
        .send_as::<Vec<Value>>()
        .await
        .unwrap();
    assert_eq!(r.body.len(), 1);
}

#[tokio::test]
async fn untyped_bodies_take_the_callers_own_struct() {
    #[derive(Serialize)]
    struct NewUser {
        profile: Profile,
    }
    #[derive(Serialize)]
    struct Profile {
        login: String,
    }
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .and(body_json(json!({"profile": {"login": "a@example.com"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(user("00u9")))
        .expect(1)
        .mount(&server)
        .await;
    let body = NewUser {
        profile: Profile {
            login: "a@example.com".into(),
        },
    };
    let created = client(&server)
        .user()
        .create_user(body)
        .customize()
        .send_as::<MyUser>()
        .await
        .unwrap();
    assert_eq!(created.body.id, "00u9");
}

#[tokio::test]
async fn get_user_into_the_callers_type_with_the_field_path_on_failure() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/00u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user("00u1")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/00u2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "00u2", "status": "ACTIVE", "profile": {"login": 7}})),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    let got = c
        .user()
        .get_user("00u1")
        .customize()
        .send_as::<MyUser>()
        .await
        .unwrap();
    assert_eq!(got.body.profile.login, "00u1@example.com");
    let e = c
        .user()
        .get_user("00u2")
        .customize()
        .send_as::<MyUser>()
        .await
        .unwrap_err();
    match e {
        Error::Decode(d) => assert_eq!(d.path, "profile.login"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_per_request_timeout_fires_and_others_keep_the_clients() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/slow"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(user("slow"))
                .set_delay(Duration::from_millis(800)),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    let e = c
        .user()
        .get_user("slow")
        .customize()
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    // Without the override the client's 30 s limit applies and the answer arrives.
    c.user().get_user("slow").send().await.unwrap();
}

#[tokio::test]
async fn extra_headers_are_sent_but_credentials_cannot_be_replaced() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/00u1"))
        .and(header("x-custom", "1"))
        .and(header("authorization", format!("SSWS {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(user("00u1")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    c.user()
        .get_user("00u1")
        .customize()
        .header("X-Custom", "1")
        .send()
        .await
        .unwrap();
    let e = c
        .user()
        .get_user("00u1")
        .customize()
        .header("Authorization", "SSWS other")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidRequest(_)), "{e:?}");
}

#[tokio::test]
async fn a_prepared_reqwest_client_is_used() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/00u1"))
        .and(header("user-agent", "corporate-agent/1"))
        .and(header("authorization", format!("SSWS {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(user("00u1")))
        .expect(1)
        .mount(&server)
        .await;
    // A client built by reqwest's own builder: okta-client builds reqwest without a crypto
    // provider, so the program installs one (the documented path for such a client).
    install_crypto_provider();
    let http = reqwest::Client::builder()
        .user_agent("corporate-agent/1")
        .build()
        .unwrap();
    let c = Client::builder(server.uri())
        .api_token(TOKEN)
        .http_client(http)
        .build()
        .unwrap();
    c.user().get_user("00u1").send().await.unwrap();
}

#[tokio::test]
async fn a_redirect_followed_by_a_prepared_client_to_another_origin_is_refused() {
    let org = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user("x")))
        .mount(&elsewhere)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/00u1"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/stolen", elsewhere.uri()).as_str()),
        )
        .mount(&org)
        .await;
    install_crypto_provider();
    let http = reqwest::Client::builder().build().unwrap();
    let c = Client::builder(org.uri())
        .api_token(TOKEN)
        .http_client(http)
        .build()
        .unwrap();
    let e = c.user().get_user("00u1").send().await.unwrap_err();
    assert!(matches!(e, Error::UnexpectedResponse(_)), "{e:?}");
    // reqwest dropped the credential on the way.
    for r in elsewhere.received_requests().await.unwrap() {
        assert!(r.headers.get("authorization").is_none());
    }
}

#[tokio::test]
async fn a_gateway_prefix_is_kept_by_operations_and_generic_requests() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/okta/api/v1/users/00u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user("00u1")))
        .expect(4)
        .mount(&server)
        .await;
    for org in [
        format!("{}/okta", server.uri()),
        format!("{}/okta/", server.uri()),
    ] {
        let c = Client::builder(org).api_token(TOKEN).build().unwrap();
        c.user().get_user("00u1").send().await.unwrap();
        c.request(Method::GET, "/api/v1/users/00u1")
            .send()
            .await
            .unwrap();
    }
}

fn install_crypto_provider() {
    // Err means another test installed it first.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[tokio::test]
async fn a_generic_listing_carries_its_query_onto_every_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups"))
        .and(query_param("q", "eng"))
        .and(query_param("after", "g2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": "g3"}])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups"))
        .and(query_param("q", "eng"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([{"id": "g1"}]))
                .insert_header(
                    "link",
                    format!("<{}/api/v1/groups?after=g2>; rel=\"next\"", server.uri()).as_str(),
                ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let ids: Vec<Value> = client(&server)
        .request(Method::GET, "/api/v1/groups?q=eng")
        .into_stream_as()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, [json!({"id": "g1"}), json!({"id": "g3"})]);
}
