//! The leases this client holds in the shared budget, per bucket, so that it can put them back
//! when Redis loses them.
//!
//! A flushed Redis (or one restarted without persistence) forgets the units reserved by calls
//! then in flight; the window would go over by that many as other calls take their place. Each
//! bucket in Redis carries an epoch that changes when that happens; every answer that hands
//! out a lease names it. A client that holds leases of a bucket sends their epoch with its next
//! acquire, and when it is no longer the bucket's, the script asks it to put them back first
//! (`reclaim`). Plain data, driven by Redis's clock as the answers give it.

use std::collections::HashMap;

/// How many leases of one bucket a reclaim puts back at most (the oldest are taken first).
const MAX_RECLAIMED: usize = 1024;

/// One lease as the reclaim sends it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub(crate) struct HeldLease {
    pub(crate) id: String,
    /// When the lease runs out, in Redis milliseconds.
    pub(crate) expires: u64,
    /// The call was sent: the lease also holds an org-wide concurrency slot.
    pub(crate) sent: bool,
}

#[derive(Debug, Default)]
struct Bucket {
    /// The epoch the leases were taken (or last put back) under.
    epoch: String,
    /// A lease was taken under another epoch since: the next acquire reclaims them all.
    mixed: bool,
    leases: HashMap<String, (u64, bool)>,
}

/// Every bucket's leases, keyed by the bucket's leases key in Redis.
#[derive(Debug, Default)]
pub(crate) struct Held {
    buckets: HashMap<String, Bucket>,
}

impl Held {
    /// The epoch to send with an acquire of `bucket`: `None` when this client holds none of
    /// its leases (nothing to put back), an epoch the script never hands out when they were
    /// taken under different ones.
    pub(crate) fn epoch(&self, bucket: &str) -> Option<&str> {
        let b = self.buckets.get(bucket)?;
        Some(if b.mixed { "" } else { &b.epoch })
    }

    /// A lease of `bucket` handed out under `epoch`, running out at `expires` (Redis ms);
    /// `sent`: the call goes now. Holding it again (a scheduled unit that now goes) updates it.
    pub(crate) fn hold(&mut self, bucket: &str, epoch: &str, id: &str, expires: u64, sent: bool) {
        let b = self.buckets.entry(bucket.to_owned()).or_default();
        if b.leases.is_empty() {
            b.epoch = epoch.to_owned();
            b.mixed = false;
        } else if b.epoch != epoch {
            b.mixed = true;
        }
        let entry = b.leases.entry(id.to_owned()).or_insert((expires, sent));
        entry.0 = entry.0.max(expires);
        entry.1 |= sent;
    }

    /// The lease is recorded or released (called before either is sent, so that a reclaim
    /// sent later on the same connection never puts it back).
    pub(crate) fn drop_lease(&mut self, bucket: &str, id: &str) {
        if let Some(b) = self.buckets.get_mut(bucket) {
            b.leases.remove(id);
            if b.leases.is_empty() {
                self.buckets.remove(bucket);
            }
        }
    }

    /// The leases of `bucket` still running at `now` (Redis ms), to put back; expired ones are
    /// forgotten.
    pub(crate) fn reclaimable(&mut self, bucket: &str, now: u64) -> Vec<HeldLease> {
        let Some(b) = self.buckets.get_mut(bucket) else {
            return Vec::new();
        };
        b.leases.retain(|_, (expires, _)| *expires > now);
        let mut leases: Vec<HeldLease> = b
            .leases
            .iter()
            .map(|(id, (expires, sent))| HeldLease {
                id: id.clone(),
                expires: *expires,
                sent: *sent,
            })
            .collect();
        if b.leases.is_empty() {
            self.buckets.remove(bucket);
        }
        leases.sort_by_key(|l| l.expires);
        leases.truncate(MAX_RECLAIMED);
        leases
    }

    /// The leases of `bucket` are back in Redis under `epoch`.
    pub(crate) fn reclaimed(&mut self, bucket: &str, epoch: &str) {
        if let Some(b) = self.buckets.get_mut(bucket) {
            b.epoch = epoch.to_owned();
            b.mixed = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_lease_sends_no_epoch_and_a_held_one_sends_its_own() {
        let mut h = Held::default();
        assert_eq!(h.epoch("b"), None);
        h.hold("b", "e1", "l1", 1_000, false);
        assert_eq!(h.epoch("b"), Some("e1"));
        // The scheduled unit goes: updated, not doubled.
        h.hold("b", "e1", "l1", 900, true);
        assert_eq!(
            h.reclaimable("b", 0),
            [HeldLease {
                id: "l1".into(),
                expires: 1_000,
                sent: true
            }]
        );
        h.drop_lease("b", "l1");
        assert_eq!(h.epoch("b"), None, "nothing held, nothing to put back");
    }

    #[test]
    fn leases_of_two_epochs_are_all_reclaimed_then_carry_the_new_one() {
        let mut h = Held::default();
        h.hold("b", "e1", "l1", 1_000, true);
        h.hold("b", "e2", "l2", 2_000, true);
        assert_eq!(h.epoch("b"), Some(""), "never an epoch of the script's");
        let back = h.reclaimable("b", 10);
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].id, "l1", "the first to run out first");
        h.reclaimed("b", "e3");
        assert_eq!(h.epoch("b"), Some("e3"));
    }

    #[test]
    fn expired_leases_are_not_put_back_and_buckets_do_not_pile_up() {
        let mut h = Held::default();
        h.hold("b", "e1", "l1", 1_000, true);
        h.hold("c", "e1", "l2", 5_000, false);
        assert!(h.reclaimable("b", 1_000).is_empty());
        assert_eq!(h.epoch("b"), None);
        assert_eq!(h.reclaimable("c", 1_000).len(), 1);
        h.drop_lease("c", "l2");
        assert!(h.buckets.is_empty());
    }

    #[test]
    fn a_reclaim_is_bounded() {
        let mut h = Held::default();
        for i in 0..(MAX_RECLAIMED + 10) {
            h.hold("b", "e1", &format!("l{i}"), 1_000 + i as u64, true);
        }
        let back = h.reclaimable("b", 0);
        assert_eq!(back.len(), MAX_RECLAIMED);
        assert_eq!(back[0].expires, 1_000);
    }
}
