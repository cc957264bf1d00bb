//! Whether the shared budget is in use or the local fallback stands in for it, as plain data
//! driven by explicit instants: an outage starts only on repeated failures within a window (one
//! slow answer sends only its own call to the local budget), with one warning and one count
//! per outage, and the outage's length when Redis is back.

use std::time::{Duration, Instant};

/// Failures within [`TRIP_WINDOW`] that start an outage.
pub(super) const TRIP_FAILURES: u32 = 3;
/// The window in which [`TRIP_FAILURES`] failures start an outage.
pub(super) const TRIP_WINDOW: Duration = Duration::from_secs(2);

/// What one failure did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trip {
    /// Counted: only this call goes to the local budget.
    Counted,
    /// The failure that starts an outage: warn, count, probe; every call goes to the local
    /// budget until Redis is back.
    Tripped,
    /// An outage is already under way.
    Down,
}

/// The shared budget's health.
#[derive(Debug, Default)]
pub(super) struct Health {
    /// Since when Redis has failed; `None` while the shared budget is in use.
    down_since: Option<Instant>,
    /// Failures since the last success, and when the first of them happened.
    failures: u32,
    first_failure: Option<Instant>,
}

impl Health {
    /// Whether requests should go to the shared budget.
    pub(super) fn is_up(&self) -> bool {
        self.down_since.is_none()
    }

    /// Records a failed Redis operation.
    pub(super) fn failed(&mut self, now: Instant) -> Trip {
        if self.down_since.is_some() {
            return Trip::Down;
        }
        let fresh = self
            .first_failure
            .is_none_or(|first| now.saturating_duration_since(first) > TRIP_WINDOW);
        if fresh {
            self.first_failure = Some(now);
            self.failures = 0;
        }
        self.failures = self.failures.saturating_add(1);
        if self.failures < TRIP_FAILURES {
            return Trip::Counted;
        }
        self.down_since = Some(now);
        self.failures = 0;
        self.first_failure = None;
        Trip::Tripped
    }

    /// Records a successful operation while the shared budget is in use: earlier failures no
    /// longer count towards an outage.
    pub(super) fn succeeded(&mut self) {
        if self.down_since.is_none() {
            self.failures = 0;
            self.first_failure = None;
        }
    }

    /// Records a successful probe; the outage's length when one just ended.
    pub(super) fn recovered(&mut self, now: Instant) -> Option<Duration> {
        self.down_since
            .take()
            .map(|since| now.saturating_duration_since(since))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_starts_on_repeated_failures_and_warns_once() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut h = Health::default();
        assert!(h.is_up());
        assert_eq!(h.recovered(t0), None, "no outage, nothing ends");
        assert_eq!(
            h.failed(t0),
            Trip::Counted,
            "one slow answer is not an outage"
        );
        assert_eq!(h.failed(t0 + ms(100)), Trip::Counted);
        assert!(h.is_up());
        assert_eq!(
            h.failed(t0 + ms(200)),
            Trip::Tripped,
            "the third within the window"
        );
        assert!(!h.is_up());
        assert_eq!(
            h.failed(t0 + ms(300)),
            Trip::Down,
            "later ones do not warn again"
        );
        assert_eq!(h.recovered(t0 + Duration::from_secs(3)), Some(ms(2_800)));
        assert!(h.is_up());
        // A new outage needs its own repeated failures.
        assert_eq!(h.failed(t0 + Duration::from_secs(4)), Trip::Counted);
    }

    #[test]
    fn failures_spread_out_or_broken_by_a_success_do_not_trip() {
        let t0 = Instant::now();
        let mut h = Health::default();
        // Two failures every three seconds: never three within the window.
        for i in 0..10u64 {
            let at = t0 + Duration::from_secs(3 * i);
            assert_eq!(h.failed(at), Trip::Counted);
            assert_eq!(h.failed(at + Duration::from_millis(10)), Trip::Counted);
        }
        // Two failures, a success, two failures: still up.
        let t1 = t0 + Duration::from_secs(60);
        h.failed(t1);
        h.failed(t1);
        h.succeeded();
        assert_eq!(h.failed(t1), Trip::Counted);
        assert_eq!(h.failed(t1), Trip::Counted);
        assert!(h.is_up());
        assert_eq!(
            h.failed(t1 + TRIP_WINDOW),
            Trip::Tripped,
            "the window is inclusive"
        );
    }
}
