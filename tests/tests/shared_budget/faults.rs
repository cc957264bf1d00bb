//! Redis failing under load, against a real `redis-server`: paused with `SIGSTOP`/`SIGCONT`
//! and killed while several clients (as processes would be) share one org, ACLs that refuse
//! the script, a refused port and an unknown host. Every call goes exactly once, nothing stays
//! held in Redis by a request its client gave up on, the workers together keep within the
//! org's budget while they cannot coordinate, and the warning names the real cause.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use okta_client::{BudgetSource, Client, SharedBudget};
use tests::okta_sim;
use tests::redis_server::RedisServer;

use super::{exactly_once, rules, run_calls, shared_client};

/// Members of every lease set (bucket leases and the org's requests in flight) now in Redis,
/// without a bucket's epoch (a member of its leases set that holds nothing).
fn leases_held(redis: &RedisServer) -> Vec<String> {
    redis
        .dump()
        .into_iter()
        .filter(|(k, _)| k.ends_with(":leases") || k.ends_with(":in-flight"))
        .map(|(k, v)| {
            let words: Vec<&str> = v.split(' ').collect();
            let held: Vec<String> = words
                .chunks(2)
                .filter(|pair| !pair[0].starts_with("epoch:"))
                .map(|pair| pair.join(" "))
                .collect();
            (k, held.join(" "))
        })
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k} = {v}"))
        .collect()
}

fn budget(redis: &RedisServer) -> SharedBudget {
    SharedBudget::new(redis.url(), "okta-test")
        .timeout(Duration::from_millis(100))
        .probe_interval(Duration::from_millis(100))
}

/// Redis paused while requests are on their way to it: the acquires its clients gave up on
/// run when it resumes, and must hold nothing. Four pauses, each while 12 tasks of three
/// clients keep calling; once the calls are done and Redis has run for 0.5 s, no lease is
/// left in Redis. Then the clients are back on the shared budget and nothing stalls them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_redis_that_resumes_holds_nothing_for_abandoned_acquires() {
    let redis = RedisServer::start();
    let (base, stats) = okta_sim::start(rules(1_000, 1_000)).await;
    let clients: Vec<Client> = (0..3)
        .map(|_| shared_client(&base, budget(&redis), 8))
        .collect();
    let mut next = 0;
    assert_eq!(run_calls(&clients, next, 30, 12).await, 30);
    next += 30;
    for cycle in 0..4 {
        let load = {
            let clients = clients.clone();
            tokio::spawn(async move { run_calls(&clients, next, 60, 12).await })
        };
        tokio::time::sleep(Duration::from_millis(20 + 15 * cycle)).await;
        redis.pause();
        let done = load.await.unwrap();
        assert_eq!(done, 60, "cycle {cycle}");
        next += 60;
        tokio::time::sleep(Duration::from_millis(100)).await;
        redis.resume();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let held = leases_held(&redis);
        assert!(
            held.is_empty(),
            "cycle {cycle}: held 0.5 s after Redis resumed, with no call in flight: {held:?}"
        );
    }
    // Back on the shared budget (the probe answers within its interval), and the whole cap of
    // requests in flight is there to use.
    let deadline = Instant::now() + Duration::from_secs(5);
    for c in &clients {
        while !c
            .rate_limit_snapshot()
            .await
            .iter()
            .any(|b| b.source == BudgetSource::Shared)
        {
            assert!(Instant::now() < deadline, "not back on the shared budget");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert_eq!(run_calls(&clients, next, 60, 12).await, 60);
    next += 60;
    exactly_once(&stats, next);
}

/// Four clients share a bucket of 100 a second at about its rate; Redis is then killed (and
/// later restarted), or paused (and resumed), for over a second. Each client falls back to
/// its 1/N share of what was left (N = 4, as Redis counted them), so the outage does not
/// spend the window's remainder four times over: at most about one `429` per window.
async fn outage_keeps_the_orgs_budget(kill: bool) {
    let mut redis = RedisServer::start();
    let (base, stats) = okta_sim::start(rules(100, 1_000)).await;
    // The configured share is 1: only the count of workers from Redis holds each client back.
    let clients: Vec<Client> = (0..4)
        .map(|_| shared_client(&base, budget(&redis).fallback_share(1.0), 8))
        .collect();
    let started = Instant::now();
    let load = {
        let clients = clients.clone();
        tokio::spawn(async move { run_calls(&clients, 0, 350, 32).await })
    };
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    if kill {
        redis.stop();
    } else {
        redis.pause();
    }
    tokio::time::sleep(Duration::from_millis(1_400)).await;
    if kill {
        redis.restart();
    } else {
        redis.resume();
    }
    assert_eq!(load.await.unwrap(), 350);
    exactly_once(&stats, 350);
    let windows = started.elapsed().as_secs() + 1;
    let spent = stats.bucket_429s.load(Ordering::SeqCst);
    let by_window = stats.bucket_429s_by_window.lock().unwrap().clone();
    assert!(
        spent <= windows,
        "{spent} bucket 429s in {windows} windows: {by_window:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_with_redis_killed_keeps_the_orgs_remaining_budget() {
    outage_keeps_the_orgs_budget(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_with_redis_paused_keeps_the_orgs_remaining_budget() {
    outage_keeps_the_orgs_budget(false).await;
}

/// A client of `url` (timeouts of 100 ms, probes every 50 ms) makes 12 calls; returns the
/// warnings and infos it logged and its snapshot's sources afterwards.
async fn calls_through(
    url: String,
    base: &str,
    wait_after: Duration,
) -> (String, Vec<BudgetSource>) {
    let budget = SharedBudget::new(url, "okta-test")
        .timeout(Duration::from_millis(100))
        .probe_interval(Duration::from_millis(50));
    let client = shared_client(base, budget, 4);
    let (captured, _guard) = tests::traces::capture();
    assert_eq!(run_calls(std::slice::from_ref(&client), 0, 12, 1).await, 12);
    tokio::time::sleep(wait_after).await;
    let sources = client
        .rate_limit_snapshot()
        .await
        .iter()
        .map(|b| b.source)
        .collect();
    (captured.text(), sources)
}

/// The warning names why Redis failed; nothing of the URL's password appears.
#[tokio::test]
async fn the_warning_names_the_real_cause_of_a_redis_failure() {
    let (base, _stats) = okta_sim::start(rules(1_000, 1_000)).await;
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let (text, _) =
        calls_through(format!("redis://127.0.0.1:{free}/"), &base, Duration::ZERO).await;
    assert!(text.contains("Redis refused the connection"), "{text}");
    assert!(text.contains("cause=\"refused\""), "{text}");

    let (text, _) = calls_through(
        "redis://no-such-host.invalid:6379/".into(),
        &base,
        Duration::ZERO,
    )
    .await;
    assert!(text.contains("did not resolve"), "{text}");

    let redis = RedisServer::start();
    let mut con = redis.connection();
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("right-horse")
        .query::<()>(&mut con)
        .unwrap();
    let url = format!("redis://:wrong-hunter2@127.0.0.1:{}/", redis.port());
    let (text, _) = calls_through(url, &base, Duration::ZERO).await;
    assert!(text.contains("refused the credentials"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");

    // A read-only replica takes the connection and loads the script, but refuses its writes.
    let primary = RedisServer::start();
    let replica = RedisServer::start();
    redis::cmd("REPLICAOF")
        .arg("127.0.0.1")
        .arg(primary.port())
        .query::<()>(&mut replica.connection())
        .unwrap();
    let (text, _) = calls_through(replica.url(), &base, Duration::ZERO).await;
    assert!(
        text.contains("refused or failed the budget's script"),
        "{text}"
    );
    assert!(text.contains("cause=\"script\""), "{text}");
}

/// One slow answer is not an outage: Redis paused for about one timeout, then resumed, sends
/// only the calls that met it to the local budget; no warning, and the next calls use the
/// shared budget.
#[tokio::test]
async fn one_slow_answer_does_not_switch_the_client_to_its_fallback() {
    let redis = RedisServer::start();
    let (base, stats) = okta_sim::start(rules(1_000, 1_000)).await;
    let client = shared_client(&base, budget(&redis), 4);
    let (captured, _guard) = tests::traces::capture();
    assert_eq!(run_calls(std::slice::from_ref(&client), 0, 5, 1).await, 5);
    redis.pause();
    // One call meets the pause (its acquire times out after 100 ms) and goes on locally.
    assert_eq!(run_calls(std::slice::from_ref(&client), 5, 1, 1).await, 1);
    redis.resume();
    assert_eq!(run_calls(std::slice::from_ref(&client), 6, 10, 1).await, 10);
    exactly_once(&stats, 16);
    let text = captured.text();
    assert!(
        !text.contains("the shared budget in Redis is unreachable"),
        "{text}"
    );
    let snapshot = client.rate_limit_snapshot().await;
    assert!(
        snapshot.iter().any(|b| b.source == BudgetSource::Shared),
        "{snapshot:?}"
    );
}

/// A Redis whose ACL lets the client in and answer `PING` but refuses scripts: an outage that
/// lasts (the probe runs the script, not `PING`), never a flapping between shared and local.
#[tokio::test]
async fn a_redis_that_answers_ping_but_refuses_scripts_stays_an_outage() {
    let (base, stats) = okta_sim::start(rules(1_000, 1_000)).await;
    let redis = RedisServer::start();
    let mut con = redis.connection();
    redis::cmd("ACL")
        .arg(&[
            "SETUSER",
            "budget",
            "on",
            ">budget-pass",
            "~*",
            "+@connection",
            "-eval",
            "-evalsha",
            "-script",
        ])
        .query::<()>(&mut con)
        .unwrap();
    let url = format!("redis://budget:budget-pass@127.0.0.1:{}/", redis.port());
    // Twenty probe intervals after the calls.
    let (text, sources) = calls_through(url, &base, Duration::from_secs(1)).await;
    exactly_once(&stats, 12);
    assert!(text.contains("cause=\"auth\""), "{text}");
    assert_eq!(
        text.matches("the shared budget in Redis is unreachable")
            .count(),
        1,
        "{text}"
    );
    assert!(!text.contains("Redis is back"), "{text}");
    assert!(
        !sources.is_empty() && sources.iter().all(|s| *s == BudgetSource::Fallback),
        "{sources:?}"
    );
}
