//! Ships the org's System Log to a sink that records the tailer's checkpoint in the same
//! transaction as the events: what is in the sink and what the checkpoint says was
//! acknowledged can never disagree, across a takeover, a crash, or a Redis restarted empty.
//!
//! ```sh
//! OKTA_CLIENT_ORGURL=https://example.okta.com OKTA_CLIENT_TOKEN=00abc… \
//! REDIS_URL=redis://127.0.0.1:6379/0 \
//!     cargo run -p okta-client --features redis --example tail_sink_transaction
//! ```
//!
//! The sink here is one JSON file (`system-log.shipped.json`): the shipped events, the
//! checkpoint and the highest fencing token, replaced as a whole under a lock at every
//! acknowledgement, so that one write is the transaction. That keeps the example free of a
//! database, and rewrites the whole file each time: it shows the pattern, not a way to keep a
//! large log. In a database the same steps are one transaction:
//!
//! ```sql
//! BEGIN;
//! SELECT token FROM tail_checkpoint WHERE name = 'audit' FOR UPDATE;  -- refuse if > $token
//! INSERT INTO events …;                                               -- the staged events
//! UPDATE tail_checkpoint SET token = $token, checkpoint = $json WHERE name = 'audit';
//! COMMIT;
//! ```
//!
//! Events delivered by the tailer are staged in memory; [`CheckpointStore::save`], called by
//! `ack()`, writes them with the checkpoint. A holder that lost the lease (its token is below
//! the sink's) writes nothing, and its staged events are delivered again by the new holder.
//! (`File::lock` needs Rust 1.89; okta-client itself builds with 1.88.)

// The example needs `File::lock` (Rust 1.89), the library does not.
#![allow(clippy::incompatible_msrv)]

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use okta_client::log_event::LogEvent;
use okta_client::system_log::{
    Checkpoint, CheckpointStore, StoreError, StoreFuture, TailCheckpoint, TailLease,
};
use okta_client::Client;
use serde_json::Value;

/// What the sink's file holds.
#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct Contents {
    /// The highest fencing token that claimed or wrote the sink.
    pub token: u64,
    pub checkpoint: Option<TailCheckpoint>,
    /// The shipped events, in the order they were acknowledged.
    pub events: Vec<Value>,
}

/// A sink that is also the tailer's checkpoint store; clones share it.
#[derive(Clone, Debug)]
pub struct Shipped {
    path: PathBuf,
    /// Delivered, not yet written: they go with the next acknowledgement.
    staged: Arc<Mutex<Vec<Value>>>,
}

impl Shipped {
    /// The sink in the file at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Shipped {
        Shipped {
            path: path.into(),
            staged: Arc::default(),
        }
    }

    /// Ships `event` with the next acknowledgement.
    pub fn stage(&self, event: &LogEvent) {
        // The event exactly as the System Log wrote it (valid JSON: it was decoded from it).
        let raw = serde_json::from_str(event.raw().get()).unwrap_or(Value::Null);
        self.staged.lock().unwrap().push(raw);
    }

    /// What the sink holds now.
    pub fn contents(&self) -> Result<Contents, StoreError> {
        read(&self.path)
    }

    /// Runs `change` on the contents and the staged events under the lock, in a thread that
    /// may block, and writes the contents back when it asks to.
    async fn update<T: Send + 'static>(
        &self,
        change: impl FnOnce(&mut Contents, &mut Vec<Value>) -> Result<(bool, T), StoreError>
            + Send
            + 'static,
    ) -> Result<T, StoreError> {
        let (path, staged) = (self.path.clone(), self.staged.clone());
        tokio::task::spawn_blocking(move || {
            let lock = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(path.with_extension("lock"))?;
            lock.lock()?;
            let mut contents = read(&path)?;
            let mut staged = staged.lock().unwrap();
            let mut next = std::mem::take(&mut *staged);
            let before = next.clone();
            let result = change(&mut contents, &mut next);
            let out = match result {
                Ok((true, out)) => write_atomically(&path, &serde_json::to_vec(&contents)?)
                    .map(|()| out)
                    .map_err(StoreError::from),
                Ok((false, out)) => Ok(out),
                Err(e) => Err(e),
            };
            // Unless they were written or dropped for a newer holder, the events stay staged.
            if out.is_err() {
                *staged = before;
            }
            out
        })
        .await?
    }
}

fn read(path: &Path) -> Result<Contents, StoreError> {
    match fs::read(path) {
        Ok(bytes) => Ok(serde_json::from_slice(&bytes)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Contents::default()),
        Err(e) => Err(e.into()),
    }
}

/// Replaces the file at `path` with `bytes`: a crash leaves the old file or the new one.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = path.with_extension("tmp");
    let mut file = File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&temporary, path)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

impl CheckpointStore for Shipped {
    fn claim(&self, token: u64) -> StoreFuture<'_, Option<TailCheckpoint>> {
        Box::pin(self.update(move |contents, staged| {
            if contents.token > token {
                return Err(format!(
                    "fencing token {token} is below the sink's {}",
                    contents.token
                )
                .into());
            }
            // A new holder: what an earlier one staged is delivered again.
            staged.clear();
            contents.token = token;
            Ok((true, contents.checkpoint.clone()))
        }))
    }

    fn save<'a>(&'a self, token: u64, checkpoint: &'a TailCheckpoint) -> StoreFuture<'a, bool> {
        let checkpoint = checkpoint.clone();
        Box::pin(self.update(move |contents, staged| {
            if contents.token > token {
                // A newer holder writes now; it delivers these events again.
                staged.clear();
                return Ok((false, false));
            }
            contents.token = token;
            contents.events.append(staged);
            contents.checkpoint = Some(checkpoint);
            Ok((true, true))
        }))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into());
    let sink = Shipped::new("system-log.shipped.json");
    let lease = TailLease::new(redis, "okta", "audit-shipper").checkpoint_store(sink.clone());
    loop {
        // Standby replicas wait here.
        let mut events = client.log_tailer().lease(lease.clone()).await?;
        while let Some(event) = events.next().await {
            match event {
                Ok(event) => sink.stage(&event),
                Err(e) => eprintln!("{e}"),
            }
            // Every 100 events in a real shipper; here every event.
            match events.ack().await {
                Checkpoint::Saved => {}
                Checkpoint::LeaseLost => break,
                other => eprintln!("not shipped yet ({other:?}); retried with the next event"),
            }
        }
        eprintln!("the lease went to another replica; standing by");
    }
}
