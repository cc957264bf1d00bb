//! OAuth 2.0 for service apps: `private_key_jwt` client credentials against
//! `{org}/oauth2/v1/token`, with the access token cached and shared by every call, renewed a
//! margin before it expires, fetched again once after a 401, and optionally bound to a DPoP key
//! (RFC 9449).

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
    EllipticCurveKeyType, Jwk,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde::Deserialize;
use url::Url;

use super::error::{AuthError, Error};
use super::key_material::PrivateKeyMaterial;
use super::secret::Secret;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Client assertions are valid this long; Okta accepts at most an hour.
const ASSERTION_LIFETIME: u64 = 300;

/// The `PrivateKey` authorization mode: an OAuth 2.0 service app authenticating with a signed
/// client assertion. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct PrivateKeyAuth {
    client_id: String,
    scopes: Vec<String>,
    key: PrivateKeyMaterial,
    key_id: Option<String>,
    renew_before: Duration,
    dpop: bool,
}

impl fmt::Debug for PrivateKeyAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKeyAuth")
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field("key", &self.key)
            .field("key_id", &self.key_id)
            .field("renew_before", &self.renew_before)
            .field("dpop", &self.dpop)
            .finish()
    }
}

impl PrivateKeyAuth {
    /// A service app `client_id` asking for `scopes` (such as `okta.users.read`), signing with
    /// `key`.
    pub fn new(
        client_id: impl Into<String>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
        key: PrivateKeyMaterial,
    ) -> Self {
        let key_id = key.jwk_key_id.clone();
        PrivateKeyAuth {
            client_id: client_id.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
            key,
            key_id,
            renew_before: Duration::from_secs(60),
            dpop: false,
        }
    }

    /// The `kid` of the key as registered with the app (a JWK's own `kid` is used otherwise).
    pub fn key_id(mut self, kid: impl Into<String>) -> Self {
        self.key_id = Some(kid.into());
        self
    }

    /// How long before its expiry a cached access token is replaced (default 60 s).
    pub fn renew_before(mut self, margin: Duration) -> Self {
        self.renew_before = margin;
        self
    }

    /// Bind access tokens to a per-client key with DPoP (RFC 9449); the app must require it.
    pub fn dpop(mut self, enabled: bool) -> Self {
        self.dpop = enabled;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.client_id.trim().is_empty() {
            return Err(Error::Config(
                "the PrivateKey mode needs a client id".into(),
            ));
        }
        if self.scopes.is_empty() {
            return Err(Error::Config(
                "the PrivateKey mode needs at least one scope (e.g. okta.users.read)".into(),
            ));
        }
        Ok(())
    }

    pub(crate) fn into_provider(
        self,
        http: reqwest::Client,
        base: &Url,
    ) -> Result<TokenProvider, Error> {
        // Beside the API, below any gateway prefix of the org URL.
        let token_url = super::request::org_path(base, "/oauth2/v1/token");
        let dpop = if self.dpop {
            Some(DpopKey::generate()?)
        } else {
            None
        };
        Ok(TokenProvider {
            http,
            token_url,
            client_id: self.client_id,
            scopes: self.scopes.join(" "),
            key: self.key,
            key_id: self.key_id,
            renew_before: self.renew_before,
            cache: tokio::sync::Mutex::new(None),
            dpop,
            token_nonce: Mutex::new(None),
            api_nonce: Mutex::new(None),
        })
    }
}

/// An access token and how to present it.
#[derive(Clone)]
pub struct Token {
    value: Secret,
    /// `Bearer …` or `DPoP …`, checked when the token arrived.
    header: reqwest::header::HeaderValue,
    /// When to fetch the next token: a margin before it expires.
    renew_at: Instant,
}

impl Token {
    /// The `Authorization` header value that presents the token.
    pub fn authorization(&self) -> reqwest::header::HeaderValue {
        self.header.clone()
    }

    fn is_dpop(&self) -> bool {
        self.header.as_bytes().starts_with(b"DPoP ")
    }
}

/// Token responses are a few kilobytes; a larger one is not read.
const MAX_TOKEN_RESPONSE: u64 = 1024 * 1024;

/// The longest a token is trusted without asking again, whatever `expires_in` says.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// When a token that lives `lifetime` (from `expires_in`, capped) should be replaced: `margin`
/// before it expires, but never more than half its life before, so that a short-lived token is
/// still shared by the calls that follow instead of being fetched again for each of them.
fn renewal_point(now: Instant, lifetime: Duration, margin: Duration) -> Instant {
    let lifetime = lifetime.min(MAX_TOKEN_LIFETIME);
    let margin = margin.min(lifetime / 2);
    now.checked_add(lifetime - margin).unwrap_or(now)
}

/// Fetches, caches and renews access tokens for one client.
pub struct TokenProvider {
    http: reqwest::Client,
    token_url: Url,
    client_id: String,
    scopes: String,
    key: PrivateKeyMaterial,
    key_id: Option<String>,
    renew_before: Duration,
    /// Held across a token request, so concurrent calls wait for one request.
    cache: tokio::sync::Mutex<Option<Token>>,
    dpop: Option<DpopKey>,
    /// The latest `DPoP-Nonce` of the token endpoint and of the API.
    token_nonce: Mutex<Option<String>>,
    api_nonce: Mutex<Option<String>>,
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field("token_url", &self.token_url.as_str())
            .field("dpop", &self.dpop.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct TokenError {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn random_id() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Config("no system randomness".into()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn sign(header: &Header, claims: &serde_json::Value, key: &EncodingKey) -> Result<String, Error> {
    jsonwebtoken::encode(header, claims, key)
        .map_err(|e| Error::Config(format!("cannot sign a JWT: {}", e.kind_name())))
}

trait KindName {
    fn kind_name(&self) -> &'static str;
}

impl KindName for jsonwebtoken::errors::Error {
    /// The error's kind only: jsonwebtoken's messages never hold keys, but say less anyway.
    fn kind_name(&self) -> &'static str {
        use jsonwebtoken::errors::ErrorKind as K;
        match self.kind() {
            K::InvalidEcdsaKey => "invalid ECDSA key",
            K::InvalidRsaKey(_) => "invalid RSA key",
            K::InvalidKeyFormat => "invalid key format",
            _ => "signing failed",
        }
    }
}

impl TokenProvider {
    /// The service app's client id (public; it names the app's share of the rate limits).
    #[cfg(feature = "redis")]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// A valid access token: the cached one, or a new one (one request however many calls
    /// wait). Waiting for another call's token request and making one both end after
    /// `timeout`, the limit of the call that needs the token.
    pub async fn token(&self, timeout: Duration) -> Result<Token, Error> {
        let started = Instant::now();
        let get = async {
            let mut cached = self.cache.lock().await;
            if let Some(t) = cached.as_ref() {
                if Instant::now() < t.renew_at {
                    return Ok(t.clone());
                }
            }
            let fresh = self.fetch(timeout).await?;
            *cached = Some(fresh.clone());
            Ok(fresh)
        };
        match tokio::time::timeout(timeout, get).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout {
                elapsed: started.elapsed(),
                attempts: 0,
                source: None,
            }),
        }
    }

    /// Forgets `used` after the API rejected it, unless another call already replaced it.
    pub async fn invalidate(&self, used: &Token) {
        let mut cached = self.cache.lock().await;
        if cached
            .as_ref()
            .is_some_and(|t| t.value.expose() == used.value.expose())
        {
            *cached = None;
        }
    }

    fn client_assertion(&self) -> Result<String, Error> {
        let iat = now_secs();
        let claims = serde_json::json!({
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.token_url.as_str(),
            "iat": iat,
            "exp": iat.saturating_add(ASSERTION_LIFETIME),
            "jti": random_id()?,
        });
        let mut header = Header::new(self.key.algorithm);
        header.kid = self.key_id.clone();
        sign(&header, &claims, &self.key.key)
    }

    async fn fetch(&self, timeout: Duration) -> Result<Token, Error> {
        let mut nonce_retried = false;
        loop {
            let assertion = self.client_assertion()?;
            let form = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "client_credentials")
                .append_pair("scope", self.scopes.as_str())
                .append_pair("client_assertion_type", JWT_BEARER)
                .append_pair("client_assertion", assertion.as_str())
                .finish();
            let mut rb = self
                .http
                .post(self.token_url.clone())
                .timeout(timeout)
                .header(ACCEPT, "application/json")
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form);
            if let Some(key) = &self.dpop {
                let nonce = self
                    .token_nonce
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone();
                rb = rb.header(
                    "DPoP",
                    key.proof(&Method::POST, &self.token_url, None, nonce.as_deref())?,
                );
            }
            let started = Instant::now();
            let response = rb
                .send()
                .await
                .map_err(|e| super::error::transport(e, started))?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = super::response::read_body(response, MAX_TOKEN_RESPONSE, started).await?;
            let new_nonce = self.dpop.as_ref().and(dpop_nonce(&headers));
            if let Some(n) = &new_nonce {
                *self.token_nonce.lock().unwrap_or_else(|e| e.into_inner()) = Some(n.clone());
            }
            if status.is_success() {
                let t: TokenResponse = serde_json::from_slice(&body).map_err(|_| {
                    token_error(
                        status,
                        "invalid_response",
                        Some("the token response is not the JSON Okta documents".into()),
                    )
                })?;
                let scheme = match t.token_type.as_deref() {
                    Some(k) if k.eq_ignore_ascii_case("DPoP") => "DPoP",
                    _ => "Bearer",
                };
                // A token a header cannot carry would be sent as an empty `Authorization`
                // and fail as a confusing 401: refuse it here, without showing it.
                let mut header = reqwest::header::HeaderValue::from_str(&format!(
                    "{scheme} {}",
                    t.access_token
                ))
                .ok()
                .filter(|_| !t.access_token.is_empty())
                .ok_or_else(|| {
                    token_error(
                        status,
                        "invalid_response",
                        Some(
                            "the access token is empty or has characters an HTTP header cannot carry"
                                .into(),
                        ),
                    )
                })?;
                header.set_sensitive(true);
                let lifetime = Duration::from_secs(t.expires_in.unwrap_or(3600));
                return Ok(Token {
                    value: Secret::new(t.access_token),
                    header,
                    renew_at: renewal_point(Instant::now(), lifetime, self.renew_before),
                });
            }
            let e: TokenError = serde_json::from_slice(&body).unwrap_or(TokenError {
                error: None,
                error_description: None,
            });
            let code = e.error.unwrap_or_else(|| "unknown_error".into());
            // RFC 9449 §8: the server asks for a nonce; send the request again with it, once.
            if code == "use_dpop_nonce" && new_nonce.is_some() && !nonce_retried {
                nonce_retried = true;
                continue;
            }
            return Err(token_error(status, &code, e.error_description));
        }
    }

    /// The `DPoP` header for an API request with `token`, if DPoP is on.
    pub fn api_proof(
        &self,
        method: &Method,
        url: &Url,
        token: &Token,
    ) -> Result<Option<String>, Error> {
        let Some(key) = &self.dpop else {
            return Ok(None);
        };
        if !token.is_dpop() {
            return Ok(None);
        }
        let nonce = self
            .api_nonce
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        key.proof(method, url, Some(token.value.expose()), nonce.as_deref())
            .map(Some)
    }

    /// Records the API's `DPoP-Nonce`; returns whether the response asked to retry with it.
    pub fn api_nonce_challenge(&self, status: StatusCode, headers: &HeaderMap) -> bool {
        if self.dpop.is_none() {
            return false;
        }
        let Some(nonce) = dpop_nonce(headers) else {
            return false;
        };
        *self.api_nonce.lock().unwrap_or_else(|e| e.into_inner()) = Some(nonce);
        status == StatusCode::UNAUTHORIZED
            && headers
                .get_all("www-authenticate")
                .iter()
                .any(|v| v.to_str().is_ok_and(|s| s.contains("use_dpop_nonce")))
    }
}

fn dpop_nonce(headers: &HeaderMap) -> Option<String> {
    headers
        .get("dpop-nonce")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn token_error(status: StatusCode, code: &str, description: Option<String>) -> Error {
    Error::Auth(Box::new(AuthError {
        status: Some(status),
        error: code.to_string(),
        description,
    }))
}

/// The per-client key DPoP proofs are signed with (ES256, generated when the client is built).
struct DpopKey {
    key: EncodingKey,
    jwk: Jwk,
}

impl DpopKey {
    fn generate() -> Result<DpopKey, Error> {
        let rng = SystemRandom::new();
        let failed = |_| Error::Config("cannot generate a DPoP key".into());
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).map_err(failed)?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .map_err(|_| Error::Config("cannot load the DPoP key".into()))?;
        let public = pair.public_key().as_ref();
        let jwk = Jwk {
            common: CommonParameters::default(),
            algorithm: AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
                key_type: EllipticCurveKeyType::EC,
                curve: EllipticCurve::P256,
                x: URL_SAFE_NO_PAD.encode(&public[1..33]),
                y: URL_SAFE_NO_PAD.encode(&public[33..65]),
            }),
        };
        Ok(DpopKey {
            key: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk,
        })
    }

    /// A proof bound to `method` and `url` (without query and fragment), and to the access token
    /// (`ath`) for API requests.
    fn proof(
        &self,
        method: &Method,
        url: &Url,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<String, Error> {
        let mut htu = url.clone();
        htu.set_query(None);
        htu.set_fragment(None);
        let mut claims = serde_json::json!({
            "jti": random_id()?,
            "htm": method.as_str(),
            "htu": htu.as_str(),
            "iat": now_secs(),
        });
        if let Some(n) = nonce {
            claims["nonce"] = serde_json::json!(n);
        }
        if let Some(t) = access_token {
            let digest = ring::digest::digest(&ring::digest::SHA256, t.as_bytes());
            claims["ath"] = serde_json::json!(URL_SAFE_NO_PAD.encode(digest.as_ref()));
        }
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(self.jwk.clone());
        sign(&header, &claims, &self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_lived_token_is_renewed_at_half_its_life() {
        let now = Instant::now();
        let at = renewal_point(now, Duration::from_secs(30), Duration::from_secs(60));
        assert_eq!(at - now, Duration::from_secs(15));
        let at = renewal_point(now, Duration::from_secs(3600), Duration::from_secs(60));
        assert_eq!(at - now, Duration::from_secs(3540));
    }

    proptest::proptest! {
        /// Whatever `expires_in` and the margin, the renewal point is computed without
        /// overflow and lies within the token's (capped) life.
        #[test]
        fn renewal_points_never_overflow(expires_in in 0u64..=u64::MAX, margin_ms in 0u64..=u64::MAX) {
            let now = Instant::now();
            let lifetime = Duration::from_secs(expires_in);
            let at = renewal_point(now, lifetime, Duration::from_millis(margin_ms));
            proptest::prop_assert!(at >= now);
            proptest::prop_assert!(at - now <= lifetime.min(MAX_TOKEN_LIFETIME));
            proptest::prop_assert!(at - now >= lifetime.min(MAX_TOKEN_LIFETIME) / 2);
        }
    }
}
