//! The event hook receiver under load: (a) deliveries per second of 100-event batches through
//! the axum Router on 127.0.0.1, and the acknowledgement latency (p50, p99) senders see at
//! that rate; (b) memory under a burst of ten times what a slow consumer takes, with the
//! bounded queue, and what became of every delivery (acknowledged, refused with 503 and retried
//! until accepted; each event consumed exactly once).
//!
//! `cargo bench -p tests --bench event_hooks` (a plain binary, `harness = false`).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use okta_client::hooks::EventHookReceiver;
use tests::okta_hooks::{delivery, event, iso};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SECRET: &str = "bench-hook-secret";
const PATH: &str = "/okta/events";
const BATCH: usize = 100;
/// Connections sending at once (Okta delivers a hook's events in order, from a few at a time).
const SENDERS: usize = 4;
const RUN: Duration = Duration::from_secs(6);

/// Delivery bodies of `BATCH` realistic events with new `uuid`s each, made by writing a
/// counter into a template (so that making them costs the senders next to nothing).
struct Bodies {
    template: Vec<u8>,
    /// Where each event's 12-digit counter starts.
    slots: Vec<usize>,
    next: usize,
}

impl Bodies {
    fn new(prefix: &str) -> Bodies {
        let now = iso(SystemTime::now());
        let events: Vec<_> = (0..BATCH)
            .map(|i| {
                event(
                    &format!("{prefix}-{i:03}-############"),
                    "user.lifecycle.create",
                    &now,
                )
            })
            .collect();
        let template = delivery(&events).to_string().into_bytes();
        let slots = template
            .windows(12)
            .enumerate()
            .filter(|(_, w)| *w == b"############")
            .map(|(i, _)| i)
            .collect::<Vec<_>>();
        assert_eq!(slots.len(), BATCH);
        Bodies {
            template,
            slots,
            next: 0,
        }
    }

    fn next(&mut self) -> Vec<u8> {
        let mut body = self.template.clone();
        let digits = format!("{:012}", self.next);
        self.next += 1;
        for &at in &self.slots {
            body[at..at + 12].copy_from_slice(digits.as_bytes());
        }
        body
    }
}

/// One keep-alive HTTP/1.1 connection posting deliveries.
struct Conn {
    sock: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: &str) -> Conn {
        let sock = TcpStream::connect(addr).await.expect("connect");
        sock.set_nodelay(true).unwrap();
        Conn {
            sock,
            buf: Vec::with_capacity(4096),
        }
    }

    /// Posts `body`; the status.
    async fn post(&mut self, body: &[u8]) -> u16 {
        let head = format!(
            "POST {PATH} HTTP/1.1\r\nHost: bench\r\nAuthorization: {SECRET}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        self.sock.write_all(head.as_bytes()).await.unwrap();
        self.sock.write_all(body).await.unwrap();
        self.buf.clear();
        let mut chunk = [0u8; 4096];
        loop {
            let n = self.sock.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the receiver closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map(|v| v.trim().parse().unwrap())
                    .unwrap_or(0);
                while self.buf.len() < end + 4 + length {
                    let n = self.sock.read(&mut chunk).await.unwrap();
                    assert!(n > 0);
                    self.buf.extend_from_slice(&chunk[..n]);
                }
                return head.split(' ').nth(1).unwrap().parse().unwrap();
            }
        }
    }
}

async fn serve(receiver: &EventHookReceiver) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let app = receiver.router(PATH);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// Peak and current resident memory of this process, in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// (a): as fast as `SENDERS` connections can post, a consumer acknowledging each batch at once.
async fn throughput() {
    let (receiver, mut queue) = EventHookReceiver::builder("Authorization", SECRET)
        .queue(1024)
        .unwrap();
    let addr = serve(&receiver).await;
    let consumed = Arc::new(AtomicUsize::new(0));
    let c = consumed.clone();
    tokio::spawn(async move {
        while let Some(batch) = queue.recv().await {
            c.fetch_add(batch.events().len(), Ordering::Relaxed);
            batch.ack().await;
        }
    });
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let tasks: Vec<_> = (0..SENDERS)
        .map(|s| {
            let addr = addr.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut bodies = Bodies::new(&format!("t{s}"));
                let mut conn = Conn::open(&addr).await;
                let mut latencies = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let b = bodies.next();
                    let t = Instant::now();
                    let status = conn.post(&b).await;
                    latencies.push(t.elapsed());
                    assert_eq!(status, 200);
                }
                latencies
            })
        })
        .collect();
    tokio::time::sleep(RUN).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed();
    latencies.sort();
    let deliveries = latencies.len();
    println!(
        "(a) {SENDERS} connections, {BATCH}-event deliveries: {deliveries} in {:.2} s = {:.0} deliveries/s ({:.0} events/s); ack latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        elapsed.as_secs_f64(),
        deliveries as f64 / elapsed.as_secs_f64(),
        (deliveries * BATCH) as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );
    let (peak, now) = memory();
    println!("    memory: peak {peak:.0} MiB, now {now:.0} MiB");
}

/// (b): a consumer taking `rate` deliveries per second, and senders offering ten times that
/// for `burst`; a delivery refused with 503 is sent once more a second later, as Okta retries,
/// and then left to reconciliation (counted here).
async fn burst(capacity: usize, rate: u64, burst: Duration) {
    let (receiver, mut queue) = EventHookReceiver::builder("Authorization", SECRET)
        .queue(capacity)
        .unwrap();
    let addr = serve(&receiver).await;
    let seen = Arc::new(Mutex::new((0usize, HashSet::new())));
    let s = seen.clone();
    let per_batch = Duration::from_micros(1_000_000 / rate);
    let max_depth = Arc::new(AtomicUsize::new(0));
    let md = max_depth.clone();
    tokio::spawn(async move {
        while let Some(batch) = queue.recv().await {
            md.fetch_max(queue.depth() + 1, Ordering::Relaxed);
            tokio::time::sleep(per_batch).await;
            {
                let mut s = s.lock().unwrap();
                for e in batch.events() {
                    s.0 += 1;
                    s.1.insert(e.uuid().unwrap().to_string());
                }
            }
            batch.ack().await;
        }
    });
    let offered = (rate * 10) as usize * burst.as_secs() as usize;
    let (peak_before, _) = memory();
    let interval = Duration::from_micros(1_000_000 / (rate * 10));
    let (accepted, retried, left) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let start = Instant::now();
    let mut bodies = Bodies::new("burst");
    let mut tasks = Vec::new();
    for i in 0..offered {
        let b = bodies.next();
        tokio::time::sleep_until((start + interval * i as u32).into()).await;
        let addr = addr.clone();
        let (accepted, retried, left) = (accepted.clone(), retried.clone(), left.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(&addr).await;
            for attempt in 0..2 {
                match conn.post(&b).await {
                    200 => {
                        accepted.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    503 if attempt == 0 => {
                        retried.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    503 => {
                        left.fetch_add(1, Ordering::Relaxed);
                    }
                    other => panic!("status {other}"),
                }
            }
        }));
    }
    let (peak_burst, _) = memory();
    for t in tasks {
        t.await.unwrap();
    }
    let accepted = accepted.load(Ordering::Relaxed);
    while seen.lock().unwrap().0 < accepted * BATCH {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (total, unique) = {
        let s = seen.lock().unwrap();
        (s.0, s.1.len())
    };
    println!(
        "(b) queue of {capacity} deliveries, a consumer taking {rate}/s, {}/s offered for {} s ({offered} deliveries of {BATCH} events): {accepted} acknowledged ({} after Okta's one retry), {} refused twice (left to reconciliation); queue depth max {}; {total} events consumed, {unique} distinct; drained after {:.1} s",
        rate * 10,
        burst.as_secs(),
        retried.load(Ordering::Relaxed) - left.load(Ordering::Relaxed),
        left.load(Ordering::Relaxed),
        max_depth.load(Ordering::Relaxed),
        start.elapsed().as_secs_f64(),
    );
    assert_eq!(total, accepted * BATCH, "every acknowledged event consumed");
    assert_eq!(unique, total, "none twice");
    println!(
        "    peak resident memory: {peak_before:.0} MiB before the burst, {peak_burst:.0} MiB by its end, {:.0} MiB after draining",
        memory().0
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        throughput().await;
        burst(64, 20, Duration::from_secs(3)).await;
    });
}
