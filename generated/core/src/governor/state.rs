//! The governor's bookkeeping: buckets learned from the headers, the server clock's skew, and
//! the decisions, as plain data driven by explicit instants.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::{Method, StatusCode};

use super::{LONGEST_WINDOW, MAX_SKEW_SECS, PROBE_PATIENCE, SKEW_EPOCH};
use crate::headers::LimitHeaders;

/// The bucket a request counts against: its method and an id-free route.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BucketId {
    method: Method,
    route: Cow<'static, str>,
}

impl BucketId {
    /// The bucket of `method` on an id-free `route` (a catalog path template, or a generic
    /// request's path prefix: see [`Prepared`](crate::prepare::Prepared)).
    pub fn new(method: Method, route: Cow<'static, str>) -> BucketId {
        BucketId { method, route }
    }

    #[cfg(test)]
    pub(crate) fn template(method: Method, template: &'static str) -> BucketId {
        BucketId::new(method, Cow::Borrowed(template))
    }

    #[cfg(test)]
    pub(crate) fn generic(method: Method, path: &str) -> BucketId {
        BucketId::new(method, Cow::Owned(crate::request::generic_route(path)))
    }
}

impl fmt::Display for BucketId {
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
    pub(crate) fn of(limits: &LimitHeaders) -> Option<Report> {
        let rl = &limits.rate_limit;
        Some(Report {
            limit: rl.limit?,
            remaining: rl.remaining?,
            reset: rl.reset?,
            date: limits.date,
        })
    }
}

/// What to do about a `429`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not a `429`: nothing to do.
    NotLimited,
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
pub(super) struct Reserved {
    generation: u64,
    probe: bool,
}

/// The governor's decision for one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Decision {
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
    /// For `own_share`: the window (its `X-Rate-Limit-Reset`) of this client's latest answer,
    /// its answers in that window, and the units it may spend itself in it (its share of
    /// what was left of the window when it first saw it).
    own: Own,
}

impl Bucket {
    /// Units that may still be reserved, given the share of the limit this client may use
    /// (counting everyone's use, as Okta reports it) and, as a fallback for a shared budget,
    /// the share it may spend itself.
    fn available(&self, share: f64, own_share: Option<f64>) -> u64 {
        match &self.window {
            None => u64::MAX,
            Some(w) => {
                let used = w.limit.saturating_sub(w.remaining);
                let all = allowed(w.limit, share)
                    .saturating_sub(used)
                    .saturating_sub(self.in_flight);
                let Some(own_share) = own_share else {
                    return all;
                };
                // Our own answers and quota in the live window; a window that has reset
                // unseen is new to everyone: our share of its limit.
                let (mine, quota) = match w.reset_at {
                    Some(_) if self.own.reset == w.reset => (self.own.answers, self.own.quota),
                    _ => (0, allowed(w.limit, own_share)),
                };
                let own = quota.saturating_sub(mine).saturating_sub(self.in_flight);
                all.min(own)
            }
        }
    }
}

/// This client's own spending in one window, for a fallback that must not spend the others'
/// part: see [`Bucket::own`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Own {
    reset: u64,
    answers: u64,
    quota: u64,
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

/// A bucket as one governor sees it, for [`State::snapshot`].
#[derive(Clone, Debug)]
pub(crate) struct BucketFigures {
    pub key: BucketId,
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    pub reset: Option<SystemTime>,
    pub in_flight: u64,
}

/// What a `429` (or any other answer) means without a bucket to compare it with.
fn classify(status: StatusCode, report: Option<Report>, local: f64, skew: f64) -> Verdict {
    match (status.as_u16(), report) {
        (429, Some(r)) if r.remaining == 0 => Verdict::Spent(until_reset(r.reset, local, skew)),
        (429, Some(_)) => Verdict::Concurrency,
        (429, None) => Verdict::Unknown,
        _ => Verdict::NotLimited,
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
pub(super) struct State {
    buckets: HashMap<BucketId, Bucket>,
    tick: u64,
    skew: Skew,
    share: f64,
    /// The share of each bucket this client may spend itself (the fallback of a shared
    /// budget, whose workers cannot see each other's reservations): `None` without one.
    own_share: Option<f64>,
    max_buckets: usize,
}

impl State {
    pub(super) fn new(share: f64, max_buckets: usize) -> State {
        State {
            buckets: HashMap::new(),
            tick: 0,
            skew: Skew::default(),
            share,
            own_share: None,
            max_buckets: max_buckets.max(1),
        }
    }

    /// Also holds this client to `share` of each bucket counting only its own answers.
    #[cfg(any(feature = "redis", test))]
    pub(super) fn with_own_share(mut self, share: f64) -> State {
        self.own_share = Some(share);
        self
    }

    /// Changes the share of [`State::with_own_share`] (for windows first seen from now on).
    #[cfg(feature = "redis")]
    pub(super) fn set_own_share(&mut self, share: f64) {
        self.own_share = Some(share);
    }

    /// Forgets every bucket (the shared budget spent since this state last saw them); their
    /// reservations then find no bucket of their generation.
    #[cfg(any(feature = "redis", test))]
    pub(super) fn forget(&mut self) {
        self.buckets.clear();
    }

    fn bucket(&mut self, key: &BucketId) -> &mut Bucket {
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
            own: Own::default(),
        });
        bucket.last_used = tick;
        bucket
    }

    /// Whether an attempt on `key` may be sent now, reserving a unit if so.
    pub(super) fn reserve(&mut self, key: &BucketId, now: Instant) -> Decision {
        let (share, own_share) = (self.share, self.own_share);
        let bucket = self.bucket(key);
        if let Some(w) = &mut bucket.window {
            if w.reset_at.is_some_and(|at| now >= at) {
                // The window has reset: assume the whole limit until a response tells.
                w.remaining = w.limit;
                w.reset_at = None;
            }
            let reset_at = w.reset_at;
            if bucket.available(share, own_share) == 0 {
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
    pub(super) fn release(&mut self, key: &BucketId, held: Reserved) -> bool {
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
    pub(super) fn record(
        &mut self,
        key: &BucketId,
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
        let (share, own_share) = (self.share, self.own_share);
        let Some(bucket) = self
            .buckets
            .get_mut(key)
            .filter(|b| b.generation == held.generation)
        else {
            // Evicted meanwhile: classify the answer without a bucket.
            return (classify(status, report, local, skew), false);
        };
        let before = bucket.available(share, own_share);
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
                    // An answer Okta counted, in the window it names. The first of a window
                    // sets this client's quota in it: its part (`own_share / share`) of what
                    // was left within `share` of the limit (this answer included), and never
                    // more than its share of the limit.
                    if r.reset > bucket.own.reset {
                        let left = own_share.map_or(0, |f| {
                            let spent_before =
                                r.limit.saturating_sub(r.remaining.saturating_add(1));
                            let usable = allowed(r.limit, share).saturating_sub(spent_before);
                            let part = if share > 0.0 { f / share } else { f };
                            // `as` saturates for floats.
                            let mine = (usable as f64 * part).floor() as u64;
                            mine.min(allowed(r.limit, f))
                        });
                        bucket.own = Own {
                            reset: r.reset,
                            answers: 0,
                            quota: left,
                        };
                    }
                    if r.reset == bucket.own.reset {
                        bucket.own.answers = bucket.own.answers.saturating_add(1);
                    }
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
            Verdict::NotLimited
        };
        let after = bucket.available(share, own_share);
        (verdict, held.probe || after > before)
    }

    /// Judges an answer that no bucket of this state reserved (the shared budget's, when
    /// Redis did not take its record), learning the server's clock from it.
    #[cfg(feature = "redis")]
    pub(super) fn judge(
        &mut self,
        status: StatusCode,
        report: Option<Report>,
        wall: SystemTime,
    ) -> Verdict {
        let local = local_unix(wall);
        if let Some(date) = report.and_then(|r| r.date) {
            self.skew.sample(date, local);
        }
        classify(status, report, local, self.skew.estimate())
    }

    /// Every bucket: its key, limit, remaining, reset (on the wall clock) and units in flight.
    pub(super) fn snapshot(&self, now: Instant, wall: SystemTime) -> Vec<BucketFigures> {
        let mut out: Vec<BucketFigures> = self
            .buckets
            .iter()
            .map(|(key, b)| {
                let live = b.window.filter(|w| w.reset_at.is_some_and(|at| at > now));
                BucketFigures {
                    key: key.clone(),
                    limit: b.window.map(|w| w.limit),
                    // A window that has reset counts as full until an answer tells.
                    remaining: b.window.map(|w| live.map_or(w.limit, |l| l.remaining)),
                    reset: live
                        .and_then(|w| w.reset_at)
                        .and_then(|at| wall.checked_add(at.saturating_duration_since(now))),
                    in_flight: b.in_flight,
                }
            })
            .collect();
        out.sort_by_key(|b| b.key.to_string());
        out
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets.len()
    }
}

#[cfg(test)]
mod tests;
