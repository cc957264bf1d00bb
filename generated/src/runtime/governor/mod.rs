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

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use http::{HeaderMap, StatusCode};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::retry::{jitter, Jitter};

mod state;

use state::{Decision, Report, Reserved, State};
pub(crate) use state::{Key, Verdict};

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
