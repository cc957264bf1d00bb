//! The rate-limit budget shared through Redis (issue 26), against a real `redis-server`
//! (`tests::redis_server`) and the Okta-style server `okta_sim`: the script's decisions with
//! explicit instants in `script`, clients sharing one budget, Redis failing under them, what is
//! written to Redis, the snapshot and the metrics here and in `metrics`.

mod faults;
mod log_lease;
mod metrics;
mod script;

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use okta_client::{BudgetSource, Client, RateLimitConfig, RetryConfig, SharedBudget};
use tests::okta_sim::{self, Stats};
use tests::redis_server::RedisServer;

const TOKEN: &str = "00SHAREDsecretTOKENvalue0123456789abcdef";

fn rules(users_limit: u64, concurrency: u64) -> okta_sim::Rules {
    okta_sim::Rules {
        window_secs: 1,
        limits: HashMap::from([("GET /api/v1/users".to_string(), users_limit)]),
        default_limit: 1_000_000,
        concurrency,
        principal_share: 1.0,
        service: Duration::from_millis(2),
    }
}

fn shared_client(base: &str, budget: SharedBudget, max_concurrency: usize) -> Client {
    Client::builder(base)
        .api_token(TOKEN)
        .retry(
            RetryConfig::default()
                .max_retries(100)
                .max_total_wait(Duration::from_secs(120)),
        )
        .rate_limit(RateLimitConfig::default().max_concurrency(max_concurrency))
        .shared_budget(budget)
        .build()
        .unwrap()
}

/// `calls` list-users calls numbered from `first`, from `tasks` tasks spread over `clients`.
async fn run_calls(clients: &[Client], first: usize, calls: usize, tasks: usize) -> usize {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(first));
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let client = clients[t % clients.len()].clone();
            let next = next.clone();
            tokio::spawn(async move {
                let mut ok = 0;
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= first + calls {
                        return ok;
                    }
                    let sent = client.user().list_users().customize().query("call", i);
                    sent.send()
                        .await
                        .unwrap_or_else(|e| panic!("call {i}: {e}"));
                    ok += 1;
                }
            })
        })
        .collect();
    let mut ok = 0;
    for h in handles {
        ok += h.await.unwrap();
    }
    ok
}

/// Every call `0..calls` reached the server exactly once.
fn exactly_once(stats: &Stats, calls: usize) {
    let completions = stats.completions.lock().unwrap();
    for i in 0..calls {
        let n = completions.get(&format!("/api/v1/users?call={i}"));
        assert_eq!(n, Some(&1), "call {i} completed {n:?} times");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_sharing_redis_share_one_budget_and_one_concurrency_cap() {
    let redis = RedisServer::start();
    let (base, stats) = okta_sim::start(rules(40, 1_000)).await;
    // Three clients, as three processes would have: nothing shared but Redis.
    let clients: Vec<Client> = (0..3)
        .map(|_| shared_client(&base, SharedBudget::new(redis.url(), "okta-test"), 4))
        .collect();
    let started = Instant::now();
    let ok = run_calls(&clients, 0, 120, 24).await;
    assert_eq!(ok, 120);
    exactly_once(&stats, 120);
    let windows = started.elapsed().as_secs() + 1;
    let spent = stats.bucket_429s.load(Ordering::SeqCst);
    // Three local governors would each spend the whole bucket in each window.
    assert!(spent <= windows, "{spent} bucket 429s in {windows} windows");
    let peak = stats.max_in_flight.load(Ordering::SeqCst);
    assert!(
        peak <= 4,
        "{peak} in flight at once across the clients (cap 4)"
    );
    let snapshot = clients[0].rate_limit_snapshot().await;
    let users = snapshot
        .iter()
        .find(|b| b.route == "GET /api/v1/users" && b.source == BudgetSource::Shared)
        .expect("the shared users bucket in the snapshot");
    assert_eq!(users.limit, Some(40));
    assert!(
        users.remaining.is_some() && users.reset.is_some(),
        "{users:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_written_to_redis_reveals_the_token() {
    let redis = RedisServer::start();
    let (base, _stats) = okta_sim::start(rules(40, 1_000)).await;
    let client = shared_client(&base, SharedBudget::new(redis.url(), "okta-test"), 4);
    run_calls(std::slice::from_ref(&client), 0, 10, 2).await;
    let group = client.group().get_group("00g1secretid").send().await;
    assert!(group.is_ok());
    let dump = redis.dump();
    assert!(!dump.is_empty());
    let org = base.trim_start_matches("http://");
    for (key, value) in &dump {
        for text in [key, value] {
            // No piece of the token of 6 characters or more, in any key or value.
            for w in TOKEN.as_bytes().windows(6) {
                let piece = std::str::from_utf8(w).unwrap();
                assert!(
                    !text.contains(piece),
                    "{piece:?} of the token in {key} = {value}"
                );
            }
            assert!(!text.contains("00g1secretid"), "an id in {key}");
        }
        assert!(key.starts_with(&format!("okta-test:{{{org}}}:")), "{key}");
    }
    // The principal is the keyed hash, the routes are templates.
    let keys: Vec<&str> = dump.iter().map(|(k, _)| k.as_str()).collect();
    assert!(
        keys.iter()
            .any(|k| k.contains(":p:token:") && k.ends_with(":GET /api/v1/users:bucket")),
        "{keys:?}"
    );
    assert!(
        keys.iter()
            .any(|k| k.contains("GET /api/v1/groups/{groupId}")),
        "{keys:?}"
    );
    // Debug output of the settings names no URL (it may hold a password).
    let budget = SharedBudget::new("redis://:hunter2@127.0.0.1:1/", "okta-test");
    assert!(!format!("{budget:?}").contains("hunter2"));
    let e = Client::builder(&base)
        .api_token(TOKEN)
        .shared_budget(SharedBudget::new("nonsense://:hunter2@x", "okta-test"))
        .build()
        .unwrap_err();
    assert!(!e.to_string().contains("hunter2"), "{e}");
}

// One thread, so that the trace capture (per thread) sees the warnings of every task.
#[tokio::test]
async fn redis_stopped_restarted_and_flushed_loses_and_duplicates_no_call() {
    let mut redis = RedisServer::start();
    let (base, stats) = okta_sim::start(rules(60, 1_000)).await;
    let budget = SharedBudget::new(redis.url(), "okta-test")
        .timeout(Duration::from_millis(100))
        .probe_interval(Duration::from_millis(100))
        .fallback_share(0.5);
    let client = shared_client(&base, budget, 8);
    let (captured, _guard) = tests::traces::capture();
    assert_eq!(run_calls(std::slice::from_ref(&client), 0, 30, 4).await, 30);

    // Down: every call still goes, none waits much longer than the Redis timeout for it.
    redis.stop();
    let before = Instant::now();
    assert_eq!(
        run_calls(std::slice::from_ref(&client), 30, 30, 4).await,
        30
    );
    assert!(
        before.elapsed() < Duration::from_secs(5),
        "{:?}",
        before.elapsed()
    );
    let snapshot = client.rate_limit_snapshot().await;
    assert!(
        snapshot.iter().all(|b| b.source == BudgetSource::Fallback) && !snapshot.is_empty(),
        "{snapshot:?}"
    );
    let text = captured.text();
    assert_eq!(
        text.matches("the shared budget in Redis is unreachable")
            .count(),
        1,
        "{text}"
    );

    // Back, empty: the probe returns the client to the shared budget.
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert_eq!(run_calls(std::slice::from_ref(&client), 60, 1, 1).await, 1);
        let snapshot = client.rate_limit_snapshot().await;
        if snapshot.iter().any(|b| b.source == BudgetSource::Shared) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not back on the shared budget: {snapshot:?}"
        );
        // The calls of this loop all carry number 60: only its first is checked below.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(captured.text().contains("Redis is back"));

    // Each switch of governor (to the fallback, back to an empty Redis) learns the bucket
    // again with one request, which meets a spent window if the calls before spent it.
    let relearned = stats.bucket_429s.load(Ordering::SeqCst);
    assert!(
        relearned <= 2,
        "{relearned}: {:?}",
        stats.bucket_429s_by_window.lock().unwrap()
    );

    // Flushed under load: the buckets are learned again, nothing is lost.
    let flusher = {
        let mut con = redis.connection();
        tokio::task::spawn_blocking(move || {
            std::thread::sleep(Duration::from_millis(150));
            redis::cmd("FLUSHALL").query::<()>(&mut con).unwrap();
        })
    };
    assert_eq!(
        run_calls(std::slice::from_ref(&client), 100, 40, 4).await,
        40
    );
    flusher.await.unwrap();
    exactly_once(&stats, 60);
    let completions = stats.completions.lock().unwrap();
    for i in 100..140 {
        assert_eq!(
            completions.get(&format!("/api/v1/users?call={i}")),
            Some(&1),
            "call {i}"
        );
    }
    // A flush forgets the units reserved by calls then in flight; the client puts its own
    // back before anything else is decided (README: "A flushed Redis"), so the window of the
    // flush goes over by none of them: at most the one request that learns the bucket again
    // meets a spent window (`a_flush_forgets_no_call_in_flight` checks the leases themselves).
    let over = stats.bucket_429s.load(Ordering::SeqCst) - relearned;
    assert!(
        over <= 1,
        "{over}: {:?}",
        stats.bucket_429s_by_window.lock().unwrap()
    );
}

/// A client whose calls answer after `service` (so that they are still in flight when Redis
/// is flushed) and that has learned the bucket and holds no lease.
async fn slow_client(redis: &RedisServer, service: Duration) -> (Client, Arc<Stats>) {
    let mut sim = rules(1_000, 1_000);
    sim.service = service;
    let (base, stats) = okta_sim::start(sim).await;
    let budget = SharedBudget::new(redis.url(), "okta-test")
        .timeout(Duration::from_millis(500))
        .probe_interval(Duration::from_millis(100));
    let client = shared_client(&base, budget, 16);
    assert_eq!(run_calls(std::slice::from_ref(&client), 0, 1, 1).await, 1);
    (client, stats)
}

/// The first key matching `pattern` and the leases (or slots) it holds: its members without a
/// bucket's epoch (scored `+inf`).
fn zcard(con: &mut redis::Connection, pattern: &str) -> Option<(String, u64)> {
    let keys: Vec<String> = redis::cmd("KEYS").arg(pattern).query(con).unwrap();
    let key = keys.into_iter().next()?;
    let n: u64 = redis::cmd("ZCOUNT")
        .arg(&key)
        .arg("-inf")
        .arg("(+inf")
        .query(con)
        .unwrap();
    Some((key, n))
}

/// The leases of the calls in flight when Redis is flushed are put back by the client's next
/// acquire, before it is decided: the bucket and the org's calls in flight count them again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flush_forgets_no_call_in_flight() {
    let redis = RedisServer::start();
    let (client, stats) = slow_client(&redis, Duration::from_millis(1_500)).await;
    let mut con = redis.connection();
    let in_flight = {
        let c = client.clone();
        tokio::spawn(async move { run_calls(std::slice::from_ref(&c), 1, 4, 4).await })
    };
    // The four calls hold their leases in Redis.
    let deadline = Instant::now() + Duration::from_secs(5);
    let leases = loop {
        if let Some((key, 4)) = zcard(&mut con, "okta-test*:leases") {
            break key;
        }
        assert!(
            Instant::now() < deadline,
            "the calls never held their leases"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    redis::cmd("FLUSHALL").query::<()>(&mut con).unwrap();
    // One more call: its acquire puts the four back first, then takes its own.
    let fifth = {
        let c = client.clone();
        tokio::spawn(async move { run_calls(std::slice::from_ref(&c), 5, 1, 1).await })
    };
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        if let Some((_, 5)) = zcard(&mut con, &leases) {
            let org = zcard(&mut con, "okta-test*in-flight");
            assert_eq!(
                org.map(|(_, n)| n),
                Some(5),
                "the org's calls in flight count them too"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{:?} leases in Redis after the flush: the calls in flight were forgotten",
            zcard(&mut con, &leases)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(in_flight.await.unwrap(), 4);
    assert_eq!(fifth.await.unwrap(), 1);
    exactly_once(&stats, 6);
    // Every call recorded: nothing is left held.
    assert_eq!(zcard(&mut con, &leases).map(|(_, n)| n).unwrap_or(0), 0);
}

/// The same when the client sends no new call: the answer of a call that finishes after the
/// flush tells it Redis lost the bucket, and it puts back the leases of its other calls still
/// in flight.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flush_is_noticed_by_the_next_answer_too() {
    let redis = RedisServer::start();
    let (client, stats) = slow_client(&redis, Duration::from_millis(2_000)).await;
    let mut con = redis.connection();
    let leases = |con: &mut redis::Connection| zcard(con, "okta-test*:leases");
    let wait_for = |con: &mut redis::Connection, n: u64| {
        let deadline = Instant::now() + Duration::from_secs(3);
        while leases(con).map(|(_, c)| c) != Some(n) {
            assert!(
                Instant::now() < deadline,
                "never {n} leases: {:?}",
                leases(con)
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    // Two calls, then two more a second later: the first two finish a second before the others.
    let first = {
        let c = client.clone();
        tokio::spawn(async move { run_calls(std::slice::from_ref(&c), 1, 2, 2).await })
    };
    wait_for(&mut con, 2);
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let second = {
        let c = client.clone();
        tokio::spawn(async move { run_calls(std::slice::from_ref(&c), 3, 2, 2).await })
    };
    wait_for(&mut con, 4);
    let later_done = Instant::now() + Duration::from_millis(2_000);
    redis::cmd("FLUSHALL").query::<()>(&mut con).unwrap();
    assert_eq!(first.await.unwrap(), 2);
    // The first two are recorded: their answers put back the two still in flight, which no
    // acquire has asked for.
    let back = leases(&mut con).map(|(_, n)| n);
    assert!(
        Instant::now() < later_done,
        "the later calls finished before this could look"
    );
    assert_eq!(back, Some(2), "the calls still in flight were forgotten");
    assert_eq!(second.await.unwrap(), 2);
    exactly_once(&stats, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_never_answers_does_not_hold_calls() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let (base, stats) = okta_sim::start(rules(60, 1_000)).await;
    let budget = SharedBudget::new(format!("redis://127.0.0.1:{port}/"), "okta-test")
        .timeout(Duration::from_millis(50));
    let client = shared_client(&base, budget, 8);
    let started = Instant::now();
    assert_eq!(run_calls(std::slice::from_ref(&client), 0, 20, 4).await, 20);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    exactly_once(&stats, 20);
}

#[tokio::test]
async fn bad_shared_budget_settings_are_config_errors() {
    let build = |b: SharedBudget| {
        Client::builder("https://example.okta.com")
            .api_token(TOKEN)
            .shared_budget(b)
            .build()
    };
    let url = "redis://127.0.0.1:6379/";
    for bad in [
        SharedBudget::new(url, ""),
        SharedBudget::new(url, "a{b}"),
        SharedBudget::new(url, "ns").fallback_share(0.0),
        SharedBudget::new(url, "ns").fallback_share(1.5),
        SharedBudget::new(url, "ns").timeout(Duration::ZERO),
        SharedBudget::new(url, "ns").reservation_ttl(Duration::from_millis(10)),
    ] {
        let e = build(bad.clone()).unwrap_err();
        assert!(matches!(e, okta_client::Error::Config(_)), "{bad:?}: {e}");
    }
    build(SharedBudget::new(url, "okta-prod.eu_1")).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_snapshot_lists_learned_buckets() {
    // A window far longer than the test, so that it cannot reset between the calls and the
    // snapshot on a loaded machine (a reset shows the bucket full again).
    let (base, _stats) = okta_sim::start(okta_sim::Rules {
        window_secs: 600,
        ..rules(40, 1_000)
    })
    .await;
    let client = Client::builder(&base).api_token(TOKEN).build().unwrap();
    assert!(client.rate_limit_snapshot().await.is_empty());
    run_calls(std::slice::from_ref(&client), 0, 3, 1).await;
    let snapshot = client.rate_limit_snapshot().await;
    assert_eq!(snapshot.len(), 1, "{snapshot:?}");
    let b = &snapshot[0];
    assert_eq!(
        (b.route.as_str(), b.source),
        ("GET /api/v1/users", BudgetSource::Local)
    );
    assert_eq!(b.limit, Some(40));
    assert!(b.remaining.is_some_and(|r| r <= 37), "{b:?}");
    assert_eq!((b.in_flight, b.waiters), (0, 0));
}

/// `rediss://` (the `redis-tls` feature): a budget shared through a Redis that speaks only TLS,
/// with a certificate the client is told to trust.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_is_shared_through_redis_over_tls() {
    let redis = RedisServer::start_tls();
    assert!(redis.url().starts_with("rediss://"));
    let (base, stats) = okta_sim::start(rules(40, 1_000)).await;
    let clients: Vec<Client> = (0..2)
        .map(|_| {
            // A TLS round trip on a loaded machine may take longer than the default 100 ms.
            let budget = SharedBudget::from_client(redis.client(), "tls")
                .timeout(Duration::from_millis(500));
            shared_client(&base, budget, 4)
        })
        .collect();
    assert_eq!(run_calls(&clients, 0, 40, 8).await, 40);
    exactly_once(&stats, 40);
    let snapshot = clients[1].rate_limit_snapshot().await;
    // (A call that met a slow answer lists the local bucket too, as the fallback's.)
    assert!(
        snapshot
            .iter()
            .any(|b| b.route == "GET /api/v1/users" && b.source == BudgetSource::Shared),
        "{snapshot:?}"
    );
    // Read back through TLS: the buckets are in this Redis.
    let dump = redis.dump();
    assert!(dump.iter().any(|(k, _)| k.starts_with("tls:")), "{dump:?}");
}

/// A `rediss://` URL whose certificate the system does not trust (the test CA is not among
/// its roots) is a Redis that cannot be reached: every call still goes exactly once, under the
/// fallback budget, and nothing panics.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_redis_certificate_falls_back_to_the_local_budget() {
    let redis = RedisServer::start_tls();
    let (base, stats) = okta_sim::start(rules(40, 1_000)).await;
    let budget = SharedBudget::new(redis.url(), "tls")
        .timeout(Duration::from_millis(200))
        .probe_interval(Duration::from_millis(100));
    let client = shared_client(&base, budget, 4);
    assert_eq!(run_calls(std::slice::from_ref(&client), 0, 20, 4).await, 20);
    exactly_once(&stats, 20);
    let snapshot = client.rate_limit_snapshot().await;
    assert!(
        !snapshot.is_empty() && snapshot.iter().all(|b| b.source == BudgetSource::Fallback),
        "{snapshot:?}"
    );
    // The client wrote nothing: the server never completed a handshake with it.
    assert!(redis.dump().is_empty());
}

/// Script calls (EVALSHA and EVAL) Redis has run so far.
fn script_calls(redis: &RedisServer) -> u64 {
    let mut con = redis.connection();
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut con)
        .unwrap();
    info.lines()
        .filter_map(|l| {
            l.strip_prefix("cmdstat_evalsha:calls=")
                .or_else(|| l.strip_prefix("cmdstat_eval:calls="))
        })
        .filter_map(|rest| rest.split(',').next()?.parse::<u64>().ok())
        .sum()
}

/// Many tasks waiting on one spent bucket: each client asks Redis in turn after a reset, and
/// its other tasks sleep once one learns that the window is spent again; one task per client
/// polls for the bucket's first answer. The script then runs a few times per served request
/// (a unit scheduled later in the window takes three: reserve, take the slot when its time
/// comes, record), not once per waiting task per window (5.3 when every task asked).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_waiting_tasks_do_not_all_ask_redis_at_each_reset() {
    let redis = RedisServer::start();
    let (base, stats) = okta_sim::start(rules(20, 1_000)).await;
    let clients: Vec<Client> = (0..2)
        .map(|_| shared_client(&base, SharedBudget::new(redis.url(), "okta-test"), 8))
        .collect();
    let before = script_calls(&redis);
    // Three windows' worth, from 128 tasks.
    assert_eq!(run_calls(&clients, 0, 60, 128).await, 60);
    exactly_once(&stats, 60);
    let per_request = (script_calls(&redis) - before) as f64 / 60.0;
    assert!(
        per_request <= 4.5,
        "{per_request:.1} script calls per served request"
    );
}
