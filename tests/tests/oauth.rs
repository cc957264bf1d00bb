//! OAuth 2.0 for service apps against a local token endpoint that verifies every client
//! assertion's signature with the public key and checks each claim: key formats, caching under
//! concurrency, renewal, the 401 refresh, DPoP with nonces, error mapping and redaction.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use okta_client::auth::{PrivateKeyAuth, PrivateKeyMaterial};
use okta_client::{Client, Error};
use serde_json::{json, Value};
use tests::repo_root;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const CLIENT_ID: &str = "0oa-service-app";

fn key_file(name: &str) -> String {
    std::fs::read_to_string(repo_root().join("tests/fixtures/keys").join(name)).unwrap()
}

fn form(req: &Request) -> HashMap<String, String> {
    url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect()
}

/// The token endpoint: checks the request and the assertion, then issues `tok-SECRET-<n>`.
#[derive(Clone)]
struct TokenEndpoint {
    token_url: String,
    verify: Arc<DecodingKey>,
    alg: Algorithm,
    expected_kid: Option<String>,
    expires_in: u64,
    issued: Arc<AtomicUsize>,
    jtis: Arc<Mutex<HashSet<String>>>,
    delay: Duration,
    /// Error body to answer with instead of a token.
    fail: Option<(u16, Value)>,
    dpop: Option<DpopState>,
}

#[derive(Clone, Default)]
struct DpopState {
    nonce: Arc<Mutex<Option<String>>>,
}

impl TokenEndpoint {
    fn new(server: &MockServer, public_pem: &str, alg: Algorithm) -> Self {
        let verify = match alg {
            Algorithm::RS256 => DecodingKey::from_rsa_pem(public_pem.as_bytes()).unwrap(),
            _ => DecodingKey::from_ec_pem(public_pem.as_bytes()).unwrap(),
        };
        TokenEndpoint {
            token_url: format!("{}/oauth2/v1/token", server.uri()),
            verify: Arc::new(verify),
            alg,
            expected_kid: None,
            expires_in: 3600,
            issued: Arc::new(AtomicUsize::new(0)),
            jtis: Arc::new(Mutex::new(HashSet::new())),
            delay: Duration::ZERO,
            fail: None,
            dpop: None,
        }
    }

    fn check(&self, req: &Request) -> Result<(), String> {
        let f = form(req);
        let want = |k: &str, v: &str| {
            if f.get(k).map(String::as_str) == Some(v) {
                Ok(())
            } else {
                Err(format!("{k} = {:?}", f.get(k)))
            }
        };
        want("grant_type", "client_credentials")?;
        want(
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        )?;
        want("scope", "okta.users.read okta.groups.read")?;
        let assertion = f.get("client_assertion").ok_or("no client_assertion")?;
        let header = jsonwebtoken::decode_header(assertion).map_err(|e| e.to_string())?;
        if header.alg != self.alg || header.kid != self.expected_kid {
            return Err(format!("header {header:?}"));
        }
        let mut v = Validation::new(self.alg);
        v.set_audience(&[&self.token_url]);
        v.set_issuer(&[CLIENT_ID]);
        v.set_required_spec_claims(&["exp", "iat", "iss", "sub", "aud"]);
        let claims = jsonwebtoken::decode::<Value>(assertion, &self.verify, &v)
            .map_err(|e| format!("signature or claims: {e}"))?
            .claims;
        if claims["sub"] != CLIENT_ID {
            return Err("sub".into());
        }
        let (iat, exp) = (
            claims["iat"].as_u64().ok_or("iat")?,
            claims["exp"].as_u64().ok_or("exp")?,
        );
        if exp <= iat || exp - iat > 300 {
            return Err(format!("lifetime {}", exp - iat));
        }
        let jti = claims["jti"].as_str().ok_or("no jti")?.to_string();
        if jti.len() < 16 || !self.jtis.lock().unwrap().insert(jti) {
            return Err("jti missing or reused".into());
        }
        Ok(())
    }
}

impl Respond for TokenEndpoint {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if let Some(state) = &self.dpop {
            match check_dpop(req, "POST", &self.token_url, None, &state.nonce) {
                DpopCheck::Ok => {}
                DpopCheck::NeedNonce(n) => {
                    return ResponseTemplate::new(400).insert_header("DPoP-Nonce", n.as_str()).set_body_json(json!({"error": "use_dpop_nonce", "error_description": "Authorization server requires nonce in DPoP proof."}))
                }
                DpopCheck::Bad(e) => return ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_dpop_proof", "error_description": e})),
            }
        }
        if let Err(e) = self.check(req) {
            return ResponseTemplate::new(401)
                .set_body_json(json!({"error": "invalid_client", "error_description": e}));
        }
        if let Some((status, body)) = &self.fail {
            return ResponseTemplate::new(*status).set_body_json(body);
        }
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        let token_type = if self.dpop.is_some() {
            "DPoP"
        } else {
            "Bearer"
        };
        ResponseTemplate::new(200)
            .set_delay(self.delay)
            .set_body_json(json!({"token_type": token_type, "expires_in": self.expires_in, "access_token": format!("tok-SECRET-{n}"), "scope": "okta.users.read okta.groups.read"}))
    }
}

enum DpopCheck {
    Ok,
    NeedNonce(String),
    Bad(String),
}

/// Verifies a DPoP proof (RFC 9449 §4.3): its own embedded key, `typ`, `htm`, `htu`, `iat`,
/// `jti`, `ath` and the nonce the server handed out.
fn check_dpop(
    req: &Request,
    htm: &str,
    htu: &str,
    token: Option<&str>,
    nonce: &Mutex<Option<String>>,
) -> DpopCheck {
    let Some(proof) = req.headers.get("dpop").and_then(|v| v.to_str().ok()) else {
        return DpopCheck::Bad("no DPoP header".into());
    };
    let Ok(h) = jsonwebtoken::decode_header(proof) else {
        return DpopCheck::Bad("bad header".into());
    };
    if h.typ.as_deref() != Some("dpop+jwt") || h.alg != Algorithm::ES256 {
        return DpopCheck::Bad(format!("typ/alg {h:?}"));
    }
    let Some(jwk) = h.jwk else {
        return DpopCheck::Bad("no jwk".into());
    };
    let Ok(key) = DecodingKey::from_jwk(&jwk) else {
        return DpopCheck::Bad("bad jwk".into());
    };
    let mut v = Validation::new(Algorithm::ES256);
    v.set_required_spec_claims::<&str>(&[]);
    v.validate_exp = false;
    let claims = match jsonwebtoken::decode::<Value>(proof, &key, &v) {
        Ok(d) => d.claims,
        Err(e) => return DpopCheck::Bad(format!("signature: {e}")),
    };
    if claims["htm"] != htm
        || claims["htu"] != htu
        || claims["jti"].as_str().is_none()
        || claims["iat"].as_u64().is_none()
    {
        return DpopCheck::Bad(format!("claims {claims}"));
    }
    let ath = token.map(|t| {
        URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, t.as_bytes()).as_ref())
    });
    if claims
        .get("ath")
        .and_then(Value::as_str)
        .map(str::to_string)
        != ath
    {
        return DpopCheck::Bad(format!("ath {claims}"));
    }
    let mut n = nonce.lock().unwrap();
    match (n.as_deref(), claims.get("nonce").and_then(Value::as_str)) {
        (Some(expected), Some(got)) if expected == got => DpopCheck::Ok,
        _ => {
            let fresh = format!("nonce-{}", claims["jti"].as_str().unwrap_or("x"));
            *n = Some(fresh.clone());
            DpopCheck::NeedNonce(fresh)
        }
    }
}

fn auth(key: PrivateKeyMaterial) -> PrivateKeyAuth {
    PrivateKeyAuth::new(CLIENT_ID, ["okta.users.read", "okta.groups.read"], key)
}

async fn mount(server: &MockServer, endpoint: TokenEndpoint) {
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(endpoint)
        .mount(server)
        .await;
}

/// A client signing with the RSA test key.
fn rsa_client(server: &MockServer) -> Client {
    let key = PrivateKeyMaterial::from_pem(&key_file("rsa.pem")).unwrap();
    Client::builder(server.uri())
        .private_key(auth(key))
        .build()
        .unwrap()
}

async fn api_ok(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(server)
        .await;
}

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
