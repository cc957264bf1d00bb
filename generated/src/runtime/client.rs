//! The client and the one function that sends every request (authentication, retries,
//! limits, tracing, error mapping).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};
use tracing::Instrument;
use url::Url;

use super::auth::{Auth, Recovery};
use super::error::{transport, ApiError, Error};
use super::governor::{Governor, Key, Verdict};
use super::headers::request_id_of;
use super::request::{Body, Request};
use super::response::{read_body, RawResponse};
use super::retry::{jitter, RetryConfig};

/// A client for one Okta org. Cheap to clone: clones share the connection pool, the rate-limit
/// governor (one budget per route, one cap on requests in flight) and, with OAuth, the access
/// token.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) auth: Auth,
    pub(crate) retry: RetryConfig,
    /// Pacing under the rate limits, shared by all clones; `None` when switched off.
    pub(crate) governor: Option<Governor>,
    pub(crate) timeout: Duration,
    pub(crate) max_response_bytes: u64,
    pub(crate) max_pages: u32,
    /// Whether a value that does not fit its documented type fails the decode.
    pub(crate) strict: bool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("org_url", &self.inner.base.as_str())
            .field("auth", &self.inner.auth)
            .field("retry", &self.inner.retry)
            .field("rate_limit", &self.inner.governor)
            .field("timeout", &self.inner.timeout)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .field("max_pages", &self.inner.max_pages)
            .field("strict_decoding", &self.inner.strict)
            .finish()
    }
}

/// Headers the client sets itself; a caller may not replace them on one request.
const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "dpop",
    "host",
    "content-length",
    "transfer-encoding",
    "x-okta-retry-for",
    "x-okta-retry-count",
];

impl Client {
    /// The org URL requests are sent to.
    pub fn org_url(&self) -> &Url {
        &self.inner.base
    }

    pub(crate) fn max_pages(&self, request: &Request) -> u32 {
        request.options.max_pages.unwrap_or(self.inner.max_pages)
    }

    /// Sends `request` with authentication, retrying rate limits and 503/504 as configured.
    pub(crate) async fn execute(&self, request: &Request) -> Result<RawResponse, Error> {
        let span = tracing::info_span!(
            "okta.request",
            operation = request.operation,
            method = %request.method,
            path = request.template,
            status = tracing::field::Empty,
            retries = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        self.execute_inner(request).instrument(span).await
    }

    async fn execute_inner(&self, request: &Request) -> Result<RawResponse, Error> {
        let inner = &*self.inner;
        let url = request.url(&inner.base)?;
        if url.origin() != inner.base.origin() {
            return Err(Error::InvalidRequest(format!(
                "{url} is not on the org {}",
                inner.base
            )));
        }
        let headers = extra_headers(request)?;
        let accept = match &request.options.accept {
            Some(a) => HeaderValue::from_str(a)
                .map_err(|e| Error::InvalidRequest(format!("bad Accept value {a:?}: {e}")))?,
            None => HeaderValue::from_static("application/json"),
        };
        // The body as sent on every attempt; one that did not serialise is rejected up front.
        let payload = match &request.body {
            Body::None => None,
            Body::Json(json) => match &json.0 {
                Ok(bytes) => Some((HeaderValue::from_static("application/json"), bytes.clone())),
                Err(e) => {
                    return Err(Error::InvalidRequest(format!(
                        "the request body does not serialise: {e}"
                    )))
                }
            },
            Body::Raw {
                bytes,
                content_type,
            } => {
                let ct = HeaderValue::from_str(content_type).map_err(|e| {
                    Error::InvalidRequest(format!("bad content type {content_type:?}: {e}"))
                })?;
                Some((ct, bytes.clone()))
            }
            #[cfg(feature = "multipart")]
            Body::Multipart(_) => None,
        };
        let timeout = request.options.timeout.unwrap_or(inner.timeout);
        let limit = request
            .options
            .max_response_bytes
            .unwrap_or(inner.max_response_bytes);
        let strict = request.options.strict.unwrap_or(inner.strict);
        let idempotent = request.is_idempotent();
        let mut retries = 0u32;
        let mut waited = Duration::ZERO;
        let mut retry_for: Option<String> = None;
        let mut recovery = Recovery::default();
        let key = inner
            .governor
            .as_ref()
            .map(|_| bucket_key(request, &url, &inner.base));
        let mut concurrency_429s = 0u32;
        let mut spent_429s = 0u32;
        loop {
            // A reserved unit of the route's budget and a concurrency slot, given back when
            // the answer is recorded (or, on any early return, when the ticket is dropped).
            let ticket = match (&inner.governor, &key) {
                (Some(g), Some(k)) => Some(g.acquire(k).await),
                _ => None,
            };
            let mut rb = inner
                .http
                .request(request.method.clone(), url.clone())
                .timeout(timeout);
            // A token request made for this attempt is bounded by the same timeout.
            let (auth_headers, presented) =
                inner.auth.present(&request.method, &url, timeout).await?;
            for (name, value) in auth_headers {
                rb = rb.header(name, value);
            }
            rb = rb.header(ACCEPT, accept.clone());
            for (name, value) in &headers {
                rb = rb.header(name.clone(), value.clone());
            }
            if retries > 0 {
                if let Some(id) = &retry_for {
                    rb = rb.header("X-Okta-Retry-For", id.as_str());
                }
                rb = rb.header("X-Okta-Retry-Count", retries.to_string());
            }
            if let Some((ct, bytes)) = &payload {
                rb = rb.header(CONTENT_TYPE, ct.clone()).body(bytes.clone());
            }
            #[cfg(feature = "multipart")]
            if let Body::Multipart(m) = &request.body {
                rb = rb.multipart(m.to_form()?);
            }
            let started = Instant::now();
            let answer = match rb.send().await {
                Ok(response) => {
                    // A prepared reqwest client may follow redirects; its answers from
                    // elsewhere are not the org's.
                    if response.url().origin() != inner.base.origin() {
                        return Err(Error::UnexpectedResponse(
                            "the response came from another origin (a redirect)".into(),
                        ));
                    }
                    let status = response.status();
                    let headers = response.headers().clone();
                    read_body(response, limit, started)
                        .await
                        .map(|bytes| (status, headers, bytes))
                }
                Err(e) => Err(transport(e, started)),
            };
            let (status, headers, bytes) = match answer {
                Ok(answer) => answer,
                Err(e @ (Error::Transport(_) | Error::Timeout { .. })) => {
                    let delay = inner.retry.transport_delay(idempotent, retries);
                    if wait_to_retry(&e, delay, &inner.retry, &mut waited, &mut retries).await {
                        continue;
                    }
                    return Err(e);
                }
                Err(e) => return Err(e),
            };
            let span = tracing::Span::current();
            span.record("status", status.as_u16());
            span.record("retries", retries);
            if let Some(id) = request_id_of(&headers) {
                span.record("request_id", id);
            }
            let verdict = match ticket {
                // issue 26: recording may ask the shared budget in Redis (bounded by its timeout).
                Some(t) => t.finish(status, &headers).await,
                None => Verdict::Unknown,
            };
            if inner
                .auth
                .resend(&presented, status, &headers, &mut recovery)
                .await
            {
                continue;
            }
            if status.is_success() {
                return Ok(RawResponse {
                    status,
                    headers,
                    body: bytes,
                    retries,
                    strict,
                });
            }
            let retry_left = retries < inner.retry.max_retries;
            let delay = match (verdict, &inner.governor) {
                // The bucket is spent: wait for its reset by the server's clock (a 429 was not
                // processed, so any method may be sent again). A bucket still spent after the
                // reset it announced is also backed off like a concurrency violation, so that a
                // server's stale resets cannot spin a call.
                (Verdict::Spent(wait), Some(g)) => retry_left.then(|| {
                    let floor = match spent_429s.checked_sub(1) {
                        Some(n) => g.config.concurrency_delay(n),
                        None => Duration::ZERO,
                    };
                    spent_429s = spent_429s.saturating_add(1);
                    wait.max(floor).saturating_add(jitter(g.config.max_jitter))
                }),
                (Verdict::Concurrency, Some(g)) => retry_left.then(|| {
                    let d = g.config.concurrency_delay(concurrency_429s);
                    concurrency_429s = concurrency_429s.saturating_add(1);
                    d
                }),
                _ => inner.retry.delay(status, &headers, idempotent, retries),
            };
            if wait_to_retry(&status, delay, &inner.retry, &mut waited, &mut retries).await {
                retry_for = request_id_of(&headers).map(str::to_string);
                continue;
            }
            return Err(Error::Api(Box::new(ApiError::new(
                status, headers, &bytes, retries,
            ))));
        }
    }
}

/// Waits `delay` before the next attempt and counts the retry, when the wait keeps the call
/// within [`RetryConfig::max_total_wait`]; a wait past the budget (or one that overflows it) is
/// never started, and `false` tells the caller to return its error.
async fn wait_to_retry(
    cause: &(dyn fmt::Display + Sync),
    delay: Option<Duration>,
    retry: &RetryConfig,
    waited: &mut Duration,
    retries: &mut u32,
) -> bool {
    let Some(total) = delay
        .and_then(|d| waited.checked_add(d))
        .filter(|t| *t <= retry.max_total_wait)
    else {
        return false;
    };
    let delay = total.saturating_sub(*waited);
    tracing::debug!(
        cause = %cause,
        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        "retrying"
    );
    tokio::time::sleep(delay).await;
    *waited = total;
    *retries = retries.saturating_add(1);
    true
}

/// The rate-limit bucket of `request`: the catalog's path template for typed operations; for
/// generic requests (whose template is a placeholder) a prefix of the path below the org URL,
/// see [`Key::generic`].
fn bucket_key(request: &Request, url: &Url, base: &Url) -> Key {
    if request.template != super::customize::GENERIC_TEMPLATE {
        return Key::template(request.method.clone(), request.template);
    }
    let prefix = base.path().trim_end_matches('/');
    let path = url.path().strip_prefix(prefix).unwrap_or(url.path());
    Key::generic(request.method.clone(), path)
}

/// The caller's extra headers, checked once: valid names and values, none the client owns.
fn extra_headers(request: &Request) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
    request
        .headers
        .iter()
        .map(|(k, v)| {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| Error::InvalidRequest(format!("bad header name {k:?}: {e}")))?;
            if RESERVED_HEADERS.contains(&name.as_str()) {
                return Err(Error::InvalidRequest(format!(
                    "the header {name} is set by the client and cannot be replaced"
                )));
            }
            let value = HeaderValue::from_str(v)
                .map_err(|e| Error::InvalidRequest(format!("bad value for header {k}: {e}")))?;
            Ok((name, value))
        })
        .collect()
}
