//! Keys and configuration are checked and never shown; tokens stay out of traces and errors;
//! short lifetimes, unusable tokens and gateway prefixes.

use super::*;

#[test]
fn keys_are_checked_and_never_shown() {
    for bad in [
        "",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
    ] {
        assert!(
            matches!(PrivateKeyMaterial::from_pem(bad), Err(Error::Config(_))),
            "{bad:?}"
        );
    }
    for bad in [
        "{}",
        r#"{"kty":"oct","k":"AAAA"}"#,
        r#"{"kty":"EC","crv":"P-384","x":"AA","y":"AA","d":"AA"}"#,
        "not json",
    ] {
        assert!(
            matches!(PrivateKeyMaterial::from_jwk(bad), Err(Error::Config(_))),
            "{bad:?}"
        );
    }
    let pem = key_file("rsa.pem");
    let jwk: Value = serde_json::from_str(&key_file("ec.jwk.json")).unwrap();
    let secret_d = jwk["d"].as_str().unwrap().to_string();
    let pem_line = pem.lines().nth(3).unwrap().to_string();
    let a = auth(PrivateKeyMaterial::from_pem(&pem).unwrap());
    let b = auth(PrivateKeyMaterial::from_jwk(&key_file("ec.jwk.json")).unwrap()).dpop(true);
    let client = Client::builder("https://example.okta.com")
        .private_key(b.clone())
        .build()
        .unwrap();
    for text in [format!("{a:?}"), format!("{b:?}"), format!("{client:?}")] {
        assert!(
            !text.contains(&pem_line) && !text.contains(&secret_d),
            "key material in {text}"
        );
        assert!(
            text.contains("redacted") || text.contains("PrivateKey"),
            "{text}"
        );
    }
}

#[test]
fn from_env_accepts_the_private_key_mode() {
    let dir = std::env::temp_dir().join(format!("okta-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key_path = dir.join("key.pem");
    std::fs::write(&key_path, key_file("rsa.pem")).unwrap();
    for key in [
        key_file("rsa.pem"),
        key_file("ec.jwk.json"),
        key_path.to_string_lossy().to_string(),
    ] {
        let vars = |k: &str| -> Option<String> {
            match k {
                "OKTA_CLIENT_ORGURL" => Some("https://example.okta.com".into()),
                "OKTA_CLIENT_AUTHORIZATIONMODE" => Some("PrivateKey".into()),
                "OKTA_CLIENT_CLIENTID" => Some(CLIENT_ID.into()),
                "OKTA_CLIENT_SCOPES" => Some("okta.users.read, okta.groups.read".into()),
                "OKTA_CLIENT_PRIVATEKEY" => Some(key.clone()),
                "OKTA_CLIENT_PRIVATEKEYID" => Some("kid-1".into()),
                _ => None,
            }
        };
        let c = Client::from_vars(vars).unwrap_or_else(|e| panic!("{e}"));
        let debug = format!("{c:?}");
        assert!(
            debug.contains(CLIENT_ID) && debug.contains("okta.users.read okta.groups.read"),
            "{debug}"
        );
    }
    let missing = |k: &str| match k {
        "OKTA_CLIENT_ORGURL" => Some("https://example.okta.com".to_string()),
        "OKTA_CLIENT_AUTHORIZATIONMODE" => Some("PrivateKey".to_string()),
        _ => None,
    };
    let e = Client::from_vars(missing).unwrap_err();
    assert!(e.to_string().contains("OKTA_CLIENT_"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn from_env_switches_dpop_on_and_refuses_what_is_not_a_yes_or_no() {
    let with_dpop = |value: Option<&'static str>| {
        Client::from_vars(move |k: &str| -> Option<String> {
            match k {
                "OKTA_CLIENT_ORGURL" => Some("https://example.okta.com".into()),
                "OKTA_CLIENT_AUTHORIZATIONMODE" => Some("PrivateKey".into()),
                "OKTA_CLIENT_CLIENTID" => Some(CLIENT_ID.into()),
                "OKTA_CLIENT_SCOPES" => Some("okta.users.read".into()),
                "OKTA_CLIENT_PRIVATEKEY" => Some(key_file("ec.pem")),
                "OKTA_CLIENT_DPOP" => value.map(str::to_string),
                _ => None,
            }
        })
    };
    for (value, on) in [
        (None, false),
        (Some(""), false),
        (Some("true"), true),
        (Some("TRUE"), true),
        (Some("1"), true),
        (Some("false"), false),
        (Some("0"), false),
    ] {
        let debug = format!("{:?}", with_dpop(value).unwrap());
        assert!(debug.contains(&format!("dpop: {on}")), "{value:?}: {debug}");
    }
    let e = with_dpop(Some("sometimes")).unwrap_err();
    assert!(
        matches!(&e, Error::Config(m) if m.contains("OKTA_CLIENT_DPOP")),
        "{e:?}"
    );
}

#[tokio::test]
async fn tokens_and_assertions_never_reach_traces_or_errors() {
    let server = MockServer::start().await;
    let endpoint = TokenEndpoint::new(&server, &key_file("rsa_public.pem"), Algorithm::RS256);
    mount(&server, endpoint).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"errorCode": "E0000006"})))
        .mount(&server)
        .await;
    let (captured, _guard) = tests::traces::capture();
    let client = rsa_client(&server);
    let e = client
        .event_hook()
        .list_event_hooks()
        .send()
        .await
        .unwrap_err();
    let traces = captured.text();
    assert!(traces.contains("okta.request"), "{traces}");
    for text in [traces, format!("{e} {e:?}"), format!("{client:?}")] {
        assert!(
            !text.contains("tok-SECRET") && !text.contains("eyJ"),
            "secret leaked: {text}"
        );
    }
}

#[tokio::test]
async fn a_token_shorter_than_the_margin_is_still_shared() {
    let server = MockServer::start().await;
    let mut endpoint = TokenEndpoint::new(&server, &key_file("ec_public.pem"), Algorithm::ES256);
    // Lives 10 s; the default margin is 60 s, and Duration::MAX must not overflow either.
    endpoint.expires_in = 10;
    let issued = endpoint.issued.clone();
    mount(&server, endpoint).await;
    api_ok(&server, "tok-SECRET-1").await;
    api_ok(&server, "tok-SECRET-2").await;
    for margin in [Duration::from_secs(60), Duration::MAX] {
        let a =
            auth(PrivateKeyMaterial::from_pem(&key_file("ec.pem")).unwrap()).renew_before(margin);
        let client = Client::builder(server.uri())
            .private_key(a)
            .build()
            .unwrap();
        for _ in 0..5 {
            client.event_hook().list_event_hooks().send().await.unwrap();
        }
    }
    assert_eq!(
        issued.load(Ordering::SeqCst),
        2,
        "one token per client, not one per call"
    );
}

#[tokio::test]
async fn an_access_token_a_header_cannot_carry_is_an_auth_error() {
    let server = MockServer::start().await;
    for (token, expires_in) in [
        (json!("tok\r\nX-Injected: 1"), json!(3600)),
        (json!(""), json!(3600)),
        (json!("tok-ok"), json!(u64::MAX)),
    ] {
        server.reset().await;
        Mock::given(method("POST"))
            .and(path("/oauth2/v1/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"token_type": "Bearer", "expires_in": expires_in, "access_token": token}),
            ))
            .mount(&server)
            .await;
        api_ok(&server, "tok-ok").await;
        let client = rsa_client(&server);
        let r = client.event_hook().list_event_hooks().send().await;
        if token == json!("tok-ok") {
            // A huge `expires_in` saturates instead of overflowing.
            r.unwrap();
            continue;
        }
        match r {
            Err(Error::Auth(e)) => {
                assert_eq!(e.error, "invalid_response");
                assert!(!format!("{e} {e:?}").contains("X-Injected"));
            }
            other => panic!("{other:?}"),
        }
        // Nothing reached the API.
        let api_calls = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() != "/oauth2/v1/token")
            .count();
        assert_eq!(api_calls, 0);
    }
}

#[tokio::test]
async fn the_token_endpoint_keeps_a_gateway_prefix() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/okta/oauth2/v1/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"token_type": "Bearer", "expires_in": 3600, "access_token": "tok-gw"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/okta/api/v1/eventHooks"))
        .and(header("authorization", "Bearer tok-gw"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let a = auth(PrivateKeyMaterial::from_pem(&key_file("rsa.pem")).unwrap());
    let client = Client::builder(format!("{}/okta", server.uri()))
        .private_key(a)
        .build()
        .unwrap();
    client.event_hook().list_event_hooks().send().await.unwrap();
}
