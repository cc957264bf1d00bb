//! The engine behind a client: assembling one from its [`Settings`] ([`Engine::assemble`]),
//! and sending every request ([`Engine::execute`]) as a sequence of steps: prepare (once), then
//! per attempt pace (the governor), sign (authentication), send, and decide. The decisions
//! (deadline, retries, `401`/DPoP recovery, `429` verdicts) are [`Call`]'s, which does no I/O.
//!
//! Architecture invariant: okta-client's `Client` is a handle around an [`Engine`] and never
//! sends on its own; everything between a built request and its raw answer happens here, so
//! the loop is compiled once, in this crate, and the decisions it consumes stay crate-private.

mod settings;

use std::fmt;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};
use tracing::Instrument;
use url::Url;

use crate::auth::Auth;
use crate::call::{Answer, Call, Next, Policy};
use crate::error::{transport, ApiError, Error};
use crate::governor::{self, BucketId, BucketSnapshot, Governor, Ticket, Verdict};
use crate::headers::{request_id_of, LimitHeaders};
use crate::prepare::{Limits, Prepared};
use crate::request::{Body, Request};
use crate::response::{read_body, RawResponse};
use crate::retry::{jitter, Hints, RetryConfig};

pub use settings::{
    Settings, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_PAGES,
    DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_TIMEOUT,
};

/// Sends requests to one org with its credentials, pacing, retries and limits. okta-client's
/// `Client` holds one behind an `Arc`.
pub struct Engine {
    http: reqwest::Client,
    base: Url,
    auth: Auth,
    retry: RetryConfig,
    /// Pacing under the rate limits, shared by all clones; `None` when switched off.
    governor: Option<Governor>,
    /// The client's limits, which a request may override.
    defaults: Limits,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("org_url", &self.base.as_str())
            .field("auth", &self.auth)
            .field("retry", &self.retry)
            .field("rate_limit", &self.governor)
            .field("timeout", &self.defaults.timeout)
            .field("attempt_timeout", &self.defaults.attempt_timeout)
            .field("max_response_bytes", &self.defaults.max_response_bytes)
            .field("max_pages", &self.defaults.max_pages)
            .field("strict_decoding", &self.defaults.strict)
            .finish()
    }
}

impl Engine {
    /// The org URL requests are sent to.
    pub fn org_url(&self) -> &Url {
        &self.base
    }

    /// Checks and encodes `request` for sending, with its limits resolved against the
    /// client's; every failure is [`Error::InvalidRequest`], and nothing has been sent.
    pub fn prepare(&self, request: &Request) -> Result<Prepared, Error> {
        Prepared::new(request, &self.base, &self.defaults)
    }

    /// Every rate-limit bucket the governor has learned; empty when it is off.
    pub async fn rate_limit_snapshot(&self) -> Vec<BucketSnapshot> {
        match &self.governor {
            Some(g) => g.snapshot().await,
            None => Vec::new(),
        }
    }

    /// Sends `request` with authentication, pacing and retries, within the call's deadline.
    pub async fn execute(&self, request: &Request) -> Result<RawResponse, Error> {
        match self.prepare(request) {
            Ok(prepared) => self.send(request, &prepared).await,
            Err(e) => {
                // A request refused before sending still has its span, as one that was sent.
                let _span = tracing::info_span!(
                    "okta.request",
                    operation = request.operation,
                    method = %request.method,
                    path = "",
                )
                .entered();
                Err(e)
            }
        }
    }

    /// Sends `request`, prepared by [`prepare`](Self::prepare), with authentication, pacing and
    /// retries, within the call's deadline.
    pub async fn send(&self, request: &Request, prepared: &Prepared) -> Result<RawResponse, Error> {
        let span = tracing::info_span!(
            "okta.request",
            operation = request.operation,
            method = %prepared.method,
            path = &*prepared.route,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            retries = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        self.run_call(request, prepared).instrument(span).await
    }

    async fn run_call(&self, request: &Request, prepared: &Prepared) -> Result<RawResponse, Error> {
        let limits = &prepared.limits;
        let policy = Policy {
            retry: &self.retry,
            pacing: self.governor.as_ref().map(|g| &g.config),
            idempotent: prepared.idempotent,
            jitter,
        };
        let mut call = Call::new(Instant::now(), limits.timeout, limits.attempt_timeout);
        let mut retry_for: Option<String> = None;
        loop {
            // Pace: a unit of the route's budget and a concurrency slot, given back when the
            // answer is recorded (or, on any early return, when the ticket is dropped).
            let pacing = self.pace_attempt(&prepared.key, &call).await?;
            let Some(budget) = call.begin_attempt(Instant::now()) else {
                return Err(call.timed_out(Instant::now(), None));
            };
            // Sign: a token request made for this attempt is bounded by the attempt's time.
            let (auth_headers, presented) = self
                .auth
                .present(&prepared.method, &prepared.url, budget)
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
            let (status, headers, bytes) = match self.send_attempt(rb, limits).await {
                Ok(answer) => answer,
                Err(e @ (Error::Transport(_) | Error::Timeout { .. })) => {
                    pacing.unanswered();
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
            // Decide, from the answer's rate-limit headers read once (and not at all when
            // neither the governor, the metrics nor a retry needs them).
            let rate = if pacing.records() || !status.is_success() {
                LimitHeaders::parse(&headers)
            } else {
                LimitHeaders::default()
            };
            let answer = Answer {
                status,
                // Recording may ask the shared budget in Redis (bounded by its timeout).
                verdict: pacing.answered(status, &rate).await,
                hints: Hints::of(status, &headers, &rate),
                auth: self.auth.observe(&presented, status, &headers),
            };
            match call.after_answer(&policy, &answer, Instant::now()) {
                Next::Accept => {
                    return Ok(RawResponse {
                        status,
                        headers,
                        body: bytes,
                        retries: call.retries(),
                        strict: limits.strict,
                    })
                }
                Next::Resend(action) => self.auth.recover(&presented, action).await,
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
        key: &'g BucketId,
        call: &Call,
    ) -> Result<Pacing<'g>, Error> {
        let Some(governor) = &self.governor else {
            return Ok(if cfg!(feature = "metrics") {
                Pacing::Unpaced(key)
            } else {
                Pacing::Off
            });
        };
        // tokio bounds the timer, so no deadline can overflow it.
        match tokio::time::timeout(call.remaining(Instant::now()), governor.acquire(key)).await {
            Ok(ticket) => Ok(Pacing::Paced(ticket)),
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
            .http
            .request(prepared.method.clone(), prepared.url.clone())
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
        limits: &Limits,
    ) -> Result<(StatusCode, HeaderMap, Bytes), Error> {
        let limit = limits.max_response_bytes;
        let started = Instant::now();
        let response = rb.send().await.map_err(|e| transport(e, started))?;
        // A prepared reqwest client may follow redirects; its answers from elsewhere are not
        // the org's.
        if response.url().origin() != self.base.origin() {
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

/// How one attempt was let through, and so how its answer is recorded: paced by the governor
/// (a unit and a slot, given back with the answer or when dropped), unpaced with the governor
/// off (the answer still counted in the metrics under its route), or not at all.
// One lives on the stack per attempt; boxing the ticket would allocate on every attempt.
#[allow(clippy::large_enum_variant)]
enum Pacing<'g> {
    Paced(Ticket<'g>),
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    Unpaced(&'g BucketId),
    Off,
}

impl Pacing<'_> {
    /// Whether the answer is recorded (by the governor or the metrics).
    fn records(&self) -> bool {
        !matches!(self, Pacing::Off)
    }

    /// Records the answer `status` and what its headers say of the budget.
    async fn answered(self, status: StatusCode, limits: &LimitHeaders) -> Verdict {
        match self {
            Pacing::Paced(ticket) => ticket.finish(status, limits).await,
            Pacing::Unpaced(key) => {
                governor::record_unpaced(key, Some((status, limits)));
                Verdict::Unknown
            }
            Pacing::Off => Verdict::Unknown,
        }
    }

    /// Records an attempt that brought no answer (a transport failure or timeout).
    fn unanswered(self) {
        match self {
            Pacing::Paced(ticket) => drop(ticket),
            Pacing::Unpaced(key) => governor::record_unpaced(key, None),
            Pacing::Off => {}
        }
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
