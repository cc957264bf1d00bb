//! OAuth 2.0 for service apps against a local token endpoint that verifies every client
//! assertion's signature with the public key and checks each claim. The endpoint is here; key
//! formats, caching under concurrency, renewal, the 401 refresh, DPoP with nonces and error
//! mapping are in `tokens`; key checks, configuration and redaction in `keys`.

mod keys;
mod tokens;

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
