//! Successful responses: the decoded body together with the status and headers.

use std::time::Instant;

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use super::error::{excerpt, transport, DecodeError, Error};
use super::field::{with_mode, Mode};
use super::headers::{content_type_of, request_id_of, RateLimit};
use serde_json::value::RawValue;

/// A response as received, before decoding.
#[derive(Debug)]
pub struct RawResponse {
    /// The final status.
    pub status: StatusCode,
    /// The final answer's headers.
    pub headers: HeaderMap,
    /// The body as received.
    pub body: Bytes,
    /// How many times the request was retried.
    pub retries: u32,
    /// Whether a value that does not fit its documented type fails the decode.
    pub strict: bool,
}

/// Decodes `bytes` the fast way, then (unless `strict`) the lenient way; on failure, the serde
/// path of the failing field and what was wrong there.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8], strict: bool) -> Result<T, (String, String)> {
    let first = match with_mode(Mode::Strict, || serde_json::from_slice::<T>(bytes)) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let mode = if strict { Mode::Strict } else { Mode::Lenient };
    if !strict {
        if let Ok(v) = with_mode(mode, || serde_json::from_slice::<T>(bytes)) {
            return Ok(v);
        }
    }
    // Only a failure pays for tracking the path, by decoding again to name the failing field.
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match with_mode(mode, || serde_path_to_error::deserialize::<_, T>(&mut de)) {
        Err(e) => Err((e.path().to_string(), e.inner().to_string())),
        // Decoding succeeded with the path tracker: the failure is after the value.
        Ok(_) => Err((".".to_string(), first.to_string())),
    }
}

impl RawResponse {
    /// The body as JSON text; an empty body reads like `null` (so `serde_json::Value` gets
    /// `Null` and a struct gets a clear error).
    fn json(&self) -> &[u8] {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &self.body
        }
    }

    /// Decodes the body. An optional field of another shape than documented is kept raw in the
    /// model's `mismatched_fields` unless decoding is strict.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, Error> {
        decode_json(self.json(), self.strict)
            .map_err(|(path, message)| Error::Decode(Box::new(self.decode_error(path, message))))
    }

    /// Decodes a JSON array into the items that decoded and those that did not, each kept
    /// with its error (see [`decode_items`](Self::decode_items)).
    pub fn decode_list<T: DeserializeOwned>(
        &self,
        operation: &str,
    ) -> Result<(Vec<T>, Vec<DecodeError>), Error> {
        let decoded = self.decode_items(operation)?;
        let mut items = Vec::with_capacity(decoded.len());
        let mut undecoded = Vec::new();
        for item in decoded {
            match item {
                Ok(v) => items.push(v),
                Err(e) => undecoded.push(*e),
            }
        }
        Ok((items, undecoded))
    }

    /// Decodes a JSON array item by item: an item that does not decode is returned as its
    /// error (with the raw item), in its place, and logged as a warning; the others decode.
    /// Strict decoding, or a body that is not an array, fails whole.
    pub fn decode_items<T: DeserializeOwned>(
        &self,
        operation: &str,
    ) -> Result<Vec<Result<T, Box<DecodeError>>>, Error> {
        let bytes = self.json();
        if let Ok(items) = with_mode(Mode::Strict, || serde_json::from_slice::<Vec<T>>(bytes)) {
            return Ok(items.into_iter().map(Ok).collect());
        }
        let raw = match serde_json::from_slice::<Vec<&RawValue>>(bytes) {
            Ok(raw) if !self.strict => raw,
            _ => {
                return self
                    .decode::<Vec<T>>()
                    .map(|v| v.into_iter().map(Ok).collect())
            }
        };
        let decoded: Vec<Result<T, Box<DecodeError>>> = raw
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let text = item.get();
                decode_json(text.as_bytes(), false).map_err(|(path, message)| {
                    let path = match path.as_str() {
                        "." => format!("[{i}]"),
                        p if p.starts_with('[') => format!("[{i}]{p}"),
                        p => format!("[{i}].{p}"),
                    };
                    Box::new(DecodeError {
                        item_index: Some(i),
                        raw_item: serde_json::from_str(text).ok(),
                        body_excerpt: excerpt(text.as_bytes()),
                        ..self.decode_error(path, message)
                    })
                })
            })
            .collect();
        for e in decoded.iter().filter_map(|d| d.as_ref().err()) {
            tracing::warn!(
                operation,
                item = e.item_index,
                path = %e.path,
                "a list item does not decode; kept as received"
            );
        }
        Ok(decoded)
    }

    /// The body as UTF-8 text (XML, CSV, PEM); a body that is not UTF-8 is a decode error.
    pub fn text(&self) -> Result<String, Error> {
        String::from_utf8(self.body.to_vec()).map_err(|e| {
            Error::Decode(Box::new(self.decode_error(
                ".".into(),
                format!("the body is not UTF-8 text: {}", e.utf8_error()),
            )))
        })
    }

    fn decode_error(&self, path: String, message: String) -> DecodeError {
        DecodeError {
            status: self.status,
            headers: self.headers.clone(),
            path,
            message,
            body_excerpt: excerpt(&self.body),
            item_index: None,
            raw_item: None,
        }
    }

    /// The response around its decoded `body`.
    pub fn into_response<T>(self, body: T) -> ApiResponse<T> {
        ApiResponse {
            status: self.status,
            headers: self.headers,
            retries: self.retries,
            body,
            undecoded: Vec::new(),
        }
    }
}

/// A successful response: the typed body with the status and headers it came with.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApiResponse<T> {
    /// The HTTP status (a 2xx).
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// How many times the request was retried (after 429 or 503/504) before this answer.
    pub retries: u32,
    /// The decoded body.
    pub body: T,
    /// For an operation answering a JSON array that is not paginated: the items that did not
    /// decode, each with its position, serde path and raw JSON
    /// ([`DecodeError::raw_item`](crate::error::DecodeError::raw_item)). Empty otherwise, and
    /// with strict decoding.
    pub undecoded: Vec<DecodeError>,
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

    /// The `Content-Type` without its parameters (`application/xml`, `text/csv`, …).
    pub fn content_type(&self) -> Option<&str> {
        content_type_of(&self.headers)
    }
}

/// Reads the body, failing before reading past `limit` bytes (a declared length over the
/// limit fails before reading anything).
pub async fn read_body(
    mut response: reqwest::Response,
    limit: u64,
    started: Instant,
) -> Result<Bytes, Error> {
    let status = response.status();
    let too_large = || Error::ResponseTooLarge { status, limit };
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    // Most bodies arrive as one chunk: keep it without copying.
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    let mut total = 0u64;
    while let Some(chunk) = response.chunk().await.map_err(|e| transport(e, started))? {
        total = total.saturating_add(chunk.len() as u64);
        if total > limit {
            return Err(too_large());
        }
        match first.take() {
            None if rest.is_empty() => first = Some(chunk),
            Some(f) => {
                rest.extend_from_slice(&f);
                rest.extend_from_slice(&chunk);
            }
            None => rest.extend_from_slice(&chunk),
        }
    }
    Ok(first.unwrap_or_else(|| rest.freeze()))
}
