//! Tails the org's System Log in one replica at a time (the lease in Redis), keeping the
//! tailer's checkpoint in a file instead of Redis: a Redis restarted empty then costs no event
//! delivered again. Run it in several terminals (or hosts sharing the file's directory) to see
//! one replica tail and the others stand by.
//!
//! ```sh
//! OKTA_CLIENT_ORGURL=https://example.okta.com OKTA_CLIENT_TOKEN=00abc… \
//! REDIS_URL=redis://127.0.0.1:6379/0 \
//!     cargo run -p okta-client --features redis --example tail_checkpoint_file
//! ```
//!
//! The file (`system-log.checkpoint.json`) holds the highest fencing token that claimed or
//! saved it, and the checkpoint. Every change is made under an exclusive lock of a sidecar
//! `.lock` file (released by the system if the process dies) and written atomically: a
//! temporary file, flushed to disk, renamed over the old one, and the directory flushed. A
//! holder whose token is below the file's is refused, so a holder that lost the lease without
//! knowing it cannot overwrite what the new holder resumed from. (`File::lock` needs Rust 1.89;
//! okta-client itself builds with 1.88.)

// The example needs `File::lock` (Rust 1.89), the library does not.
#![allow(clippy::incompatible_msrv)]

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use okta_client::system_log::{
    Checkpoint, CheckpointStore, StoreError, StoreFuture, TailCheckpoint, TailLease,
};
use okta_client::Client;

/// What the file holds.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Stored {
    /// The highest fencing token that claimed or saved the checkpoint.
    token: u64,
    checkpoint: Option<TailCheckpoint>,
}

/// A tailer's checkpoint in a file.
#[derive(Clone, Debug)]
pub struct FileCheckpoint {
    path: PathBuf,
}

impl FileCheckpoint {
    /// The checkpoint in the file at `path` (created at the first claim).
    pub fn new(path: impl Into<PathBuf>) -> FileCheckpoint {
        FileCheckpoint { path: path.into() }
    }

    /// Runs `change` on the file's contents under the lock, in a thread that may block, and
    /// writes them back when it asks to.
    async fn update<T: Send + 'static>(
        &self,
        change: impl FnOnce(&mut Stored) -> Result<(bool, T), StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let lock = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(path.with_extension("lock"))?;
            lock.lock()?;
            let mut stored = read(&path)?;
            let (write, out) = change(&mut stored)?;
            if write {
                write_atomically(&path, &serde_json::to_vec(&stored)?)?;
            }
            Ok(out)
            // The lock is released when `lock` is closed here.
        })
        .await?
    }
}

fn read(path: &Path) -> Result<Stored, StoreError> {
    match fs::read(path) {
        Ok(bytes) => Ok(serde_json::from_slice(&bytes)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Stored::default()),
        Err(e) => Err(e.into()),
    }
}

/// Replaces the file at `path` with `bytes`, so that a crash leaves the old file or the new
/// one, never a part of either.
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

impl CheckpointStore for FileCheckpoint {
    fn claim(&self, token: u64) -> StoreFuture<'_, Option<TailCheckpoint>> {
        Box::pin(self.update(move |stored| {
            if stored.token > token {
                return Err(format!(
                    "fencing token {token} is below the checkpoint file's {}",
                    stored.token
                )
                .into());
            }
            stored.token = token;
            Ok((true, stored.checkpoint.clone()))
        }))
    }

    fn save<'a>(&'a self, token: u64, checkpoint: &'a TailCheckpoint) -> StoreFuture<'a, bool> {
        let checkpoint = checkpoint.clone();
        Box::pin(self.update(move |stored| {
            if stored.token > token {
                return Ok((false, false));
            }
            stored.token = token;
            stored.checkpoint = Some(checkpoint);
            Ok((true, true))
        }))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into());
    let lease = TailLease::new(redis, "okta", "audit-shipper")
        .checkpoint_store(FileCheckpoint::new("system-log.checkpoint.json"));
    loop {
        // Standby replicas wait here.
        let mut events = client.log_tailer().lease(lease.clone()).await?;
        eprintln!("tailing with fencing token {}", events.fencing_token());
        while let Some(event) = events.next().await {
            match event {
                Ok(event) => println!(
                    "{} {}",
                    event.event().published.as_deref().unwrap_or("?"),
                    event.event().event_type.as_deref().unwrap_or("?")
                ),
                // A tailing stream yields errors and asks again.
                Err(e) => eprintln!("{e}"),
            }
            if events.ack().await == Checkpoint::LeaseLost {
                break;
            }
        }
        eprintln!("the lease went to another replica; standing by");
    }
}
