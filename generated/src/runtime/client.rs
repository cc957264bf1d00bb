//! The client: configuration, authentication, and the one function that sends every request
//! (retries, tracing, error mapping).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

use super::auth::{Auth, Secret};
use super::error::{ApiError, Error};
use super::keys::PrivateKeyMaterial;
use super::oauth::PrivateKeyAuth;
use super::request::{Body, Request};
use super::response::{request_id_of, ApiResponse, RawResponse};
use super::retry::RetryConfig;

/// A client for one Okta org. Cheap to clone: clones share the connection pool.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    http: reqwest::Client,
    base: Url,
    auth: Auth,
    retry: RetryConfig,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("org_url", &self.inner.base.as_str())
            .field("auth", &self.inner.auth)
            .field("retry", &self.inner.retry)
            .finish()
    }
}

/// Builds a [`Client`].
#[derive(Clone, Debug)]
#[must_use]
pub struct ClientBuilder {
    org_url: String,
    auth: Option<Auth>,
    user_agent_extension: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryConfig,
    private_key: Option<PrivateKeyAuth>,
}

/// The default limit for a whole request, response body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default limit for establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl Client {
    /// Starts building a client for the org at `org_url` (`https://{yourOktaDomain}`).
    pub fn builder(org_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            org_url: org_url.into(),
            auth: None,
            user_agent_extension: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryConfig::default(),
            private_key: None,
        }
    }

    /// A client configured from the environment: `OKTA_CLIENT_ORGURL` and
    /// `OKTA_CLIENT_AUTHORIZATIONMODE` — `SSWS` (the default) or `Bearer` with
    /// `OKTA_CLIENT_TOKEN`, or `PrivateKey` with `OKTA_CLIENT_CLIENTID`, `OKTA_CLIENT_SCOPES`
    /// (comma- or space-separated), `OKTA_CLIENT_PRIVATEKEY` (a PEM or JWK, or the path of a file
    /// holding one) and optionally `OKTA_CLIENT_PRIVATEKEYID`.
    pub fn from_env() -> Result<Client, Error> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// [`from_env`](Self::from_env) with the variables looked up through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Client, Error> {
        let required = |k: &str| {
            var(k)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| Error::Config(format!("{k} is not set")))
        };
        let builder = Client::builder(required("OKTA_CLIENT_ORGURL")?);
        let mode = var("OKTA_CLIENT_AUTHORIZATIONMODE").unwrap_or_else(|| "SSWS".into());
        let builder = match mode.as_str() {
            "SSWS" => builder.api_token(required("OKTA_CLIENT_TOKEN")?),
            "Bearer" => builder.access_token(required("OKTA_CLIENT_TOKEN")?),
            "PrivateKey" => {
                let key_text = required("OKTA_CLIENT_PRIVATEKEY")?;
                let key = PrivateKeyMaterial::from_text_or_path(&key_text)?;
                let scopes = required("OKTA_CLIENT_SCOPES")?;
                let scopes = scopes.split([',', ' ']).filter(|s| !s.is_empty()).map(str::to_string);
                let mut auth = PrivateKeyAuth::new(required("OKTA_CLIENT_CLIENTID")?, scopes, key);
                if let Some(kid) = var("OKTA_CLIENT_PRIVATEKEYID").filter(|k| !k.trim().is_empty()) {
                    auth = auth.key_id(kid);
                }
                builder.private_key(auth)
            }
            other => {
                return Err(Error::Config(format!(
                    "OKTA_CLIENT_AUTHORIZATIONMODE={other:?} is not supported; use SSWS, Bearer or PrivateKey"
                )))
            }
        };
        builder.build()
    }

    /// The org URL requests are sent to.
    pub fn org_url(&self) -> &Url {
        &self.inner.base
    }

    pub(crate) async fn send_json<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> Result<ApiResponse<T>, Error> {
        let raw = self.execute(&request).await?;
        let body = raw.decode()?;
        Ok(raw.into_response(body))
    }

    // Called by generated operations without a response body; a catalog may have none.
    #[allow(dead_code)]
    pub(crate) async fn send_empty(&self, request: Request) -> Result<ApiResponse<()>, Error> {
        let raw = self.execute(&request).await?;
        Ok(raw.into_response(()))
    }

    /// Sends `request` with authentication, retrying rate limits and 503/504 as configured.
    pub(crate) async fn execute(&self, request: &Request) -> Result<RawResponse, Error> {
        let span = tracing::info_span!(
            "okta.request",
            operation = request.operation,
            method = %request.method,
            path = request.template,
            status = tracing::field::Empty,
            retries = tracing::field::Empty,
        );
        self.execute_inner(request).instrument(span).await
    }

    async fn execute_inner(&self, request: &Request) -> Result<RawResponse, Error> {
        let inner = &*self.inner;
        let url = request.url(&inner.base)?;
        if url.origin() != inner.base.origin() {
            return Err(Error::InvalidRequest(format!(
                "{url} is not on the org {}",
                inner.base
            )));
        }
        // The body as sent on every attempt; one that did not serialise is rejected up front.
        enum Payload<'a> {
            None,
            Json(&'a bytes::Bytes),
            Multipart(&'a super::request::Multipart),
        }
        let payload = match &request.body {
            Body::None => Payload::None,
            Body::Json(Ok(bytes)) => Payload::Json(bytes),
            Body::Json(Err(e)) => {
                return Err(Error::InvalidRequest(format!(
                    "the request body does not serialise: {e}"
                )))
            }
            Body::Multipart(m) => Payload::Multipart(m),
        };
        let mut retries = 0u32;
        let mut waited = Duration::ZERO;
        let mut retry_for: Option<String> = None;
        // OAuth: one new token after a 401, one resend after a DPoP nonce challenge.
        let mut refreshed = false;
        let mut nonce_retried = false;
        loop {
            let mut rb = inner.http.request(request.method.clone(), url.clone());
            let token = match &inner.auth {
                Auth::PrivateKey(provider) => {
                    let token = provider.token().await?;
                    rb = rb.header(AUTHORIZATION, token.authorization());
                    if let Some(proof) = provider.api_proof(&request.method, &url, &token)? {
                        rb = rb.header("DPoP", proof);
                    }
                    Some((provider, token))
                }
                static_auth => {
                    rb = rb.header(AUTHORIZATION, static_auth.header_value());
                    None
                }
            };
            rb = rb.header(ACCEPT, "application/json");
            for (k, v) in &request.headers {
                let name = HeaderName::from_bytes(k.as_bytes())
                    .map_err(|e| Error::InvalidRequest(format!("bad header name {k:?}: {e}")))?;
                let value = HeaderValue::from_str(v)
                    .map_err(|e| Error::InvalidRequest(format!("bad value for header {k}: {e}")))?;
                rb = rb.header(name, value);
            }
            if retries > 0 {
                if let Some(id) = &retry_for {
                    rb = rb.header("X-Okta-Retry-For", id.as_str());
                }
                rb = rb.header("X-Okta-Retry-Count", retries.to_string());
            }
            rb = match payload {
                Payload::None => rb,
                Payload::Json(bytes) => rb
                    .header(CONTENT_TYPE, "application/json")
                    .body(bytes.clone()),
                Payload::Multipart(m) => rb.multipart(m.to_form()?),
            };
            let started = Instant::now();
            let response = rb.send().await.map_err(|e| transport(e, started))?;
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = response.bytes().await.map_err(|e| transport(e, started))?;
            let span = tracing::Span::current();
            span.record("status", status.as_u16());
            span.record("retries", retries);
            if let Some((provider, token)) = &token {
                if provider.api_nonce_challenge(status, &headers) && !nonce_retried {
                    nonce_retried = true;
                    continue;
                }
                if status == reqwest::StatusCode::UNAUTHORIZED && !refreshed {
                    // The token may have been revoked or rotated: fetch a new one, once.
                    provider.invalidate(token).await;
                    refreshed = true;
                    continue;
                }
            }
            if status.is_success() {
                return Ok(RawResponse {
                    status,
                    headers,
                    body: bytes,
                    retries,
                });
            }
            if let Some(delay) =
                inner
                    .retry
                    .delay(status, &headers, request.is_idempotent(), retries)
            {
                if waited + delay <= inner.retry.max_total_wait {
                    tracing::debug!(
                        status = status.as_u16(),
                        delay_ms = delay.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(delay).await;
                    waited += delay;
                    retries += 1;
                    retry_for = request_id_of(&headers).map(str::to_string);
                    continue;
                }
            }
            return Err(Error::Api(Box::new(ApiError::new(
                status, headers, &bytes, retries,
            ))));
        }
    }
}

pub(crate) fn transport(e: reqwest::Error, started: Instant) -> Error {
    if e.is_timeout() {
        Error::Timeout {
            elapsed: started.elapsed(),
            source: e.without_url(),
        }
    } else {
        Error::Transport(e.without_url())
    }
}

impl ClientBuilder {
    /// Authenticate with an Okta API token (`Authorization: SSWS …`).
    pub fn api_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Some(Auth::ApiToken(Secret::new(token)));
        self.private_key = None;
        self
    }

    /// Authenticate with an OAuth 2.0 access token (`Authorization: Bearer …`).
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Some(Auth::AccessToken(Secret::new(token)));
        self.private_key = None;
        self
    }

    /// Authenticate as an OAuth 2.0 service app with a private key (`private_key_jwt`): access
    /// tokens are requested from `{org}/oauth2/v1/token`, cached, shared and renewed.
    pub fn private_key(mut self, auth: PrivateKeyAuth) -> Self {
        self.private_key = Some(auth);
        self.auth = None;
        self
    }

    /// Appended to the `User-Agent` (`okta-client-rust/0.1.0 {extension}`).
    pub fn user_agent_extension(mut self, extension: impl Into<String>) -> Self {
        self.user_agent_extension = Some(extension.into());
        self
    }

    /// The limit for a whole request, response body included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The limit for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How rate limits and 503/504 are retried; see [`RetryConfig`].
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    pub fn build(self) -> Result<Client, Error> {
        let base = Url::parse(self.org_url.trim())
            .map_err(|e| Error::Config(format!("invalid org URL {:?}: {e}", self.org_url)))?;
        let loopback = match base.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        };
        match base.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => return Err(Error::Config(format!("the org URL must use https: {base}"))),
            other => {
                return Err(Error::Config(format!(
                    "unsupported URL scheme {other:?} in {base}"
                )))
            }
        }
        if base.query().is_some()
            || base.fragment().is_some()
            || !base.username().is_empty()
            || base.password().is_some()
        {
            return Err(Error::Config(
                "the org URL must not carry a query, fragment or credentials".into(),
            ));
        }
        match (&self.private_key, &self.auth) {
            (Some(pk), _) => pk.validate()?,
            (None, Some(auth)) if !auth.is_valid() => {
                return Err(Error::Config(format!(
                    "the {} token is empty or has characters a header cannot carry",
                    auth.scheme()
                )))
            }
            (None, Some(_)) => {}
            (None, None) => {
                return Err(Error::Config(
                    "no credentials: call api_token(), access_token() or private_key()".into(),
                ))
            }
        }
        let mut ua = format!("okta-client-rust/{}", env!("CARGO_PKG_VERSION"));
        if let Some(ext) = &self.user_agent_extension {
            ua.push(' ');
            ua.push_str(ext);
        }
        let ua = HeaderValue::from_str(&ua)
            .map_err(|e| Error::Config(format!("invalid user agent extension: {e}")))?;
        let http = reqwest::Client::builder()
            .user_agent(ua)
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let auth = match (self.private_key, self.auth) {
            (Some(pk), _) => Auth::PrivateKey(Arc::new(pk.into_provider(http.clone(), &base)?)),
            (None, Some(auth)) => auth,
            (None, None) => return Err(Error::Config("no credentials".into())),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                auth,
                retry: self.retry,
            }),
        })
    }
}

/// A request to any path of the org, authenticated and retried like the generated operations.
/// For endpoints the catalog does not (yet) describe.
#[derive(Clone, Debug)]
#[must_use = "a request builder does nothing until it is sent"]
pub struct GenericRequest {
    client: Client,
    request: Request,
}

impl Client {
    /// A request with `method` to `path_and_query` on the org (for example
    /// `/api/v1/users?limit=2`). Absolute URLs to other hosts are refused when sent.
    pub fn request(&self, method: Method, path_and_query: &str) -> GenericRequest {
        let mut request = Request::new("GenericRequest", method, "<generic>", &[]);
        request.url = Some(
            self.inner
                .base
                .join(path_and_query)
                .unwrap_or_else(|_| self.inner.base.clone()),
        );
        if !path_and_query.starts_with('/') {
            request.path = Err(format!("{path_and_query:?} must start with `/`"));
            request.url = None;
        }
        GenericRequest {
            client: self.clone(),
            request,
        }
    }
}

impl GenericRequest {
    /// Adds a query parameter.
    pub fn query(mut self, name: &str, value: impl Into<String>) -> Self {
        if let Some(u) = &mut self.request.url {
            u.query_pairs_mut().append_pair(name, &value.into());
        }
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.request.header(name, &value.into());
        self
    }

    /// Sets a multipart/form-data body (file uploads).
    pub fn multipart(mut self, form: super::request::Multipart) -> Self {
        self.request.multipart(form);
        self
    }

    /// Sets a JSON body.
    pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.request.json(body);
        self
    }

    /// Sends the request and decodes a JSON body (`serde_json::Value` takes anything; an
    /// empty body is `null`).
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<ApiResponse<T>, Error> {
        self.client.send_json(self.request).await
    }

    /// Sends the request and returns the body's bytes as received.
    pub async fn send_bytes(self) -> Result<ApiResponse<bytes::Bytes>, Error> {
        let raw = self.client.execute(&self.request).await?;
        let body = raw.body.clone();
        Ok(raw.into_response(body))
    }
}
