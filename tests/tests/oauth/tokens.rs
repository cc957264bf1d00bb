//! Tokens: every key format, one token for many calls, renewal, the 401 refresh, endpoint
//! errors and DPoP.

use super::*;

#[tokio::test]
async fn every_key_format_signs_assertions_the_endpoint_verifies() {
    let cases = [
        ("rsa.pem", "rsa_public.pem", Algorithm::RS256, false),
        ("rsa_pkcs1.pem", "rsa_public.pem", Algorithm::RS256, false),
        ("rsa.jwk.json", "rsa_public.pem", Algorithm::RS256, true),
        ("ec.pem", "ec_public.pem", Algorithm::ES256, false),
        ("ec_sec1.pem", "ec_public.pem", Algorithm::ES256, false),
        ("ec.jwk.json", "ec_public.pem", Algorithm::ES256, true),
    ];
    for (private, public, alg, jwk) in cases {
        let server = MockServer::start().await;
        let mut endpoint = TokenEndpoint::new(&server, &key_file(public), alg);
        let key = if jwk {
            PrivateKeyMaterial::from_jwk(&key_file(private))
        } else {
            PrivateKeyMaterial::from_pem(&key_file(private))
        }
        .unwrap_or_else(|e| panic!("{private}: {e}"));
        let mut a = auth(key);
        endpoint.expected_kid = match (jwk, alg) {
            (true, Algorithm::RS256) => Some("test-rsa-key".into()),
            (true, _) => Some("test-ec-key".into()),
            (false, _) => {
                a = a.key_id("kid-from-config");
                Some("kid-from-config".into())
            }
        };
        let issued = endpoint.issued.clone();
        mount(&server, endpoint).await;
        api_ok(&server, "tok-SECRET-1").await;
        let client = Client::builder(server.uri())
            .private_key(a)
            .build()
            .unwrap();
        client
            .event_hook()
            .list_event_hooks()
            .send()
            .await
            .unwrap_or_else(|e| panic!("{private}: {e}"));
        assert_eq!(issued.load(Ordering::SeqCst), 1, "{private}");
    }
}

#[tokio::test]
async fn one_token_request_serves_many_concurrent_calls() {
    let server = MockServer::start().await;
    let mut endpoint = TokenEndpoint::new(&server, &key_file("rsa_public.pem"), Algorithm::RS256);
    endpoint.delay = Duration::from_millis(300);
    let issued = endpoint.issued.clone();
    mount(&server, endpoint).await;
    api_ok(&server, "tok-SECRET-1").await;
    let client = rsa_client(&server);
    let calls = (0..20).map(|_| {
        let c = client.clone();
        async move { c.event_hook().list_event_hooks().send().await }
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    assert_eq!(issued.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn tokens_are_renewed_a_margin_before_they_expire() {
    let server = MockServer::start().await;
    let mut endpoint = TokenEndpoint::new(&server, &key_file("ec_public.pem"), Algorithm::ES256);
    endpoint.expires_in = 2;
    let issued = endpoint.issued.clone();
    mount(&server, endpoint).await;
    api_ok(&server, "tok-SECRET-1").await;
    api_ok(&server, "tok-SECRET-2").await;
    let a = auth(PrivateKeyMaterial::from_pem(&key_file("ec.pem")).unwrap())
        .renew_before(Duration::from_secs(1));
    let client = Client::builder(server.uri())
        .private_key(a)
        .build()
        .unwrap();
    client.event_hook().list_event_hooks().send().await.unwrap();
    client.event_hook().list_event_hooks().send().await.unwrap();
    assert_eq!(issued.load(Ordering::SeqCst), 1, "still fresh: reused");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    client.event_hook().list_event_hooks().send().await.unwrap();
    assert_eq!(
        issued.load(Ordering::SeqCst),
        2,
        "within the margin: renewed"
    );
}

#[tokio::test]
async fn a_401_fetches_a_new_token_once() {
    let server = MockServer::start().await;
    let endpoint = TokenEndpoint::new(&server, &key_file("rsa_public.pem"), Algorithm::RS256);
    let issued = endpoint.issued.clone();
    mount(&server, endpoint).await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer tok-SECRET-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"errorCode": "E0000011", "errorSummary": "Invalid token provided"}),
        ))
        .mount(&server)
        .await;
    api_ok(&server, "tok-SECRET-2").await;
    let client = rsa_client(&server);
    client.event_hook().list_event_hooks().send().await.unwrap();
    assert_eq!(issued.load(Ordering::SeqCst), 2);

    // A 401 that a new token does not fix comes back after exactly one refresh.
    let server = MockServer::start().await;
    let endpoint = TokenEndpoint::new(&server, &key_file("rsa_public.pem"), Algorithm::RS256);
    let issued = endpoint.issued.clone();
    mount(&server, endpoint).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .expect(2)
        .mount(&server)
        .await;
    let client = rsa_client(&server);
    let e = client
        .event_hook()
        .list_event_hooks()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(issued.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn token_endpoint_errors_are_clear_and_leak_nothing() {
    for (status, code, description, hint) in [
        (
            401u16,
            "invalid_client",
            "The client_assertion signature is invalid.",
            "private_key_jwt",
        ),
        (
            400,
            "invalid_scope",
            "The following scopes are not allowed: [okta.users.manage]",
            "Admin Console",
        ),
    ] {
        let server = MockServer::start().await;
        let mut endpoint =
            TokenEndpoint::new(&server, &key_file("rsa_public.pem"), Algorithm::RS256);
        endpoint.fail = Some((
            status,
            json!({"error": code, "error_description": description}),
        ));
        mount(&server, endpoint).await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200))
            .expect(0)
            .mount(&server)
            .await;
        let client = rsa_client(&server);
        let e = client
            .event_hook()
            .list_event_hooks()
            .send()
            .await
            .unwrap_err();
        let Error::Auth(a) = &e else { panic!("{e:?}") };
        assert_eq!(a.error, code);
        assert_eq!(a.status.map(|s| s.as_u16()), Some(status));
        let text = format!("{e} {e:?}");
        assert!(
            text.contains(code) && text.contains(description) && text.contains(hint),
            "{text}"
        );
        assert!(!text.contains("eyJ"), "an assertion leaked: {text}");
    }
}

/// The API side of DPoP: a nonce challenge first, then the proof must carry it and `ath`.
#[derive(Clone)]
struct DpopApi {
    url: String,
    nonce: Arc<Mutex<Option<String>>>,
    calls: Arc<AtomicUsize>,
}

impl Respond for DpopApi {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let Some(token) = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("DPoP "))
        else {
            return ResponseTemplate::new(400);
        };
        match check_dpop(req, "GET", &self.url, Some(token), &self.nonce) {
            DpopCheck::Ok => ResponseTemplate::new(200).set_body_json(json!([])),
            DpopCheck::NeedNonce(n) => ResponseTemplate::new(401)
                .insert_header("WWW-Authenticate", "DPoP error=\"use_dpop_nonce\", error_description=\"Resource server requires nonce in DPoP proof\"")
                .insert_header("DPoP-Nonce", n.as_str()),
            DpopCheck::Bad(e) => ResponseTemplate::new(401).set_body_string(e),
        }
    }
}

#[tokio::test]
async fn dpop_binds_every_request_and_answers_nonce_challenges() {
    let server = MockServer::start().await;
    let mut endpoint = TokenEndpoint::new(&server, &key_file("ec_public.pem"), Algorithm::ES256);
    endpoint.dpop = Some(DpopState::default());
    let issued = endpoint.issued.clone();
    mount(&server, endpoint).await;
    let api = DpopApi {
        url: format!("{}/api/v1/eventHooks", server.uri()),
        nonce: Arc::default(),
        calls: Arc::default(),
    };
    let calls = api.calls.clone();
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(api)
        .mount(&server)
        .await;

    let a = auth(PrivateKeyMaterial::from_pem(&key_file("ec.pem")).unwrap()).dpop(true);
    let client = Client::builder(server.uri())
        .private_key(a)
        .build()
        .unwrap();
    // The token request is answered with use_dpop_nonce first, the API call with a 401
    // nonce challenge: both are sent again once, with the nonce.
    client.event_hook().list_event_hooks().send().await.unwrap();
    assert_eq!(issued.load(Ordering::SeqCst), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // The nonce is remembered: the next call goes through at once.
    client.event_hook().list_event_hooks().send().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

/// A token endpoint slower than the call's timeout: the call fails with `Error::Timeout`
/// instead of waiting for the token; a second call, waiting for the same token request, is
/// bounded by its own timeout too; a later call with a longer per-request timeout succeeds.
#[tokio::test]
async fn a_stalled_token_endpoint_is_bounded_by_the_call_timeout() {
    let server = MockServer::start().await;
    let mut endpoint = TokenEndpoint::new(&server, &key_file("rsa_public.pem"), Algorithm::RS256);
    endpoint.delay = Duration::from_secs(2);
    mount(&server, endpoint).await;
    // Which token is issued first depends on which abandoned request the endpoint saw.
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .and(wiremock::matchers::header_regex(
            "authorization",
            "^Bearer tok-SECRET-[0-9]+$",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .private_key(auth(
            PrivateKeyMaterial::from_pem(&key_file("rsa.pem")).unwrap(),
        ))
        .timeout(Duration::from_millis(250))
        .retry(okta_client::RetryConfig::disabled())
        .build()
        .unwrap();
    let first = client.event_hook().list_event_hooks().send();
    let second = client.event_hook().list_event_hooks().send();
    let (first, second) = futures::join!(first, second);
    for e in [first.unwrap_err(), second.unwrap_err()] {
        assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
        assert!(e.is_retryable());
    }
    let page = client
        .event_hook()
        .list_event_hooks()
        .customize()
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("a longer per-request timeout waits for the token");
    assert_eq!(page.status, 200);
}
