//! The event hook receiver (`okta_client::hooks`) against real parts: Okta's side played by
//! `tests::okta_hooks` over HTTP on 127.0.0.1 (deliveries with Okta's retry, verification, the
//! System Log and the Event Hooks API), the receiver served by axum, and a real `redis-server`
//! for replicas. The typed System Log event is in `model`.

mod example;
// The example program itself, run by `example` against an org on 127.0.0.1.
#[path = "../../../generated/examples/event_hook_receiver.rs"]
#[allow(dead_code)] // its `main` is the example's, not the test's
mod example_program;
mod model;
mod receiver;
mod reconcile;
mod recorded;
mod register;
mod replicas;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use okta_client::hooks::{EventHookReceiver, EventSink, SinkError, SinkFuture, Source};
use okta_client::log_event::LogEvent;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const HEADER: &str = "Authorization";
const SECRET: &str = "hook-secret-7f3a9c1e5b";
const PATH: &str = "/okta/events";

/// A receiver served by axum on 127.0.0.1; dropping it (or [`stop`](Self::stop)) closes the
/// port.
struct Served {
    addr: String,
    task: JoinHandle<()>,
}

impl Served {
    async fn start(receiver: &EventHookReceiver) -> Served {
        Served::on(receiver, "127.0.0.1:0").await
    }

    async fn on(receiver: &EventHookReceiver, addr: &str) -> Served {
        let listener = TcpListener::bind(addr).await.expect("bind");
        let addr = listener.local_addr().unwrap().to_string();
        let app = receiver.router(PATH);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Served { addr, task }
    }

    fn uri(&self) -> String {
        format!("http://{}{PATH}", self.addr)
    }

    /// Stops serving and waits until the port is closed.
    async fn stop(&mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A sink that records what it stores, and fails while told to.
#[derive(Clone, Default)]
struct Recorder {
    stored: Arc<Mutex<Vec<(String, Source)>>>,
    failing: Arc<std::sync::atomic::AtomicBool>,
    delay: Arc<Mutex<Duration>>,
}

impl Recorder {
    fn uuids(&self) -> Vec<String> {
        self.stored
            .lock()
            .unwrap()
            .iter()
            .map(|(u, _)| u.clone())
            .collect()
    }

    fn from(&self, source: Source) -> Vec<String> {
        self.stored
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, s)| *s == source)
            .map(|(u, _)| u.clone())
            .collect()
    }

    /// Waits until `n` events are stored (at most `within`).
    async fn wait_for(&self, n: usize, within: Duration) {
        let start = Instant::now();
        while self.stored.lock().unwrap().len() < n {
            assert!(
                start.elapsed() < within,
                "only {} of {n} events arrived: {:?}",
                self.stored.lock().unwrap().len(),
                self.uuids()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl EventSink for Recorder {
    fn deliver<'a>(&'a self, events: &'a [LogEvent], source: Source) -> SinkFuture<'a> {
        Box::pin(async move {
            let delay = *self.delay.lock().unwrap();
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(SinkError("the store is down".into()));
            }
            let mut stored = self.stored.lock().unwrap();
            for e in events {
                stored.push((e.uuid().unwrap_or("").to_string(), source));
            }
            Ok(())
        })
    }
}

/// How many times each value appears.
fn counts(items: &[String]) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for i in items {
        *out.entry(i.clone()).or_default() += 1;
    }
    out
}

/// `n` events of `event_type` named `{prefix}-{i}`, published now.
fn events(prefix: &str, n: usize, event_type: &str) -> Vec<Value> {
    let now = tests::okta_hooks::iso(std::time::SystemTime::now());
    (0..n)
        .map(|i| tests::okta_hooks::event(&format!("{prefix}-{i}"), event_type, &now))
        .collect()
}

/// Posts `body` as Okta retries it: again after a 503 (up to 50 times, 100 ms apart); the
/// statuses, the last a `200` unless it never came.
async fn post_until_accepted(addr: &str, body: &[u8]) -> Vec<Option<u16>> {
    let mut statuses = Vec::new();
    for _ in 0..50 {
        let status = tests::okta_hooks::post(addr, PATH, &[&auth()], body).await;
        statuses.push(status);
        if status != Some(503) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    statuses
}

fn auth() -> String {
    format!("{HEADER}: {SECRET}")
}
