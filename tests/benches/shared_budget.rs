//! Many workers, one org: 4 OS processes × 16 tasks make 2,000 calls against `okta_sim`
//! (buckets in one-second windows, a per-principal share of 50 %, an org-wide limit on requests
//! in flight), in four modes: (a) the budget shared through a real `redis-server`, (b) four
//! local governors, (c) the shared budget with Redis killed for the middle third of the run
//! (restarted empty), (d) the same with Redis paused (`SIGSTOP`, then `SIGCONT`). Reports 429s
//! per bucket window, the time against the minimum, whether every call completed exactly once,
//! the script calls per served request and Redis's CPU per 1,000 requests, and in mode d the
//! leases still held 0.5 s after Redis resumed that no request could release; then the added
//! cost per request of the Redis round trips (median and p99) against the local governor.
//!
//! `cargo bench -p tests --bench shared_budget` (needs `redis-server` on the PATH) runs each
//! mode once; `cargo bench -p tests --bench shared_budget -- <a|b|c|d> <runs>` runs one mode
//! that many times and summarises the series. `SHARED_BUDGET_WORKERS` and
//! `SHARED_BUDGET_TASKS` change the 4 × 16 (e.g. 16 × 64). The same binary is the worker: the
//! benchmark starts itself again with `SHARED_BUDGET_WORKER` set.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use okta_client::{Client, RateLimitConfig, RetryConfig, SharedBudget};
use tests::okta_sim;
use tests::redis_server::RedisServer;

const CALLS: usize = 2_000;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn workers() -> usize {
    setting("SHARED_BUDGET_WORKERS", 4)
}

fn tasks() -> usize {
    setting("SHARED_BUDGET_TASKS", 16)
}

/// `SHARED_BUDGET_ONE_BUCKET=1`: every call lists users, one saturated bucket (the minimum is
/// then 20 s).
fn one_bucket() -> bool {
    setting("SHARED_BUDGET_ONE_BUCKET", 0) == 1
}

/// Calls on the users bucket, the slower one: the minimum is these at 100 a second.
fn user_calls() -> usize {
    if one_bucket() {
        CALLS
    } else {
        CALLS / 2
    }
}
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
        .retry(
            RetryConfig::default()
                .max_retries(1_000)
                .max_total_wait(Duration::from_secs(600)),
        )
        .rate_limit(RateLimitConfig::default().max_concurrency(MAX_CONCURRENCY));
    if let Some(url) = redis {
        b = b.shared_budget(SharedBudget::new(url, "bench").fallback_share(1.0 / workers() as f64));
    }
    b.build().unwrap()
}

async fn call(client: &Client, i: usize) -> Result<(), okta_client::Error> {
    if i.is_multiple_of(2) || one_bucket() {
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

/// One worker process: calls `w, w + workers, …` below `CALLS` from its tasks; prints
/// `ok failed fell_back` (whether this worker ever used its local fallback).
fn worker(w: usize) {
    let base = std::env::var("SHARED_BUDGET_BASE").unwrap();
    let redis = std::env::var("SHARED_BUDGET_REDIS").ok();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (ok, failed, fell_back) = rt.block_on(async {
        let client = client(&base, redis.as_deref());
        let next = Arc::new(AtomicUsize::new(0));
        let (workers, tasks) = (workers(), tasks());
        let tasks: Vec<_> = (0..tasks)
            .map(|_| {
                let (client, next) = (client.clone(), next.clone());
                tokio::spawn(async move {
                    let (mut ok, mut failed) = (0, 0);
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst) * workers + w;
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
        // The snapshot lists local buckets only once the fallback has learned one.
        let fell_back = client
            .rate_limit_snapshot()
            .await
            .iter()
            .any(|b| b.source == okta_client::BudgetSource::Fallback);
        (ok, failed, fell_back)
    });
    println!("{ok} {failed} {}", u8::from(fell_back));
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Shared,
    Local,
    SharedRedisStopped,
    SharedRedisPaused,
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
    fell_back: usize,
    /// Script calls (EVALSHA and EVAL) per successful request.
    script_calls: f64,
    /// Redis's CPU time (user + system) per 1,000 successful requests, in ms.
    redis_cpu_ms: f64,
    /// Leases present both 0.5 s and 1.5 s after Redis resumed (mode d): held by requests
    /// nobody will finish (a live one lasts milliseconds).
    stuck_leases: usize,
}

/// Redis's `INFO`: script calls so far and CPU seconds used.
fn redis_counters(redis: &RedisServer) -> (u64, f64) {
    let mut con = redis.connection();
    let info: String = redis::cmd("INFO").arg("all").query(&mut con).unwrap();
    let mut calls = 0;
    let mut cpu = 0.0;
    for line in info.lines() {
        if let Some(rest) = line
            .strip_prefix("cmdstat_evalsha:calls=")
            .or_else(|| line.strip_prefix("cmdstat_eval:calls="))
        {
            calls += rest
                .split(',')
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0);
        }
        if let Some(v) = line
            .strip_prefix("used_cpu_user:")
            .or_else(|| line.strip_prefix("used_cpu_sys:"))
        {
            cpu += v.trim().parse::<f64>().unwrap_or(0.0);
        }
    }
    (calls, cpu)
}

/// The lease ids in the org's in-flight set now.
fn in_flight_ids(redis: &RedisServer) -> Vec<String> {
    redis
        .dump()
        .into_iter()
        .filter(|(k, _)| k.ends_with(":in-flight"))
        .flat_map(|(_, v)| {
            v.split(' ')
                .step_by(2)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|id| !id.is_empty())
        .collect()
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
    let windows_needed = user_calls().div_ceil(100) as u32;
    let aligned_minimum =
        to_first_boundary + Duration::from_secs(1) * windows_needed.saturating_sub(2);
    let started = Instant::now();
    let before = (mode != Mode::Local).then(|| redis_counters(redis));
    let children: Vec<_> = (0..workers())
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
    let mut stuck_leases = 0;
    if mode == Mode::SharedRedisStopped {
        std::thread::sleep(minimum / 3);
        redis.stop();
        std::thread::sleep(minimum / 3);
        redis.restart();
    }
    if mode == Mode::SharedRedisPaused {
        std::thread::sleep(minimum / 3);
        redis.pause();
        std::thread::sleep(minimum / 3);
        redis.resume();
        std::thread::sleep(Duration::from_millis(500));
        let first = in_flight_ids(redis);
        std::thread::sleep(Duration::from_secs(1));
        let second = in_flight_ids(redis);
        stuck_leases = first.iter().filter(|id| second.contains(id)).count();
    }
    let (mut ok, mut failed, mut fell_back) = (0, 0, 0);
    for child in children {
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let mut words = text.split_whitespace().map(|w| w.parse::<usize>().unwrap());
        ok += words.next().unwrap();
        failed += words.next().unwrap();
        fell_back += words.next().unwrap();
    }
    // Counters of a restarted Redis start again at zero: only a run without a restart counts.
    let (script_calls, redis_cpu_ms) = match before {
        Some((calls, cpu)) if mode != Mode::SharedRedisStopped => {
            let (calls_after, cpu_after) = redis_counters(redis);
            (
                calls_after.saturating_sub(calls) as f64 / ok.max(1) as f64,
                (cpu_after - cpu) * 1e3 / ok.max(1) as f64 * 1e3,
            )
        }
        _ => (f64::NAN, f64::NAN),
    };
    let elapsed = started.elapsed();
    let by_window = stats.bucket_429s_by_window.lock().unwrap();
    let completions = stats.completions.lock().unwrap();
    Outcome {
        elapsed,
        aligned_minimum,
        ok,
        failed,
        bucket_429s: stats.bucket_429s.load(Ordering::SeqCst),
        // Each bucket used has a window per second of the run.
        windows: if one_bucket() { 1 } else { 2 } * elapsed.as_secs_f64().ceil() as u64,
        worst_window: by_window.values().copied().max().unwrap_or(0),
        concurrency_429s: stats.concurrency_429s.load(Ordering::SeqCst),
        exactly_once: completions.len() == CALLS && completions.values().all(|n| *n == 1),
        fell_back,
        script_calls,
        redis_cpu_ms,
        stuck_leases,
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

const HEADER: [&str; 14] = [
    "mode",
    "time",
    "× min",
    "× aligned",
    "bucket 429s",
    "per window",
    "worst",
    "concurrency",
    "failed",
    "once",
    "fell back",
    "script/req",
    "cpu ms/1k",
    "stuck",
];

fn print_row(name: &str, o: &Outcome, minimum: Duration) {
    println!(
        "{:<28} {:>7.2}s {:>6.2} {:>9.2} {:>11} {:>10.2} {:>6} {:>11} {:>6} {:>5} {:>9} {:>10.2} {:>9.1} {:>5}",
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
        o.fell_back,
        o.script_calls,
        o.redis_cpu_ms,
        o.stuck_leases,
    );
}

/// How long after a killed Redis is back (answering `PING` again) one client with the default
/// settings (probes every second) is on the shared budget again, calling all along.
fn return_time(rt: &tokio::runtime::Runtime, redis: &mut RedisServer) -> Duration {
    let (base, _) = rt.block_on(okta_sim::start(rules()));
    let client = client(&base, Some(&redis.url()));
    let on_shared = |client: &Client| {
        let snapshot = rt.block_on(client.rate_limit_snapshot());
        snapshot
            .iter()
            .any(|b| b.source == okta_client::BudgetSource::Shared)
    };
    let mut i = 0;
    let mut next = || {
        i += 2;
        i
    };
    for _ in 0..5 {
        rt.block_on(call(&client, next())).unwrap();
    }
    assert!(on_shared(&client));
    redis.stop();
    // Calls until the client has tripped into its fallback, then a while on it.
    let down = Instant::now();
    while on_shared(&client) || down.elapsed() < Duration::from_millis(1_500) {
        rt.block_on(call(&client, next())).unwrap();
        std::thread::sleep(Duration::from_millis(10));
    }
    redis.restart();
    let back = Instant::now();
    while !on_shared(&client) {
        rt.block_on(call(&client, next())).unwrap();
        std::thread::sleep(Duration::from_millis(10));
    }
    back.elapsed()
}

fn main() {
    if let Ok(w) = std::env::var("SHARED_BUDGET_WORKER") {
        return worker(w.parse().unwrap());
    }
    // `cargo bench` passes `--bench`; the rest is `[mode [runs]]`.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut redis = RedisServer::start();
    let minimum = Duration::from_secs_f64(user_calls() as f64 / 100.0);
    println!(
        "{CALLS} calls from {} processes × {} tasks; buckets of {USERS_LIMIT} and \
         {GROUP_LIMIT} per 1 s window, {PRINCIPAL_SHARE} per principal; {CONCURRENCY} in flight \
         org-wide; minimum {:.2} s",
        workers(),
        tasks(),
        minimum.as_secs_f64()
    );
    println!(
        "{:<28} {:>8} {:>6} {:>9} {:>11} {:>10} {:>6} {:>11} {:>6} {:>5} {:>9} {:>10} {:>9} {:>5}",
        HEADER[0],
        HEADER[1],
        HEADER[2],
        HEADER[3],
        HEADER[4],
        HEADER[5],
        HEADER[6],
        HEADER[7],
        HEADER[8],
        HEADER[9],
        HEADER[10],
        HEADER[11],
        HEADER[12],
        HEADER[13]
    );
    let modes = [
        ("a", "a) shared budget", Mode::Shared),
        ("b", "b) four local governors", Mode::Local),
        ("c", "c) shared, Redis killed 1/3", Mode::SharedRedisStopped),
        ("d", "d) shared, Redis paused 1/3", Mode::SharedRedisPaused),
    ];
    if args.first().map(String::as_str) == Some("return") {
        let runs: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(10);
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let t = return_time(&rt, &mut redis);
                println!(
                    "back on the shared budget {:.3} s after Redis",
                    t.as_secs_f64()
                );
                t
            })
            .collect();
        times.sort();
        println!(
            "{runs} runs: worst {:.3} s, median {:.3} s",
            times[runs - 1].as_secs_f64(),
            times[runs / 2].as_secs_f64()
        );
        return;
    }
    if let Some(which) = args.first() {
        let (_, name, mode) = *modes
            .iter()
            .find(|(m, _, _)| m == which)
            .unwrap_or_else(|| panic!("mode {which:?}: one of a, b, c, d"));
        let runs: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(10);
        let mut outcomes = Vec::new();
        for _ in 0..runs {
            let o = run(&rt, mode, &mut redis, minimum);
            print_row(name, &o, minimum);
            outcomes.push(o);
        }
        let mut times: Vec<f64> = outcomes
            .iter()
            .map(|o| o.elapsed.as_secs_f64() / minimum.as_secs_f64())
            .collect();
        times.sort_by(f64::total_cmp);
        let met = outcomes
            .iter()
            .filter(|o| {
                o.exactly_once
                    && o.ok == CALLS
                    && o.elapsed.as_secs_f64() / minimum.as_secs_f64() <= 1.3
                    && o.stuck_leases == 0
            })
            .count();
        println!(
            "{runs} runs: × min worst {:.2}, median {:.2}; {met} of {runs} met every call once, \
             ≤ 1.3× the minimum and no stuck lease",
            times[times.len() - 1],
            times[times.len() / 2]
        );
        return;
    }
    for (_, name, mode) in modes {
        let o = run(&rt, mode, &mut redis, minimum);
        print_row(name, &o, minimum);
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
