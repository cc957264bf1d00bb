//! Configuring a [`Client`]: the org, credentials, timeouts, limits, retries, rate-limit pacing
//! and TLS.

use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;
use url::Url;

use super::auth::Auth;
use super::client::{Client, Inner};
use super::error::Error;
use super::governor::{Governor, RateLimitConfig};
#[cfg(feature = "oauth")]
use super::keys::PrivateKeyMaterial;
#[cfg(feature = "oauth")]
use super::oauth::PrivateKeyAuth;
use super::retry::RetryConfig;
use super::secret::Secret;
use super::tls::Tls;

/// The default deadline of a whole call (every attempt, retry and rate-limit wait included):
/// room for one full rate-limit window (a minute) of pacing plus an attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(90);
/// The default limit for one attempt, response body included.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default limit for establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default limit on the size of one response body: 32 MiB, far above any Okta page.
pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 32 * 1024 * 1024;
/// The default limit on the number of pages one listing follows.
pub const DEFAULT_MAX_PAGES: u32 = 100_000;

/// Builds a [`Client`].
#[derive(Clone, Debug)]
#[must_use]
pub struct ClientBuilder {
    org_url: String,
    auth: Option<Auth>,
    #[cfg(feature = "oauth")]
    private_key: Option<PrivateKeyAuth>,
    user_agent_extension: Option<String>,
    timeout: Duration,
    attempt_timeout: Duration,
    connect_timeout: Duration,
    retry: RetryConfig,
    rate_limit: RateLimitConfig,
    #[cfg(feature = "redis")]
    shared_budget: Option<super::governor::SharedBudget>,
    max_response_bytes: u64,
    max_pages: u32,
    strict: bool,
    http: Option<reqwest::Client>,
    tls: Tls,
}

impl Client {
    /// Starts building a client for the org at `org_url` (`https://{yourOktaDomain}`, or a
    /// gateway URL with a path prefix such as `https://gw.example.com/okta`).
    pub fn builder(org_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            org_url: org_url.into(),
            auth: None,
            #[cfg(feature = "oauth")]
            private_key: None,
            user_agent_extension: None,
            timeout: DEFAULT_TIMEOUT,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryConfig::default(),
            rate_limit: RateLimitConfig::default(),
            #[cfg(feature = "redis")]
            shared_budget: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_SIZE,
            max_pages: DEFAULT_MAX_PAGES,
            strict: false,
            http: None,
            tls: Tls::default(),
        }
    }

    /// A client configured from the environment: `OKTA_CLIENT_ORGURL` and
    /// `OKTA_CLIENT_AUTHORIZATIONMODE` — `SSWS` (the default) or `Bearer` with
    /// `OKTA_CLIENT_TOKEN`, or `PrivateKey` with `OKTA_CLIENT_CLIENTID`, `OKTA_CLIENT_SCOPES`
    /// (comma- or space-separated), `OKTA_CLIENT_PRIVATEKEY` (a PEM or JWK, or the path of a file
    /// holding one) and optionally `OKTA_CLIENT_PRIVATEKEYID` and `OKTA_CLIENT_DPOP` (`true` or
    /// `false`, the default; see [`PrivateKeyAuth::dpop`](crate::auth::PrivateKeyAuth::dpop)).
    pub fn from_env() -> Result<Client, Error> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// [`from_env`](Self::from_env) with the variables looked up through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Client, Error> {
        // A variable set to blanks counts as unset.
        let optional = |k: &str| var(k).filter(|v| !v.trim().is_empty());
        let required =
            |k: &str| optional(k).ok_or_else(|| Error::Config(format!("{k} is not set")));
        let builder = Client::builder(required("OKTA_CLIENT_ORGURL")?);
        let mode = var("OKTA_CLIENT_AUTHORIZATIONMODE").unwrap_or_else(|| "SSWS".into());
        let builder = match mode.as_str() {
            "SSWS" => builder.api_token(required("OKTA_CLIENT_TOKEN")?),
            "Bearer" => builder.access_token(required("OKTA_CLIENT_TOKEN")?),
            #[cfg(feature = "oauth")]
            "PrivateKey" => {
                let key_text = required("OKTA_CLIENT_PRIVATEKEY")?;
                let key = PrivateKeyMaterial::from_text_or_path(&key_text)?;
                let scopes = required("OKTA_CLIENT_SCOPES")?;
                let scopes = scopes.split([',', ' ']).filter(|s| !s.is_empty()).map(str::to_string);
                let mut auth = PrivateKeyAuth::new(required("OKTA_CLIENT_CLIENTID")?, scopes, key);
                if let Some(kid) = optional("OKTA_CLIENT_PRIVATEKEYID") {
                    auth = auth.key_id(kid);
                }
                if let Some(dpop) = optional("OKTA_CLIENT_DPOP") {
                    auth = auth.dpop(switch("OKTA_CLIENT_DPOP", &dpop)?);
                }
                builder.private_key(auth)
            }
            #[cfg(not(feature = "oauth"))]
            "PrivateKey" => {
                return Err(Error::Config(
                    "OKTA_CLIENT_AUTHORIZATIONMODE=PrivateKey needs okta-client's `oauth` feature".into(),
                ))
            }
            other => {
                return Err(Error::Config(format!(
                    "OKTA_CLIENT_AUTHORIZATIONMODE={other:?} is not supported; use SSWS, Bearer or PrivateKey"
                )))
            }
        };
        builder.build()
    }
}

impl ClientBuilder {
    /// Authenticate with an Okta API token (`Authorization: SSWS …`).
    pub fn api_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Some(Auth::ApiToken(Secret::new(token)));
        #[cfg(feature = "oauth")]
        {
            self.private_key = None;
        }
        self
    }

    /// Authenticate with an OAuth 2.0 access token (`Authorization: Bearer …`).
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Some(Auth::AccessToken(Secret::new(token)));
        #[cfg(feature = "oauth")]
        {
            self.private_key = None;
        }
        self
    }

    /// Authenticate as an OAuth 2.0 service app with a private key (`private_key_jwt`): access
    /// tokens are requested from `{org}/oauth2/v1/token`, cached, shared and renewed. Needs the
    /// `oauth` feature (on by default).
    #[cfg(feature = "oauth")]
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

    /// The deadline of every call, from its start to its result (default [`DEFAULT_TIMEOUT`],
    /// 90 s): rate-limit waits, the OAuth token request, every attempt and every retry wait
    /// count against it; a retry that would wait past it is not started. One request can set
    /// its own with [`Customize::timeout`](crate::request::Customize::timeout). See the crate
    /// docs, "Deadlines".
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The limit for one attempt, response body included (default
    /// [`DEFAULT_ATTEMPT_TIMEOUT`], 30 s); an attempt also ends at the call's deadline. An
    /// attempt that runs out of time is retried on idempotent methods when the retry policy and
    /// the deadline allow. One request can set its own with
    /// [`Customize::attempt_timeout`](crate::request::Customize::attempt_timeout).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// The limit for establishing a connection (default 10 s; not applied to a client given
    /// with [`http_client`](Self::http_client), which keeps its own).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How rate limits and 503/504 are retried; see [`RetryConfig`].
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// How the client paces itself under Okta's rate limits (on by default); see
    /// [`RateLimitConfig`]. The governor is shared by every clone of the built client: they
    /// draw on one budget per route and one concurrency cap. With
    /// [`RateLimitConfig::disabled`] requests are sent at once and only [`retry`](Self::retry)
    /// reacts to `429`s.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), okta_client::Error> {
    /// use okta_client::{Client, RateLimitConfig};
    ///
    /// // Leave half of every bucket and most concurrent requests to the org's other apps.
    /// let client = Client::builder("https://example.okta.com")
    ///     .api_token("00a…")
    ///     .rate_limit(RateLimitConfig {
    ///         budget_share: 0.5,
    ///         max_concurrency: 8,
    ///         ..RateLimitConfig::default()
    ///     })
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn rate_limit(mut self, config: RateLimitConfig) -> Self {
        self.rate_limit = config;
        self
    }

    /// Shares the rate-limit budget through Redis with every client of the org, in every
    /// process, that is configured with the same Redis and namespace (the `redis` feature);
    /// see [`SharedBudget`](crate::SharedBudget) and the README's "Several workers against one
    /// org". The buckets learned, the units in flight and the cap on requests in flight
    /// ([`RateLimitConfig::max_concurrency`], then org-wide across the clients) live in Redis;
    /// while Redis is unreachable each client falls back to its local budget at
    /// [`SharedBudget::fallback_share`](crate::SharedBudget::fallback_share). Ignored when the
    /// governor is [disabled](RateLimitConfig::disabled).
    ///
    /// ```no_run
    /// # fn main() -> Result<(), okta_client::Error> {
    /// use okta_client::{Client, SharedBudget};
    ///
    /// let budget = SharedBudget::new("redis://redis.internal:6379/0", "okta")
    ///     .fallback_share(0.05) // 20 workers: each uses 1/20 of a bucket while Redis is down
    ///     .timeout(std::time::Duration::from_millis(50));
    /// let client = Client::builder("https://example.okta.com")
    ///     .api_token("00abc…")
    ///     .shared_budget(budget)
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    #[cfg(feature = "redis")]
    pub fn shared_budget(mut self, budget: super::governor::SharedBudget) -> Self {
        self.shared_budget = Some(budget);
        self
    }

    /// The largest response body the client reads, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_SIZE`], 32 MiB). A larger one fails with
    /// [`Error::ResponseTooLarge`] before it is read past the limit.
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// The most pages one listing follows (default [`DEFAULT_MAX_PAGES`]); one more fails with
    /// [`Error::UnexpectedResponse`]. Cycles of next links are detected whatever the limit.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = pages;
        self
    }

    /// Whether a value that does not fit its documented type fails the decode (default
    /// `false`).
    ///
    /// By default decoding is lenient where Okta's answers drift from its documents: an
    /// optional field of another shape is kept raw in the model's `mismatched_fields` (and
    /// written back unchanged), and a list item that does not decode is kept raw in
    /// [`Page::undecoded`](crate::Page::undecoded) (a stream yields it as an error and goes
    /// on); both are logged as `tracing` warnings. Strict decoding makes each of them an
    /// [`Error::Decode`] instead, for tests that pin the API's shapes. One request can choose
    /// with [`Customize::strict_decoding`](crate::request::Customize::strict_decoding).
    pub fn strict_decoding(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Send requests through a `reqwest::Client` you prepared (a proxy, connection settings,
    /// middleware-free custom transport).
    ///
    /// Start from [`http_client_builder`](Self::http_client_builder) to keep this builder's
    /// TLS (ring and the roots chosen here), user agent, connect timeout and redirect policy:
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let okta = okta_client::Client::builder("https://example.okta.com").api_token("00a…");
    /// let http = okta
    ///     .http_client_builder()?
    ///     .proxy(reqwest::Proxy::https("http://proxy.internal:3128")?)
    ///     .build()?;
    /// let client = okta.http_client(http).build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    ///
    /// The client still applies its own [`timeout`](Self::timeout) to every request, sends
    /// credentials only to the org URL's origin, and refuses any response that a redirect
    /// brought from another origin (reqwest also drops `Authorization` on cross-host
    /// redirects). A client built otherwise is used as it is, its TLS settings included. Such a
    /// client needs a rustls crypto provider: okta-client builds reqwest without one (it hands
    /// reqwest its own ring configuration instead), so either your reqwest dependency enables
    /// a provider (reqwest's default `rustls` feature does) or your program installs one
    /// process-wide; otherwise reqwest panics when that client is built.
    ///
    /// This is the one place where `reqwest` appears in this crate's API: its type is
    /// reqwest 0.13's, so a new reqwest major version is a new major version of this crate.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The `reqwest::ClientBuilder` that [`build`](Self::build) would use: this builder's TLS
    /// configuration (ring, the chosen roots), user agent, connect timeout, and no redirects.
    /// Add what you need (a proxy, say) and pass the result to
    /// [`http_client`](Self::http_client).
    ///
    /// Fails with [`Error::Config`] on a bad root certificate or user agent extension.
    pub fn http_client_builder(&self) -> Result<reqwest::ClientBuilder, Error> {
        let mut ua = format!("okta-client-rust/{}", env!("CARGO_PKG_VERSION"));
        if let Some(ext) = &self.user_agent_extension {
            ua.push(' ');
            ua.push_str(ext);
        }
        let ua = HeaderValue::from_str(&ua)
            .map_err(|e| Error::Config(format!("invalid user agent extension: {e}")))?;
        Ok(reqwest::Client::builder()
            .tls_backend_preconfigured(self.tls.client_config()?)
            .user_agent(ua)
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none()))
    }

    /// Trusts the certificate authorities in `pem` (one or more PEM certificates) in addition
    /// to the built-in roots: for a TLS-inspecting proxy or a private gateway.
    pub fn add_root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls.extra_roots_pem.push(pem.into());
        self
    }

    /// Whether the built-in Mozilla root certificates are trusted (default `true`); turn them
    /// off to trust only [`add_root_certificates_pem`](Self::add_root_certificates_pem) and, if
    /// asked, the [platform's](Self::platform_roots). With no root left, `build()` fails.
    pub fn builtin_roots(mut self, enabled: bool) -> Self {
        self.tls.builtin_roots = Some(enabled);
        self
    }

    /// Whether the operating system's trust store is trusted too (default `false`): read once at
    /// `build()` (on Linux from the OpenSSL locations, `SSL_CERT_FILE` and `SSL_CERT_DIR`); a
    /// store with no usable certificate fails with [`Error::Config`].
    pub fn platform_roots(mut self, enabled: bool) -> Self {
        self.tls.platform_roots = Some(enabled);
        self
    }

    /// Checks the configuration and builds the client: the org URL must be `https` (`http`
    /// only on loopback), without query, fragment or credentials, and exactly one way to
    /// authenticate must be set.
    pub fn build(self) -> Result<Client, Error> {
        let base = org_url(&self.org_url)?;
        self.rate_limit.validate().map_err(Error::Config)?;
        #[cfg(feature = "oauth")]
        if let Some(pk) = &self.private_key {
            pk.validate()?;
        }
        match &self.auth {
            Some(auth) if !auth.is_valid() => {
                return Err(Error::Config(format!(
                    "the {} token is empty or has characters a header cannot carry",
                    auth.scheme()
                )))
            }
            Some(_) => {}
            #[cfg(feature = "oauth")]
            None if self.private_key.is_some() => {}
            None => {
                return Err(Error::Config(
                    "no credentials: call api_token(), access_token() or private_key()".into(),
                ))
            }
        }
        let http = match self.http {
            Some(http) => http,
            None => self
                .http_client_builder()?
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        #[cfg(feature = "oauth")]
        let auth = match (self.private_key, self.auth) {
            (Some(pk), _) => Auth::PrivateKey(Arc::new(pk.into_provider(http.clone(), &base)?)),
            (None, Some(auth)) => auth,
            (None, None) => return Err(Error::Config("no credentials".into())),
        };
        #[cfg(not(feature = "oauth"))]
        let auth = self
            .auth
            .ok_or_else(|| Error::Config("no credentials".into()))?;
        #[cfg(feature = "redis")]
        let governor = match (self.rate_limit.enabled, self.shared_budget) {
            (false, _) => None,
            (true, Some(budget)) => {
                let principal = super::governor::principal_id(&auth);
                let shared = budget.open(&base, principal, &self.rate_limit)?;
                Some(Governor::shared(self.rate_limit, shared))
            }
            (true, None) => Some(Governor::new(self.rate_limit)),
        };
        #[cfg(not(feature = "redis"))]
        let governor = self
            .rate_limit
            .enabled
            .then(|| Governor::new(self.rate_limit));
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                auth,
                retry: self.retry,
                governor,
                timeout: self.timeout,
                attempt_timeout: self.attempt_timeout,
                max_response_bytes: self.max_response_bytes,
                max_pages: self.max_pages,
                strict: self.strict,
            }),
        })
    }
}

/// A yes/no setting from the environment.
#[cfg(feature = "oauth")]
fn switch(name: &str, value: &str) -> Result<bool, Error> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(Error::Config(format!(
            "{name}={value:?} is not a yes/no value; use true or false"
        ))),
    }
}

/// Parses and checks the org URL. A path is a prefix (a gateway) that every request keeps.
fn org_url(text: &str) -> Result<Url, Error> {
    let mut base = Url::parse(text.trim())
        .map_err(|e| Error::Config(format!("invalid org URL {text:?}: {e}")))?;
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
    // One spelling of the prefix, without a trailing slash, so that joining never doubles it.
    let path = base.path().trim_end_matches('/').to_string();
    base.set_path(&path);
    Ok(base)
}
