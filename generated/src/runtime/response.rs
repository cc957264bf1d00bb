//! Successful responses: the decoded body together with the status and headers.

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use super::error::{excerpt, DecodeError, Error};

/// A response as received, before decoding.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub retries: u32,
}

impl RawResponse {
    /// Decodes the body; an empty body decodes like `null` (so `serde_json::Value` gets
    /// `Null` and a struct gets a clear error).
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let bytes: &[u8] = if self.body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &self.body
        };
        // The fast path is plain serde; only a failure pays for tracking the path, by decoding
        // again to name the failing field.
        match serde_json::from_slice(bytes) {
            Ok(v) => Ok(v),
            Err(first) => {
                let mut de = serde_json::Deserializer::from_slice(bytes);
                let path = match serde_path_to_error::deserialize::<_, T>(&mut de) {
                    Err(e) => {
                        return Err(self.decode_error(e.path().to_string(), e.inner().to_string()))
                    }
                    // Decoding succeeded with the path tracker: the failure is after the value.
                    Ok(_) => ".".to_string(),
                };
                Err(self.decode_error(path, first.to_string()))
            }
        }
    }

    fn decode_error(&self, path: String, message: String) -> Error {
        Error::Decode(Box::new(DecodeError {
            status: self.status,
            headers: self.headers.clone(),
            path,
            message,
            body_excerpt: excerpt(&self.body),
        }))
    }

    pub fn into_response<T>(self, body: T) -> ApiResponse<T> {
        ApiResponse {
            status: self.status,
            headers: self.headers,
            retries: self.retries,
            body,
        }
    }
}

/// A successful response: the typed body with the status and headers it came with.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApiResponse<T> {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// How many times the request was retried (after 429 or 503/504) before this answer.
    pub retries: u32,
    pub body: T,
}

impl<T> ApiResponse<T> {
    /// The decoded body.
    pub fn into_body(self) -> T {
        self.body
    }

    /// `X-Okta-Request-Id`, to quote to Okta support.
    pub fn request_id(&self) -> Option<&str> {
        request_id_of(&self.headers)
    }

    /// The `X-Rate-Limit-*` headers.
    pub fn rate_limit(&self) -> RateLimit {
        RateLimit::from_headers(&self.headers)
    }
}

pub(crate) fn request_id_of(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("x-okta-request-id")
        .and_then(|v| v.to_str().ok())
}

/// Okta's rate-limit headers; each is `None` when absent or not a number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// `X-Rate-Limit-Limit`: requests allowed in the current window.
    pub limit: Option<u64>,
    /// `X-Rate-Limit-Remaining`: requests left in the current window.
    pub remaining: Option<u64>,
    /// `X-Rate-Limit-Reset`: when the window resets, in seconds since the Unix epoch.
    pub reset: Option<u64>,
}

impl RateLimit {
    pub fn from_headers(headers: &HeaderMap) -> RateLimit {
        RateLimit {
            limit: single_u64(headers, "x-rate-limit-limit"),
            remaining: single_u64(headers, "x-rate-limit-remaining"),
            reset: single_u64(headers, "x-rate-limit-reset"),
        }
    }
}

/// The header's value as a number, only when it appears exactly once.
pub(crate) fn single_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    first.to_str().ok()?.trim().parse().ok()
}
