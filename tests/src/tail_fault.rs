//! The leased System Log tailer under faults (its tests and benchmark): an endless System Log
//! served by [`bench_server`](crate::bench_server), and the journal the replicas
//! (`src/bin/lease_holder.rs`) write, read back and checked.
//!
//! The log: event `n` has the `uuid` `e{n:09}`, and the page after event `n`
//! (`/api/v1/logs?after=n`, or the first page without `after`) holds the next `page` events,
//! with a `rel="next"` link to the page after them. Every replica that asks for the same link
//! gets the same events.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use crate::bench_server::Handler;

/// The `uuid` of event `n`.
pub fn uuid(n: u64) -> String {
    format!("e{n:09}")
}

/// The number of the event with `uuid` (`None` for anything else).
pub fn number(uuid: &str) -> Option<u64> {
    uuid.strip_prefix('e')?.parse().ok()
}

/// A handler answering `page` events per request, for ever.
pub fn handler(page: u64) -> Handler {
    Arc::new(move |target: &str| {
        let after = target
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("after="))
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        let events: Vec<serde_json::Value> = (after + 1..=after + page)
            .map(|n| {
                serde_json::json!({
                    "uuid": uuid(n),
                    "eventType": "user.session.start",
                    "published": "2026-12-01T10:00:00.000Z",
                })
            })
            .collect();
        let body = serde_json::to_vec(&events).expect("JSON");
        let next = format!("/api/v1/logs?after={}&sortOrder=ASCENDING", after + page);
        (Arc::new(body), Some(next))
    })
}

/// One line of the replicas' journal (see `src/bin/lease_holder.rs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// Took the lease with this fencing token.
    Took { pid: u32, token: u64 },
    /// About to call `next()`.
    Asking { pid: u32 },
    /// `next()` delivered the event.
    Delivered { pid: u32, uuid: String },
    /// `ack()` saved these events.
    Acked { pid: u32, uuids: Vec<String> },
    /// `ack()` got no answer in time for these events: they may have been saved.
    Unsure { pid: u32, uuids: Vec<String> },
    /// The stream ended.
    Ended { pid: u32 },
}

impl Entry {
    pub fn pid(&self) -> u32 {
        match self {
            Entry::Took { pid, .. }
            | Entry::Asking { pid }
            | Entry::Delivered { pid, .. }
            | Entry::Acked { pid, .. }
            | Entry::Unsure { pid, .. }
            | Entry::Ended { pid } => *pid,
        }
    }
}

/// The journal's entries in order (a line cut short by a kill at the end is left out).
pub fn read_journal(path: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split(' ').collect();
        let Some(pid) = words.get(1).and_then(|p| p.parse().ok()) else {
            continue;
        };
        let entry = match (words[0], &words[2..]) {
            ("T", [token]) => match token.parse() {
                Ok(token) => Entry::Took { pid, token },
                Err(_) => continue,
            },
            ("N", []) => Entry::Asking { pid },
            ("D", [uuid]) => Entry::Delivered {
                pid,
                uuid: uuid.to_string(),
            },
            ("A", uuids) if !uuids.is_empty() => Entry::Acked {
                pid,
                uuids: uuids.iter().map(|u| u.to_string()).collect(),
            },
            ("U", uuids) if !uuids.is_empty() => Entry::Unsure {
                pid,
                uuids: uuids.iter().map(|u| u.to_string()).collect(),
            },
            ("L", []) => Entry::Ended { pid },
            _ => continue,
        };
        out.push(entry);
    }
    out
}

/// What the journal shows.
#[derive(Debug, Default)]
pub struct Findings {
    /// Events delivered by a replica that asked for its next event only after some replica's
    /// acknowledgement of that event had been saved: `(pid, uuid)`.
    pub redelivered: Vec<(u32, String)>,
    /// Events below the highest acknowledged one that no replica acknowledged (or may have:
    /// an acknowledgement Redis did not answer in time may have been saved).
    pub gaps: Vec<u64>,
    /// Takes of the lease, with their tokens in order.
    pub tokens: Vec<u64>,
    pub delivered: usize,
    pub acknowledged: usize,
}

/// Checks the journal. A replica writes an `N` line just before it asks for its next event, and
/// an `A` line after the acknowledgement was saved: so a delivery whose replica's previous line
/// (its `N`) comes after an `A` line of the same event is, for certain, a delivery after that
/// event was acknowledged. (A delivery asked for before the acknowledgement and returned after
/// it is not counted: the replica may have decided to deliver before it was paused.)
pub fn check(entries: &[Entry]) -> Findings {
    let mut f = Findings::default();
    let mut last_line: HashMap<u32, usize> = HashMap::new();
    let mut acked_at: HashMap<&str, usize> = HashMap::new();
    let mut acked: HashSet<u64> = HashSet::new();
    let mut maybe: HashSet<u64> = HashSet::new();
    for (i, entry) in entries.iter().enumerate() {
        match entry {
            Entry::Took { token, .. } => f.tokens.push(*token),
            Entry::Delivered { pid, uuid } => {
                f.delivered += 1;
                let asked = last_line.get(pid).copied();
                if let (Some(asked), Some(k)) = (asked, acked_at.get(uuid.as_str())) {
                    if *k <= asked {
                        f.redelivered.push((*pid, uuid.clone()));
                    }
                }
            }
            Entry::Acked { uuids, .. } => {
                for u in uuids {
                    acked_at.entry(u.as_str()).or_insert(i);
                    if let Some(n) = number(u) {
                        acked.insert(n);
                    }
                }
            }
            Entry::Unsure { uuids, .. } => maybe.extend(uuids.iter().filter_map(|u| number(u))),
            Entry::Asking { .. } | Entry::Ended { .. } => {}
        }
        last_line.insert(entry.pid(), i);
    }
    f.acknowledged = acked.len();
    let top = acked.iter().copied().max().unwrap_or(0);
    f.gaps = (1..=top)
        .filter(|n| !acked.contains(n) && !maybe.contains(n))
        .collect();
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(pid: u32) -> Entry {
        Entry::Asking { pid }
    }

    fn d(pid: u32, n: u64) -> Entry {
        Entry::Delivered { pid, uuid: uuid(n) }
    }

    fn a(pid: u32, n: u64) -> Entry {
        Entry::Acked {
            pid,
            uuids: vec![uuid(n)],
        }
    }

    #[test]
    fn a_delivery_asked_for_after_an_acknowledgement_is_a_repeat() {
        let t = |pid, token| Entry::Took { pid, token };
        // 1 holds, is paused after delivering 2; 7 takes over, acknowledges 2 and 3; 1 goes
        // on and delivers 3 (asked for after 7's acknowledgement of it).
        let journal = [
            t(1, 10),
            n(1),
            d(1, 1),
            a(1, 1),
            n(1),
            d(1, 2),
            t(7, 11),
            n(7),
            d(7, 2),
            a(7, 2),
            n(7),
            d(7, 3),
            a(7, 3),
            n(1),
            d(1, 3),
        ];
        let f = check(&journal);
        assert_eq!(f.redelivered, [(1, uuid(3))]);
        assert_eq!(f.tokens, [10, 11]);
        assert!(f.gaps.is_empty());
        // 1 delivering 2 before 7 acknowledged it is at-least-once, not a repeat.
        assert!(check(&journal[..13]).redelivered.is_empty());
        // Asked for before 7's acknowledgement, returned after it: not counted (1 may have
        // decided before it was paused).
        let mut early = journal.to_vec();
        early.swap(12, 13);
        assert!(check(&early).redelivered.is_empty());
        // Its own acknowledged event again is a repeat too.
        let own = check(&[t(1, 10), n(1), d(1, 1), a(1, 1), n(1), d(1, 1)]);
        assert_eq!(own.redelivered, [(1, uuid(1))]);
        // An event nobody acknowledged below the highest is a gap; one whose acknowledgement
        // went unanswered may have been saved.
        assert_eq!(check(&[t(1, 10), d(1, 2), a(1, 2)]).gaps, [1]);
        let unsure = Entry::Unsure {
            pid: 1,
            uuids: vec![uuid(1)],
        };
        assert!(check(&[t(1, 10), unsure, d(1, 2), a(1, 2)]).gaps.is_empty());
    }

    #[test]
    fn the_journal_reads_back_and_skips_a_torn_line() {
        let dir = std::env::temp_dir().join(format!("tail-fault-{}", std::process::id()));
        std::fs::write(
            &dir,
            "T 5 17\nN 5\nD 5 e000000001\nA 5 e000000001 e000000002\nL 5\nD 5",
        )
        .unwrap();
        let entries = read_journal(&dir);
        let _ = std::fs::remove_file(&dir);
        assert_eq!(
            entries,
            [
                Entry::Took { pid: 5, token: 17 },
                n(5),
                d(5, 1),
                Entry::Acked {
                    pid: 5,
                    uuids: vec![uuid(1), uuid(2)]
                },
                Entry::Ended { pid: 5 },
            ]
        );
    }
}
