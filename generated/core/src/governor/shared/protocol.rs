//! The protocol between the client and the budget's script (`../budget.lua`), written once:
//! the keys of a route by name, one JSON request per call (the operation with named arguments,
//! and the limits the script works with, so that no constant is written in both languages), and
//! typed answers.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::super::held::HeldLease;
use super::super::{LONGEST_WINDOW, MAX_SKEW_SECS, PROBE_PATIENCE, SKEW_EPOCH};
use super::PRESENCE;

/// The limits the script works with, passed in every request so that they are written only
/// here.
#[derive(Debug, Serialize)]
pub(crate) struct Limits {
    pub(super) longest_window_ms: u64,
    pub(super) max_skew_ms: u64,
    pub(super) skew_epoch: u32,
    pub(super) probe_patience_ms: u64,
    pub(super) presence_ms: u64,
}

pub(super) const fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

pub(super) const LIMITS: Limits = Limits {
    longest_window_ms: ms(LONGEST_WINDOW),
    max_skew_ms: (MAX_SKEW_SECS * 1000.0) as u64,
    skew_epoch: SKEW_EPOCH,
    probe_patience_ms: ms(PROBE_PATIENCE),
    presence_ms: ms(PRESENCE),
};

/// The Redis keys of one route (see the README's "keys written"), passed to the script in the
/// order of [`RedisKeys::all`], where it names them again.
pub(crate) struct RedisKeys {
    pub(super) bucket: String,
    pub(super) leases: String,
    pub(super) in_flight: String,
    pub(super) clock: String,
    pub(super) probe: String,
    pub(super) workers: String,
}

impl RedisKeys {
    pub(super) fn all(&self) -> [&str; 6] {
        [
            &self.bucket,
            &self.leases,
            &self.in_flight,
            &self.clock,
            &self.probe,
            &self.workers,
        ]
    }
}

/// One call to the script: the operation with its arguments, the lease and client ids, and
/// the limits the script works with.
#[derive(Serialize)]
pub(super) struct Request<'a> {
    #[serde(flatten)]
    pub(super) op: Op,
    pub(super) lease: &'a str,
    pub(super) worker: &'a str,
    /// Redis milliseconds to decide at (tests); absent: Redis's own `TIME`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) now: Option<u64>,
    pub(super) limits: &'static Limits,
}

#[derive(Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(super) enum Op {
    /// Registers the client as present; answers with Redis's clock and the workers.
    Ping,
    /// Reserves a unit of the bucket and an org-wide slot.
    Acquire(Acquire),
    /// Records an answer and frees the lease.
    Record(Record),
    /// Frees a lease whose call was abandoned.
    Release,
    /// Puts back the leases of the bucket that Redis lost.
    Reclaim(Reclaim),
}

#[derive(Serialize)]
pub(super) struct Acquire {
    pub(super) share: f64,
    pub(super) lease_ms: u64,
    pub(super) max_in_flight: usize,
    /// The unit is already held (an earlier answer scheduled it); only the slot is wanted.
    pub(super) held: bool,
    pub(super) burst: f64,
    pub(super) poll_ms: u64,
    /// Past this Redis time, the caller has given up on the answer: hold nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) deadline: Option<u64>,
    /// The epoch this client's leases of the bucket were taken under, if it holds any: when it
    /// is not the bucket's, the answer is `reclaim`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) epoch: Option<String>,
}

#[derive(Serialize)]
pub(super) struct Reclaim {
    pub(super) leases: Vec<HeldLease>,
}

#[derive(Serialize)]
pub(super) struct Record {
    pub(super) status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) report: Option<WireReport>,
    /// Without a `Date`: the local clock's idea of the seconds to the reset.
    pub(super) secs_left: u64,
    pub(super) probe: bool,
    pub(super) bucket_ttl_ms: u64,
}

#[derive(Serialize)]
pub(super) struct WireReport {
    pub(super) limit: u64,
    pub(super) remaining: u64,
    pub(super) reset: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) date: Option<u64>,
}

/// What every answer carries: Redis's clock and, when the client was counted, the workers.
#[derive(Deserialize)]
pub(super) struct Stamp {
    pub(super) now: u64,
    #[serde(default)]
    pub(super) workers: u64,
}

/// The answer to an acquire.
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub(super) enum Acquired {
    /// The unit and a slot are held: send.
    Go {
        #[serde(default)]
        probe: bool,
        /// The bucket's epoch, which the lease is held under.
        #[serde(default)]
        epoch: String,
        /// Redis's clock at the decision.
        now: u64,
    },
    /// The unit is held; call again with `held` after the wait for the slot.
    Scheduled {
        wait_ms: u64,
        #[serde(default)]
        probe: bool,
        #[serde(default)]
        epoch: String,
        now: u64,
    },
    /// Nothing held: Redis lost this client's leases of the bucket (another epoch); put them
    /// back, then call again.
    Reclaim { now: u64 },
    /// Nothing held: call again after the wait (`learning`: another request is learning the
    /// bucket; `spent`: the bucket is spent until the wait's end).
    Wait {
        wait_ms: u64,
        #[serde(default)]
        learning: bool,
        #[serde(default)]
        spent: bool,
    },
    /// The request arrived after its deadline: nothing held.
    Expired,
}

/// The answer to a reclaim.
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub(super) enum Reclaimed {
    Reclaimed { epoch: String },
}

/// What every answer to a record carries besides its verdict: Redis's clock and the bucket's
/// epoch (absent while Redis has lost the bucket).
#[derive(Deserialize)]
pub(super) struct RecordedEpoch {
    pub(super) now: u64,
    #[serde(default)]
    pub(super) epoch: Option<String>,
}

/// The answer to a record.
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub(super) enum Recorded {
    NotLimited,
    Spent { wait_ms: u64 },
    Concurrency,
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::super::BURST;
    use super::*;

    #[test]
    fn answers_parse_into_their_outcomes() {
        let a: Acquired =
            serde_json::from_str(r#"{"outcome":"go","probe":true,"epoch":"e","now":5}"#).unwrap();
        assert_eq!(
            a,
            Acquired::Go {
                probe: true,
                epoch: "e".into(),
                now: 5
            }
        );
        let a: Acquired = serde_json::from_str(r#"{"outcome":"reclaim","now":5}"#).unwrap();
        assert_eq!(a, Acquired::Reclaim { now: 5 });
        let a: Acquired =
            serde_json::from_str(r#"{"outcome":"wait","wait_ms":20,"now":5,"workers":3}"#).unwrap();
        assert_eq!(
            a,
            Acquired::Wait {
                wait_ms: 20,
                learning: false,
                spent: false
            }
        );
        let r: Recorded = serde_json::from_str(r#"{"verdict":"spent","wait_ms":800}"#).unwrap();
        assert_eq!(r, Recorded::Spent { wait_ms: 800 });
        assert!(serde_json::from_str::<Acquired>(r#"{"outcome":"maybe"}"#).is_err());
    }

    #[test]
    fn a_request_names_every_argument_and_passes_the_limits() {
        let json = serde_json::to_value(Request {
            op: Op::Acquire(Acquire {
                share: 0.5,
                lease_ms: 35_000,
                max_in_flight: 16,
                held: false,
                burst: BURST,
                poll_ms: 20,
                deadline: Some(7),
                epoch: None,
            }),
            lease: "l",
            worker: "w",
            now: None,
            limits: &LIMITS,
        })
        .unwrap();
        assert_eq!(json["op"], "acquire");
        assert_eq!(json["deadline"], 7);
        assert_eq!(json["limits"]["longest_window_ms"], 60_000);
        assert_eq!(json["limits"]["max_skew_ms"], 86_400_000);
        assert!(json.get("now").is_none(), "absent: Redis's own clock");
    }
}
