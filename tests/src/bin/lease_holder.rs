//! A replica of a log shipper for the tailer's fault tests and benchmark: it takes the System
//! Log lease (or stands by until it can), delivers and "processes" events, acknowledges every
//! few of them, and when the stream ends stands by again, for ever. The test that starts it pauses,
//! continues and kills it.
//!
//! Everything it does is appended to one journal shared by all replicas, one line per write
//! (`O_APPEND`, so the lines of all processes are in the order they happened):
//!
//! - `T {pid} {token}`: took the lease, with that fencing token;
//! - `N {pid}`: about to call `next()`;
//! - `D {pid} {uuid}`: `next()` delivered the event;
//! - `A {pid} {uuid}…`: `ack()` answered `Saved` for these events;
//! - `U {pid} {uuid}…`: `ack()` got no answer in time for these: saved or not;
//! - `L {pid}`: the stream ended (the lease is gone).
//!
//! Settings from the environment: `LEASE_REDIS` (URL), `LEASE_LOG` (the System Log's base
//! URL), `LEASE_JOURNAL` (path), `LEASE_TTL_MS`, `LEASE_WORK_MS` (processing per event),
//! `LEASE_ACK_EVERY` (events per acknowledgement).

use std::fs::OpenOptions;
use std::io::Write;
use std::time::Duration;

use okta_client::system_log::{Checkpoint, TailLease};
use okta_client::{Client, RateLimitConfig};

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

fn main() {
    let redis = var("LEASE_REDIS");
    let log = var("LEASE_LOG");
    let ttl = Duration::from_millis(var("LEASE_TTL_MS").parse().expect("LEASE_TTL_MS"));
    let work = Duration::from_millis(var("LEASE_WORK_MS").parse().expect("LEASE_WORK_MS"));
    let every: usize = var("LEASE_ACK_EVERY").parse().expect("LEASE_ACK_EVERY");
    let mut journal = OpenOptions::new()
        .create(true)
        .append(true)
        .open(var("LEASE_JOURNAL"))
        .expect("the journal");
    let pid = std::process::id();
    let mut note = move |line: String| {
        // One write per line: appends of all replicas do not interleave.
        journal
            .write_all(format!("{line}\n").as_bytes())
            .expect("a journal write");
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let client = Client::builder(&log)
        .api_token("00leaseHolder")
        .rate_limit(RateLimitConfig::disabled())
        .build()
        .expect("a client");
    rt.block_on(async move {
        loop {
            let lease = TailLease::new(&redis, "okta-fault", "shipper").ttl(ttl);
            let mut events = client
                .log_tailer()
                .poll_interval(Duration::from_millis(50))
                .lease(lease)
                .await
                .expect("the lease's settings");
            note(format!("T {pid} {}", events.fencing_token()));
            let mut unacknowledged = Vec::new();
            loop {
                note(format!("N {pid}"));
                let Some(event) = events.next().await else {
                    break;
                };
                let Ok(event) = event else { continue };
                let uuid = event.uuid().expect("a uuid").to_string();
                note(format!("D {pid} {uuid}"));
                unacknowledged.push(uuid);
                tokio::time::sleep(work).await;
                if unacknowledged.len() < every {
                    continue;
                }
                match events.ack().await {
                    Checkpoint::Saved => {
                        note(format!("A {pid} {}", unacknowledged.join(" ")));
                        unacknowledged.clear();
                    }
                    Checkpoint::LeaseLost => break,
                    _ => note(format!("U {pid} {}", unacknowledged.join(" "))),
                }
            }
            note(format!("L {pid}"));
        }
    });
}
