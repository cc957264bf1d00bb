//! The one error type of the client. Nothing in here ever holds a credential.

use std::fmt;
use std::time::{Duration, Instant};

use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use super::headers::{request_id_of, RateLimit};

/// Everything that can go wrong when calling Okta.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client was configured wrongly (a bad org URL, a missing token, …).
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// The request could not be built (an empty or `.`/`..` path parameter, a body that does not
    /// serialise, a path outside the org). Nothing was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The call did not complete in time: its deadline (the client's `ClientBuilder::timeout`
    /// or a per-request one, covering every attempt and wait) passed, or its last attempt ran
    /// past the `ClientBuilder::attempt_timeout` with no retry left.
    #[error(
        "the call timed out after {:.1} s ({attempts} attempt{})",
        elapsed.as_secs_f64(),
        if *attempts == 1 { "" } else { "s" }
    )]
    Timeout {
        /// How long the whole call had run, from its start (waits and every attempt included).
        elapsed: Duration,
        /// The attempts sent (or started) before it ended, `0` when it ended while waiting for
        /// rate-limit budget before the first.
        attempts: u32,
        /// The HTTP library's failure; `None` when the client's own timer ended the wait (for
        /// rate-limit budget, or an access token another call was fetching).
        #[source]
        source: Option<TransportError>,
    },
    /// The connection failed or broke (DNS, TLS, reset, …).
    #[error("transport error: {0}")]
    Transport(#[source] TransportError),
    /// Okta answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// Okta answered successfully but the body is not what the catalog describes.
    #[error("{0}")]
    Decode(Box<DecodeError>),
    /// The OAuth 2.0 token endpoint refused to issue an access token (`invalid_client`,
    /// `invalid_scope`, …).
    #[error("{0}")]
    Auth(Box<AuthError>),
    /// Okta answered with something the client cannot follow: a `Link` to another host, a
    /// pagination cycle (a next link to a page already fetched), more pages than the limit.
    #[error("unexpected response: {0}")]
    UnexpectedResponse(String),
    /// The response body is larger than the limit (`ClientBuilder::max_response_size`); it was
    /// not read past the limit.
    #[error("the {status} response is larger than the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The response's status.
        status: StatusCode,
        /// The limit that was exceeded, in bytes.
        limit: u64,
    },
}

/// A failure below HTTP: DNS, connect, TLS, a broken connection, a timeout. The underlying
/// HTTP library's error is reachable through [`std::error::Error::source`] but is not part of
/// this crate's API, so that its major versions do not become this crate's.
#[derive(Debug)]
pub struct TransportError {
    inner: reqwest::Error,
}

impl TransportError {
    /// Whether the connection could not be established.
    pub fn is_connect(&self) -> bool {
        self.inner.is_connect()
    }

    /// Whether the failure happened while reading the response body.
    pub fn is_body(&self) -> bool {
        self.inner.is_body() || self.inner.is_decode()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.inner)
    }
}

/// Maps an HTTP library failure; the URL (which may hold ids) is dropped.
pub fn transport(e: reqwest::Error, started: Instant) -> Error {
    let timeout = e.is_timeout();
    let source = TransportError {
        inner: e.without_url(),
    };
    if timeout {
        Error::Timeout {
            elapsed: started.elapsed(),
            attempts: 1,
            source: Some(source),
        }
    } else {
        Error::Transport(source)
    }
}

impl Error {
    /// Whether sending the same request again may succeed: `429` and
    /// [`DEFAULT_RETRY_STATUSES`](crate::retry::DEFAULT_RETRY_STATUSES) (503, 504), timeouts,
    /// failed or broken connections, and a token endpoint that is temporarily unavailable. This
    /// is the rule the default [`RetryConfig`](crate::retry::RetryConfig) retries by (statuses
    /// and transport failures on idempotent methods only, `429` on every method), so an error
    /// the client gave up on after its retries still says `true` here.
    pub fn is_retryable(&self) -> bool {
        match self {
            // The rule the default RetryConfig retries by, so the two never disagree.
            Error::Api(e) => super::retry::is_transient_status(e.status),
            Error::Timeout { .. } | Error::Transport(_) => true,
            Error::Auth(e) => {
                e.error == "temporarily_unavailable"
                    || e.status.is_some_and(|s| s.is_server_error())
            }
            _ => false,
        }
    }

    /// The HTTP status, when Okta answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            _ => None,
        }
    }

    /// The response headers, when Okta answered.
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Error::Api(e) => Some(&e.headers),
            Error::Decode(e) => Some(&e.headers),
            _ => None,
        }
    }

    /// `X-Okta-Request-Id` of the failed response, to quote to Okta support.
    pub fn request_id(&self) -> Option<&str> {
        self.headers().and_then(request_id_of)
    }

    /// The API error, if this is one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }
}

/// A token endpoint error (RFC 6749 §5.2). It never holds the assertion, key or a token.
#[derive(Debug)]
#[non_exhaustive]
pub struct AuthError {
    /// The token endpoint's HTTP status, when it answered.
    pub status: Option<StatusCode>,
    /// The OAuth error code: `invalid_client`, `invalid_scope`, `invalid_grant`, …
    pub error: String,
    /// The endpoint's `error_description`.
    pub description: Option<String>,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the OAuth 2.0 token request failed")?;
        if let Some(s) = self.status {
            write!(f, " ({s})")?;
        }
        write!(f, ": {}", self.error)?;
        if let Some(d) = &self.description {
            write!(f, ": {d}")?;
        }
        let hint = match self.error.as_str() {
            "invalid_client" => " (check the client id, that the app uses private_key_jwt, and that its public key / kid match the private key)",
            "invalid_scope" => " (grant the scopes to the app in the Okta Admin Console)",
            "invalid_dpop_proof" | "use_dpop_nonce" => " (check whether the app requires DPoP)",
            _ => "",
        };
        f.write_str(hint)
    }
}

/// An error status from Okta, with everything it said about it.
#[derive(Debug)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status (4xx or 5xx).
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The parsed Okta error body, when the body is one.
    pub body: Option<OktaErrorBody>,
    /// The body as received, kept whether or not it parsed (lossily decoded as UTF-8).
    pub raw_body: String,
    /// How many times the request was retried before this answer.
    pub retries: u32,
}

/// The error of a final answer `status` with `body`, after `retries` retries: what the engine
/// returns, and what a caller of the runtime that judges answers itself builds.
pub fn api_error(status: StatusCode, headers: HeaderMap, body: &[u8], retries: u32) -> ApiError {
    ApiError::new(status, headers, body, retries)
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, headers: HeaderMap, body: &[u8], retries: u32) -> Self {
        let parsed = serde_json::from_slice::<OktaErrorBody>(body)
            .ok()
            .filter(|b| b.error_code.is_some() || b.error_summary.is_some());
        ApiError {
            status,
            headers,
            body: parsed,
            raw_body: String::from_utf8_lossy(body).into_owned(),
            retries,
        }
    }

    /// Okta's `errorCode` (e.g. `E0000007`).
    pub fn error_code(&self) -> Option<&str> {
        self.body.as_ref()?.error_code.as_deref()
    }

    /// Okta's `errorSummary`.
    pub fn error_summary(&self) -> Option<&str> {
        self.body.as_ref()?.error_summary.as_deref()
    }

    /// `X-Okta-Request-Id` of the response.
    pub fn request_id(&self) -> Option<&str> {
        request_id_of(&self.headers)
    }

    /// The rate-limit headers of the response.
    pub fn rate_limit(&self) -> RateLimit {
        RateLimit::from_headers(&self.headers)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Okta API error {}", self.status)?;
        match &self.body {
            Some(b) => {
                if let Some(code) = &b.error_code {
                    write!(f, " {code}")?;
                }
                if let Some(s) = &b.error_summary {
                    write!(f, ": {s}")?;
                }
                for c in &b.error_causes {
                    if let Some(s) = &c.error_summary {
                        write!(f, " ({s})")?;
                    }
                }
            }
            None if !self.raw_body.is_empty() => {
                write!(f, ": {}", excerpt(self.raw_body.as_bytes()))?
            }
            None => {}
        }
        if let Some(id) = self.request_id() {
            write!(f, " [request id {id}]")?;
        }
        if self.retries > 0 {
            write!(
                f,
                " after {} retr{}",
                self.retries,
                if self.retries == 1 { "y" } else { "ies" }
            )?;
        }
        Ok(())
    }
}

/// The JSON body of an Okta error response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OktaErrorBody {
    /// `errorCode`, such as `E0000007`.
    #[serde(rename = "errorCode", default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// `errorSummary`: what went wrong, in words.
    #[serde(
        rename = "errorSummary",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub error_summary: Option<String>,
    /// `errorLink`.
    #[serde(rename = "errorLink", default, skip_serializing_if = "Option::is_none")]
    pub error_link: Option<String>,
    /// `errorId`: this occurrence, for Okta support.
    #[serde(rename = "errorId", default, skip_serializing_if = "Option::is_none")]
    pub error_id: Option<String>,
    /// `errorCauses`: one entry per problem (for example per invalid field).
    #[serde(rename = "errorCauses", default, skip_serializing_if = "Vec::is_empty")]
    pub error_causes: Vec<ErrorCause>,
    /// Any other fields of the error body.
    #[serde(flatten)]
    pub additional_properties: serde_json::Map<String, serde_json::Value>,
}

/// One entry of `errorCauses`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorCause {
    /// `errorSummary` of this cause.
    #[serde(
        rename = "errorSummary",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub error_summary: Option<String>,
    /// Any other fields of the cause.
    #[serde(flatten)]
    pub additional_properties: serde_json::Map<String, serde_json::Value>,
}

/// A successful response whose body (or one item of a list) does not decode into the expected
/// type.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DecodeError {
    /// The (successful) HTTP status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// Where in the JSON decoding failed, as a serde path (`[3].channel.config.uri`); `.` for
    /// the whole body.
    pub path: String,
    /// What was wrong there.
    pub message: String,
    /// The start of the body (of the item, for a list item), for the log.
    pub body_excerpt: String,
    /// For one item of a list that did not decode: its position in the page.
    pub item_index: Option<usize>,
    /// For one item of a list that did not decode: the item as received, so that nothing is
    /// lost.
    pub raw_item: Option<serde_json::Value>,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.item_index {
            Some(i) => format!("item {i} of the {} response", self.status),
            None => format!("the {} response", self.status),
        };
        write!(
            f,
            "could not decode {what} at `{}`: {}; {} starts with: {}",
            self.path,
            self.message,
            if self.item_index.is_some() {
                "the item"
            } else {
                "body"
            },
            self.body_excerpt
        )
    }
}

/// At most 200 characters of a body, on a character boundary.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut end = text.len().min(200);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut s = text[..end].to_string();
    if end < text.len() {
        s.push('…');
    }
    s
}
