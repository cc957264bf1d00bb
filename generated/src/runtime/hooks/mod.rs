//! The event hook receiver: Okta's one-time verification, the registered secret header checked
//! in constant time, bounded and checked bodies, de-duplication by event `uuid`, and an
//! acknowledgement as soon as the events are handed over (to a bounded queue or the
//! application's sink). Framework-agnostic (`http::Request` in, `http::Response` out); the
//! axum Router is in `axum.rs`.

#[cfg(feature = "axum")]
pub(crate) mod axum;
pub(crate) mod dedup;
#[cfg(feature = "log")]
pub(crate) mod reconcile;
#[cfg(feature = "event-hook")]
pub(crate) mod register;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderName, ALLOW, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use serde_json::value::RawValue;
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

use self::dedup::{Claim, Seen};
use super::error::Error;
use super::log_event::LogEvent;
use super::metrics;
use super::secret::Secret;

/// The header of Okta's one-time verification request, whose value is echoed back.
pub const VERIFICATION_HEADER: &str = "x-okta-verification-challenge";
/// The default limit on a delivery's body: [`ReceiverBuilder::max_body_size`].
pub const DEFAULT_MAX_BODY_SIZE: usize = 4 * 1024 * 1024;
/// The default limit on reading a delivery's body: [`ReceiverBuilder::body_timeout`].
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(2);
/// The default de-duplication window: [`ReceiverBuilder::dedup_window`].
pub const DEFAULT_DEDUP_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// The default number of `uuid`s remembered in memory: [`ReceiverBuilder::dedup_capacity`].
pub const DEFAULT_DEDUP_CAPACITY: usize = 200_000;
/// The default time a hand-over may take before its events count as not delivered:
/// [`ReceiverBuilder::claim_ttl`].
pub const DEFAULT_CLAIM_TTL: Duration = Duration::from_secs(120);
/// The default limit on the application's sink during a delivery: [`ReceiverBuilder::sink_timeout`].
pub const DEFAULT_SINK_TIMEOUT: Duration = Duration::from_millis(2_000);

/// Where events came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Source {
    /// A delivery of the event hook.
    Hook,
    /// The System Log, by reconciliation: the hook never brought the event.
    Reconciliation,
}

impl Source {
    fn label(self) -> &'static str {
        match self {
            Source::Hook => "hook",
            Source::Reconciliation => "reconciliation",
        }
    }
}

/// Why a sink did not take events; they count as not delivered and will come again (Okta's
/// retry, or reconciliation).
#[derive(Debug)]
pub struct SinkError(pub Box<dyn std::error::Error + Send + Sync>);

impl fmt::Display for SinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the event sink refused the events: {}", self.0)
    }
}

impl std::error::Error for SinkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

/// The future a [`EventSink`] returns.
pub type SinkFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SinkError>> + Send + 'a>>;

/// The application's own destination for events (a durable queue, a database), instead of the
/// receiver's in-memory [`EventQueue`].
///
/// `deliver` should return `Ok` as soon as the events are durably stored, not after they are
/// processed: the delivery is acknowledged to Okta only then, and Okta waits 3 s at most. An
/// `Err` (or no answer within [`ReceiverBuilder::sink_timeout`]) answers Okta with `503`, so
/// that it retries; events handed over once are never handed over again within the
/// de-duplication window.
pub trait EventSink: Send + Sync + 'static {
    /// Stores `events` (new ones only: repeats are already dropped).
    fn deliver<'a>(&'a self, events: &'a [LogEvent], source: Source) -> SinkFuture<'a>;
}

/// Where replicas share which events were delivered: a Redis server, a namespace and the
/// hook's name (the `redis` feature); see [`ReceiverBuilder::shared_dedup`].
///
/// One key per event, `{namespace}:hook:{name}:{uuid}`, holding a claim while one replica hands
/// the event over and `done` for the de-duplication window after; nothing secret is written.
#[cfg(feature = "redis")]
#[derive(Clone)]
#[must_use]
pub struct SharedDedup {
    source: super::governor::shared::RedisSource,
    namespace: String,
    name: String,
    timeout: Duration,
}

#[cfg(feature = "redis")]
impl fmt::Debug for SharedDedup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The Redis URL or client may hold a password, so neither is shown.
        f.debug_struct("SharedDedup")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "redis")]
impl SharedDedup {
    /// The Redis server at `url`, a `namespace` prefixing the keys and the hook's `name` (both
    /// letters, digits, `-`, `_`, `.`).
    pub fn new(
        url: impl Into<String>,
        namespace: impl Into<String>,
        name: impl Into<String>,
    ) -> SharedDedup {
        SharedDedup {
            source: super::governor::shared::RedisSource::Url(Secret::new(url)),
            namespace: namespace.into(),
            name: name.into(),
            timeout: Duration::from_millis(500),
        }
    }

    /// A `redis::Client` you built, a namespace and the hook's name.
    pub fn from_client(
        client: redis::Client,
        namespace: impl Into<String>,
        name: impl Into<String>,
    ) -> SharedDedup {
        SharedDedup {
            source: super::governor::shared::RedisSource::Client(Box::new(client)),
            namespace: namespace.into(),
            name: name.into(),
            timeout: Duration::from_millis(500),
        }
    }

    /// The longest one Redis operation may take (default 500 ms). A delivery that cannot be
    /// checked against Redis in time is answered `503`, so that Okta retries it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// An event hook receiver being configured; from [`EventHookReceiver::builder`].
#[must_use]
pub struct ReceiverBuilder {
    header: String,
    secret: Secret,
    max_body: usize,
    body_timeout: Duration,
    window: Duration,
    capacity: usize,
    claim_ttl: Duration,
    sink_timeout: Duration,
    #[cfg(feature = "redis")]
    shared: Option<SharedDedup>,
}

impl fmt::Debug for ReceiverBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiverBuilder")
            .field("header", &self.header)
            .field("max_body", &self.max_body)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl ReceiverBuilder {
    /// The largest body accepted (default [`DEFAULT_MAX_BODY_SIZE`], 4 MiB); a larger one is
    /// refused with `413` without reading past the limit.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// How long reading a body may take (default [`DEFAULT_BODY_TIMEOUT`], 2 s: Okta gives up
    /// after 3); a slower sender is refused with `408`.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// How long an event's `uuid` is remembered after its hand-over (default
    /// [`DEFAULT_DEDUP_WINDOW`], 24 h): a repeat within it is dropped.
    pub fn dedup_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// How many `uuid`s this process remembers (default [`DEFAULT_DEDUP_CAPACITY`]); the
    /// oldest delivered are forgotten first when it is full (about 100 bytes each).
    pub fn dedup_capacity(mut self, uuids: usize) -> Self {
        self.capacity = uuids;
        self
    }

    /// How long a hand-over may last before its events count as not delivered (default
    /// [`DEFAULT_CLAIM_TTL`], 2 min): a batch taken from the [`EventQueue`] must be
    /// [acknowledged](Batch::ack) within it, and reconciliation delivers an event whose claim
    /// lapsed. Keep it under the reconciliation lag.
    pub fn claim_ttl(mut self, ttl: Duration) -> Self {
        self.claim_ttl = ttl;
        self
    }

    /// How long an [`EventSink`] may take during a delivery (default
    /// [`DEFAULT_SINK_TIMEOUT`], 2 s).
    pub fn sink_timeout(mut self, timeout: Duration) -> Self {
        self.sink_timeout = timeout;
        self
    }

    /// Shares de-duplication with every replica through Redis (the `redis` feature).
    #[cfg(feature = "redis")]
    pub fn shared_dedup(mut self, shared: SharedDedup) -> Self {
        self.shared = Some(shared);
        self
    }

    /// A receiver handing events to `sink`.
    pub fn sink(self, sink: impl EventSink) -> Result<EventHookReceiver, Error> {
        self.finish(Handoff::Sink(Arc::new(sink)))
    }

    /// A receiver handing events to a bounded in-memory queue of `capacity` batches (one
    /// delivery each), and the queue to take them from. A delivery that finds the queue full is
    /// answered `503`, so that Okta retries it.
    pub fn queue(self, capacity: usize) -> Result<(EventHookReceiver, EventQueue), Error> {
        let capacity = capacity.max(1);
        let (tx, rx) = mpsc::channel(capacity);
        let receiver = self.finish(Handoff::Queue(tx))?;
        let queue = EventQueue {
            rx,
            inner: receiver.inner.clone(),
        };
        Ok((receiver, queue))
    }

    fn finish(self, handoff: Handoff) -> Result<EventHookReceiver, Error> {
        let header = HeaderName::from_bytes(self.header.as_bytes())
            .map_err(|_| Error::Config("event hook receiver: bad header name".into()))?;
        if crate::runtime::secret::expose(&self.secret).is_empty() {
            return Err(Error::Config(
                "event hook receiver: the secret is empty".into(),
            ));
        }
        #[cfg(feature = "redis")]
        let shared = match self.shared {
            None => None,
            Some(s) => Some(Arc::new(open_shared(s, self.window, self.claim_ttl)?)),
        };
        Ok(EventHookReceiver {
            inner: Arc::new(Inner {
                header,
                secret: self.secret,
                max_body: self.max_body,
                body_timeout: self.body_timeout,
                sink_timeout: self.sink_timeout,
                seen: Mutex::new(Seen::new(self.capacity, self.window, self.claim_ttl)),
                #[cfg(feature = "redis")]
                shared,
                handoff,
                tokens: AtomicU64::new(1),
                depth: AtomicUsize::new(0),
            }),
        })
    }
}

#[cfg(feature = "redis")]
fn open_shared(
    s: SharedDedup,
    window: Duration,
    claim_ttl: Duration,
) -> Result<dedup::SharedSeen, Error> {
    use super::governor::shared::check_name;
    check_name("shared de-duplication", "namespace", &s.namespace)?;
    check_name("shared de-duplication", "name", &s.name)?;
    let client = s.source.open("shared de-duplication")?;
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(s.timeout))
        .set_response_timeout(Some(s.timeout))
        .set_number_of_retries(1);
    let manager = redis::aio::ConnectionManager::new_lazy_with_config(client, config)
        .map_err(|e| Error::Config(format!("shared de-duplication: {:?}", e.kind())))?;
    Ok(dedup::SharedSeen {
        manager,
        instance: format!("{}:", super::governor::shared::lease_id()),
        prefix: format!("{}:hook:{}", s.namespace, s.name),
        timeout: s.timeout,
        window,
        claim_ttl,
    })
}

enum Handoff {
    Queue(mpsc::Sender<Batch>),
    Sink(Arc<dyn EventSink>),
}

pub(crate) struct Inner {
    header: HeaderName,
    secret: Secret,
    max_body: usize,
    body_timeout: Duration,
    sink_timeout: Duration,
    seen: Mutex<Seen>,
    #[cfg(feature = "redis")]
    shared: Option<Arc<dedup::SharedSeen>>,
    handoff: Handoff,
    tokens: AtomicU64,
    /// Batches in the queue, not yet taken.
    depth: AtomicUsize,
}

/// An Okta event hook receiver: give it every request of the hook's URI
/// ([`handle`](Self::handle), or the axum [`router`](Self::router)). Cheap to clone; clones
/// share everything.
///
/// * A `GET` carrying `X-Okta-Verification-Challenge` (Okta's one-time verification) with the
///   right secret header is answered `{"verification": "<the challenge>"}`; any other `GET`
///   is `405`.
/// * A `POST` (a delivery) without the registered header, or with another value (compared in
///   constant time), is refused with `401` before its body is read. A body larger than the
///   limit is `413`, one read too slowly `408`, one that is not an event hook delivery
///   (`{"data": {"events": [{…}, …]}}`) `400`; nothing of a refused delivery is handed over.
/// * The delivery's events are de-duplicated by `uuid`, the new ones handed over, and only then
///   is the delivery acknowledged (`200`). When they cannot be handed over (the queue is full,
///   the sink failed, Redis did not answer) the answer is `503`, so that Okta retries.
#[derive(Clone)]
pub struct EventHookReceiver {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for EventHookReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret is never shown; the header's name is not secret.
        f.debug_struct("EventHookReceiver")
            .field("header", &self.inner.header)
            .field("max_body", &self.inner.max_body)
            .finish_non_exhaustive()
    }
}

/// What became of one request, for the answer, the metrics and the span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Accepted,
    Verification,
    Unauthorized,
    TooLarge,
    Slow,
    Malformed,
    Method,
    Unavailable,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Verification => "verification",
            Outcome::Unauthorized => "refused_unauthorized",
            Outcome::TooLarge => "refused_too_large",
            Outcome::Slow => "refused_slow",
            Outcome::Malformed => "refused_malformed",
            Outcome::Method => "refused_method",
            Outcome::Unavailable => "unavailable",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Outcome::Accepted | Outcome::Verification => StatusCode::OK,
            Outcome::Unauthorized => StatusCode::UNAUTHORIZED,
            Outcome::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Outcome::Slow => StatusCode::REQUEST_TIMEOUT,
            Outcome::Malformed => StatusCode::BAD_REQUEST,
            Outcome::Method => StatusCode::METHOD_NOT_ALLOWED,
            Outcome::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

fn answer(outcome: Outcome, body: String) -> Response<String> {
    let mut r = Response::new(body);
    *r.status_mut() = outcome.status();
    match outcome {
        Outcome::Verification => {
            r.headers_mut().insert(
                CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
        }
        Outcome::Method => {
            r.headers_mut()
                .insert(ALLOW, http::HeaderValue::from_static("GET, POST"));
        }
        Outcome::Unavailable => {
            r.headers_mut()
                .insert(RETRY_AFTER, http::HeaderValue::from_static("1"));
        }
        _ => {}
    }
    r
}

/// Whether `given` equals `expected`, in time that depends only on `expected`'s length.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let mut diff = u8::from(given.len() != expected.len());
    for (i, e) in expected.iter().enumerate() {
        diff |= e ^ given.get(i).copied().unwrap_or(!e);
    }
    diff == 0
}

/// The longest verification challenge echoed (Okta's are UUID-like).
const MAX_CHALLENGE: usize = 256;
/// The longest event `uuid` accepted (Okta's are 36 characters).
const MAX_UUID: usize = 128;

#[derive(serde::Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    data: EnvelopeData<'a>,
}

#[derive(serde::Deserialize)]
struct EnvelopeData<'a> {
    #[serde(borrow)]
    events: Vec<&'a RawValue>,
}

/// The events of a delivery body, or why it is not one.
pub(crate) fn parse_delivery(body: &[u8]) -> Result<Vec<LogEvent>, String> {
    let envelope: Envelope<'_> =
        serde_json::from_slice(body).map_err(|e| format!("not an event hook delivery: {e}"))?;
    envelope
        .data
        .events
        .into_iter()
        .map(|raw| {
            if !raw.get().trim_start().starts_with('{') {
                return Err("an event is not an object".to_string());
            }
            let event = LogEvent::from_raw(raw.to_owned())
                .map_err(|e| format!("an event does not decode: {e}"))?;
            if event.uuid().is_some_and(|u| u.len() > MAX_UUID) {
                return Err("an event's uuid is too long".to_string());
            }
            Ok(event)
        })
        .collect()
}

impl EventHookReceiver {
    /// A receiver for a hook registered with the header `header` (such as `Authorization`)
    /// carrying `secret`; then choose where events go ([`ReceiverBuilder::queue`] or
    /// [`ReceiverBuilder::sink`]).
    pub fn builder(header: impl Into<String>, secret: impl Into<String>) -> ReceiverBuilder {
        ReceiverBuilder {
            header: header.into(),
            secret: Secret::new(secret),
            max_body: DEFAULT_MAX_BODY_SIZE,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            window: DEFAULT_DEDUP_WINDOW,
            capacity: DEFAULT_DEDUP_CAPACITY,
            claim_ttl: DEFAULT_CLAIM_TTL,
            sink_timeout: DEFAULT_SINK_TIMEOUT,
            #[cfg(feature = "redis")]
            shared: None,
        }
    }

    /// Answers one request of the hook's URI (see [`EventHookReceiver`]).
    pub async fn handle<B>(&self, request: Request<B>) -> Response<String>
    where
        B: http_body::Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let started = Instant::now();
        let span = tracing::info_span!(
            "okta.hook",
            method = %request.method(),
            outcome = tracing::field::Empty,
            events = tracing::field::Empty,
            duplicates = tracing::field::Empty,
        );
        let (outcome, body) = self.answer(request).instrument(span.clone()).await;
        span.record("outcome", outcome.label());
        metrics::hook_request(outcome.label());
        if outcome == Outcome::Accepted {
            metrics::hook_ack(started.elapsed());
        }
        if outcome != Outcome::Accepted && outcome != Outcome::Verification {
            tracing::debug!(parent: &span, outcome = outcome.label(), "event hook request refused");
        }
        answer(outcome, body)
    }

    fn authorized(&self, headers: &http::HeaderMap) -> bool {
        let expected = crate::runtime::secret::expose(&self.inner.secret).as_bytes();
        // Exactly one value: a repeated header is refused too.
        let mut values = headers.get_all(&self.inner.header).iter();
        match (values.next(), values.next()) {
            (Some(v), None) => same_secret(v.as_bytes(), expected),
            _ => false,
        }
    }

    async fn answer<B>(&self, request: Request<B>) -> (Outcome, String)
    where
        B: http_body::Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let (parts, body) = request.into_parts();
        if parts.method == Method::GET {
            let Some(challenge) = parts.headers.get(VERIFICATION_HEADER) else {
                return (Outcome::Method, String::new());
            };
            if !self.authorized(&parts.headers) {
                return (Outcome::Unauthorized, String::new());
            }
            let Ok(challenge) = challenge.to_str() else {
                return (Outcome::Malformed, String::new());
            };
            if challenge.is_empty() || challenge.len() > MAX_CHALLENGE {
                return (Outcome::Malformed, String::new());
            }
            let body = serde_json::json!({ "verification": challenge }).to_string();
            return (Outcome::Verification, body);
        }
        if parts.method != Method::POST {
            return (Outcome::Method, String::new());
        }
        if !self.authorized(&parts.headers) {
            return (Outcome::Unauthorized, String::new());
        }
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.inner.max_body as u64) {
            return (Outcome::TooLarge, String::new());
        }
        let limited = http_body_util::Limited::new(body, self.inner.max_body);
        let bytes: Bytes =
            match tokio::time::timeout(self.inner.body_timeout, limited.collect()).await {
                Err(_) => return (Outcome::Slow, String::new()),
                Ok(Err(e)) => {
                    if e.is::<http_body_util::LengthLimitError>() {
                        return (Outcome::TooLarge, String::new());
                    }
                    return (Outcome::Malformed, String::new());
                }
                Ok(Ok(collected)) => collected.to_bytes(),
            };
        let events = match parse_delivery(&bytes) {
            Ok(events) => events,
            Err(why) => {
                tracing::debug!(why, "event hook delivery refused");
                return (Outcome::Malformed, String::new());
            }
        };
        drop(bytes);
        match self.hand_over(events, Source::Hook).await {
            // Events another request (or replica) is handing over right now are left to it:
            // should it fail, its claim lapses and reconciliation delivers them.
            Ok(_) => (Outcome::Accepted, String::new()),
            Err(()) => (Outcome::Unavailable, String::new()),
        }
    }

    fn token(&self) -> u64 {
        self.inner.tokens.fetch_add(1, Ordering::Relaxed)
    }

    /// Claims `events` by `uuid` (in this process, then in Redis): the new ones (and those
    /// without a `uuid`) with the token of their claims, or `Err` when they cannot be checked.
    /// `in_flight` receives the events another claimant is handing over.
    pub(crate) async fn claim(
        &self,
        events: Vec<LogEvent>,
        token: u64,
        in_flight: &mut Vec<LogEvent>,
    ) -> Result<Vec<LogEvent>, ()> {
        let now = Instant::now();
        let mut fresh = Vec::with_capacity(events.len());
        let mut full = false;
        {
            let mut seen = self.inner.seen.lock().unwrap_or_else(|p| p.into_inner());
            for event in events {
                let Some(uuid) = event.uuid() else {
                    fresh.push(event);
                    continue;
                };
                match seen.claim(uuid, token, now) {
                    Claim::New => fresh.push(event),
                    Claim::Delivered => {}
                    Claim::InFlight => in_flight.push(event),
                    Claim::Full => full = true,
                }
            }
        }
        if full {
            self.release(&fresh, token).await;
            return Err(());
        }
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.inner.shared {
            let uuids: Vec<&str> = fresh.iter().filter_map(LogEvent::uuid).collect();
            let Ok(claims) = shared.claim(&uuids, token).await else {
                self.release_local(&fresh, token);
                // A claim that reached a stalled Redis may still be carried out: release it
                // after it, in the background, rather than hold the answer back.
                let shared = shared.clone();
                let uuids: Vec<String> = uuids.iter().map(|u| u.to_string()).collect();
                tokio::spawn(async move {
                    let uuids: Vec<&str> = uuids.iter().map(String::as_str).collect();
                    let _ = shared.release(&uuids, token).await;
                });
                return Err(());
            };
            let mut verdicts = claims.into_iter();
            let mut kept = Vec::with_capacity(fresh.len());
            let mut elsewhere = Vec::new();
            let mut delivered = Vec::new();
            for event in fresh {
                if event.uuid().is_none() {
                    kept.push(event);
                    continue;
                }
                match verdicts.next() {
                    Some(Claim::New) => kept.push(event),
                    Some(Claim::Delivered) => delivered.push(event),
                    _ => {
                        elsewhere.push(event.clone());
                        in_flight.push(event);
                    }
                }
            }
            // Held by another replica: this process's claims go back. Delivered by another
            // replica: remembered here too, so that repeats need no Redis.
            self.release_local(&elsewhere, token);
            let mut seen = self.inner.seen.lock().unwrap_or_else(|p| p.into_inner());
            for uuid in delivered.iter().filter_map(LogEvent::uuid) {
                seen.confirm(uuid, now);
            }
            drop(seen);
            return Ok(kept);
        }
        Ok(fresh)
    }

    fn release_local(&self, events: &[LogEvent], token: u64) {
        let mut seen = self.inner.seen.lock().unwrap_or_else(|p| p.into_inner());
        for uuid in events.iter().filter_map(LogEvent::uuid) {
            seen.release(uuid, token);
        }
    }

    /// Gives the claims on `events` up: they were not handed over.
    pub(crate) async fn release(&self, events: &[LogEvent], token: u64) {
        self.release_local(events, token);
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.inner.shared {
            let uuids: Vec<&str> = events.iter().filter_map(LogEvent::uuid).collect();
            // When Redis does not answer, the claims lapse after the claim ttl.
            let _ = shared.release(&uuids, token).await;
        }
    }

    /// Marks `uuids` delivered, here and in Redis; `Err` when Redis did not record it.
    pub(crate) async fn confirm(&self, uuids: &[&str]) -> Result<(), ()> {
        {
            let now = Instant::now();
            let mut seen = self.inner.seen.lock().unwrap_or_else(|p| p.into_inner());
            for uuid in uuids {
                seen.confirm(uuid, now);
            }
        }
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.inner.shared {
            // A few attempts: an unrecorded delivery may be delivered again by reconciliation
            // once its claim lapses.
            for _ in 0..3 {
                if shared.confirm(uuids).await.is_ok() {
                    return Ok(());
                }
            }
            return Err(());
        }
        Ok(())
    }

    /// Claims `events`, hands the new ones over and confirms them (or, for the queue, leaves the
    /// confirmation to [`Batch::ack`]). `Err` when they were not handed over: nothing was
    /// delivered and every claim is given back.
    pub(crate) async fn hand_over(
        &self,
        events: Vec<LogEvent>,
        source: Source,
    ) -> Result<Handed, ()> {
        self.hand_over_with(events, source, None).await
    }

    /// The same; `done` is told whether the events were delivered, once they were (for the
    /// queue: once the batch is acknowledged or dropped).
    pub(crate) async fn hand_over_with(
        &self,
        events: Vec<LogEvent>,
        source: Source,
        done: Option<oneshot::Sender<bool>>,
    ) -> Result<Handed, ()> {
        let received = events.len();
        let token = self.token();
        let mut in_flight = Vec::new();
        let fresh = self.claim(events, token, &mut in_flight).await?;
        let duplicates = received - fresh.len();
        tracing::Span::current().record("events", fresh.len());
        tracing::Span::current().record("duplicates", duplicates);
        metrics::hook_duplicates(source.label(), duplicates as u64);
        let handed = if in_flight.is_empty() {
            Handed::All
        } else {
            Handed::InFlightElsewhere
        };
        if fresh.is_empty() {
            if let Some(done) = done {
                let _ = done.send(handed == Handed::All);
            }
            return Ok(handed);
        }
        match &self.inner.handoff {
            Handoff::Queue(tx) => {
                let batch = Batch {
                    events: fresh,
                    source,
                    token,
                    inner: self.inner.clone(),
                    acked: false,
                    done,
                };
                // Counted before it is sent, so that the consumer never takes it first.
                let depth = self
                    .inner
                    .depth
                    .fetch_add(1, Ordering::SeqCst)
                    .saturating_add(1);
                let sent = match source {
                    // A delivery must be answered within Okta's timeout: a full queue is a 503.
                    Source::Hook => tx.try_send(batch).map_err(|e| match e {
                        mpsc::error::TrySendError::Full(b)
                        | mpsc::error::TrySendError::Closed(b) => b,
                    }),
                    Source::Reconciliation => tx.send(batch).await.map_err(|e| e.0),
                };
                match sent {
                    Ok(()) => {
                        metrics::hook_queue_depth(depth);
                        metrics::hook_events(source.label(), received as u64 - duplicates as u64);
                        Ok(handed)
                    }
                    Err(mut batch) => {
                        self.inner.depth.fetch_sub(1, Ordering::SeqCst);
                        batch.acked = true;
                        let events = std::mem::take(&mut batch.events);
                        if let Some(done) = batch.done.take() {
                            let _ = done.send(false);
                        }
                        drop(batch);
                        self.release(&events, token).await;
                        Err(())
                    }
                }
            }
            Handoff::Sink(sink) => {
                let stored =
                    tokio::time::timeout(self.inner.sink_timeout, sink.deliver(&fresh, source))
                        .await;
                match stored {
                    Ok(Ok(())) => {
                        let uuids: Vec<&str> = fresh.iter().filter_map(LogEvent::uuid).collect();
                        let recorded = self.confirm(&uuids).await;
                        metrics::hook_events(source.label(), fresh.len() as u64);
                        if let Some(done) = done {
                            let _ = done.send(true);
                        }
                        if recorded.is_err() {
                            tracing::warn!(
                                "event hook: delivered events could not be recorded in Redis"
                            );
                        }
                        Ok(handed)
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "event hook: the sink refused events");
                        self.release(&fresh, token).await;
                        Err(())
                    }
                    Err(_) => {
                        tracing::warn!("event hook: the sink did not answer in time");
                        self.release(&fresh, token).await;
                        Err(())
                    }
                }
            }
        }
    }
}

/// What a hand-over achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Handed {
    /// Every event is handed over now or was before.
    All,
    /// The others are, but some are being handed over by another claimant right now.
    InFlightElsewhere,
}

/// The events of one delivery (or of reconciliation), taken from the [`EventQueue`].
///
/// [`ack`](Self::ack) it once the events are processed (or stored): only then are their
/// `uuid`s marked delivered for the window. A batch dropped without `ack` gives its claims
/// back, and a batch not acknowledged within the [claim ttl](ReceiverBuilder::claim_ttl) loses
/// them: its events are then delivered again (by Okta's retry or by reconciliation).
pub struct Batch {
    events: Vec<LogEvent>,
    source: Source,
    token: u64,
    inner: Arc<Inner>,
    acked: bool,
    done: Option<oneshot::Sender<bool>>,
}

impl fmt::Debug for Batch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batch")
            .field("events", &self.events.len())
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Batch {
    /// The new events, in the order they arrived.
    pub fn events(&self) -> &[LogEvent] {
        &self.events
    }

    /// Where they came from.
    pub fn source(&self) -> Source {
        self.source
    }

    /// Marks the events delivered: a repeat within the window is dropped. `false` when Redis
    /// did not record it (this process still drops repeats; another replica or reconciliation
    /// may deliver the events again once their claims lapse).
    pub async fn ack(mut self) -> bool {
        self.acked = true;
        let receiver = EventHookReceiver {
            inner: self.inner.clone(),
        };
        let uuids: Vec<&str> = self.events.iter().filter_map(LogEvent::uuid).collect();
        let recorded = receiver.confirm(&uuids).await.is_ok();
        if let Some(done) = self.done.take() {
            let _ = done.send(true);
        }
        recorded
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        if self.acked {
            return;
        }
        let receiver = EventHookReceiver {
            inner: self.inner.clone(),
        };
        receiver.release_local(&self.events, self.token);
        if let Some(done) = self.done.take() {
            let _ = done.send(false);
        }
    }
}

/// The receiving end of a receiver's bounded queue; from [`ReceiverBuilder::queue`].
pub struct EventQueue {
    rx: mpsc::Receiver<Batch>,
    inner: Arc<Inner>,
}

impl fmt::Debug for EventQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventQueue")
            .field("depth", &self.depth())
            .finish_non_exhaustive()
    }
}

impl EventQueue {
    /// The next batch; `None` once every receiver is dropped and the queue is empty.
    pub async fn recv(&mut self) -> Option<Batch> {
        let batch = self.rx.recv().await?;
        let depth = self
            .inner
            .depth
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |d| {
                Some(d.saturating_sub(1))
            })
            .unwrap_or(0)
            .saturating_sub(1);
        metrics::hook_queue_depth(depth);
        Some(batch)
    }

    /// Batches waiting in the queue.
    pub fn depth(&self) -> usize {
        self.inner.depth.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"s3cret", b"s3cret"));
        for other in [&b""[..], b"s3cre", b"s3cret!", b"S3cret", b"s3cres"] {
            assert!(!same_secret(other, b"s3cret"), "{other:?}");
        }
    }

    #[test]
    fn deliveries_parse_or_say_why_not() {
        let ok = br#"{"eventType":"com.okta.event_hook","data":{"events":[{"uuid":"a","severity":7},{"uuid":"b"}]}}"#;
        let events = parse_delivery(ok).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].uuid(), Some("a"));
        assert_eq!(
            events[0].mismatched_fields.get("severity").unwrap().value,
            7
        );
        for bad in [
            &b"not json"[..],
            br#"{"data":{}}"#,
            br#"{"data":{"events":{}}}"#,
            br#"{"data":{"events":[1]}}"#,
            br#"{"data":{"events":[{"uuid":"a"}]"#,
        ] {
            assert!(
                parse_delivery(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let long = format!(
            r#"{{"data":{{"events":[{{"uuid":"{}"}}]}}}}"#,
            "a".repeat(129)
        );
        assert!(parse_delivery(long.as_bytes()).is_err());
    }
}
