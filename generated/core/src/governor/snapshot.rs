//! The budget in view: `Client::rate_limit_snapshot`.

use std::collections::HashMap;
use std::time::SystemTime;

use super::state::{BucketFigures, BucketId};

/// Which budget a [`BucketSnapshot`] describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BudgetSource {
    /// This client's own budget (no shared budget configured).
    Local,
    /// The budget shared through Redis by every client of the org with the same principal.
    Shared,
    /// The local budget used at the fallback share while Redis was unreachable.
    Fallback,
}

/// One rate-limit bucket as the client sees it; from
/// `Client::rate_limit_snapshot`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BucketSnapshot {
    /// The bucket: method and id-free route, such as `GET /api/v1/users/{userId}`.
    pub route: String,
    /// `X-Rate-Limit-Limit` of the current window; `None` before any answer described it.
    pub limit: Option<u64>,
    /// Requests left in the window (as Okta last reported it, lowest first; a window that has
    /// reset counts as full until an answer tells).
    pub remaining: Option<u64>,
    /// When the window resets (on the Redis server's clock for a shared bucket).
    pub reset: Option<SystemTime>,
    /// Units reserved by requests not yet answered (across all processes when shared).
    pub in_flight: u64,
    /// Tasks of this client (and its clones, in this process) waiting for this bucket's
    /// budget or a slot.
    pub waiters: u64,
    /// Which budget this is.
    pub source: BudgetSource,
}

impl BucketSnapshot {
    pub(crate) fn local(b: BucketFigures, waiters: &HashMap<BucketId, u64>, shared: bool) -> Self {
        BucketSnapshot {
            route: b.key.to_string(),
            limit: b.limit,
            remaining: b.remaining,
            reset: b.reset,
            in_flight: b.in_flight,
            waiters: waiters.get(&b.key).copied().unwrap_or(0),
            source: if shared {
                BudgetSource::Fallback
            } else {
                BudgetSource::Local
            },
        }
    }

    #[cfg(feature = "redis")]
    pub(crate) fn shared(
        key: &BucketId,
        f: super::shared::RedisFigures,
        waiters: &HashMap<BucketId, u64>,
    ) -> Self {
        BucketSnapshot {
            route: key.to_string(),
            limit: f.limit,
            remaining: f.remaining,
            reset: f.reset,
            in_flight: f.in_flight,
            waiters: waiters.get(key).copied().unwrap_or(0),
            source: BudgetSource::Shared,
        }
    }
}
