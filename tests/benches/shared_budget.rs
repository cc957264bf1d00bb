//! Many workers, one org (issue 26): 4 OS processes × 16 tasks make 2,000 calls against
//! `okta_sim` (buckets in one-second windows, a per-principal share of 50 %, an org-wide limit
//! on requests in flight), in three modes: (a) the budget shared through a real `redis-server`,
//! (b) four local governors, (c) the shared budget with Redis stopped for the middle third of
//! the run. Reports 429s per bucket window, the time against the minimum, and whether every call
//! completed exactly once; then the added cost per request of the Redis round trips (median and
//! p99) against the local governor, in one process.
//!
//! `cargo bench -p tests --bench shared_budget` (needs `redis-server` on the PATH). The same
//! binary is the worker: the benchmark starts itself again with `SHARED_BUDGET_WORKER` set.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use okta_client::{Client, RateLimitConfig, RetryConfig, SharedBudget};
use tests::okta_sim;
use tests::redis_server::RedisServer;

const CALLS: usize = 2_000;
const WORKERS: usize = 4;
const TASKS: usize = 16;
/// The org's buckets per one-second window; each principal may use half (Okta's default
/// share), so the workers' one API token gets 100 and 200.
const USERS_LIMIT: u64 = 200;
const GROUP_LIMIT: u64 = 400;
const PRINCIPAL_SHARE: f64 = 0.5;
/// Requests in flight org-wide (Okta's 75, scaled to 64 tasks so that it binds).
const CONCURRENCY: u64 = 20;
/// Requests in flight per client: org-wide through Redis, per process with local governors.
const MAX_CONCURRENCY: usize = 16;
const TOKEN: &str = "00benchSharedToken";

fn rules() -> okta_sim::Rules {
    okta_sim::Rules {
        window_secs: 1,
        limits: HashMap::from([
            ("GET /api/v1/users".to_string(), USERS_LIMIT),
            ("GET /api/v1/groups/{id}".to_string(), GROUP_LIMIT),
        ]),
        default_limit: 1,
        concurrency: CONCURRENCY,
        principal_share: PRINCIPAL_SHARE,
        service: Duration::from_millis(5),
    }
}

fn client(base: &str, redis: Option<&str>) -> Client {
    let mut b = Client::builder(base)
        .api_token(TOKEN)
        .retry(RetryConfig {
            max_retries: 1_000,
            max_total_wait: Duration::from_secs(600),
            ..RetryConfig::default()
        })
        .rate_limit(RateLimitConfig {
            max_concurrency: MAX_CONCURRENCY,
            ..RateLimitConfig::default()
        });
    if let Some(url) = redis {
        b = b.shared_budget(SharedBudget::new(url, "bench").fallback_share(1.0 / WORKERS as f64));
    }
    b.build().unwrap()
}

async fn call(client: &Client, i: usize) -> Result<(), okta_client::Error> {
    if i.is_multiple_of(2) {
        let users = client.user().list_users().customize().query("call", i);
        users.send().await.map(drop)
    } else {
        client
            .group()
            .get_group(format!("g{i}"))
            .send()
            .await
            .map(drop)
    }
}

/// One worker process: calls `w, w + 4, …` below `CALLS` from 16 tasks; prints `ok failed`.
fn worker(w: usize) {
    let base = std::env::var("SHARED_BUDGET_BASE").unwrap();
    let redis = std::env::var("SHARED_BUDGET_REDIS").ok();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (ok, failed) = rt.block_on(async {
        let client = client(&base, redis.as_deref());
        let next = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (client, next) = (client.clone(), next.clone());
                tokio::spawn(async move {
                    let (mut ok, mut failed) = (0, 0);
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst) * WORKERS + w;
                        if i >= CALLS {
                            return (ok, failed);
                        }
                        match call(&client, i).await {
                            Ok(()) => ok += 1,
                            Err(e) => {
                                eprintln!("worker {w}, call {i}: {e}");
                                failed += 1;
                            }
                        }
                    }
                })
            })
            .collect();
        let (mut ok, mut failed) = (0, 0);
        for t in tasks {
            let (o, f) = t.await.unwrap();
            ok += o;
            failed += f;
        }
        (ok, failed)
    });
    println!("{ok} {failed}");
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Shared,
    Local,
    SharedRedisStopped,
}

struct Outcome {
    elapsed: Duration,
    aligned_minimum: Duration,
    ok: usize,
    failed: usize,
    bucket_429s: u64,
    windows: u64,
    worst_window: u64,
    concurrency_429s: u64,
    exactly_once: bool,
}

fn run(
    rt: &tokio::runtime::Runtime,
    mode: Mode,
    redis: &mut RedisServer,
    minimum: Duration,
) -> Outcome {
    let (base, stats) = rt.block_on(okta_sim::start(rules()));
    let exe = std::env::current_exe().unwrap();
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let to_first_boundary = Duration::from_secs(since_epoch.as_secs() + 1) - since_epoch;
    let windows_needed = (CALLS / 2).div_ceil(100) as u32;
    let aligned_minimum =
        to_first_boundary + Duration::from_secs(1) * windows_needed.saturating_sub(2);
    let started = Instant::now();
    let children: Vec<_> = (0..WORKERS)
        .map(|w| {
            let mut c = Command::new(&exe);
            c.env("SHARED_BUDGET_WORKER", w.to_string())
                .env("SHARED_BUDGET_BASE", &base)
                .stdout(Stdio::piped());
            if mode != Mode::Local {
                c.env("SHARED_BUDGET_REDIS", redis.url());
            }
            c.spawn().unwrap()
        })
        .collect();
    if mode == Mode::SharedRedisStopped {
        std::thread::sleep(minimum / 3);
        redis.stop();
        std::thread::sleep(minimum / 3);
        redis.restart();
    }
    let (mut ok, mut failed) = (0, 0);
    for child in children {
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let mut words = text.split_whitespace().map(|w| w.parse::<usize>().unwrap());
        ok += words.next().unwrap();
        failed += words.next().unwrap();
    }
    let elapsed = started.elapsed();
    let by_window = stats.bucket_429s_by_window.lock().unwrap();
    let completions = stats.completions.lock().unwrap();
    Outcome {
        elapsed,
        aligned_minimum,
        ok,
        failed,
        bucket_429s: stats.bucket_429s.load(Ordering::SeqCst),
        // Two buckets, each with a window per second of the run.
        windows: 2 * elapsed.as_secs_f64().ceil() as u64,
        worst_window: by_window.values().copied().max().unwrap_or(0),
        concurrency_429s: stats.concurrency_429s.load(Ordering::SeqCst),
        exactly_once: completions.len() == CALLS && completions.values().all(|n| *n == 1),
    }
}

/// Per-call latency of `n` sequential calls on an unpaced route, sorted.
async fn latencies(client: &Client, n: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let started = Instant::now();
        client
            .request(okta_client::Method::GET, &format!("/api/v1/apps/a{i}"))
            .send()
            .await
            .unwrap();
        out.push(started.elapsed());
    }
    out.sort();
    out
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    if let Ok(w) = std::env::var("SHARED_BUDGET_WORKER") {
        return worker(w.parse().unwrap());
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut redis = RedisServer::start();
    let minimum = Duration::from_secs_f64((CALLS / 2) as f64 / 100.0);
    println!(
        "{CALLS} calls from {WORKERS} processes × {TASKS} tasks; buckets of {USERS_LIMIT} and \
         {GROUP_LIMIT} per 1 s window, {PRINCIPAL_SHARE} per principal; {CONCURRENCY} in flight \
         org-wide; minimum {:.2} s",
        minimum.as_secs_f64()
    );
    println!(
        "{:<28} {:>8} {:>6} {:>9} {:>11} {:>10} {:>6} {:>11} {:>6} {:>5}",
        "mode",
        "time",
        "× min",
        "× aligned",
        "bucket 429s",
        "per window",
        "worst",
        "concurrency",
        "failed",
        "once"
    );
    for (name, mode) in [
        ("a) shared budget", Mode::Shared),
        ("b) four local governors", Mode::Local),
        ("c) shared, Redis down 1/3", Mode::SharedRedisStopped),
    ] {
        let o = run(&rt, mode, &mut redis, minimum);
        println!(
            "{:<28} {:>7.2}s {:>6.2} {:>9.2} {:>11} {:>10.2} {:>6} {:>11} {:>6} {:>5}",
            name,
            o.elapsed.as_secs_f64(),
            o.elapsed.as_secs_f64() / minimum.as_secs_f64(),
            o.elapsed.as_secs_f64() / o.aligned_minimum.as_secs_f64(),
            o.bucket_429s,
            o.bucket_429s as f64 / o.windows.max(1) as f64,
            o.worst_window,
            o.concurrency_429s,
            o.failed,
            if o.exactly_once && o.ok == CALLS {
                "yes"
            } else {
                "NO"
            },
        );
    }

    // The Redis round trips' cost: sequential calls on a route the server does not pace, with
    // the local governor and with the shared budget (two script calls per request).
    let (base, _) = rt.block_on(okta_sim::start(okta_sim::Rules {
        default_limit: 1_000_000_000,
        service: Duration::ZERO,
        concurrency: 1_000,
        ..rules()
    }));
    let (local, shared) = rt.block_on(async {
        let local = client(&base, None);
        let shared = client(&base, Some(&redis.url()));
        // Warm both (connections, the learned bucket, the script cache).
        latencies(&local, 200).await;
        latencies(&shared, 200).await;
        (
            latencies(&local, 2_000).await,
            latencies(&shared, 2_000).await,
        )
    });
    let at = |v: &[Duration], q: f64| v[((v.len() - 1) as f64 * q) as usize];
    println!("per request, 2,000 sequential calls: median / p99");
    println!(
        "  local governor   {:>8.1} µs / {:>8.1} µs",
        micros(at(&local, 0.5)),
        micros(at(&local, 0.99))
    );
    println!(
        "  shared (Redis)   {:>8.1} µs / {:>8.1} µs",
        micros(at(&shared, 0.5)),
        micros(at(&shared, 0.99))
    );
    println!(
        "  added            {:>8.1} µs / {:>8.1} µs",
        micros(at(&shared, 0.5)) - micros(at(&local, 0.5)),
        micros(at(&shared, 0.99)) - micros(at(&local, 0.99))
    );
}
