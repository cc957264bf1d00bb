//! Each event once, by `uuid`: a claim is taken before an event is handed over and becomes a
//! mark of delivery once the hand-over is confirmed; a claim never confirmed expires, so that
//! reconciliation (or Okta's retry) can deliver the event later. In memory for one process
//! ([`Seen`], plain data driven by explicit instants), and through Redis across replicas.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// What a claim on an event's `uuid` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Claim {
    /// Nobody had it: this claimant hands the event over, then confirms or releases.
    New,
    /// It was delivered within the window: drop it.
    Delivered,
    /// Another claimant is handing it over right now.
    InFlight,
    /// The window is full of claims in flight: answer so that the sender retries.
    Full,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Pending(u64),
    Done,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    state: State,
    expires: Instant,
}

/// The `uuid`s claimed or delivered recently in this process: at most `capacity`, each
/// delivered one for `window`, each claim for `claim_ttl`. Both expiry queues are in the order
/// of their deadlines because each holds one fixed length of time.
#[derive(Debug)]
pub(crate) struct Seen {
    map: HashMap<String, Entry>,
    pending: VecDeque<(Instant, String)>,
    done: VecDeque<(Instant, String)>,
    capacity: usize,
    window: Duration,
    claim_ttl: Duration,
    /// Delivered `uuid`s forgotten before their window ended, to make room.
    pub(crate) evicted: u64,
}

impl Seen {
    pub(crate) fn new(capacity: usize, window: Duration, claim_ttl: Duration) -> Seen {
        Seen {
            map: HashMap::new(),
            pending: VecDeque::new(),
            done: VecDeque::new(),
            capacity: capacity.max(1),
            window,
            claim_ttl,
            evicted: 0,
        }
    }

    /// How many `uuid`s are remembered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    fn expire(&mut self, now: Instant) {
        for queue in [&mut self.pending, &mut self.done] {
            while let Some((at, _)) = queue.front() {
                if *at > now {
                    break;
                }
                let Some((at, uuid)) = queue.pop_front() else {
                    break;
                };
                // Only the entry this deadline belongs to (a confirmed claim has a later one).
                if self.map.get(&uuid).is_some_and(|e| e.expires == at) {
                    self.map.remove(&uuid);
                }
            }
        }
    }

    /// Claims `uuid` for `token` at `now`.
    pub(crate) fn claim(&mut self, uuid: &str, token: u64, now: Instant) -> Claim {
        self.expire(now);
        if let Some(e) = self.map.get(uuid) {
            return match e.state {
                State::Done => Claim::Delivered,
                State::Pending(_) => Claim::InFlight,
            };
        }
        // Make room by forgetting the oldest delivered `uuid`s; claims in flight are never
        // forgotten early (that could deliver an event twice at once).
        while self.map.len() >= self.capacity {
            let Some((at, old)) = self.done.pop_front() else {
                return Claim::Full;
            };
            if self.map.get(&old).is_some_and(|e| e.expires == at) {
                self.map.remove(&old);
                self.evicted = self.evicted.saturating_add(1);
            }
        }
        let expires = now + self.claim_ttl;
        self.map.insert(
            uuid.to_string(),
            Entry {
                state: State::Pending(token),
                expires,
            },
        );
        self.pending.push_back((expires, uuid.to_string()));
        Claim::New
    }

    /// Marks `uuid` delivered at `now`, for the window (also when its claim had expired: the
    /// hand-over did happen).
    pub(crate) fn confirm(&mut self, uuid: &str, now: Instant) {
        self.expire(now);
        let expires = now + self.window;
        self.map.insert(
            uuid.to_string(),
            Entry {
                state: State::Done,
                expires,
            },
        );
        self.done.push_back((expires, uuid.to_string()));
    }

    /// Gives up `token`'s claim on `uuid` (the hand-over failed): the next delivery of the event
    /// is new.
    pub(crate) fn release(&mut self, uuid: &str, token: u64) {
        if self
            .map
            .get(uuid)
            .is_some_and(|e| e.state == State::Pending(token))
        {
            self.map.remove(uuid);
        }
    }
}

#[cfg(feature = "redis")]
pub(crate) use shared::SharedSeen;

#[cfg(feature = "redis")]
mod shared {
    use std::sync::LazyLock;
    use std::time::Duration;

    use redis::aio::ConnectionManager;

    use super::Claim;

    /// Claims many `uuid`s at once: 1 new (claimed for ARGV[1] for ARGV[2] ms), 0 delivered,
    /// 2 claimed by another. A claim left by this receiver (its value starts with ARGV[3]) is
    /// stale, since the caller holds the event's claim in memory: it is taken over.
    static CLAIM: LazyLock<redis::Script> = LazyLock::new(|| {
        redis::Script::new(
            r"
local out = {}
for i, k in ipairs(KEYS) do
  local v = redis.call('GET', k)
  if v == 'done' then
    out[i] = 0
  elseif (not v) or string.sub(v, 1, string.len(ARGV[3])) == ARGV[3] then
    redis.call('SET', k, ARGV[1], 'PX', ARGV[2])
    out[i] = 1
  else
    out[i] = 2
  end
end
return out
",
        )
    });

    /// Deletes each key still claimed by ARGV[1].
    static RELEASE: LazyLock<redis::Script> = LazyLock::new(|| {
        redis::Script::new(
            r"
for _, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[1] then
    redis.call('DEL', k)
  end
end
return 1
",
        )
    });

    /// The `uuid`s claimed and delivered by every replica: one key per event,
    /// `{prefix}:{uuid}`, holding a claimant's token while it hands the event over and `done`
    /// for the window after.
    pub(crate) struct SharedSeen {
        pub(crate) manager: ConnectionManager,
        /// This receiver's prefix of its claims' values (`{instance}:`).
        pub(crate) instance: String,
        pub(crate) prefix: String,
        pub(crate) timeout: Duration,
        pub(crate) window: Duration,
        pub(crate) claim_ttl: Duration,
    }

    fn ms(d: Duration) -> u64 {
        u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
    }

    impl SharedSeen {
        fn keys<'a>(&self, uuids: impl Iterator<Item = &'a str>) -> Vec<String> {
            uuids.map(|u| format!("{}:{u}", self.prefix)).collect()
        }

        async fn bounded<T>(
            &self,
            f: impl std::future::Future<Output = redis::RedisResult<T>>,
        ) -> Result<T, ()> {
            match tokio::time::timeout(self.timeout, f).await {
                Ok(Ok(v)) => Ok(v),
                Ok(Err(e)) => {
                    tracing::warn!(error = ?e.kind(), "event hook de-duplication: Redis failed");
                    Err(())
                }
                Err(_) => {
                    tracing::warn!("event hook de-duplication: Redis did not answer in time");
                    Err(())
                }
            }
        }

        /// Claims each `uuid` for `token`.
        pub(crate) async fn claim(&self, uuids: &[&str], token: u64) -> Result<Vec<Claim>, ()> {
            if uuids.is_empty() {
                return Ok(Vec::new());
            }
            let mut inv = CLAIM.prepare_invoke();
            for k in self.keys(uuids.iter().copied()) {
                inv.key(k);
            }
            inv.arg(format!("{}{token}", self.instance))
                .arg(ms(self.claim_ttl))
                .arg(&self.instance);
            let mut con = self.manager.clone();
            let codes: Vec<u8> = self.bounded(inv.invoke_async(&mut con)).await?;
            if codes.len() != uuids.len() {
                return Err(());
            }
            Ok(codes
                .into_iter()
                .map(|c| match c {
                    1 => Claim::New,
                    0 => Claim::Delivered,
                    _ => Claim::InFlight,
                })
                .collect())
        }

        /// Marks each `uuid` delivered for the window.
        pub(crate) async fn confirm(&self, uuids: &[&str]) -> Result<(), ()> {
            if uuids.is_empty() {
                return Ok(());
            }
            let mut pipe = redis::pipe();
            for k in self.keys(uuids.iter().copied()) {
                pipe.cmd("SET")
                    .arg(k)
                    .arg("done")
                    .arg("PX")
                    .arg(ms(self.window))
                    .ignore();
            }
            let mut con = self.manager.clone();
            self.bounded(pipe.query_async::<()>(&mut con)).await
        }

        /// Gives up `token`'s claims.
        pub(crate) async fn release(&self, uuids: &[&str], token: u64) -> Result<(), ()> {
            if uuids.is_empty() {
                return Ok(());
            }
            let mut inv = RELEASE.prepare_invoke();
            for k in self.keys(uuids.iter().copied()) {
                inv.key(k);
            }
            inv.arg(format!("{}{token}", self.instance));
            let mut con = self.manager.clone();
            self.bounded(inv.invoke_async::<u8>(&mut con))
                .await
                .map(|_| ())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn a_claim_then_a_confirmation_drops_repeats_for_the_window() {
        let t0 = Instant::now();
        let mut seen = Seen::new(10, 100 * S, 5 * S);
        assert_eq!(seen.claim("a", 1, t0), Claim::New);
        assert_eq!(seen.claim("a", 2, t0), Claim::InFlight);
        seen.confirm("a", t0 + S);
        assert_eq!(seen.claim("a", 2, t0 + 50 * S), Claim::Delivered);
        assert_eq!(seen.claim("a", 2, t0 + 100 * S), Claim::Delivered);
        // The window is counted from the confirmation.
        assert_eq!(seen.claim("a", 3, t0 + 101 * S), Claim::New);
    }

    #[test]
    fn a_claim_released_or_expired_is_new_again() {
        let t0 = Instant::now();
        let mut seen = Seen::new(10, 100 * S, 5 * S);
        assert_eq!(seen.claim("a", 1, t0), Claim::New);
        // Only its claimant releases it.
        seen.release("a", 2);
        assert_eq!(seen.claim("a", 2, t0), Claim::InFlight);
        seen.release("a", 1);
        assert_eq!(seen.claim("a", 2, t0), Claim::New);
        // Never confirmed: the claim lapses.
        assert_eq!(seen.claim("a", 3, t0 + 4 * S), Claim::InFlight);
        assert_eq!(seen.claim("a", 3, t0 + 5 * S), Claim::New);
        // A lapsed claim's late release does not drop the new claimant's.
        seen.release("a", 2);
        assert_eq!(seen.claim("a", 4, t0 + 5 * S), Claim::InFlight);
    }

    #[test]
    fn memory_is_bounded_by_forgetting_the_oldest_delivered() {
        let t0 = Instant::now();
        let mut seen = Seen::new(3, 100 * S, 5 * S);
        for (i, u) in ["a", "b", "c"].into_iter().enumerate() {
            assert_eq!(seen.claim(u, 1, t0), Claim::New);
            seen.confirm(u, t0 + S * i as u32);
        }
        assert_eq!(seen.claim("d", 1, t0 + 3 * S), Claim::New);
        assert_eq!(seen.len(), 3);
        assert_eq!(seen.evicted, 1);
        assert_eq!(
            seen.claim("a", 1, t0 + 3 * S),
            Claim::New,
            "a was forgotten"
        );
        assert_eq!(seen.claim("c", 1, t0 + 3 * S), Claim::Delivered);
        // Only claims in flight left: no room until one ends.
        let mut busy = Seen::new(2, 100 * S, 5 * S);
        assert_eq!(busy.claim("x", 1, t0), Claim::New);
        assert_eq!(busy.claim("y", 1, t0), Claim::New);
        assert_eq!(busy.claim("z", 1, t0), Claim::Full);
        assert_eq!(busy.claim("z", 1, t0 + 5 * S), Claim::New);
    }
}
