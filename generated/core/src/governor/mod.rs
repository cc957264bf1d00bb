//! Pacing requests under Okta's rate limits, shared by every clone of a `Client`. What it does
//! for users is described once, in okta-client's crate docs ("Rate limits: the governor"); this
//! module is how.
//!
//! The bookkeeping (`State`, in `state.rs`) is plain data driven by explicit instants, so that
//! it is tested without a runtime or a clock; [`Governor`] wraps it with the waiting.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use http::StatusCode;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::headers::LimitHeaders;
use super::metrics;
use super::retry::{jitter, Jitter};

#[cfg(feature = "redis")]
mod health;
#[cfg(feature = "redis")]
mod held;
#[cfg(feature = "redis")]
mod principal;
#[cfg(feature = "redis")]
pub mod shared;
mod snapshot;
mod state;

#[cfg(feature = "redis")]
pub(crate) use principal::principal_id;
#[cfg(feature = "redis")]
pub use shared::{SharedBudget, DEFAULT_FALLBACK_SHARE, DEFAULT_REDIS_TIMEOUT};
pub use snapshot::{BucketSnapshot, BudgetSource};
pub use state::{BucketId, Verdict};
use state::{Decision, Report, Reserved, State};

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
/// `ClientBuilder::rate_limit`.
///
/// The default is on: a bucket per route learned from `X-Rate-Limit-*`, at most
/// [`DEFAULT_MAX_CONCURRENCY`] requests in flight, the whole of each bucket's limit usable,
/// and up to 100 ms of jitter on waits for a reset. [`RateLimitConfig::disabled`] turns all of
/// it off; then only [`RetryConfig`](crate::retry::RetryConfig) reacts to `429`s.
#[derive(Clone, Debug)]
pub struct RateLimitConfig {
    /// Whether the governor runs at all (`false`: requests are sent at once and `429`s are only
    /// retried).
    pub(crate) enabled: bool,
    /// The most requests in flight across all clones of the client (default
    /// [`DEFAULT_MAX_CONCURRENCY`], 16). Okta's org-wide concurrency limit is 75 by default
    /// and is shared by every application of the org, so the default leaves most of it to
    /// them; at Okta's usual latencies 16 requests in flight already exceed every per-minute
    /// bucket. At least 1.
    pub(crate) max_concurrency: usize,
    /// The fraction of each bucket's limit this client may use, in `(0, 1]` (default `1.0`).
    /// Okta's counts are org-wide: `X-Rate-Limit-Remaining` already reflects what other
    /// applications spent, so the default only stops where Okta would. A smaller share stops
    /// earlier, leaving `limit × (1 − share)` requests of each window to the others (for
    /// example an integration that must never be starved by a bulk job).
    pub(crate) budget_share: f64,
    /// The most random delay added to a wait for a window's reset, so that clients of the
    /// same org do not all send in the same millisecond (default 100 ms).
    pub(crate) max_jitter: Duration,
    /// The first back-off after a `429` that signals a concurrency violation rather than a
    /// spent bucket (default 250 ms), doubled per such `429`, with random jitter.
    pub(crate) concurrency_backoff: Duration,
    /// The longest back-off after a concurrency `429` (default 8 s).
    pub(crate) max_concurrency_backoff: Duration,
    /// The most buckets remembered (default 512); the least recently used is forgotten first.
    /// At least 1.
    pub(crate) max_buckets: usize,
}

/// Each setting has a chained setter of its name (the fields are private, so that a setting can be
/// added without breaking a caller).
impl RateLimitConfig {
    /// Whether the governor runs at all (`false`: requests are sent at once and `429`s are only
    /// retried).
    pub fn enabled(mut self, value: bool) -> Self {
        self.enabled = value;
        self
    }

    /// The most requests in flight across all clones of the client (default
    /// [`DEFAULT_MAX_CONCURRENCY`], 16). Okta's org-wide concurrency limit is 75 by default
    /// and is shared by every application of the org, so the default leaves most of it to
    /// them; at Okta's usual latencies 16 requests in flight already exceed every per-minute
    /// bucket. At least 1.
    pub fn max_concurrency(mut self, value: usize) -> Self {
        self.max_concurrency = value;
        self
    }

    /// The fraction of each bucket's limit this client may use, in `(0, 1]` (default `1.0`).
    /// Okta's counts are org-wide: `X-Rate-Limit-Remaining` already reflects what other
    /// applications spent, so the default only stops where Okta would. A smaller share stops
    /// earlier, leaving `limit × (1 − share)` requests of each window to the others (for
    /// example an integration that must never be starved by a bulk job).
    pub fn budget_share(mut self, value: f64) -> Self {
        self.budget_share = value;
        self
    }

    /// The most random delay added to a wait for a window's reset, so that clients of the
    /// same org do not all send in the same millisecond (default 100 ms).
    pub fn max_jitter(mut self, value: Duration) -> Self {
        self.max_jitter = value;
        self
    }

    /// The first back-off after a `429` that signals a concurrency violation rather than a
    /// spent bucket (default 250 ms), doubled per such `429`, with random jitter.
    pub fn concurrency_backoff(mut self, value: Duration) -> Self {
        self.concurrency_backoff = value;
        self
    }

    /// The longest back-off after a concurrency `429` (default 8 s).
    pub fn max_concurrency_backoff(mut self, value: Duration) -> Self {
        self.max_concurrency_backoff = value;
        self
    }

    /// The most buckets remembered (default 512); the least recently used is forgotten first.
    /// At least 1.
    pub fn max_buckets(mut self, value: usize) -> Self {
        self.max_buckets = value;
        self
    }
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
    /// [`RetryConfig`](crate::retry::RetryConfig) alone (the behaviour before the governor
    /// existed).
    pub fn disabled() -> Self {
        RateLimitConfig {
            enabled: false,
            ..RateLimitConfig::default()
        }
    }

    /// Checks the settings; `build()` reports a failure as
    /// [`Error::Config`](crate::error::Error::Config).
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
    pub(crate) fn concurrency_delay(&self, n: u32, jitter: Jitter) -> Duration {
        let factor = 1u32.checked_shl(n).unwrap_or(u32::MAX);
        let full = self
            .concurrency_backoff
            .saturating_mul(factor)
            .min(self.max_concurrency_backoff);
        let half = full / 2;
        half.saturating_add(jitter(full.saturating_sub(half)))
    }
}

/// The rate-limit governor of one client and its clones.
pub struct Governor {
    /// The configuration it paces by.
    pub config: RateLimitConfig,
    /// The local budget; with a shared budget, the one used while Redis is unreachable (at the
    /// fallback share).
    state: Mutex<State>,
    /// Woken when an answer may have freed budget.
    changed: tokio::sync::Notify,
    slots: Semaphore,
    /// The permits `slots` is meant to have now (with a shared budget, the fallback's share of
    /// `max_concurrency`, which follows the number of workers).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    slot_target: Mutex<usize>,
    /// Tasks waiting per bucket, for the snapshot.
    waiters: Mutex<HashMap<BucketId, u64>>,
    /// The budget shared through Redis, when the client has one.
    #[cfg(feature = "redis")]
    pub shared: Option<shared::RedisBudget>,
}

impl fmt::Debug for Governor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.config.fmt(f)
    }
}

/// A reserved unit of a bucket and a concurrency slot, for one attempt. Dropped without
/// [`finish`](Ticket::finish), it gives both back.
pub struct Ticket<'g> {
    governor: &'g Governor,
    key: &'g BucketId,
    held: Held,
    _slot: Option<SemaphorePermit<'g>>,
}

/// Where a ticket's unit was reserved.
enum Held {
    Local(Reserved),
    #[cfg(feature = "redis")]
    RedisBudget(shared::Reservation),
    /// Finished.
    Done,
}

/// Counts a task as waiting on a bucket while it lives.
struct Waiting<'g> {
    governor: &'g Governor,
    key: &'g BucketId,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut waiters = self.governor.waiters();
        if let Some(n) = waiters.get_mut(self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                waiters.remove(self.key);
            }
        }
    }
}

impl Governor {
    /// A governor on `state` with `slots` requests in flight.
    fn with(config: RateLimitConfig, state: State, slots: usize) -> Governor {
        Governor {
            state: Mutex::new(state),
            changed: tokio::sync::Notify::new(),
            slots: Semaphore::new(slots.clamp(1, Semaphore::MAX_PERMITS)),
            slot_target: Mutex::new(slots.clamp(1, Semaphore::MAX_PERMITS)),
            waiters: Mutex::new(HashMap::new()),
            #[cfg(feature = "redis")]
            shared: None,
            config,
        }
    }

    /// A governor with a local budget only.
    pub fn new(config: RateLimitConfig) -> Governor {
        let state = State::new(config.budget_share, config.max_buckets);
        let slots = config.max_concurrency;
        Governor::with(config, state, slots)
    }

    /// A governor on a shared budget, whose local budget (for outages) lets this client spend
    /// its fallback share of each bucket itself, and of the requests in flight: the workers
    /// cannot see each other's reservations then, so each keeps to its part.
    #[cfg(feature = "redis")]
    pub fn shared(config: RateLimitConfig, shared: shared::RedisBudget) -> Governor {
        let f = shared.fallback_fraction();
        let state = State::new(config.budget_share, config.max_buckets)
            .with_own_share(config.budget_share * f);
        // `as` saturates; at least one request in flight.
        let slots = ((config.max_concurrency as f64) * f).ceil() as usize;
        let mut g = Governor::with(config, state, slots);
        g.shared = Some(shared);
        g
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn waiters(&self) -> std::sync::MutexGuard<'_, HashMap<BucketId, u64>> {
        self.waiters.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until `key` has budget and a concurrency slot is free, and reserves both: in the
    /// shared budget while Redis answers, else in the local one.
    pub async fn acquire<'g>(&'g self, key: &'g BucketId) -> Ticket<'g> {
        let started = Instant::now();
        {
            let mut waiters = self.waiters();
            if waiters.len() < self.config.max_buckets || waiters.contains_key(key) {
                *waiters.entry(key.clone()).or_default() += 1;
            }
        }
        let waiting = Waiting {
            governor: self,
            key,
        };
        let held = loop {
            #[cfg(feature = "redis")]
            if let Some(shared) = self.shared.as_ref().filter(|s| s.is_up()) {
                match shared.acquire(key).await {
                    Ok(lease) => {
                        shared.succeeded();
                        drop(waiting);
                        metrics::waited(key, started.elapsed());
                        return Ticket {
                            governor: self,
                            key,
                            held: Held::RedisBudget(lease),
                            _slot: None,
                        };
                    }
                    Err(failure) => self.shared_failed(shared, &failure),
                }
            }
            #[cfg(feature = "redis")]
            if let Some(shared) = &self.shared {
                self.follow_workers(shared);
            }
            // `None`: the shared budget can be used again; the call goes back to it.
            if let Some(held) = self.acquire_local(key).await {
                break held;
            }
        };
        let mut ticket = Ticket {
            governor: self,
            key,
            held: Held::Local(held),
            _slot: None,
        };
        // The semaphore is never closed; were it, the attempt would go without a slot.
        ticket._slot = self.slots.acquire().await.ok();
        drop(waiting);
        metrics::waited(key, started.elapsed());
        ticket
    }

    /// Reserves a unit of the local budget; `None` when the shared budget can be used again
    /// (Redis answers): the call then goes back to it instead of waiting here, once the wait
    /// it is in is over (a bucket the local budget knows to be spent stays spent until its
    /// reset, whatever Redis, perhaps restarted empty, knows of it).
    async fn acquire_local(&self, key: &BucketId) -> Option<Reserved> {
        #[cfg(feature = "redis")]
        let shared_up = || self.shared.as_ref().is_some_and(|s| s.is_up());
        #[cfg(not(feature = "redis"))]
        let shared_up = || false;
        let mut first = true;
        loop {
            // The first look is for a call whose Redis operation just failed (one failure is
            // not an outage): it goes now if the local budget allows.
            if !first && shared_up() {
                return None;
            }
            let mut notified = std::pin::pin!(self.changed.notified());
            // Registered before looking, so that an answer in between is not missed.
            notified.as_mut().enable();
            let decision = self.state().reserve(key, Instant::now());
            if first && !matches!(decision, Decision::Go(_)) && shared_up() {
                return None;
            }
            first = false;
            match decision {
                Decision::Go(held) => return Some(held),
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
        }
    }

    /// A failed Redis operation; at the start of an outage, the local budget forgets what it
    /// knew (the shared budget has spent since) and takes this client's share.
    #[cfg(feature = "redis")]
    fn shared_failed(&self, shared: &shared::RedisBudget, failure: &shared::Failure) {
        if shared.failed(failure) == health::Trip::Tripped {
            self.state().forget();
            self.follow_workers(shared);
        }
    }

    /// Sets the local budget's own share, and the slots, to this client's part of the org as
    /// Redis last counted the workers.
    #[cfg(feature = "redis")]
    fn follow_workers(&self, shared: &shared::RedisBudget) {
        let f = shared.fallback_fraction();
        self.state().set_own_share(self.config.budget_share * f);
        // `as` saturates; at least one request in flight.
        let target = (((self.config.max_concurrency as f64) * f).ceil() as usize)
            .clamp(1, Semaphore::MAX_PERMITS);
        let mut current = self.slot_target.lock().unwrap_or_else(|p| p.into_inner());
        if target > *current {
            self.slots.add_permits(target - *current);
            *current = target;
        } else if target < *current {
            // Only free permits can go; the rest go at a later call, once given back.
            *current -= self.slots.forget_permits(*current - target);
        }
    }

    /// Every bucket this governor knows: its figures, waiting tasks, and which budget holds it.
    pub async fn snapshot(&self) -> Vec<BucketSnapshot> {
        let local = self.state().snapshot(Instant::now(), SystemTime::now());
        let waiters = self.waiters().clone();
        #[allow(unused_mut)]
        let mut out: Vec<BucketSnapshot> = local
            .into_iter()
            .map(|b| BucketSnapshot::local(b, &waiters, self.is_shared()))
            .collect();
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.shared {
            let mut keys: Vec<BucketId> = shared.routes();
            keys.sort_by_key(|k| k.to_string());
            for key in keys {
                if let Some(f) = shared.snapshot(&key).await {
                    out.push(BucketSnapshot::shared(&key, f, &waiters));
                }
            }
        }
        out
    }

    /// Whether a shared budget is configured (reachable or not).
    fn is_shared(&self) -> bool {
        #[cfg(feature = "redis")]
        return self.shared.is_some();
        #[cfg(not(feature = "redis"))]
        false
    }
}

/// The metrics of an attempt the governor did not pace (it is switched off): the same
/// `okta_requests_total` and `okta_rate_limit_remaining` as a paced one, and a `429` as
/// `kind = "unknown"` (only the governor's state can tell a spent bucket from the concurrency
/// limit). `None`: the attempt got no answer.
pub fn record_unpaced(key: &BucketId, answer: Option<(StatusCode, &LimitHeaders)>) {
    let Some((status, limits)) = answer else {
        metrics::request(key, None);
        return;
    };
    record_answer(key, status, Report::of(limits).as_ref());
    if status == StatusCode::TOO_MANY_REQUESTS {
        metrics::rate_limited(key, "unknown");
    }
}

/// `okta_requests_total` and `okta_rate_limit_remaining` of one answer, paced or not.
fn record_answer(key: &BucketId, status: StatusCode, report: Option<&Report>) {
    metrics::request(key, Some(status.as_u16()));
    if let Some(r) = report {
        metrics::remaining(key, r.remaining);
    }
}

impl Ticket<'_> {
    /// Records the answer to this attempt and gives the slot back.
    pub async fn finish(mut self, status: StatusCode, limits: &LimitHeaders) -> Verdict {
        let report = Report::of(limits);
        let governor = self.governor;
        record_answer(self.key, status, report.as_ref());
        let verdict = match std::mem::replace(&mut self.held, Held::Done) {
            Held::Local(held) => {
                let (verdict, wake) = governor.state().record(
                    self.key,
                    held,
                    status,
                    report,
                    Instant::now(),
                    SystemTime::now(),
                );
                if wake {
                    governor.changed.notify_waiters();
                }
                verdict
            }
            #[cfg(feature = "redis")]
            Held::RedisBudget(lease) => match lease.finish(status, report).await {
                Ok(verdict) => verdict,
                Err(failure) => {
                    if let Some(shared) = &governor.shared {
                        governor.shared_failed(shared, &failure);
                    }
                    governor.state().judge(status, report, SystemTime::now())
                }
            },
            Held::Done => Verdict::NotLimited,
        };
        match verdict {
            Verdict::Spent(_) => metrics::rate_limited(self.key, "spent"),
            Verdict::Concurrency => metrics::rate_limited(self.key, "concurrency"),
            Verdict::Unknown if status == StatusCode::TOO_MANY_REQUESTS => {
                metrics::rate_limited(self.key, "unknown")
            }
            _ => {}
        }
        verdict
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.held, Held::Done) {
            Held::Local(held) => {
                metrics::request(self.key, None);
                if self.governor.state().release(self.key, held) {
                    self.governor.changed.notify_waiters();
                }
            }
            // Dropping the lease gives it back.
            #[cfg(feature = "redis")]
            Held::RedisBudget(_) => metrics::request(self.key, None),
            Held::Done => {}
        }
    }
}

#[cfg(all(test, feature = "redis"))]
mod tests {
    use super::*;

    /// The fallback's share follows the workers Redis counted: the configured share before
    /// any count, then 1/N of `max_concurrency` (at least one slot), up and down.
    #[tokio::test]
    async fn the_fallback_takes_its_share_of_the_slots_from_the_workers_counted() {
        let config = RateLimitConfig {
            max_concurrency: 16,
            ..RateLimitConfig::default()
        };
        let org = url::Url::parse("https://example.okta.com").unwrap();
        // Opening connects to nothing: no Redis is needed here.
        let shared = SharedBudget::new("redis://127.0.0.1:1/", "t")
            .fallback_share(0.5)
            .open(&org, "token:x".into(), &config)
            .unwrap();
        let g = Governor::shared(config, shared);
        let shared = g.shared.as_ref().unwrap();
        assert_eq!(g.slots.available_permits(), 8, "the configured half");
        shared.set_workers(4);
        g.follow_workers(shared);
        assert_eq!(g.slots.available_permits(), 4);
        shared.set_workers(1);
        g.follow_workers(shared);
        assert_eq!(g.slots.available_permits(), 16);
        // Permits in use are given up once they come back (at a later look).
        let held = g.slots.acquire_many(2).await.unwrap();
        shared.set_workers(64);
        g.follow_workers(shared);
        assert_eq!(
            g.slots.available_permits(),
            0,
            "only free permits go at once"
        );
        drop(held);
        assert_eq!(g.slots.available_permits(), 2);
        g.follow_workers(shared);
        assert_eq!(g.slots.available_permits(), 1, "at least one slot");
    }
}
