//! One System Log tailer per org across replicas (the `log` and `redis` features): a lease in
//! Redis that one replica holds and renews while it runs, and the checkpoint (cursor and the
//! `uuid`s of acknowledged events) it writes after each acknowledgement. The decisions are one
//! Lua script (`log_lease.lua`) run atomically by Redis on its own clock.

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use futures::StreamExt;
use redis::aio::ConnectionManager;

use super::error::Error;
use super::governor::shared::{check_name, lease_id, org_prefix, RedisSource};
use super::log_event::LogEvent;
use super::log_tail::{LogCursor, SystemLogStream, SystemLogTail, DEFAULT_DEDUP_WINDOW};
use super::secret::Secret;

static SCRIPT: LazyLock<redis::Script> =
    LazyLock::new(|| redis::Script::new(include_str!("log_lease.lua")));

/// The default lease: [`TailLease::ttl`].
pub const DEFAULT_TAIL_LEASE: Duration = Duration::from_secs(30);

/// Where replicas coordinate one System Log tailer: a Redis server, a namespace and the tailer's
/// name; see [`SystemLogTail::lease`].
#[derive(Clone)]
#[must_use]
pub struct TailLease {
    source: RedisSource,
    namespace: String,
    name: String,
    ttl: Duration,
    recent: usize,
}

impl fmt::Debug for TailLease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The Redis URL or client may hold a password, so neither is shown.
        f.debug_struct("TailLease")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .field("ttl", &self.ttl)
            .field("recent", &self.recent)
            .finish_non_exhaustive()
    }
}

impl TailLease {
    /// The Redis server at `url`, a `namespace` prefixing the keys, and the tailer's `name`
    /// (one lease per org and name: `audit-shipper`, say); both letters, digits, `-`, `_`, `.`.
    pub fn new(
        url: impl Into<String>,
        namespace: impl Into<String>,
        name: impl Into<String>,
    ) -> TailLease {
        TailLease::with(
            RedisSource::Url(Secret::new(url)),
            namespace.into(),
            name.into(),
        )
    }

    /// A `redis::Client` you built, a namespace and the tailer's name.
    pub fn from_client(
        client: redis::Client,
        namespace: impl Into<String>,
        name: impl Into<String>,
    ) -> TailLease {
        TailLease::with(
            RedisSource::Client(Box::new(client)),
            namespace.into(),
            name.into(),
        )
    }

    fn with(source: RedisSource, namespace: String, name: String) -> TailLease {
        TailLease {
            source,
            namespace,
            name,
            ttl: DEFAULT_TAIL_LEASE,
            recent: DEFAULT_DEDUP_WINDOW,
        }
    }

    /// How long the lease lasts without renewal (default [`DEFAULT_TAIL_LEASE`], 30 s): a
    /// replica that dies is replaced after at most this. It is renewed every third of it. At
    /// least 1 s.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How many acknowledged events' `uuid`s are kept in Redis to drop repeats after a
    /// takeover (default [`DEFAULT_DEDUP_WINDOW`], 5,000; 36 bytes each).
    pub fn recent_events(mut self, events: usize) -> Self {
        self.recent = events;
        self
    }
}

/// What [`LeasedLogStream::ack`] achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Checkpoint {
    /// The cursor and the events delivered since the last acknowledgement are recorded: no
    /// replica will deliver them again.
    Saved,
    /// Another replica holds the lease now (this one was too slow to renew it): nothing was
    /// recorded and the stream has ended; the events since the last acknowledgement will be
    /// delivered by the new holder.
    LeaseLost,
    /// Redis did not answer: nothing was recorded; acknowledge again later. The stream goes on
    /// while the lease has not expired.
    RedisUnavailable,
}

struct Link {
    manager: ConnectionManager,
    /// lease, cursor, seen, seen counter.
    keys: [String; 4],
    holder: String,
    ttl: Duration,
    held: AtomicBool,
}

impl Link {
    async fn run<T: redis::FromRedisValue>(&self, args: &[String]) -> Result<T, ()> {
        let mut invocation = SCRIPT.prepare_invoke();
        for k in &self.keys {
            invocation.key(k);
        }
        for a in args {
            invocation.arg(a);
        }
        let mut con = self.manager.clone();
        match tokio::time::timeout(self.ttl / 3, invocation.invoke_async(&mut con)).await {
            Ok(Ok(v)) => Ok(v),
            _ => Err(()),
        }
    }

    fn args(&self, op: &str) -> Vec<String> {
        let ms = u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX);
        vec![op.to_string(), self.holder.clone(), ms.to_string()]
    }
}

/// A System Log stream that only the holder of the org's tailer lease delivers; from
/// [`SystemLogTail::lease`].
pub struct LeasedLogStream {
    stream: SystemLogStream,
    link: Arc<Link>,
    /// `uuid`s acknowledged by earlier holders (bounded by `recent_events`).
    seen: HashSet<String>,
    /// `uuid`s delivered since the last acknowledgement.
    pending: Vec<String>,
    recent: usize,
    renew: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for LeasedLogStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeasedLogStream")
            .field("cursor", &self.stream.cursor())
            .field("holds_lease", &self.holds_lease())
            .finish_non_exhaustive()
    }
}

impl SystemLogTail {
    /// Tails the System Log in one replica at a time: waits until this replica holds the
    /// lease named by `lease` (standby replicas wait here), then resumes from the checkpoint
    /// the previous holder left (or starts as configured when there is none) and renews the
    /// lease in the background while the stream lives.
    ///
    /// Deliver, then [`ack`](LeasedLogStream::ack): every event is delivered to the caller
    /// until it is acknowledged, and never again once it is. An event delivered but not yet
    /// acknowledged when its holder dies (or loses the lease) is delivered again by the next
    /// holder, so the guarantee across a failover is exactly-once for acknowledged events and
    /// at-least-once for the rest; acknowledge after each event or page is processed, and use
    /// the `uuid` to recognise a repeat of an unacknowledged one.
    ///
    /// Fails with [`Error::Config`] on bad settings; while Redis is unreachable it keeps
    /// waiting (a tailer that cannot prove it holds the lease does not tail).
    pub async fn lease(self, lease: TailLease) -> Result<LeasedLogStream, Error> {
        check_name("tail lease", "namespace", &lease.namespace)?;
        check_name("tail lease", "name", &lease.name)?;
        if lease.ttl < Duration::from_secs(1) {
            return Err(Error::Config(
                "tail lease: the ttl must be at least 1 s".into(),
            ));
        }
        let client = lease.source.open("tail lease")?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(lease.ttl / 3))
            .set_response_timeout(Some(lease.ttl / 3))
            .set_number_of_retries(1);
        let manager = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| Error::Config(format!("tail lease: {:?}", e.kind())))?;
        let prefix = format!(
            "{}:log-tail:{}",
            org_prefix(&lease.namespace, self.org_url()),
            lease.name
        );
        let link = Arc::new(Link {
            manager,
            keys: [
                format!("{prefix}:lease"),
                format!("{prefix}:cursor"),
                format!("{prefix}:seen"),
                format!("{prefix}:seen-count"),
            ],
            holder: lease_id(),
            ttl: lease.ttl,
            held: AtomicBool::new(false),
        });
        let checkpoint = loop {
            match link.run::<(u8, String)>(&link.args("take")).await {
                Ok((1, cursor)) => break cursor,
                Ok(_) => {}
                Err(()) => tracing::warn!("System Log lease: Redis does not answer; waiting"),
            }
            tokio::time::sleep(lease.ttl / 3).await;
        };
        link.held.store(true, Ordering::SeqCst);
        let seen = seen(&link).await;
        tracing::info!(resumed = !checkpoint.is_empty(), "System Log lease: taken");
        let tail = match checkpoint.parse::<LogCursor>() {
            Ok(cursor) if !checkpoint.is_empty() => self.resume(cursor),
            _ => self,
        };
        let renew = tokio::spawn(renew(Arc::downgrade(&link)));
        Ok(LeasedLogStream {
            stream: tail.into_stream(),
            link,
            seen,
            pending: Vec::new(),
            recent: lease.recent.max(1),
            renew,
        })
    }
}

/// The `uuid`s acknowledged so far, read once at takeover (only the holder adds to them).
async fn seen(link: &Link) -> HashSet<String> {
    let mut con = link.manager.clone();
    let cmd = redis::cmd("ZRANGE")
        .arg(&link.keys[2])
        .arg(0)
        .arg(-1)
        .to_owned();
    match tokio::time::timeout(link.ttl / 3, cmd.query_async::<Vec<String>>(&mut con)).await {
        Ok(Ok(v)) => v.into_iter().collect(),
        _ => HashSet::new(),
    }
}

/// Renews the lease every third of its length; gives up (the stream ends) when another replica
/// holds it, or when no renewal succeeded for a whole lease (it may have expired).
async fn renew(link: std::sync::Weak<Link>) {
    let mut last_ok = Instant::now();
    loop {
        let Some(ttl) = link.upgrade().map(|l| l.ttl) else {
            return;
        };
        tokio::time::sleep(ttl / 3).await;
        let Some(l) = link.upgrade() else {
            return;
        };
        match l.run::<u8>(&l.args("renew")).await {
            Ok(1) => last_ok = Instant::now(),
            Ok(_) => {
                tracing::warn!("System Log lease: lost to another replica; the stream ends");
                l.held.store(false, Ordering::SeqCst);
                return;
            }
            Err(()) if last_ok.elapsed() >= ttl => {
                tracing::warn!("System Log lease: not renewed for a whole lease; the stream ends");
                l.held.store(false, Ordering::SeqCst);
                return;
            }
            Err(()) => {}
        }
    }
}

impl LeasedLogStream {
    /// The next event not acknowledged before; `None` when the stream ends (a bounded query's
    /// end, or the lease lost: see [`holds_lease`](Self::holds_lease)). Errors are yielded as
    /// by [`SystemLogStream`].
    pub async fn next(&mut self) -> Option<Result<LogEvent, Error>> {
        loop {
            if !self.holds_lease() {
                return None;
            }
            let item = self.stream.next().await?;
            // Fetched while the lease was being lost: the new holder delivers it.
            if !self.holds_lease() {
                return None;
            }
            if let Ok(event) = &item {
                if let Some(uuid) = event.uuid() {
                    if self.seen.contains(uuid) {
                        continue;
                    }
                    self.pending.push(uuid.to_string());
                }
            }
            return Some(item);
        }
    }

    /// Records that every event delivered so far has been processed: the cursor and their
    /// `uuid`s go to Redis, atomically with the check that this replica still holds the lease
    /// (which is renewed too).
    pub async fn ack(&mut self) -> Checkpoint {
        if !self.holds_lease() {
            return Checkpoint::LeaseLost;
        }
        let mut args = self.link.args("ack");
        args.push(
            self.stream
                .cursor()
                .map(|c| c.to_string())
                .unwrap_or_default(),
        );
        args.push(self.recent.to_string());
        args.extend(self.pending.iter().cloned());
        match self.link.run::<u8>(&args).await {
            Ok(1) => {
                // This holder's own repeats are dropped by the stream; `seen` only holds what
                // earlier holders acknowledged.
                self.pending.clear();
                Checkpoint::Saved
            }
            Ok(_) => {
                self.link.held.store(false, Ordering::SeqCst);
                Checkpoint::LeaseLost
            }
            Err(()) => Checkpoint::RedisUnavailable,
        }
    }

    /// Where the stream stands (see [`SystemLogStream::cursor`]).
    pub fn cursor(&self) -> Option<LogCursor> {
        self.stream.cursor()
    }

    /// Whether this replica still holds the lease.
    pub fn holds_lease(&self) -> bool {
        self.link.held.load(Ordering::SeqCst)
    }
}

impl Drop for LeasedLogStream {
    fn drop(&mut self) {
        self.renew.abort();
        if !self.holds_lease() {
            return;
        }
        // Give the lease up, so that a standby replica takes over at once rather than after
        // it expires; unacknowledged events are delivered again by that replica.
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let link = self.link.clone();
        handle.spawn(async move {
            let _ = link.run::<u8>(&link.args("release")).await;
        });
    }
}
