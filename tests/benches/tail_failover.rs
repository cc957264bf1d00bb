//! The System Log tailer's failovers: two replicas (`src/bin/lease_holder.rs`, separate OS
//! processes) tail an endless System Log (`tests::tail_fault`) under one lease in a real
//! `redis-server`, with a ttl of 3 s, delivering, "processing" (2 ms) and acknowledging every
//! fifth event. The holder is then either paused (`SIGSTOP`) until the standby has taken over
//! and acknowledged 20 times, and continued (`SIGCONT`), or killed (`SIGKILL`). 10 runs of each.
//!
//! Reported per run: the takeover time (from the signal to the standby's take, as its journal
//! line shows, polled every 10 ms), acknowledged events delivered again by any replica, and
//! events skipped. Target: no acknowledged event delivered again, none skipped, and a takeover
//! within the ttl and a third (4 s: the lease expires at most a ttl after the holder's last
//! confirmation, and a standby asks every third of it).
//!
//! `cargo bench -p tests --bench tail_failover` (needs `redis-server` on the PATH).

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use tests::bench_server;
use tests::redis_server::RedisServer;
use tests::tail_fault::{self, read_journal, Entry};

const RUNS: usize = 10;
const TTL: Duration = Duration::from_secs(3);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Pause,
    Kill,
}

struct Run {
    takeover: Duration,
    redelivered: usize,
    skipped: usize,
    acknowledged: usize,
}

fn signal(pid: u32, signal: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "kill -{signal} {pid}");
}

fn replica(redis: &RedisServer, log: &str, journal: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_lease_holder"))
        .env("LEASE_REDIS", redis.url())
        .env("LEASE_LOG", log)
        .env("LEASE_JOURNAL", journal)
        .env("LEASE_TTL_MS", TTL.as_millis().to_string())
        .env("LEASE_WORK_MS", "2")
        .env("LEASE_ACK_EVERY", "5")
        .spawn()
        .expect("a replica")
}

/// Waits until the last replica to take the lease, other than `not`, has acknowledged `acks`
/// times since; returns it and when its take was first seen.
fn holder(journal: &Path, not: Option<u32>, acks: usize) -> (u32, Instant) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen: Option<(u32, Instant)> = None;
    loop {
        let entries = read_journal(journal);
        if let Some(i) = entries
            .iter()
            .rposition(|e| matches!(e, Entry::Took { pid, .. } if Some(*pid) != not))
        {
            let pid = entries[i].pid();
            let at = match seen {
                Some((p, at)) if p == pid => at,
                _ => Instant::now(),
            };
            seen = Some((pid, at));
            let since = entries[i..]
                .iter()
                .filter(|e| matches!(e, Entry::Acked { pid: p, .. } if *p == pid))
                .count();
            if since >= acks {
                return (pid, at);
            }
        }
        assert!(
            Instant::now() < deadline,
            "no replica took over within 30 s"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn run(rt: &tokio::runtime::Runtime, mode: Mode, n: usize) -> Run {
    let redis = RedisServer::start();
    let log = rt.block_on(bench_server::start(tail_fault::handler(20)));
    let journal: PathBuf =
        std::env::temp_dir().join(format!("okta-tail-failover-{}-{n}", std::process::id()));
    let _ = std::fs::remove_file(&journal);
    let mut replicas = vec![
        replica(&redis, &log, &journal),
        replica(&redis, &log, &journal),
    ];
    let (first, _) = holder(&journal, None, 50);
    let signalled = Instant::now();
    signal(first, if mode == Mode::Pause { "STOP" } else { "KILL" });
    let (_, took) = holder(&journal, Some(first), 20);
    let takeover = took - signalled;
    if mode == Mode::Pause {
        signal(first, "CONT");
    }
    // Both go on for a while: the continued one must not deliver what the other acknowledged.
    std::thread::sleep(Duration::from_secs(1));
    for r in &mut replicas {
        let _ = r.kill();
        let _ = r.wait();
    }
    let found = tail_fault::check(&read_journal(&journal));
    let _ = std::fs::remove_file(&journal);
    Run {
        takeover,
        redelivered: found.redelivered.len(),
        skipped: found.gaps.len(),
        acknowledged: found.acknowledged,
    }
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs nothing here.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let target = TTL + TTL / 3;
    println!("| failover | runs | takeover: median / worst | acknowledged events delivered again: median / worst | skipped (worst) | runs meeting the target |");
    println!("|---|---|---|---|---|---|");
    for mode in [Mode::Pause, Mode::Kill] {
        let runs: Vec<Run> = (0..RUNS)
            .map(|n| {
                let r = run(&rt, mode, n);
                eprintln!(
                    "{mode:?} run {n}: takeover {}, {} acknowledged events delivered again, {} skipped, {} acknowledged",
                    secs(r.takeover),
                    r.redelivered,
                    r.skipped,
                    r.acknowledged
                );
                r
            })
            .collect();
        let mut takeovers: Vec<Duration> = runs.iter().map(|r| r.takeover).collect();
        takeovers.sort();
        let mut again: Vec<usize> = runs.iter().map(|r| r.redelivered).collect();
        again.sort();
        let met = runs
            .iter()
            .filter(|r| r.redelivered == 0 && r.skipped == 0 && r.takeover <= target)
            .count();
        println!(
            "| {} | {RUNS} | {} / {} | {} / {} | {} | {met} of {RUNS} |",
            match mode {
                Mode::Pause =>
                    "holder paused (SIGSTOP) until the standby took over, then continued",
                Mode::Kill => "holder killed (SIGKILL)",
            },
            secs((takeovers[RUNS / 2 - 1] + takeovers[RUNS / 2]) / 2),
            secs(takeovers[RUNS - 1]),
            (again[RUNS / 2 - 1] + again[RUNS / 2]) as f64 / 2.0,
            again[RUNS - 1],
            runs.iter().map(|r| r.skipped).max().unwrap_or(0),
        );
    }
}
