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

/// What an answer says about the credentials an attempt presented.
// Without the `oauth` feature only static tokens exist, which never ask for recovery.
#[cfg_attr(not(feature = "oauth"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthSignal {
    /// Nothing to recover from.
    Accepted,
    /// A DPoP nonce challenge: the same request, with a proof carrying the new nonce, may pass.
    NonceChallenge,
    /// A `401` for an access token the client fetched itself: it may have been revoked or
    /// rotated, and a new one may pass.
    TokenRejected,
}

/// How to recover before sending the same request again; decided by
/// [`Call`](super::call::Call), which allows each once per call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthAction {
    /// Nothing to do: the next proof carries the nonce the challenge gave.
    AnswerNonce,
    /// Forget the rejected access token, so that the next attempt fetches a new one.
    RenewToken,
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

    /// Reads what an answer says about the credentials `presented` (remembering a DPoP nonce
    /// it carries); the decision to resend is the call's.
    pub(crate) fn observe(
        &self,
        presented: &Presented,
        status: StatusCode,
        headers: &HeaderMap,
    ) -> AuthSignal {
        #[cfg(feature = "oauth")]
        if let (Auth::PrivateKey(provider), Some(_)) = (self, &presented.token) {
            if provider.api_nonce_challenge(status, headers) {
                return AuthSignal::NonceChallenge;
            }
            if status == StatusCode::UNAUTHORIZED {
                return AuthSignal::TokenRejected;
            }
        }
        let _ = (presented, status, headers);
        AuthSignal::Accepted
    }

    /// Carries out `action` before the same request is sent again.
    pub(crate) async fn recover(&self, presented: &Presented, action: AuthAction) {
        #[cfg(feature = "oauth")]
        if let (AuthAction::RenewToken, Auth::PrivateKey(provider), Some(token)) =
            (action, self, &presented.token)
        {
            provider.invalidate(token).await;
        }
        let _ = (presented, action);
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
