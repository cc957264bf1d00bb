//! What an [`Engine`] is assembled from: okta-client's `ClientBuilder` records each setting
//! here and documents it; [`Engine::assemble`] checks them all and builds the engine.

#[cfg(feature = "oauth")]
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;
use url::Url;

use super::Engine;
use crate::auth::Auth;
use crate::error::Error;
use crate::governor::{Governor, RateLimitConfig};
#[cfg(feature = "oauth")]
use crate::oauth::PrivateKeyAuth;
use crate::prepare::Limits;
use crate::retry::RetryConfig;
use crate::secret::Secret;
use crate::tls::Tls;

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

/// A client's settings, each at its default until set.
#[derive(Clone, Debug)]
pub struct Settings {
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
    shared_budget: Option<crate::governor::SharedBudget>,
    max_response_bytes: u64,
    max_pages: u32,
    strict: bool,
    http: Option<reqwest::Client>,
    tls: Tls,
}

impl Settings {
    /// The defaults, for the org at `org_url` (checked by [`Engine::assemble`]).
    pub fn new(org_url: String) -> Settings {
        Settings {
            org_url,
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

    /// `Authorization: SSWS {token}`, replacing any other credentials.
    pub fn api_token(&mut self, token: String) {
        self.set_auth(Auth::ApiToken(Secret::new(token)));
    }

    /// `Authorization: Bearer {token}`, replacing any other credentials.
    pub fn access_token(&mut self, token: String) {
        self.set_auth(Auth::AccessToken(Secret::new(token)));
    }

    fn set_auth(&mut self, auth: Auth) {
        self.auth = Some(auth);
        #[cfg(feature = "oauth")]
        {
            self.private_key = None;
        }
    }

    /// A service app's private key, replacing any other credentials.
    #[cfg(feature = "oauth")]
    pub fn private_key(&mut self, auth: PrivateKeyAuth) {
        self.private_key = Some(auth);
        self.auth = None;
    }

    /// Appended to the `User-Agent`.
    pub fn user_agent_extension(&mut self, extension: String) {
        self.user_agent_extension = Some(extension);
    }

    /// The deadline of a whole call.
    pub fn timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// The limit of one attempt.
    pub fn attempt_timeout(&mut self, timeout: Duration) {
        self.attempt_timeout = timeout;
    }

    /// The limit for establishing a connection.
    pub fn connect_timeout(&mut self, timeout: Duration) {
        self.connect_timeout = timeout;
    }

    /// The retry policy.
    pub fn retry(&mut self, retry: RetryConfig) {
        self.retry = retry;
    }

    /// The rate-limit governor's configuration.
    pub fn rate_limit(&mut self, config: RateLimitConfig) {
        self.rate_limit = config;
    }

    /// The budget shared through Redis.
    #[cfg(feature = "redis")]
    pub fn shared_budget(&mut self, budget: crate::governor::SharedBudget) {
        self.shared_budget = Some(budget);
    }

    /// The limit on one response body.
    pub fn max_response_size(&mut self, bytes: u64) {
        self.max_response_bytes = bytes;
    }

    /// The limit on the pages of one listing.
    pub fn max_pages(&mut self, pages: u32) {
        self.max_pages = pages;
    }

    /// Whether a value that does not fit its documented type fails the decode.
    pub fn strict_decoding(&mut self, strict: bool) {
        self.strict = strict;
    }

    /// A prepared `reqwest::Client`, used as it is.
    pub fn http_client(&mut self, client: reqwest::Client) {
        self.http = Some(client);
    }

    /// Trusts the certificate authorities in `pem` too.
    pub fn add_root_certificates_pem(&mut self, pem: Vec<u8>) {
        self.tls.extra_roots_pem.push(pem);
    }

    /// Whether the built-in Mozilla roots are trusted.
    pub fn builtin_roots(&mut self, enabled: bool) {
        self.tls.builtin_roots = Some(enabled);
    }

    /// Whether the operating system's trust store is trusted.
    pub fn platform_roots(&mut self, enabled: bool) {
        self.tls.platform_roots = Some(enabled);
    }

    /// The `reqwest::ClientBuilder` [`Engine::assemble`] would use: the TLS configuration (ring,
    /// the chosen roots), user agent, connect timeout, and no redirects.
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
}

impl Engine {
    /// Checks every setting and builds the engine: the org URL must be `https` (`http` only on
    /// loopback), without query, fragment or credentials, and exactly one way to authenticate
    /// must be set.
    pub fn assemble(settings: Settings) -> Result<Engine, Error> {
        let base = org_url(&settings.org_url)?;
        settings.rate_limit.validate().map_err(Error::Config)?;
        #[cfg(feature = "oauth")]
        if let Some(pk) = &settings.private_key {
            pk.validate()?;
        }
        match &settings.auth {
            Some(auth) if !auth.is_valid() => {
                return Err(Error::Config(format!(
                    "the {} token is empty or has characters a header cannot carry",
                    auth.scheme()
                )))
            }
            Some(_) => {}
            #[cfg(feature = "oauth")]
            None if settings.private_key.is_some() => {}
            None => {
                return Err(Error::Config(
                    "no credentials: call api_token(), access_token() or private_key()".into(),
                ))
            }
        }
        let http = match &settings.http {
            Some(http) => http.clone(),
            None => settings
                .http_client_builder()?
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        #[cfg(feature = "oauth")]
        let auth = match (settings.private_key, settings.auth) {
            (Some(pk), _) => Auth::PrivateKey(Arc::new(pk.into_provider(http.clone(), &base)?)),
            (None, Some(auth)) => auth,
            (None, None) => return Err(Error::Config("no credentials".into())),
        };
        #[cfg(not(feature = "oauth"))]
        let auth = settings
            .auth
            .ok_or_else(|| Error::Config("no credentials".into()))?;
        #[cfg(feature = "redis")]
        let governor = match (settings.rate_limit.enabled, settings.shared_budget) {
            (false, _) => None,
            (true, Some(budget)) => {
                let principal = crate::governor::principal_id(&auth);
                let shared = budget.open(&base, principal, &settings.rate_limit)?;
                Some(Governor::shared(settings.rate_limit, shared))
            }
            (true, None) => Some(Governor::new(settings.rate_limit)),
        };
        #[cfg(not(feature = "redis"))]
        let governor = settings
            .rate_limit
            .enabled
            .then(|| Governor::new(settings.rate_limit));
        Ok(Engine {
            http,
            base,
            auth,
            retry: settings.retry,
            governor,
            defaults: Limits {
                timeout: settings.timeout,
                attempt_timeout: settings.attempt_timeout,
                max_response_bytes: settings.max_response_bytes,
                max_pages: settings.max_pages,
                strict: settings.strict,
            },
        })
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
