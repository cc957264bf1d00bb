//! Rate limits: 2,000 calls from 32 tasks against a server that enforces Okta-style buckets in
//! one-second windows (Okta's are a minute) and a limit on requests in flight, with the
//! governor off (retry-only) and on. Reports the 429s received, the completion time against
//! the minimum the buckets allow, and whether every call completed exactly once.
//!
//! Two minimums: calls / rate (1,000 calls of the slower bucket at 100 a second: 10 s), and
//! the aligned minimum of each run: windows start on whole seconds, so the run's first window
//! is partial and the last call can go at the start of the tenth window, 8 to 9 s in.
//! `cargo bench -p tests --bench rate_limit`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use okta_client::{Client, RateLimitConfig, RetryConfig};
use tests::okta_sim;

const CALLS: usize = 2_000;
const TASKS: usize = 32;
/// Requests per one-second window: list users (even calls) and get a group (odd calls).
const USERS_LIMIT: u64 = 100;
const GROUP_LIMIT: u64 = 200;
/// Requests in flight before the server answers a concurrency 429 (Okta's 75, scaled to the
/// 32 tasks so that it binds).
const CONCURRENCY: u64 = 20;

struct Outcome {
    elapsed: Duration,
    /// The least time the buckets allow from this run's start: the windows start on whole
    /// seconds, so the first one is partial and the slower bucket's last call can go at the
    /// start of its last window.
    aligned_minimum: Duration,
    ok_calls: usize,
    failed_calls: usize,
    bucket_429s: u64,
    concurrency_429s: u64,
    windows_with_429s: usize,
    worst_window: u64,
    exactly_once: bool,
}

fn rules() -> okta_sim::Rules {
    okta_sim::Rules {
        window_secs: 1,
        limits: HashMap::from([
            ("GET /api/v1/users".to_string(), USERS_LIMIT),
            ("GET /api/v1/groups/{id}".to_string(), GROUP_LIMIT),
        ]),
        default_limit: 1,
        concurrency: CONCURRENCY,
        principal_share: 1.0,
        service: Duration::from_millis(5),
    }
}

async fn run(governor: RateLimitConfig) -> Outcome {
    let (base, stats) = okta_sim::start(rules()).await;
    // Retries enough for every call to finish in both modes; the defaults otherwise.
    let client = Client::builder(&base)
        .api_token("bench-token")
        .retry(
            RetryConfig::default()
                .max_retries(1_000)
                .max_total_wait(Duration::from_secs(600)),
        )
        .rate_limit(governor)
        .build()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let to_first_boundary = Duration::from_secs(since_epoch.as_secs() + 1) - since_epoch;
    let windows = (CALLS / 2).div_ceil(USERS_LIMIT.min(GROUP_LIMIT) as usize) as u32;
    let aligned_minimum = to_first_boundary + Duration::from_secs(1) * windows.saturating_sub(2);
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let client = client.clone();
            let next = next.clone();
            tokio::spawn(async move {
                let (mut ok, mut failed) = (0, 0);
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= CALLS {
                        return (ok, failed);
                    }
                    let result = if i.is_multiple_of(2) {
                        client
                            .user()
                            .list_users()
                            .customize()
                            .query("call", i)
                            .send()
                            .await
                            .map(drop)
                    } else {
                        client
                            .group()
                            .get_group(format!("g{i}"))
                            .send()
                            .await
                            .map(drop)
                    };
                    match result {
                        Ok(()) => ok += 1,
                        Err(e) => {
                            eprintln!("call {i} failed: {e}");
                            failed += 1;
                        }
                    }
                }
            })
        })
        .collect();
    let (mut ok_calls, mut failed_calls) = (0, 0);
    for t in tasks {
        let (ok, failed) = t.await.unwrap();
        ok_calls += ok;
        failed_calls += failed;
    }
    let elapsed = started.elapsed();
    let by_window = stats.bucket_429s_by_window.lock().unwrap();
    let completions = stats.completions.lock().unwrap();
    Outcome {
        elapsed,
        aligned_minimum,
        ok_calls,
        failed_calls,
        bucket_429s: stats.bucket_429s.load(Ordering::SeqCst),
        concurrency_429s: stats.concurrency_429s.load(Ordering::SeqCst),
        windows_with_429s: by_window.len(),
        worst_window: by_window.values().copied().max().unwrap_or(0),
        exactly_once: completions.len() == CALLS && completions.values().all(|n| *n == 1),
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // The slower bucket sets the pace: its calls divided by its rate.
    let minimum = Duration::from_secs_f64((CALLS / 2) as f64 / USERS_LIMIT.min(GROUP_LIMIT) as f64);
    println!(
        "{CALLS} calls from {TASKS} tasks; buckets of {USERS_LIMIT} and {GROUP_LIMIT} per 1 s window, \
         {CONCURRENCY} in flight; minimum {:.2} s",
        minimum.as_secs_f64()
    );
    println!(
        "{:<12} {:>9} {:>7} {:>12} {:>13} {:>16} {:>12} {:>8} {:>14}",
        "mode",
        "time (s)",
        "× min",
        "bucket 429s",
        "windows w/429",
        "worst window 429",
        "conc. 429s",
        "failed",
        "exactly once"
    );
    for (name, config) in [
        ("retry-only", RateLimitConfig::disabled()),
        ("governor", RateLimitConfig::default()),
    ] {
        let o = rt.block_on(run(config));
        println!(
            "{:<12} {:>9.2} {:>7.3} {:>9.3} {:>12} {:>13} {:>16} {:>12} {:>8} {:>14}",
            name,
            o.elapsed.as_secs_f64(),
            o.elapsed.as_secs_f64() / minimum.as_secs_f64(),
            o.elapsed.as_secs_f64() / o.aligned_minimum.as_secs_f64(),
            o.bucket_429s,
            o.windows_with_429s,
            o.worst_window,
            o.concurrency_429s,
            o.failed_calls,
            if o.exactly_once && o.ok_calls == CALLS {
                "yes"
            } else {
                "NO"
            },
        );
    }
}
