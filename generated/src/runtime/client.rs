//! The client and the one function that sends every request, as a sequence of steps: prepare
//! (once), then per attempt pace (the governor), sign (authentication), send, and decide. The
//! decisions (deadline, retries, `401`/DPoP recovery, `429` verdicts) are
//! [`Call`](super::call::Call)'s, which does no I/O.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};
use tracing::Instrument;
use url::Url;

use super::auth::Auth;
use super::call::{Answer, Call, Next, Policy};
use super::error::{transport, ApiError, Error};
use super::governor::{self, Governor, Key, Ticket, Verdict};
use super::headers::request_id_of;
use super::prepare::Prepared;
use super::request::{Body, Request};
use super::response::{read_body, RawResponse};
use super::retry::{jitter, Hints, RetryConfig};

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
    /// The deadline of a whole call.
    pub(crate) timeout: Duration,
    /// The limit of one attempt.
    pub(crate) attempt_timeout: Duration,
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
            .field("attempt_timeout", &self.inner.attempt_timeout)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .field("max_pages", &self.inner.max_pages)
            .field("strict_decoding", &self.inner.strict)
            .finish()
    }
}

impl Client {
    /// The org URL requests are sent to.
    pub fn org_url(&self) -> &Url {
        &self.inner.base
    }

    pub(crate) fn max_pages(&self, request: &Request) -> u32 {
        request.options.max_pages.unwrap_or(self.inner.max_pages)
    }

    /// Sends `request` with authentication, pacing and retries, within the call's deadline.
    pub(crate) async fn execute(&self, request: &Request) -> Result<RawResponse, Error> {
        let prepared = Prepared::new(request, &self.inner.base);
        let span = tracing::info_span!(
            "okta.request",
            operation = request.operation,
            method = %request.method,
            path = prepared.as_ref().map_or("", |p| &*p.route),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            retries = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        async move { self.run_call(request, &prepared?).await }
            .instrument(span)
            .await
    }

    async fn run_call(&self, request: &Request, prepared: &Prepared) -> Result<RawResponse, Error> {
        let inner = &*self.inner;
        let policy = Policy {
            retry: &inner.retry,
            pacing: inner.governor.as_ref().map(|g| &g.config),
            idempotent: request.is_idempotent(),
            jitter,
        };
        let mut call = Call::new(
            Instant::now(),
            request.options.timeout.unwrap_or(inner.timeout),
            request
                .options
                .attempt_timeout
                .unwrap_or(inner.attempt_timeout),
        );
        // The route's bucket: the governor's key, and the metrics' `route` label (recorded
        // also with the governor off).
        let key = (inner.governor.is_some() || cfg!(feature = "metrics"))
            .then(|| prepared.bucket(request));
        let mut retry_for: Option<String> = None;
        loop {
            // Pace: a unit of the route's budget and a concurrency slot, given back when the
            // answer is recorded (or, on any early return, when the ticket is dropped).
            let ticket = self.pace_attempt(key.as_ref(), &call).await?;
            let Some(budget) = call.begin_attempt(Instant::now()) else {
                return Err(call.timed_out(Instant::now(), None));
            };
            // Sign: a token request made for this attempt is bounded by the attempt's time.
            let (auth_headers, presented) = inner
                .auth
                .present(&request.method, &prepared.url, budget)
                .await
                .map_err(|e| call.finish(e, Instant::now()))?;
            // Send.
            let mut rb = self.build_attempt(request, prepared, budget, auth_headers)?;
            if call.retries() > 0 {
                if let Some(id) = &retry_for {
                    rb = rb.header("X-Okta-Retry-For", id.as_str());
                }
                rb = rb.header("X-Okta-Retry-Count", call.retries().to_string());
            }
            let (status, headers, bytes) = match self.send_attempt(rb, request).await {
                Ok(answer) => answer,
                Err(e @ (Error::Transport(_) | Error::Timeout { .. })) => {
                    match (ticket, &key) {
                        (Some(t), _) => drop(t),
                        (None, Some(k)) => governor::record_unpaced(k, None),
                        (None, None) => {}
                    }
                    match call.after_failure(&policy, Instant::now()) {
                        Next::Retry(delay) => {
                            pause(&e, delay).await;
                            continue;
                        }
                        _ => return Err(call.finish(e, Instant::now())),
                    }
                }
                Err(e) => return Err(e),
            };
            let span = tracing::Span::current();
            span.record("status", status.as_u16());
            span.record("attempts", call.attempts());
            span.record("retries", call.retries());
            if let Some(id) = request_id_of(&headers) {
                span.record("request_id", id);
            }
            // Decide.
            let answer = Answer {
                status,
                // issue 26: recording may ask the shared budget in Redis (bounded by its timeout).
                verdict: match (ticket, &key) {
                    (Some(t), _) => t.finish(status, &headers).await,
                    (None, Some(k)) => {
                        governor::record_unpaced(k, Some((status, &headers)));
                        Verdict::Unknown
                    }
                    (None, None) => Verdict::Unknown,
                },
                hints: Hints::of(status, &headers),
                auth: inner.auth.observe(&presented, status, &headers),
            };
            match call.after_answer(&policy, &answer, Instant::now()) {
                Next::Accept => {
                    return Ok(RawResponse {
                        status,
                        headers,
                        body: bytes,
                        retries: call.retries(),
                        strict: request.options.strict.unwrap_or(inner.strict),
                    })
                }
                Next::Resend(action) => inner.auth.recover(&presented, action).await,
                Next::Retry(delay) => {
                    pause(&status, delay).await;
                    retry_for = request_id_of(&headers).map(str::to_string);
                }
                Next::Fail => {
                    return Err(Error::Api(Box::new(ApiError::new(
                        status,
                        headers,
                        &bytes,
                        call.retries(),
                    ))))
                }
            }
        }
    }

    /// Waits for the governor's permission to send, within the call's deadline.
    async fn pace_attempt<'g>(
        &'g self,
        key: Option<&'g Key>,
        call: &Call,
    ) -> Result<Option<Ticket<'g>>, Error> {
        let (Some(governor), Some(key)) = (&self.inner.governor, key) else {
            return Ok(None);
        };
        // tokio bounds the timer, so no deadline can overflow it.
        match tokio::time::timeout(call.remaining(Instant::now()), governor.acquire(key)).await {
            Ok(ticket) => Ok(Some(ticket)),
            Err(_) => Err(call.timed_out(Instant::now(), None)),
        }
    }

    /// One attempt's HTTP request: the prepared parts and the credentials.
    fn build_attempt(
        &self,
        request: &Request,
        prepared: &Prepared,
        budget: Duration,
        auth_headers: Vec<(&'static str, HeaderValue)>,
    ) -> Result<reqwest::RequestBuilder, Error> {
        let mut rb = self
            .inner
            .http
            .request(request.method.clone(), prepared.url.clone())
            .timeout(budget);
        for (name, value) in auth_headers {
            rb = rb.header(name, value);
        }
        rb = rb.header(ACCEPT, prepared.accept.clone());
        for (name, value) in &prepared.headers {
            rb = rb.header(name.clone(), value.clone());
        }
        if let Some((ct, bytes)) = &prepared.payload {
            rb = rb.header(CONTENT_TYPE, ct.clone()).body(bytes.clone());
        }
        #[cfg(feature = "multipart")]
        if let Body::Multipart(m) = &request.body {
            rb = rb.multipart(m.to_form()?);
        }
        #[cfg(not(feature = "multipart"))]
        let _: &Body = &request.body;
        Ok(rb)
    }

    /// Sends one attempt and reads its answer, within the response size limit.
    async fn send_attempt(
        &self,
        rb: reqwest::RequestBuilder,
        request: &Request,
    ) -> Result<(StatusCode, HeaderMap, Bytes), Error> {
        let limit = request
            .options
            .max_response_bytes
            .unwrap_or(self.inner.max_response_bytes);
        let started = Instant::now();
        let response = rb.send().await.map_err(|e| transport(e, started))?;
        // A prepared reqwest client may follow redirects; its answers from elsewhere are not
        // the org's.
        if response.url().origin() != self.inner.base.origin() {
            return Err(Error::UnexpectedResponse(
                "the response came from another origin (a redirect)".into(),
            ));
        }
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_body(response, limit, started).await?;
        Ok((status, headers, body))
    }
}

/// Waits `delay` before the next attempt.
async fn pause(cause: &(dyn fmt::Display + Sync), delay: Duration) {
    tracing::debug!(
        cause = %cause,
        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        "retrying"
    );
    tokio::time::sleep(delay).await;
}

impl crate::Client {
    /// Every rate-limit bucket the client has learned: route, limit, remaining, reset, units
    /// in flight, tasks waiting, and whether the budget is this client's own, shared through
    /// Redis, or the fallback used during a Redis outage. Empty when the governor is off.
    ///
    /// Shared buckets are read from Redis (one round trip per route, each under the shared
    /// budget's timeout); a shared bucket Redis does not answer for is left out.
    pub async fn rate_limit_snapshot(&self) -> Vec<super::governor::BucketSnapshot> {
        match &self.inner.governor {
            Some(g) => g.snapshot().await,
            None => Vec::new(),
        }
    }
}
