//! Whether the shared budget is in use or the local fallback stands in for it, as plain data
//! driven by explicit instants: one warning and one count per outage, and the outage's length
//! when Redis is back.

use std::time::{Duration, Instant};

/// The shared budget's health.
#[derive(Debug, Default)]
pub struct Health {
    /// Since when Redis has failed; `None` while the shared budget is in use.
    down_since: Option<Instant>,
}

impl Health {
    /// Whether requests should go to the shared budget.
    pub fn is_up(&self) -> bool {
        self.down_since.is_none()
    }

    /// Records a failed Redis operation; `true` when this failure starts an outage (warn,
    /// count, start probing), `false` when one is already under way.
    pub fn failed(&mut self, now: Instant) -> bool {
        if self.down_since.is_some() {
            return false;
        }
        self.down_since = Some(now);
        true
    }

    /// Records a successful probe; the outage's length when one just ended.
    pub fn recovered(&mut self, now: Instant) -> Option<Duration> {
        self.down_since
            .take()
            .map(|since| now.saturating_duration_since(since))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_warning_per_outage_and_its_length_at_the_end() {
        let t0 = Instant::now();
        let mut h = Health::default();
        assert!(h.is_up());
        assert_eq!(h.recovered(t0), None, "no outage, nothing ends");
        assert!(h.failed(t0), "the first failure starts the outage");
        assert!(
            !h.failed(t0 + Duration::from_millis(5)),
            "later ones do not warn again"
        );
        assert!(!h.is_up());
        assert_eq!(
            h.recovered(t0 + Duration::from_secs(3)),
            Some(Duration::from_secs(3))
        );
        assert!(h.is_up());
        assert!(
            h.failed(t0 + Duration::from_secs(4)),
            "a new outage warns again"
        );
    }
}
