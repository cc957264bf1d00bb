//! Credentials that never reach `Debug`, logs or errors.

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

/// The secret itself, for okta-client's runtime (an event hook's header, checked and
/// registered): a function of the hidden door rather than a method, so that the public type
/// offers no way to print it.
pub fn expose(secret: &Secret) -> &str {
    secret.expose()
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
