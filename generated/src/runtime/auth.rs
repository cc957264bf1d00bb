//! Credentials, and the guarantee that they never reach `Debug`, logs or errors.

use std::fmt;
use std::sync::Arc;

/// A secret string (an API token or access token). Its `Debug` and `Display` never show it.
#[derive(Clone)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps `value`; from here on it prints as `<redacted>`.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::from(value.into()))
    }

    /// The secret itself; only for building the `Authorization` header.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How requests authenticate.
#[derive(Clone, Debug)]
pub(crate) enum Auth {
    /// An Okta API token: `Authorization: SSWS {token}`.
    ApiToken(Secret),
    /// An OAuth 2.0 access token: `Authorization: Bearer {token}`.
    AccessToken(Secret),
    /// OAuth 2.0 client credentials with a signed client assertion (tokens fetched as needed).
    PrivateKey(std::sync::Arc<super::oauth::TokenProvider>),
}

impl Auth {
    /// The `Authorization` header of the static modes.
    pub(crate) fn header_value(&self) -> reqwest::header::HeaderValue {
        let text = match self {
            Auth::ApiToken(t) => format!("SSWS {}", t.expose()),
            Auth::AccessToken(t) => format!("Bearer {}", t.expose()),
            Auth::PrivateKey(_) => String::new(),
        };
        // A token with bytes a header cannot carry was rejected when the client was built.
        let mut v = reqwest::header::HeaderValue::from_str(&text)
            .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static(""));
        v.set_sensitive(true);
        v
    }

    pub(crate) fn is_valid(&self) -> bool {
        let t = match self {
            Auth::ApiToken(t) | Auth::AccessToken(t) => t.expose(),
            Auth::PrivateKey(_) => return true,
        };
        !t.is_empty() && t.bytes().all(|b| (0x21..0x7f).contains(&b))
    }

    pub(crate) fn scheme(&self) -> &'static str {
        match self {
            Auth::ApiToken(_) => "SSWS",
            Auth::AccessToken(_) => "Bearer",
            Auth::PrivateKey(_) => "PrivateKey",
        }
    }
}
