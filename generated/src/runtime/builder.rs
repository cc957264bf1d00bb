//! Configuring a [`Client`]: the org, credentials, timeouts, limits, retries, rate-limit pacing
//! and TLS.

use std::time::Duration;

use super::client::{handle, Client};
use super::engine::{Engine, Settings};
use super::error::Error;
use super::governor::RateLimitConfig;
#[cfg(feature = "oauth")]
use super::key_material::PrivateKeyMaterial;
#[cfg(feature = "oauth")]
use super::oauth::PrivateKeyAuth;
use super::retry::RetryConfig;

pub use super::engine::{
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_PAGES, DEFAULT_MAX_RESPONSE_SIZE,
    DEFAULT_TIMEOUT,
};

/// Builds a [`Client`].
#[derive(Clone, Debug)]
#[must_use]
pub struct ClientBuilder {
    settings: Settings,
}

impl Client {
    /// Starts building a client for the org at `org_url` (`https://{yourOktaDomain}`, or a
    /// gateway URL with a path prefix such as `https://gw.example.com/okta`).
    pub fn builder(org_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            settings: Settings::new(org_url.into()),
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
        self.settings.api_token(token.into());
        self
    }

    /// Authenticate with an OAuth 2.0 access token (`Authorization: Bearer …`).
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.settings.access_token(token.into());
        self
    }

    /// Authenticate as an OAuth 2.0 service app with a private key (`private_key_jwt`): access
    /// tokens are requested from `{org}/oauth2/v1/token`, cached, shared and renewed. Needs the
    /// `oauth` feature (on by default).
    #[cfg(feature = "oauth")]
    pub fn private_key(mut self, auth: PrivateKeyAuth) -> Self {
        self.settings.private_key(auth);
        self
    }

    /// Appended to the `User-Agent` (`okta-client-rust/0.1.0 {extension}`).
    pub fn user_agent_extension(mut self, extension: impl Into<String>) -> Self {
        self.settings.user_agent_extension(extension.into());
        self
    }

    /// The deadline of every call, from its start to its result (default [`DEFAULT_TIMEOUT`],
    /// 90 s): rate-limit waits, the OAuth token request, every attempt and every retry wait
    /// count against it; a retry that would wait past it is not started. One request can set
    /// its own with [`Customize::timeout`](crate::request::Customize::timeout). See the crate
    /// docs, "Deadlines".
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout(timeout);
        self
    }

    /// The limit for one attempt, response body included (default
    /// [`DEFAULT_ATTEMPT_TIMEOUT`], 30 s); an attempt also ends at the call's deadline. An
    /// attempt that runs out of time is retried on idempotent methods when the retry policy and
    /// the deadline allow. One request can set its own with
    /// [`Customize::attempt_timeout`](crate::request::Customize::attempt_timeout).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.settings.attempt_timeout(timeout);
        self
    }

    /// The limit for establishing a connection (default 10 s; not applied to a client given
    /// with [`http_client`](Self::http_client), which keeps its own).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout(timeout);
        self
    }

    /// How rate limits and 503/504 are retried; see [`RetryConfig`].
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.settings.retry(retry);
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
    ///     .rate_limit(RateLimitConfig::default().budget_share(0.5).max_concurrency(8))
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn rate_limit(mut self, config: RateLimitConfig) -> Self {
        self.settings.rate_limit(config);
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
        self.settings.shared_budget(budget);
        self
    }

    /// The largest response body the client reads, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_SIZE`], 32 MiB). A larger one fails with
    /// [`Error::ResponseTooLarge`] before it is read past the limit.
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.settings.max_response_size(bytes);
        self
    }

    /// The most pages one listing follows (default [`DEFAULT_MAX_PAGES`]); one more fails with
    /// [`Error::UnexpectedResponse`]. Cycles of next links are detected whatever the limit.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.settings.max_pages(pages);
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
        self.settings.strict_decoding(strict);
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
        self.settings.http_client(client);
        self
    }

    /// The `reqwest::ClientBuilder` that [`build`](Self::build) would use: this builder's TLS
    /// configuration (ring, the chosen roots), user agent, connect timeout, and no redirects.
    /// Add what you need (a proxy, say) and pass the result to
    /// [`http_client`](Self::http_client).
    ///
    /// Fails with [`Error::Config`] on a bad root certificate or user agent extension.
    pub fn http_client_builder(&self) -> Result<reqwest::ClientBuilder, Error> {
        self.settings.http_client_builder()
    }

    /// Trusts the certificate authorities in `pem` (one or more PEM certificates) in addition
    /// to the built-in roots: for a TLS-inspecting proxy or a private gateway.
    pub fn add_root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.settings.add_root_certificates_pem(pem.into());
        self
    }

    /// Whether the built-in Mozilla root certificates are trusted (default `true`); turn them
    /// off to trust only [`add_root_certificates_pem`](Self::add_root_certificates_pem) and, if
    /// asked, the [platform's](Self::platform_roots). With no root left, `build()` fails.
    pub fn builtin_roots(mut self, enabled: bool) -> Self {
        self.settings.builtin_roots(enabled);
        self
    }

    /// Whether the operating system's trust store is trusted too (default `false`): read once at
    /// `build()` (on Linux from the OpenSSL locations, `SSL_CERT_FILE` and `SSL_CERT_DIR`); a
    /// store with no usable certificate fails with [`Error::Config`].
    pub fn platform_roots(mut self, enabled: bool) -> Self {
        self.settings.platform_roots(enabled);
        self
    }

    /// Checks the configuration and builds the client: the org URL must be `https` (`http`
    /// only on loopback), without query, fragment or credentials, and exactly one way to
    /// authenticate must be set.
    pub fn build(self) -> Result<Client, Error> {
        Engine::assemble(self.settings).map(handle)
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
