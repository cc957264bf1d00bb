//! One System Log tailer per org across replicas: the lease, the checkpoint, a takeover after
//! the holder dies that loses no event and repeats no acknowledged one, a holder paused
//! (`SIGSTOP`) around its ttl in another process, a holder cut off from Redis, the fencing
//! token, and checkpoints kept outside Redis.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use okta_client::system_log::{
    Checkpoint, CheckpointStore, LeasedLogStream, StoreError, StoreFuture, TailCheckpoint,
    TailLease,
};
use okta_client::Client;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use tests::bench_server;
use tests::redis_server::RedisServer;
use tests::tail_fault::{self, read_journal, Entry};

fn page(events: &[&str], next: &str, base: &str) -> ResponseTemplate {
    let items: Vec<Value> = events
        .iter()
        .map(|u| json!({"uuid": u, "eventType": "user.session.start"}))
        .collect();
    ResponseTemplate::new(200)
        .set_body_json(items)
        .append_header("Link", format!("<{base}{next}>; rel=\"next\"").as_str())
}

const AFTER_B: &str = "/api/v1/logs?after=b&sortOrder=ASCENDING";
const AFTER_D: &str = "/api/v1/logs?after=d&sortOrder=ASCENDING";

/// Events a, b; then c, d; then nothing new (caught up).
async fn system_log() -> MockServer {
    let server = MockServer::start().await;
    let base = server.uri();
    let logs = || Mock::given(method("GET")).and(path("/api/v1/logs"));
    logs()
        .and(query_param_is_missing("after"))
        .respond_with(page(&["a", "b"], AFTER_B, &base))
        .mount(&server)
        .await;
    logs()
        .and(query_param("after", "b"))
        .respond_with(page(&["c", "d"], AFTER_D, &base))
        .mount(&server)
        .await;
    logs()
        .and(query_param("after", "d"))
        .respond_with(page(&[], AFTER_D, &base))
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .api_token("00tail")
        .build()
        .unwrap()
}

async fn take(stream: &mut LeasedLogStream) -> String {
    let event = stream.next().await.expect("an event").expect("no error");
    event.uuid().unwrap().to_string()
}

fn lease(redis: &RedisServer) -> TailLease {
    TailLease::new(redis.url(), "okta-test", "audit").ttl(Duration::from_secs(1))
}

#[test]
fn a_standby_takes_over_from_a_dead_holder_at_its_checkpoint() {
    let redis = RedisServer::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(system_log());
    let client = client(&server);
    let tail = || client.log_tailer().poll_interval(Duration::from_millis(20));

    // The first replica, in a runtime of its own, so that it can die without a word.
    let first = tokio::runtime::Runtime::new().unwrap();
    let mut one = first.block_on(tail().lease(lease(&redis))).unwrap();
    first.block_on(async {
        assert_eq!(take(&mut one).await, "a");
        assert_eq!(take(&mut one).await, "b");
        assert_eq!(one.ack().await, Checkpoint::Saved);
        assert_eq!(take(&mut one).await, "c");
        assert_eq!(one.ack().await, Checkpoint::Saved);
        // d is delivered but never acknowledged.
        assert_eq!(take(&mut one).await, "d");
    });

    // A standby waits while the holder renews its lease.
    let standby = rt.spawn(tail().lease(lease(&redis)));
    std::thread::sleep(Duration::from_millis(1_500));
    assert!(!standby.is_finished(), "two holders at once");
    assert!(one.holds_lease());

    // The holder dies: no release, no more renewals.
    std::mem::forget(one);
    drop(first);
    let mut two = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(5), standby)
            .await
            .expect("the standby takes over once the lease expires")
            .unwrap()
            .unwrap()
    });
    rt.block_on(async {
        // c was acknowledged mid-page: the page is fetched again, c is not delivered again;
        // d was not acknowledged: delivered again (at-least-once for it).
        assert_eq!(take(&mut two).await, "d");
        assert_eq!(two.ack().await, Checkpoint::Saved);
        // Caught up: nothing else comes.
        let more = tokio::time::timeout(Duration::from_millis(300), two.next()).await;
        assert!(more.is_err(), "{more:?}");
    });
    // Only numbers, ids of events and the org's link are in Redis.
    for (key, value) in redis.dump() {
        assert!(
            !value.contains("00tail") && !key.contains("00tail"),
            "{key}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_that_lost_its_lease_stops_and_records_nothing() {
    let redis = RedisServer::start();
    let server = system_log().await;
    let client = client(&server);
    let mut one = client.log_tailer().lease(lease(&redis)).await.unwrap();
    assert_eq!(take(&mut one).await, "a");
    // Another replica holds the lease now (this one was paused longer than its lease).
    let key = lease_key(&server);
    let mut con = redis.connection();
    redis::cmd("SET")
        .arg(&key)
        .arg("other")
        .query::<()>(&mut con)
        .unwrap();
    assert_eq!(one.ack().await, Checkpoint::LeaseLost);
    assert!(!one.holds_lease());
    assert!(one.next().await.is_none());
    let cursor: Option<String> = redis::cmd("GET")
        .arg(key.replace(":lease", ":cursor"))
        .query(&mut con)
        .unwrap();
    assert_eq!(
        cursor, None,
        "nothing checkpointed by a replica without the lease"
    );
}

/// The lease's key of the mock org's tailer named `audit`.
fn lease_key(server: &MockServer) -> String {
    let host = server.uri().trim_start_matches("http://").to_string();
    format!("okta-test:{{{host}}}:log-tail:audit:lease")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fencing_token_grows_with_every_holder_and_refuses_a_stale_one() {
    let redis = RedisServer::start();
    let server = system_log().await;
    let client = client(&server);
    let mut con = redis.connection();
    let del = |con: &mut redis::Connection| {
        redis::cmd("DEL")
            .arg(lease_key(&server))
            .query::<()>(con)
            .unwrap()
    };
    let mut one = client.log_tailer().lease(lease(&redis)).await.unwrap();
    let first = one.fencing_token();
    assert_eq!(take(&mut one).await, "a");
    // The lease expired while this holder was slow, and no other replica took it: it is still
    // this holder's, under the same token.
    del(&mut con);
    assert_eq!(one.ack().await, Checkpoint::Saved);
    assert_eq!(one.fencing_token(), first);
    // It expires again and another replica takes it, then gives it up: the first holder's
    // token is stale, and its acknowledgement is refused although nobody holds the lease.
    del(&mut con);
    let two = client.log_tailer().lease(lease(&redis)).await.unwrap();
    let second = two.fencing_token();
    assert!(second > first, "{second} > {first}");
    drop(two);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(one.ack().await, Checkpoint::LeaseLost);
    assert!(!one.holds_lease());
    assert!(one.next().await.is_none());
    // A Redis restarted empty forgets the last token, and still hands out a larger one.
    redis::cmd("FLUSHALL").query::<()>(&mut con).unwrap();
    let three = client.log_tailer().lease(lease(&redis)).await.unwrap();
    assert!(three.fencing_token() > second);
}

/// The examples' checkpoint stores, used here as a user would.
#[allow(dead_code)]
#[path = "../../../generated/examples/tail_checkpoint_file.rs"]
mod file_checkpoint;
#[allow(dead_code)]
#[path = "../../../generated/examples/tail_sink_transaction.rs"]
mod sink_transaction;

/// A fresh directory for a test's files.
fn scratch(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "okta-lease-{what}-{}-{:?}",
        std::process::id(),
        Instant::now()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Nothing more comes within 300 ms (the mock log has caught up).
async fn caught_up(stream: &mut LeasedLogStream) {
    let more = tokio::time::timeout(Duration::from_millis(300), stream.next()).await;
    assert!(more.is_err(), "{more:?}");
}

/// Redis restarted empty (here flushed) under a holder whose checkpoint is in a file: the next
/// holder resumes from the file and repeats no acknowledged event, and the old holder, now
/// stale, can no longer write the checkpoint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flushed_redis_repeats_nothing_with_the_checkpoint_in_a_file() {
    let redis = RedisServer::start();
    let server = system_log().await;
    let client = client(&server);
    let dir = scratch("file");
    let store = file_checkpoint::FileCheckpoint::new(dir.join("checkpoint.json"));
    let tail = || client.log_tailer().poll_interval(Duration::from_millis(20));
    let leased = || lease(&redis).checkpoint_store(store.clone());
    let mut one = tail().lease(leased()).await.unwrap();
    assert_eq!(take(&mut one).await, "a");
    assert_eq!(take(&mut one).await, "b");
    assert_eq!(one.ack().await, Checkpoint::Saved);
    assert_eq!(take(&mut one).await, "c");
    assert_eq!(one.ack().await, Checkpoint::Saved);
    // d is delivered, not acknowledged; then Redis loses everything.
    assert_eq!(take(&mut one).await, "d");
    redis::cmd("FLUSHALL")
        .query::<()>(&mut redis.connection())
        .unwrap();
    let mut two = tail().lease(leased()).await.unwrap();
    assert!(two.fencing_token() > one.fencing_token());
    // The page of c and d again, c dropped as acknowledged; d delivered again (it was not).
    assert_eq!(take(&mut two).await, "d");
    assert_eq!(two.ack().await, Checkpoint::Saved);
    caught_up(&mut two).await;
    // The old holder can no longer write the checkpoint: Redis does not know its token, and
    // the file holds a larger one.
    assert_eq!(one.ack().await, Checkpoint::LeaseLost);
    assert!(one.next().await.is_none());
    let file: Value =
        serde_json::from_slice(&std::fs::read(dir.join("checkpoint.json")).unwrap()).unwrap();
    assert_eq!(file["token"], two.fencing_token());
    assert_eq!(
        file["checkpoint"]["acknowledged"],
        json!(["a", "b", "c", "d"])
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// What a flushed Redis costs with the checkpoint in Redis itself: it is gone, and the next
/// holder starts again as configured (here at the beginning of the log).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flushed_redis_loses_a_checkpoint_kept_in_redis() {
    let redis = RedisServer::start();
    let server = system_log().await;
    let client = client(&server);
    let mut one = client.log_tailer().lease(lease(&redis)).await.unwrap();
    assert_eq!(take(&mut one).await, "a");
    assert_eq!(one.ack().await, Checkpoint::Saved);
    redis::cmd("FLUSHALL")
        .query::<()>(&mut redis.connection())
        .unwrap();
    let mut two = client.log_tailer().lease(lease(&redis)).await.unwrap();
    assert_eq!(take(&mut two).await, "a", "delivered again");
}

/// The sink that writes the events and the checkpoint in one transaction: across a holder
/// lost to a flushed Redis, every event is in the sink exactly once, and a stale holder's
/// staged event is not written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sink_writing_the_checkpoint_with_the_events_holds_each_event_once() {
    let redis = RedisServer::start();
    let server = system_log().await;
    let client = client(&server);
    let dir = scratch("sink");
    let sink = sink_transaction::Shipped::new(dir.join("shipped.json"));
    let tail = || client.log_tailer().poll_interval(Duration::from_millis(20));
    // Each replica has its own handle on the sink, as separate processes would.
    let replica = || sink_transaction::Shipped::new(dir.join("shipped.json"));
    let (sink_one, sink_two) = (replica(), replica());
    let mut one = tail()
        .lease(lease(&redis).checkpoint_store(sink_one.clone()))
        .await
        .unwrap();
    for expected in ["a", "b", "c"] {
        let event = one.next().await.unwrap().unwrap();
        assert_eq!(event.uuid(), Some(expected));
        sink_one.stage(&event);
        assert_eq!(one.ack().await, Checkpoint::Saved);
    }
    let d = one.next().await.unwrap().unwrap();
    sink_one.stage(&d);
    redis::cmd("FLUSHALL")
        .query::<()>(&mut redis.connection())
        .unwrap();
    let mut two = tail()
        .lease(lease(&redis).checkpoint_store(sink_two.clone()))
        .await
        .unwrap();
    let d = two.next().await.unwrap().unwrap();
    assert_eq!(d.uuid(), Some("d"));
    sink_two.stage(&d);
    assert_eq!(two.ack().await, Checkpoint::Saved);
    caught_up(&mut two).await;
    // The old holder tries to write its staged d: refused.
    assert_eq!(one.ack().await, Checkpoint::LeaseLost);
    let contents = sink.contents().unwrap();
    let shipped: Vec<&str> = contents
        .events
        .iter()
        .map(|e| e["uuid"].as_str().unwrap())
        .collect();
    assert_eq!(shipped, ["a", "b", "c", "d"]);
    assert_eq!(contents.token, two.fencing_token());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A checkpoint store in memory that can be made to fail, or to hold a token from the future.
#[derive(Clone, Default)]
struct Flaky(Arc<Mutex<FlakyState>>);

#[derive(Default)]
struct FlakyState {
    token: u64,
    checkpoint: Option<TailCheckpoint>,
    failing: bool,
}

impl CheckpointStore for Flaky {
    fn claim(&self, token: u64) -> StoreFuture<'_, Option<TailCheckpoint>> {
        Box::pin(async move {
            let mut s = self.0.lock().unwrap();
            if s.failing || s.token > token {
                return Err(StoreError::from("refused"));
            }
            s.token = token;
            Ok(s.checkpoint.clone())
        })
    }

    fn save<'a>(&'a self, token: u64, checkpoint: &'a TailCheckpoint) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut s = self.0.lock().unwrap();
            if s.failing {
                return Err(StoreError::from("the disk is full"));
            }
            if s.token > token {
                return Ok(false);
            }
            s.checkpoint = Some(checkpoint.clone());
            Ok(true)
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_checkpoint_store_records_nothing_until_it_works_again() {
    let redis = RedisServer::start();
    let server = system_log().await;
    let client = client(&server);
    let store = Flaky::default();
    let mut one = client
        .log_tailer()
        .lease(lease(&redis).checkpoint_store(store.clone()))
        .await
        .unwrap();
    assert_eq!(take(&mut one).await, "a");
    store.0.lock().unwrap().failing = true;
    assert_eq!(one.ack().await, Checkpoint::StoreUnavailable);
    assert_eq!(store.0.lock().unwrap().checkpoint, None);
    // Still the holder: it goes on, and the next acknowledgement takes both events.
    assert_eq!(take(&mut one).await, "b");
    store.0.lock().unwrap().failing = false;
    assert_eq!(one.ack().await, Checkpoint::Saved);
    let saved = store.0.lock().unwrap().checkpoint.clone().unwrap();
    assert_eq!(saved.acknowledged, ["a", "b"]);
    assert!(saved.cursor.unwrap().as_str().contains("after=b"));
    drop(one);
    // A store that has seen a larger token (a newer holder) refuses the claim: the replica
    // gives the lease back and stands by instead of tailing.
    store.0.lock().unwrap().token = u64::MAX;
    let standby = client
        .log_tailer()
        .lease(lease(&redis).checkpoint_store(store.clone()));
    assert!(
        tokio::time::timeout(Duration::from_millis(1_500), standby)
            .await
            .is_err(),
        "tailed without the store's consent"
    );
}

/// Sends `signal` (`STOP`, `CONT`, `KILL`) to process `pid`.
fn signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .expect("kill");
    assert!(status.success(), "kill -{signal} {pid}");
}

/// The replicas started by a test (`src/bin/lease_holder.rs`), killed when it ends.
struct Replicas(Vec<std::process::Child>);

impl Replicas {
    fn start(n: usize, redis: &RedisServer, log: &str, journal: &Path, ttl: Duration) -> Self {
        Replicas(
            (0..n)
                .map(|_| {
                    std::process::Command::new(env!("CARGO_BIN_EXE_lease_holder"))
                        .env("LEASE_REDIS", redis.url())
                        .env("LEASE_LOG", log)
                        .env("LEASE_JOURNAL", journal)
                        .env("LEASE_TTL_MS", ttl.as_millis().to_string())
                        .env("LEASE_WORK_MS", "2")
                        .env("LEASE_ACK_EVERY", "5")
                        .spawn()
                        .expect("a replica")
                })
                .collect(),
        )
    }
}

impl Drop for Replicas {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The replica that took the lease last, once it has acknowledged `acks` events since. The
/// last take is the one with the largest token, not the last one written: a replica paused
/// between taking the lease and writing it down writes its (stale) take late.
fn holder_after(journal: &Path, acks: usize) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let entries = read_journal(journal);
        let newest = entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match e {
                Entry::Took { token, .. } => Some((*token, i)),
                _ => None,
            })
            .max();
        if let Some((_, i)) = newest {
            let pid = entries[i].pid();
            let since = entries[i..]
                .iter()
                .filter(|e| matches!(e, Entry::Acked { pid: p, .. } if *p == pid))
                .count();
            if since >= acks {
                return pid;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no replica holds the lease and acknowledges"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn journal_path(what: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "okta-lease-{what}-{}-{:?}",
        std::process::id(),
        Instant::now()
    ));
    let _ = std::fs::remove_file(&path);
    path
}

/// The holder is paused (`SIGSTOP`) for just under, just over and well over its ttl while a
/// standby takes over and acknowledges, then continued, many times: no replica ever delivers
/// an event after it was acknowledged, and none is skipped.
#[test]
fn a_paused_holder_never_delivers_what_another_replica_acknowledged() {
    let redis = RedisServer::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let log = rt.block_on(bench_server::start(tail_fault::handler(20)));
    let journal = journal_path("pause");
    let ttl = Duration::from_secs(1);
    let replicas = Replicas::start(2, &redis, &log, &journal, ttl);
    let ms = Duration::from_millis;
    // Just under the ttl, just over it, and long enough that a standby's take (every third of
    // the ttl) lands inside the pause for certain.
    let pauses = [ttl - ms(100), ttl + ms(100), ttl + ttl / 3 + ms(300)];
    let cycles = 9;
    for cycle in 0..cycles {
        let holder = holder_after(&journal, 8);
        signal(holder, "STOP");
        std::thread::sleep(pauses[cycle % pauses.len()]);
        signal(holder, "CONT");
    }
    holder_after(&journal, 8);
    drop(replicas);
    let found = tail_fault::check(&read_journal(&journal));
    assert_eq!(
        found.redelivered,
        [],
        "acknowledged events delivered again (journal: {})",
        journal.display()
    );
    assert_eq!(
        found.gaps,
        Vec::<u64>::new(),
        "events skipped (journal: {})",
        journal.display()
    );
    let _ = std::fs::remove_file(&journal);
    // The fault was exercised: the long pauses alone hand the lease over three times (after
    // the first take), and every take has a token of its own. (They are written in the order
    // the replicas wrote them down, which a pause between a take and its note can swap, so
    // their growth is checked by the script's test, not here.)
    assert!(found.tokens.len() > cycles / 3, "{:?}", found.tokens);
    let mut distinct = found.tokens.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), found.tokens.len(), "{:?}", found.tokens);
    assert!(found.acknowledged > 100, "{found:?}");
}

/// The process id of a running `redis-server`, from its own `INFO`.
fn redis_pid(redis: &RedisServer) -> u32 {
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query(&mut redis.connection())
        .unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("process_id:"))
        .and_then(|p| p.trim().parse().ok())
        .expect("process_id in INFO server")
}

/// Redis paused under a holder that delivers and acknowledges: it delivers only while its last
/// confirmation is fresh, stops before the lease could expire in Redis (when a standby could
/// take over), and then ends its stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_cut_off_from_redis_stops_before_its_lease_can_expire() {
    let redis = RedisServer::start();
    let log = bench_server::start(tail_fault::handler(20)).await;
    let client = Client::builder(&log).api_token("00tail").build().unwrap();
    let ttl = Duration::from_secs(1);
    let pid = redis_pid(&redis);
    for round in 0..3 {
        let lease = TailLease::new(redis.url(), "okta-test", format!("cut-{round}")).ttl(ttl);
        let mut events = client.log_tailer().lease(lease).await.unwrap();
        for _ in 0..20 {
            events.next().await.unwrap().unwrap();
            assert_eq!(events.ack().await, Checkpoint::Saved);
        }
        signal(pid, "STOP");
        // Redis runs nothing from here on: every confirmation was sent before this.
        let paused = Instant::now();
        let mut after = Vec::new();
        let ended = loop {
            match tokio::time::timeout(3 * ttl, events.next()).await {
                Ok(Some(event)) => {
                    event.unwrap();
                    after.push(paused.elapsed());
                    assert_eq!(events.ack().await, Checkpoint::RedisUnavailable);
                }
                Ok(None) => break paused.elapsed(),
                Err(_) => panic!("the stream neither delivered nor ended for 3 s"),
            }
        };
        signal(pid, "CONT");
        assert!(!events.holds_lease());
        // It went on while it could prove the lease was still its own...
        assert!(!after.is_empty(), "round {round}: nothing delivered");
        // ...and no delivery came when a standby could have taken over.
        assert!(
            after.iter().all(|d| *d < ttl),
            "round {round}: delivered at {after:?} with a ttl of {ttl:?}"
        );
        // It ended once Redis had not confirmed the lease for a whole ttl (after a last
        // attempt of up to a third of it).
        assert!(
            ended >= ttl - ttl / 10 && ended < ttl + ttl / 3 + Duration::from_millis(500),
            "round {round}: ended after {ended:?}"
        );
    }
}
