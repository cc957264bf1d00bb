//! How requests authenticate: a static token, or (with the `oauth` feature) an access token
//! fetched for a service app and presented with its DPoP proof.

use http::{HeaderMap, HeaderValue, Method, StatusCode};
use url::Url;

use super::error::Error;
use super::secret::Secret;

/// How requests authenticate.
#[derive(Clone, Debug)]
pub(crate) enum Auth {
    /// An Okta API token: `Authorization: SSWS {token}`.
    ApiToken(Secret),
    /// An OAuth 2.0 access token: `Authorization: Bearer {token}`.
    AccessToken(Secret),
    /// OAuth 2.0 client credentials with a signed client assertion (tokens fetched as needed).
    #[cfg(feature = "oauth")]
    PrivateKey(std::sync::Arc<super::oauth::TokenProvider>),
}

/// What one attempt presented, so that its answer can be judged.
pub(crate) struct Presented {
    #[cfg(feature = "oauth")]
    token: Option<super::oauth::Token>,
}

/// What a call already did to recover, so that each recovery happens once.
#[derive(Default)]
pub(crate) struct Recovery {
    #[cfg(feature = "oauth")]
    refreshed: bool,
    #[cfg(feature = "oauth")]
    nonce_retried: bool,
}

impl Auth {
    /// The headers that authenticate one attempt: `Authorization`, and `DPoP` when bound.
    pub(crate) async fn present(
        &self,
        method: &Method,
        url: &Url,
        timeout: std::time::Duration,
    ) -> Result<(Vec<(&'static str, HeaderValue)>, Presented), Error> {
        let text = match self {
            Auth::ApiToken(t) => format!("SSWS {}", t.expose()),
            Auth::AccessToken(t) => format!("Bearer {}", t.expose()),
            #[cfg(feature = "oauth")]
            Auth::PrivateKey(provider) => {
                let token = provider.token(timeout).await?;
                let mut headers = vec![("authorization", token.authorization())];
                if let Some(proof) = provider.api_proof(method, url, &token)? {
                    let proof = HeaderValue::from_str(&proof).map_err(|_| {
                        Error::InvalidRequest("the DPoP proof is not a header value".into())
                    })?;
                    headers.push(("dpop", proof));
                }
                return Ok((headers, Presented { token: Some(token) }));
            }
        };
        let _ = (method, url, timeout);
        // A token with bytes a header cannot carry was rejected when the client was built.
        let mut v = HeaderValue::from_str(&text)
            .map_err(|_| Error::Config("the token has characters a header cannot carry".into()))?;
        v.set_sensitive(true);
        Ok((
            vec![("authorization", v)],
            Presented {
                #[cfg(feature = "oauth")]
                token: None,
            },
        ))
    }

    /// Whether to send the same request again because of how authentication went: a DPoP
    /// nonce challenge (once), or a 401 after which a new access token is fetched (once).
    pub(crate) async fn resend(
        &self,
        presented: &Presented,
        status: StatusCode,
        headers: &HeaderMap,
        recovery: &mut Recovery,
    ) -> bool {
        #[cfg(feature = "oauth")]
        if let (Auth::PrivateKey(provider), Some(token)) = (self, &presented.token) {
            if provider.api_nonce_challenge(status, headers) && !recovery.nonce_retried {
                recovery.nonce_retried = true;
                return true;
            }
            if status == StatusCode::UNAUTHORIZED && !recovery.refreshed {
                // The token may have been revoked or rotated: fetch a new one, once.
                provider.invalidate(token).await;
                recovery.refreshed = true;
                return true;
            }
        }
        let _ = (presented, status, headers, recovery);
        false
    }

    pub(crate) fn is_valid(&self) -> bool {
        let t = match self {
            Auth::ApiToken(t) | Auth::AccessToken(t) => t.expose(),
            #[cfg(feature = "oauth")]
            Auth::PrivateKey(_) => return true,
        };
        !t.is_empty() && t.bytes().all(|b| (0x21..0x7f).contains(&b))
    }

    pub(crate) fn scheme(&self) -> &'static str {
        match self {
            Auth::ApiToken(_) => "SSWS",
            Auth::AccessToken(_) => "Bearer",
            #[cfg(feature = "oauth")]
            Auth::PrivateKey(_) => "PrivateKey",
        }
    }
}
