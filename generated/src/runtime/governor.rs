//! Pacing requests under Okta's rate limits, shared by every clone of a [`Client`](crate::Client).
//!
//! Okta counts requests per endpoint family in per-minute windows and reports the count on every
//! response (`X-Rate-Limit-Limit`, `-Remaining`, `-Reset`). The governor learns one bucket per
//! route from those headers and, before each attempt, reserves one unit of the bucket's remaining
//! budget (requests in flight count as spent). With no unit left, the attempt waits until the
//! window resets instead of being sent to collect a `429`. A semaphore caps the requests in
//! flight across all clones, below Okta's org-wide concurrency limit.
//!
//! The bookkeeping ([`State`]) is plain data driven by explicit instants, so that it is tested
//! without a runtime or a clock; [`Governor`] wraps it with the waiting.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, Method, StatusCode};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::headers::{date_secs, RateLimit};
use super::retry::jitter;

/// The default cap on requests in flight: [`RateLimitConfig::max_concurrency`].
pub const DEFAULT_MAX_CONCURRENCY: usize = 16;

/// The longest a bucket is held back for its reset. Okta's windows last a minute, so a reset
/// further away than this is not believed for pacing (a `429` carrying it is still weighed
/// against the retry budget as it stands).
const LONGEST_WINDOW: Duration = Duration::from_secs(60);

/// A server clock further than this from ours is not trusted to correct the local clock.
const MAX_SKEW_SECS: f64 = 86_400.0;

/// Clock samples per epoch of the skew estimate (the estimate keeps this epoch and the last).
const SKEW_EPOCH: u32 = 256;

/// How long a task waiting for another request's answer sleeps before looking again, in case
/// that answer never comes.
const ANSWER_POLL: Duration = Duration::from_millis(250);

/// How long the other requests of a new route wait for the first one's answer.
const PROBE_PATIENCE: Duration = Duration::from_secs(1);

/// How the client paces itself under Okta's rate limits; see
/// [`ClientBuilder::rate_limit`](crate::ClientBuilder::rate_limit).
///
/// The default is on: a bucket per route learned from `X-Rate-Limit-*`, at most
/// [`DEFAULT_MAX_CONCURRENCY`] requests in flight, the whole of each bucket's limit usable,
/// and up to 100 ms of jitter on waits for a reset. [`RateLimitConfig::disabled`] turns all of
/// it off; then only [`RetryConfig`](crate::RetryConfig) reacts to `429`s, as before.
#[derive(Clone, Debug)]
pub struct RateLimitConfig {
    /// Whether the governor runs at all (`false`: requests are sent at once and `429`s are only
    /// retried).
    pub enabled: bool,
    /// The most requests in flight across all clones of the client (default
    /// [`DEFAULT_MAX_CONCURRENCY`], 16). Okta's org-wide concurrency limit is 75 by default
    /// and is shared by every application of the org, so the default leaves most of it to
    /// them; at Okta's usual latencies 16 requests in flight already exceed every per-minute
    /// bucket. At least 1.
    pub max_concurrency: usize,
    /// The fraction of each bucket's limit this client may use, in `(0, 1]` (default `1.0`).
    /// Okta's counts are org-wide: `X-Rate-Limit-Remaining` already reflects what other
    /// applications spent, so the default only stops where Okta would. A smaller share stops
    /// earlier, leaving `limit × (1 − share)` requests of each window to the others (for
    /// example an integration that must never be starved by a bulk job).
    pub budget_share: f64,
    /// The most random delay added to a wait for a window's reset, so that clients of the
    /// same org do not all send in the same millisecond (default 100 ms).
    pub max_jitter: Duration,
    /// The first back-off after a `429` that signals a concurrency violation rather than a
    /// spent bucket (default 250 ms), doubled per such `429`, with random jitter.
    pub concurrency_backoff: Duration,
    /// The longest back-off after a concurrency `429` (default 8 s).
    pub max_concurrency_backoff: Duration,
    /// The most buckets remembered (default 512); the least recently used is forgotten first.
    /// At least 1.
    pub max_buckets: usize,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            enabled: true,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            budget_share: 1.0,
            max_jitter: Duration::from_millis(100),
            concurrency_backoff: Duration::from_millis(250),
            max_concurrency_backoff: Duration::from_secs(8),
            max_buckets: 512,
        }
    }
}

impl RateLimitConfig {
    /// No pacing and no concurrency cap: requests are sent at once and `429`s are retried by
    /// [`RetryConfig`](crate::RetryConfig) alone (the behaviour before the governor existed).
    pub fn disabled() -> Self {
        RateLimitConfig {
            enabled: false,
            ..RateLimitConfig::default()
        }
    }

    /// Checks the settings; `build()` reports a failure as [`Error::Config`](crate::Error::Config).
    pub(crate) fn validate(&self) -> Result<(), String> {
        if !self.enabled {
            return Ok(());
        }
        if !(self.budget_share > 0.0 && self.budget_share <= 1.0) {
            return Err(format!(
                "rate_limit: budget_share must be in (0, 1], not {}",
                self.budget_share
            ));
        }
        if self.max_concurrency == 0 {
            return Err("rate_limit: max_concurrency must be at least 1".into());
        }
        if self.max_buckets == 0 {
            return Err("rate_limit: max_buckets must be at least 1".into());
        }
        Ok(())
    }

    /// The jittered back-off after the `n`th (0-based) concurrency `429` of one call: between
    /// half and all of `concurrency_backoff × 2ⁿ`, capped at `max_concurrency_backoff`.
    pub(crate) fn concurrency_delay(&self, n: u32) -> Duration {
        let factor = 1u32.checked_shl(n).unwrap_or(u32::MAX);
        let full = self
            .concurrency_backoff
            .saturating_mul(factor)
            .min(self.max_concurrency_backoff);
        let half = full / 2;
        half.saturating_add(jitter(full.saturating_sub(half)))
    }
}

/// The bucket a request counts against: its method and an id-free route.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    method: Method,
    route: Cow<'static, str>,
}

impl Key {
    /// A typed operation's bucket: the catalog's path template, which holds no ids.
    pub(crate) fn template(method: Method, template: &'static str) -> Key {
        Key {
            method,
            route: Cow::Borrowed(template),
        }
    }

    /// A generic request's bucket, from its path below the org URL: for `/api/…` paths the
    /// first three segments (`/api/v1/users`), otherwise the first one (`/oauth2`), followed
    /// by `/*` when the path goes deeper. Okta's buckets are drawn along these lines
    /// (`/api/v1/users` and `/api/v1/users/{id}` apart), and what is kept holds no ids.
    pub(crate) fn generic(method: Method, path: &str) -> Key {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let keep = if segments.first() == Some(&"api") {
            3
        } else {
            1
        };
        let mut route = String::new();
        for s in segments.iter().take(keep) {
            route.push('/');
            route.push_str(s);
        }
        if segments.len() > keep {
            route.push_str("/*");
        }
        if route.is_empty() {
            route.push('/');
        }
        Key {
            method,
            route: Cow::Owned(route),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.route)
    }
}

/// What Okta said about a bucket in one response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Report {
    pub limit: u64,
    pub remaining: u64,
    pub reset: u64,
    /// The response's `Date`, in Unix seconds.
    pub date: Option<u64>,
}

impl Report {
    /// The three `X-Rate-Limit-*` headers, or `None` when any is missing or malformed.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Report> {
        let rl = RateLimit::from_headers(headers);
        Some(Report {
            limit: rl.limit?,
            remaining: rl.remaining?,
            reset: rl.reset?,
            date: date_secs(headers),
        })
    }
}

/// What to do about a `429`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Not a `429`: nothing to do.
    Answered,
    /// The bucket is spent: wait this long (until its reset, by the server's clock) and retry.
    Spent(Duration),
    /// The headers do not describe this bucket (or say it still has budget): a concurrency
    /// violation; back off.
    Concurrency,
    /// No usable rate-limit headers: the retry configuration decides.
    Unknown,
}

/// A unit reserved in a bucket: the bucket's generation (telling it from an evicted bucket of
/// the same key) and whether this attempt is the one learning the bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reserved {
    generation: u64,
    probe: bool,
}

/// The governor's decision for one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Send.
    Go(Reserved),
    /// No budget until the window resets at this instant.
    WaitUntil(Instant),
    /// No budget and no known reset (or another request is learning the bucket): wait for an
    /// answer.
    WaitForAnswer,
}

/// One window of a bucket, as the server last described it.
#[derive(Clone, Copy, Debug)]
struct Window {
    limit: u64,
    remaining: u64,
    /// `X-Rate-Limit-Reset` of this window.
    reset: u64,
    /// When the window resets, on the local monotonic clock; `None` after it did, until a
    /// response describes the new one (meanwhile the full limit is assumed).
    reset_at: Option<Instant>,
}

#[derive(Debug)]
struct Bucket {
    /// Tells a reservation of this bucket from one of an evicted bucket with the same key.
    generation: u64,
    window: Option<Window>,
    /// The server sent no rate-limit headers for this route: nothing to pace.
    unlimited: bool,
    /// Since when a first request is out to learn the bucket; the others wait for its answer,
    /// for at most [`PROBE_PATIENCE`].
    probing: Option<Instant>,
    in_flight: u64,
    last_used: u64,
}

impl Bucket {
    /// Units that may still be reserved, given the share of the limit this client may use.
    fn available(&self, share: f64) -> u64 {
        match &self.window {
            None => u64::MAX,
            Some(w) => {
                let used = w.limit.saturating_sub(w.remaining);
                allowed(w.limit, share)
                    .saturating_sub(used)
                    .saturating_sub(self.in_flight)
            }
        }
    }
}

/// `limit × share`, at least one so that a tiny share never stalls a bucket for good.
fn allowed(limit: u64, share: f64) -> u64 {
    // `as` saturates for floats: no overflow whatever the limit.
    let scaled = (limit as f64 * share).floor() as u64;
    scaled.min(limit).max(1)
}

/// How far the server's clock is ahead of ours, learned from `Date`. `Date` has one-second
/// resolution and reaches us after it was written, so each sample `Date − local time` is at
/// most the true offset and at most about a second below it; the largest recent sample is the
/// best estimate, and using it never makes a reset look earlier than it is.
#[derive(Debug, Default)]
struct Skew {
    current: Option<f64>,
    previous: Option<f64>,
    samples: u32,
}

impl Skew {
    fn sample(&mut self, date: u64, local_unix: f64) {
        let s = date as f64 - local_unix;
        if !s.is_finite() || s.abs() > MAX_SKEW_SECS {
            return;
        }
        self.current = Some(self.current.map_or(s, |c| c.max(s)));
        self.samples = self.samples.saturating_add(1);
        // Epochs let the estimate follow a clock that is adjusted.
        if self.samples >= SKEW_EPOCH {
            self.previous = self.current.take();
            self.samples = 0;
        }
    }

    fn estimate(&self) -> f64 {
        match (self.current, self.previous) {
            (Some(a), Some(b)) => a.max(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => 0.0,
        }
    }
}

/// How long until the Unix second `reset` on the server's clock; saturating, never negative.
fn until_reset(reset: u64, local_unix: f64, skew: f64) -> Duration {
    let secs = reset as f64 - (local_unix + skew);
    if secs.is_nan() || secs <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
}

/// The local wall clock in Unix seconds.
fn local_unix(now: SystemTime) -> f64 {
    now.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The governor's bookkeeping: every bucket, the clock skew, and a use counter for eviction.
#[derive(Debug)]
pub(crate) struct State {
    buckets: HashMap<Key, Bucket>,
    tick: u64,
    skew: Skew,
    share: f64,
    max_buckets: usize,
}

impl State {
    pub(crate) fn new(share: f64, max_buckets: usize) -> State {
        State {
            buckets: HashMap::new(),
            tick: 0,
            skew: Skew::default(),
            share,
            max_buckets: max_buckets.max(1),
        }
    }

    fn bucket(&mut self, key: &Key) -> &mut Bucket {
        self.tick = self.tick.saturating_add(1);
        let tick = self.tick;
        if self.buckets.len() >= self.max_buckets && !self.buckets.contains_key(key) {
            // The least recently used bucket with nothing in flight, else the least recently
            // used of all (its reservations then find another generation).
            let victim = self
                .buckets
                .iter()
                .min_by_key(|(_, b)| (b.in_flight > 0, b.last_used))
                .map(|(k, _)| k.clone());
            if let Some(victim) = victim {
                self.buckets.remove(&victim);
            }
        }
        let bucket = self.buckets.entry(key.clone()).or_insert(Bucket {
            generation: tick,
            window: None,
            unlimited: false,
            probing: None,
            in_flight: 0,
            last_used: tick,
        });
        bucket.last_used = tick;
        bucket
    }

    /// Whether an attempt on `key` may be sent now, reserving a unit if so.
    pub(crate) fn reserve(&mut self, key: &Key, now: Instant) -> Decision {
        let share = self.share;
        let bucket = self.bucket(key);
        if let Some(w) = &mut bucket.window {
            if w.reset_at.is_some_and(|at| now >= at) {
                // The window has reset: assume the whole limit until a response tells.
                w.remaining = w.limit;
                w.reset_at = None;
            }
            let reset_at = w.reset_at;
            if bucket.available(share) == 0 {
                match reset_at {
                    Some(at) => return Decision::WaitUntil(at),
                    // Nothing in flight means no answer is coming to describe the new window:
                    // go rather than wait for nothing.
                    None if bucket.in_flight > 0 => return Decision::WaitForAnswer,
                    None => {}
                }
            }
        } else if !bucket.unlimited {
            match bucket.probing {
                // A slow first answer (a large page, a timeout) holds the route back only so
                // long; then the others go without the bucket's figures.
                Some(since) if now.saturating_duration_since(since) < PROBE_PATIENCE => {
                    return Decision::WaitForAnswer;
                }
                Some(_) => {}
                None => {
                    bucket.probing = Some(now);
                    bucket.in_flight = bucket.in_flight.saturating_add(1);
                    return Decision::Go(Reserved {
                        generation: bucket.generation,
                        probe: true,
                    });
                }
            }
        }
        bucket.in_flight = bucket.in_flight.saturating_add(1);
        Decision::Go(Reserved {
            generation: bucket.generation,
            probe: false,
        })
    }

    /// Gives back a reservation whose attempt got no answer (a transport error, a cancelled
    /// call). Returns whether waiting tasks should look again.
    pub(crate) fn release(&mut self, key: &Key, held: Reserved) -> bool {
        match self.buckets.get_mut(key) {
            Some(b) if b.generation == held.generation => {
                b.in_flight = b.in_flight.saturating_sub(1);
                if held.probe {
                    b.probing = None;
                }
                true
            }
            _ => false,
        }
    }

    /// Records the answer to a reserved attempt and says what to do about it. The `bool` is
    /// whether waiting tasks should look again (budget may have been freed).
    pub(crate) fn record(
        &mut self,
        key: &Key,
        held: Reserved,
        status: StatusCode,
        report: Option<Report>,
        now: Instant,
        wall: SystemTime,
    ) -> (Verdict, bool) {
        let local = local_unix(wall);
        if let Some(date) = report.and_then(|r| r.date) {
            self.skew.sample(date, local);
        }
        let skew = self.skew.estimate();
        let share = self.share;
        let Some(bucket) = self
            .buckets
            .get_mut(key)
            .filter(|b| b.generation == held.generation)
        else {
            // Evicted meanwhile: classify the answer without a bucket.
            let verdict = match (status.as_u16(), report) {
                (429, Some(r)) if r.remaining == 0 => {
                    Verdict::Spent(until_reset(r.reset, local, skew))
                }
                (429, Some(_)) => Verdict::Concurrency,
                (429, None) => Verdict::Unknown,
                _ => Verdict::Answered,
            };
            return (verdict, false);
        };
        let before = bucket.available(share);
        bucket.in_flight = bucket.in_flight.saturating_sub(1);
        if held.probe {
            bucket.probing = None;
        }
        let reset_at = |r: &Report| {
            let wait = until_reset(r.reset, local, skew).min(LONGEST_WINDOW);
            now.checked_add(wait).unwrap_or(now)
        };
        let verdict = if status == StatusCode::TOO_MANY_REQUESTS {
            match report {
                None => Verdict::Unknown,
                Some(r) => {
                    let current = bucket.window.filter(|w| w.reset_at.is_some());
                    let foreign = current.is_some_and(|w| w.limit != r.limit);
                    if foreign || r.remaining > 0 {
                        // Headers of another limit, or a bucket with budget: concurrency.
                        Verdict::Concurrency
                    } else {
                        // The bucket is spent (by others too): hold it until the reset this
                        // answer names, unless a later window is already known.
                        let newer_known = bucket.window.is_some_and(|w| w.reset > r.reset);
                        if !newer_known {
                            bucket.window = Some(Window {
                                limit: r.limit,
                                remaining: 0,
                                reset: r.reset,
                                reset_at: Some(reset_at(&r)),
                            });
                            bucket.unlimited = false;
                        }
                        Verdict::Spent(until_reset(r.reset, local, skew))
                    }
                }
            }
        } else {
            match report {
                Some(r) => {
                    bucket.unlimited = false;
                    match &mut bucket.window {
                        Some(w) if r.reset == w.reset && w.reset_at.is_some() => {
                            // Answers arrive out of order: the lowest count is the latest.
                            w.remaining = w.remaining.min(r.remaining);
                            w.reset_at = Some(reset_at(&r));
                        }
                        Some(w) if r.reset <= w.reset => {
                            // An answer from a window already over.
                        }
                        _ => {
                            bucket.window = Some(Window {
                                limit: r.limit,
                                remaining: r.remaining,
                                reset: r.reset,
                                reset_at: Some(reset_at(&r)),
                            });
                        }
                    }
                }
                None => {
                    if bucket.window.is_none() {
                        bucket.unlimited = true;
                    }
                }
            }
            Verdict::Answered
        };
        let after = bucket.available(share);
        (verdict, held.probe || after > before)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets.len()
    }
}

/// The rate-limit governor of one client and its clones.
pub(crate) struct Governor {
    pub(crate) config: RateLimitConfig,
    state: Mutex<State>,
    /// Woken when an answer may have freed budget.
    changed: tokio::sync::Notify,
    slots: Semaphore,
}

impl fmt::Debug for Governor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.config.fmt(f)
    }
}

/// A reserved unit of a bucket and a concurrency slot, for one attempt. Dropped without
/// [`finish`](Ticket::finish), it gives both back.
pub(crate) struct Ticket<'g> {
    governor: &'g Governor,
    key: &'g Key,
    held: Reserved,
    open: bool,
    _slot: Option<SemaphorePermit<'g>>,
}

impl Governor {
    pub(crate) fn new(config: RateLimitConfig) -> Governor {
        let slots = config.max_concurrency.clamp(1, Semaphore::MAX_PERMITS);
        Governor {
            state: Mutex::new(State::new(config.budget_share, config.max_buckets)),
            changed: tokio::sync::Notify::new(),
            slots: Semaphore::new(slots),
            config,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until `key` has budget and a concurrency slot is free, and reserves both.
    pub(crate) async fn acquire<'g>(&'g self, key: &'g Key) -> Ticket<'g> {
        let held = loop {
            let mut notified = std::pin::pin!(self.changed.notified());
            // Registered before looking, so that an answer in between is not missed.
            notified.as_mut().enable();
            let decision = self.state().reserve(key, Instant::now());
            match decision {
                Decision::Go(held) => break held,
                Decision::WaitUntil(at) => {
                    // A relative sleep: tokio bounds it, so no setting can overflow an instant.
                    let wait = at
                        .saturating_duration_since(Instant::now())
                        .saturating_add(jitter(self.config.max_jitter));
                    tracing::debug!(
                        bucket = %key,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "rate limit: waiting for the bucket's reset"
                    );
                    let sleep = std::pin::pin!(tokio::time::sleep(wait));
                    futures::future::select(notified.as_mut(), sleep).await;
                }
                Decision::WaitForAnswer => {
                    let _ = tokio::time::timeout(ANSWER_POLL, notified.as_mut()).await;
                }
            }
        };
        let mut ticket = Ticket {
            governor: self,
            key,
            held,
            open: true,
            _slot: None,
        };
        // The semaphore is never closed; were it, the attempt would go without a slot.
        ticket._slot = self.slots.acquire().await.ok();
        ticket
    }
}

impl Ticket<'_> {
    /// Records the answer to this attempt and gives the slot back.
    pub(crate) fn finish(mut self, status: StatusCode, headers: &HeaderMap) -> Verdict {
        self.open = false;
        let report = Report::from_headers(headers);
        let (verdict, wake) = self.governor.state().record(
            self.key,
            self.held,
            status,
            report,
            Instant::now(),
            SystemTime::now(),
        );
        if wake {
            self.governor.changed.notify_waiters();
        }
        verdict
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if self.open && self.governor.state().release(self.key, self.held) {
            self.governor.changed.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(route: &'static str) -> Key {
        Key::template(Method::GET, route)
    }

    const T0: u64 = 1_700_000_000;

    fn wall(secs: f64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs_f64(secs)
    }

    fn report(limit: u64, remaining: u64, reset: u64, date: u64) -> Option<Report> {
        Some(Report {
            limit,
            remaining,
            reset,
            date: Some(date),
        })
    }

    fn go(d: Decision) -> Reserved {
        match d {
            Decision::Go(held) => held,
            other => panic!("expected to go, got {other:?}"),
        }
    }

    #[test]
    fn a_first_request_learns_the_bucket_while_the_others_wait() {
        let mut s = State::new(1.0, 16);
        let k = key("/api/v1/users");
        let now = Instant::now();
        let g = go(s.reserve(&k, now));
        assert!(g.probe);
        assert_eq!(s.reserve(&k, now), Decision::WaitForAnswer);
        // A first answer that takes too long holds the others back only so long.
        let impatient = go(s.reserve(&k, now + PROBE_PATIENCE));
        assert!(!impatient.probe);
        assert!(s.release(&k, impatient));
        let (v, wake) = s.record(
            &k,
            g,
            StatusCode::OK,
            report(10, 9, T0 + 60, T0),
            now,
            wall(T0 as f64),
        );
        assert_eq!(v, Verdict::Answered);
        assert!(wake);
        // Nine left: nine reservations, then a wait for the reset.
        for _ in 0..9 {
            assert!(!go(s.reserve(&k, now)).probe);
        }
        match s.reserve(&k, now) {
            Decision::WaitUntil(at) => {
                let d = at - now;
                assert!(
                    d >= Duration::from_secs(59) && d <= Duration::from_secs(61),
                    "{d:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn routes_without_headers_are_not_paced() {
        let mut s = State::new(1.0, 16);
        let k = key("/api/v1/groups");
        let now = Instant::now();
        let g = go(s.reserve(&k, now));
        s.record(&k, g, StatusCode::OK, None, now, wall(T0 as f64));
        for _ in 0..1000 {
            go(s.reserve(&k, now));
        }
    }

    #[test]
    fn in_flight_requests_count_and_answers_free_nothing_twice() {
        let mut s = State::new(1.0, 16);
        let k = key("/api/v1/users/{id}");
        let now = Instant::now();
        let g = go(s.reserve(&k, now));
        s.record(
            &k,
            g,
            StatusCode::OK,
            report(3, 2, T0 + 30, T0),
            now,
            wall(T0 as f64),
        );
        let a = go(s.reserve(&k, now));
        let b = go(s.reserve(&k, now));
        assert!(matches!(s.reserve(&k, now), Decision::WaitUntil(_)));
        // Answers out of order: the lowest remaining wins.
        s.record(
            &k,
            b,
            StatusCode::OK,
            report(3, 0, T0 + 30, T0),
            now,
            wall(T0 as f64),
        );
        s.record(
            &k,
            a,
            StatusCode::OK,
            report(3, 1, T0 + 30, T0),
            now,
            wall(T0 as f64),
        );
        assert!(matches!(s.reserve(&k, now), Decision::WaitUntil(_)));
    }

    #[test]
    fn the_window_resets_by_the_servers_clock() {
        let mut s = State::new(1.0, 16);
        let k = key("/api/v1/users");
        let now = Instant::now();
        // The server is 100 s ahead of the local clock; its window resets 5 s from its now.
        let g = go(s.reserve(&k, now));
        s.record(
            &k,
            g,
            StatusCode::OK,
            report(5, 0, T0 + 105, T0 + 100),
            now,
            wall(T0 as f64 + 0.5),
        );
        let at = match s.reserve(&k, now) {
            Decision::WaitUntil(at) => at,
            other => panic!("{other:?}"),
        };
        let d = at - now;
        // 5 s by the server's clock; the half second lost to Date's resolution errs late.
        assert!(
            d >= Duration::from_millis(4_400) && d <= Duration::from_secs(5),
            "{d:?}"
        );
        // Once it has passed, the whole limit is available until an answer describes the new
        // window; answers from the old one change nothing.
        let later = at + Duration::from_millis(1);
        for _ in 0..5 {
            go(s.reserve(&k, later));
        }
        assert_eq!(s.reserve(&k, later), Decision::WaitForAnswer);
        s.record(
            &k,
            g,
            StatusCode::OK,
            report(5, 0, T0 + 105, T0 + 104),
            later,
            wall(T0 as f64 + 5.0),
        );
        // That request counted in the old window: its unit in the new one is free again.
        go(s.reserve(&k, later));
        assert_eq!(s.reserve(&k, later), Decision::WaitForAnswer);
        s.record(
            &k,
            g,
            StatusCode::OK,
            report(5, 3, T0 + 165, T0 + 106),
            later,
            wall(T0 as f64 + 6.0),
        );
        // Three left by the server, four still in flight.
        assert!(matches!(s.reserve(&k, later), Decision::WaitUntil(_)));
    }

    #[test]
    fn the_skew_estimate_sharpens_with_samples_and_never_runs_early() {
        let mut sk = Skew::default();
        // True offset: +2.3 s. Date is truncated to the second.
        for i in 0..100u32 {
            let local = 1000.0 + f64::from(i) * 0.13;
            let server = local + 2.3;
            sk.sample(server.floor() as u64, local + 0.001);
        }
        let e = sk.estimate();
        assert!(e <= 2.3 && e > 2.1, "{e}");
        // Absurd dates are ignored.
        sk.sample(u64::MAX, 1000.0);
        sk.sample(0, 1e12);
        assert!(sk.estimate() <= 2.3);
    }

    #[test]
    fn a_smaller_share_stops_earlier_and_never_at_zero() {
        let mut s = State::new(0.5, 16);
        let k = key("/api/v1/users");
        let now = Instant::now();
        let g = go(s.reserve(&k, now));
        // 10 allowed, 4 used by everyone so far: 5 × share − 4 = 1 more.
        s.record(
            &k,
            g,
            StatusCode::OK,
            report(10, 6, T0 + 60, T0),
            now,
            wall(T0 as f64),
        );
        go(s.reserve(&k, now));
        assert!(matches!(s.reserve(&k, now), Decision::WaitUntil(_)));
        assert_eq!(allowed(1, 0.01), 1);
        assert_eq!(allowed(u64::MAX, 1.0), u64::MAX);
        assert_eq!(allowed(0, 1.0), 1);
    }

    #[test]
    fn a_429_is_a_spent_bucket_or_a_concurrency_violation() {
        let mut s = State::new(1.0, 16);
        let k = key("/api/v1/users");
        let now = Instant::now();
        let at = wall(T0 as f64);
        let g = go(s.reserve(&k, now));
        s.record(
            &k,
            g,
            StatusCode::OK,
            report(600, 500, T0 + 40, T0),
            now,
            at,
        );
        // Headers of another limit (the org's 75 concurrent requests): concurrency.
        let a = go(s.reserve(&k, now));
        let (v, _) = s.record(
            &k,
            a,
            StatusCode::TOO_MANY_REQUESTS,
            report(75, 0, T0 + 1, T0),
            now,
            at,
        );
        assert_eq!(v, Verdict::Concurrency);
        // The bucket's own limit with budget left: concurrency too.
        let b = go(s.reserve(&k, now));
        let (v, _) = s.record(
            &k,
            b,
            StatusCode::TOO_MANY_REQUESTS,
            report(600, 20, T0 + 40, T0),
            now,
            at,
        );
        assert_eq!(v, Verdict::Concurrency);
        // The bucket's own limit, nothing left (other apps spent it): wait for its reset.
        let c = go(s.reserve(&k, now));
        let (v, _) = s.record(
            &k,
            c,
            StatusCode::TOO_MANY_REQUESTS,
            report(600, 0, T0 + 40, T0),
            now,
            at,
        );
        assert_eq!(v, Verdict::Spent(Duration::from_secs(40)));
        assert!(matches!(s.reserve(&k, now), Decision::WaitUntil(_)));
        // No headers: the retry configuration decides.
        let (v, _) = s.record(&k, c, StatusCode::TOO_MANY_REQUESTS, None, now, at);
        assert_eq!(v, Verdict::Unknown);
    }

    #[test]
    fn far_resets_are_capped_for_pacing_but_not_for_the_retry_budget() {
        let mut s = State::new(1.0, 16);
        let k = key("/api/v1/users");
        let now = Instant::now();
        let g = go(s.reserve(&k, now));
        let (v, _) = s.record(
            &k,
            g,
            StatusCode::TOO_MANY_REQUESTS,
            report(u64::MAX, 0, u64::MAX, 0),
            now,
            wall(0.0),
        );
        match v {
            Verdict::Spent(d) => assert!(d >= Duration::from_secs(u64::MAX / 2), "{d:?}"),
            other => panic!("{other:?}"),
        }
        match s.reserve(&k, now) {
            Decision::WaitUntil(at) => assert!(at - now <= LONGEST_WINDOW),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn buckets_are_bounded_and_stale_reservations_are_harmless() {
        let mut s = State::new(1.0, 4);
        let now = Instant::now();
        let first = Key::generic(Method::GET, "/api/v1/x0");
        let g0 = go(s.reserve(&first, now));
        s.release(&first, g0);
        for i in 1..100 {
            let k = Key::generic(Method::GET, &format!("/api/v1/x{i}"));
            go(s.reserve(&k, now));
            assert!(s.len() <= 4);
        }
        // The first bucket was evicted; its old reservation finds another generation.
        let g = go(s.reserve(&first, now));
        assert_ne!(g.generation, g0.generation);
        assert!(!s.release(&first, g0));
        s.record(
            &first,
            g0,
            StatusCode::OK,
            report(1, 0, T0, T0),
            now,
            wall(T0 as f64),
        );
        assert!(s.release(&first, g));
    }

    #[test]
    fn a_released_probe_lets_another_request_learn() {
        let mut s = State::new(1.0, 4);
        let k = key("/api/v1/apps");
        let now = Instant::now();
        let g = go(s.reserve(&k, now));
        assert_eq!(s.reserve(&k, now), Decision::WaitForAnswer);
        assert!(s.release(&k, g));
        assert!(go(s.reserve(&k, now)).probe);
    }

    #[test]
    fn generic_routes_hold_no_ids() {
        let r = |p: &str| Key::generic(Method::GET, p).to_string();
        assert_eq!(r("/api/v1/users"), "GET /api/v1/users");
        assert_eq!(
            r("/api/v1/users/00u1abc/lifecycle/activate"),
            "GET /api/v1/users/*"
        );
        assert_eq!(r("/oauth2/aus1/v1/keys"), "GET /oauth2/*");
        assert_eq!(r("/"), "GET /");
        assert_eq!(r(""), "GET /");
    }

    #[test]
    fn concurrency_backoff_doubles_with_jitter_and_saturates() {
        let c = RateLimitConfig::default();
        for n in 0..6u32 {
            let full = Duration::from_millis(250)
                .saturating_mul(1 << n)
                .min(Duration::from_secs(8));
            let d = c.concurrency_delay(n);
            assert!(d >= full / 2 && d <= full, "{n}: {d:?}");
        }
        let huge = RateLimitConfig {
            concurrency_backoff: Duration::MAX,
            max_concurrency_backoff: Duration::MAX,
            ..c
        };
        let _ = huge.concurrency_delay(u32::MAX);
    }

    #[test]
    fn settings_are_checked() {
        assert!(RateLimitConfig::default().validate().is_ok());
        assert!(RateLimitConfig::disabled().validate().is_ok());
        for share in [0.0, -1.0, 1.5, f64::NAN] {
            let c = RateLimitConfig {
                budget_share: share,
                ..RateLimitConfig::default()
            };
            assert!(c.validate().is_err(), "{share}");
        }
        let c = RateLimitConfig {
            max_concurrency: 0,
            ..RateLimitConfig::default()
        };
        assert!(c.validate().is_err());
        // Far more permits than a semaphore holds are clamped, not a panic.
        let _ = Governor::new(RateLimitConfig {
            max_concurrency: usize::MAX,
            ..RateLimitConfig::default()
        });
    }

    proptest::proptest! {
        /// Whatever the headers say and whenever they arrive, recording and reserving never
        /// panic and waits stay within a window.
        #[test]
        fn any_headers_are_safe(
            limit in 0u64..=u64::MAX,
            remaining in 0u64..=u64::MAX,
            reset in 0u64..=u64::MAX,
            date in proptest::option::of(0u64..=u64::MAX),
            local in 0f64..1e12,
            status in 200u16..600,
            share in 0.001f64..=1.0,
        ) {
            let mut s = State::new(share, 2);
            let k = key("/api/v1/users");
            let now = Instant::now();
            let g = go(s.reserve(&k, now));
            let status = StatusCode::from_u16(status).unwrap();
            let r = Some(Report { limit, remaining, reset, date });
            let _ = s.record(&k, g, status, r, now, wall(local));
            if let Decision::WaitUntil(at) = s.reserve(&k, now) {
                proptest::prop_assert!(at - now <= LONGEST_WINDOW);
            }
        }
    }
}
