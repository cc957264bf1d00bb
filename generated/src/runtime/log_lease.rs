//! One System Log tailer per org across replicas (the `log` and `redis` features): a lease in
//! Redis that one replica holds and renews while it runs, a fencing token that grows with every
//! new holder, and the checkpoint (cursor and the `uuid`s of acknowledged events) the holder
//! writes after each acknowledgement, to Redis or to a [`CheckpointStore`] of the user's. The
//! lease's decisions in Redis are one Lua script (`log_lease.lua`) run atomically on Redis's
//! clock; whether the holder may deliver now is [`Tenure`], plain data on this host's monotonic
//! clock.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
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
    store: Option<Arc<dyn CheckpointStore>>,
}

impl fmt::Debug for TailLease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The Redis URL or client may hold a password, so neither is shown.
        f.debug_struct("TailLease")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .field("ttl", &self.ttl)
            .field("recent", &self.recent)
            .field(
                "checkpoint_store",
                &if self.store.is_some() {
                    "custom"
                } else {
                    "redis"
                },
            )
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
            store: None,
        }
    }

    /// How long the lease lasts without renewal (default [`DEFAULT_TAIL_LEASE`], 30 s): a
    /// replica that dies is replaced after at most this and a third (standbys ask every third
    /// of it). It is renewed every third of it; the holder delivers an event only while its
    /// last confirmation by Redis, timed from when it was sent, is less than nine tenths of it
    /// old, and asks Redis first otherwise. At least 1 s.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How many acknowledged events' `uuid`s the checkpoint keeps to drop repeats after a
    /// takeover (default [`DEFAULT_DEDUP_WINDOW`], 5,000; 36 bytes each).
    pub fn recent_events(mut self, events: usize) -> Self {
        self.recent = events;
        self
    }

    /// Keeps the checkpoint in `store` instead of Redis: in a file, or in the database the
    /// events are shipped to, in the same transaction as them, so that a Redis restarted empty
    /// costs no repeat (see [`CheckpointStore`]). Redis still holds the lease and the fencing
    /// token.
    pub fn checkpoint_store(mut self, store: impl CheckpointStore + 'static) -> Self {
        self.store = Some(Arc::new(store));
        self
    }
}

/// What a leased tailer resumes from: the cursor and the `uuid`s of the events acknowledged
/// most recently (oldest first, at most [`TailLease::recent_events`]), which a takeover drops
/// when the page they were on is fetched again. Serializable, for a [`CheckpointStore`].
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TailCheckpoint {
    /// Where to resume (`None`: start as the tailer is configured).
    pub cursor: Option<LogCursor>,
    /// Acknowledged events' `uuid`s, oldest first.
    pub acknowledged: Vec<String>,
}

/// What a [`CheckpointStore`] reports when it cannot do its work (the disk, the database).
pub type StoreError = Box<dyn std::error::Error + Send + Sync>;

/// The future a [`CheckpointStore`] method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Where a leased tailer keeps its checkpoint, when not in Redis
/// ([`TailLease::checkpoint_store`]).
///
/// The store guards the checkpoint with the lease's fencing token: it remembers the highest
/// token that claimed or saved, and refuses a lower one. A holder that lost the lease without
/// knowing it (paused, cut off) then cannot overwrite what the new holder resumed from, even
/// though Redis is not asked: every save either happened before the new holder's claim (which
/// reads it) or is refused. Both methods must be atomic in the store (a database transaction,
/// or a lock around a file's read and replacement).
///
/// What a Redis restarted empty costs: nothing with a store of your own (the new holder's
/// token is at least Redis's clock in milliseconds, above every earlier one, and the checkpoint
/// is where you keep it); with the default, Redis itself, the checkpoint is lost and the next
/// holder starts again from the tailer's `since`.
///
/// `generated/examples/tail_checkpoint_file.rs` keeps it in a file;
/// `generated/examples/tail_sink_transaction.rs` writes it together with the shipped events.
pub trait CheckpointStore: Send + Sync {
    /// A new holder with `token` takes the store over: from now on refuse every token below
    /// it, and return the checkpoint (`None` when there is none yet). Fails when the store has
    /// seen a higher token (this holder is already stale), or cannot be read.
    fn claim(&self, token: u64) -> StoreFuture<'_, Option<TailCheckpoint>>;

    /// Replaces the checkpoint, if `token` is still the highest the store has seen: `true` when
    /// written, `false` when refused (a newer holder has claimed the store).
    fn save<'a>(&'a self, token: u64, checkpoint: &'a TailCheckpoint) -> StoreFuture<'a, bool>;
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
    /// Redis did not answer in time: the checkpoint may or may not have been recorded (Redis
    /// may run the request after this replica stopped waiting). The events stay pending and go
    /// with the next acknowledgement (recording one twice records it once). The stream goes on
    /// while this replica can still prove it holds the lease.
    RedisUnavailable,
    /// The [`CheckpointStore`] failed (the error is logged): as with `RedisUnavailable`, the
    /// events stay pending and go with the next acknowledgement.
    StoreUnavailable,
}

/// Whether a holder may deliver now, from what it knows: the instant it sent the last request
/// that Redis answered with "still yours" (a take, a renewal, an acknowledgement), on the
/// monotonic clock. Redis started the lease's `ttl` when it ran that request, after it was
/// sent, so no other replica can take the lease before `confirmed + ttl`; the holder delivers
/// only before `confirmed + ttl - margin`, the margin (a tenth of the ttl) covering Redis's
/// clock running fast or stepping forward against this host's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tenure {
    ttl: Duration,
    confirmed: Instant,
}

/// What [`Tenure::verdict`] allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The lease is certainly still this holder's: deliver.
    Deliver,
    /// Ask Redis first (renew the lease), then decide again.
    Confirm,
}

/// What to do after a confirmation Redis did not answer ([`Tenure::unanswered`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unanswered {
    /// Ask again after this long.
    RetryIn(Duration),
    /// A whole lease has passed since the last confirmation: another replica may hold it
    /// now; stop (the stream ends).
    Stop,
}

impl Tenure {
    pub(crate) fn new(ttl: Duration, confirmed: Instant) -> Tenure {
        Tenure { ttl, confirmed }
    }

    fn margin(&self) -> Duration {
        self.ttl / 10
    }

    /// Whether the holder may deliver at `now`.
    pub(crate) fn verdict(&self, now: Instant) -> Verdict {
        if now < self.confirmed + (self.ttl - self.margin()) {
            Verdict::Deliver
        } else {
            Verdict::Confirm
        }
    }

    /// Redis confirmed the lease in answer to a request sent at `sent` (an answer to an older
    /// request arriving late moves nothing back).
    pub(crate) fn confirm(&mut self, sent: Instant) {
        self.confirmed = self.confirmed.max(sent);
    }

    /// When to renew next: a third of the ttl after the last confirmation.
    pub(crate) fn renew_at(&self) -> Instant {
        self.confirmed + self.ttl / 3
    }

    /// A confirmation sent at some point found no answer; it is `now`.
    pub(crate) fn unanswered(&self, now: Instant) -> Unanswered {
        if now >= self.confirmed + self.ttl {
            Unanswered::Stop
        } else {
            Unanswered::RetryIn((self.ttl / 10).min(self.confirmed + self.ttl - now))
        }
    }
}

/// The connection and the keys; what every request to the lease's script needs.
struct Conn {
    manager: ConnectionManager,
    /// lease, cursor, seen, seen counter, fence.
    keys: [String; 5],
    holder: String,
    ttl: Duration,
}

impl Conn {
    async fn run<T: redis::FromRedisValue>(&self, op: &str, rest: &[String]) -> Result<T, ()> {
        let mut invocation = SCRIPT.prepare_invoke();
        for k in &self.keys {
            invocation.key(k);
        }
        let ms = u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX);
        invocation.arg(op).arg(&self.holder).arg(ms);
        for a in rest {
            invocation.arg(a);
        }
        let mut con = self.manager.clone();
        match tokio::time::timeout(self.ttl / 3, invocation.invoke_async(&mut con)).await {
            Ok(Ok(v)) => Ok(v),
            _ => Err(()),
        }
    }
}

/// What a confirmation found.
enum Confirmed {
    Held,
    Lost,
    NoAnswer,
}

/// The lease this replica took: its token, what it knows of its tenure, and the store.
struct Holding {
    conn: Conn,
    token: u64,
    tenure: Mutex<Tenure>,
    held: AtomicBool,
    store: Option<Arc<dyn CheckpointStore>>,
}

impl Holding {
    fn tenure(&self) -> Tenure {
        *self.tenure.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn confirmed(&self, sent: Instant) {
        self.tenure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .confirm(sent);
    }

    fn lose(&self, why: &str) {
        if self.held.swap(false, Ordering::SeqCst) {
            tracing::warn!(
                token = self.token,
                "System Log lease: {why}; the stream ends"
            );
        }
    }

    /// Renews the lease, timing the confirmation from when the renewal was sent.
    async fn confirm(&self) -> Confirmed {
        let sent = Instant::now();
        match self
            .conn
            .run::<u8>("renew", &[self.token.to_string()])
            .await
        {
            Ok(1) => {
                self.confirmed(sent);
                Confirmed::Held
            }
            Ok(_) => {
                self.lose("lost to another replica");
                Confirmed::Lost
            }
            Err(()) => Confirmed::NoAnswer,
        }
    }

    /// After a confirmation found no answer: wait before asking again, or stop.
    async fn unanswered(&self) -> bool {
        match self.tenure().unanswered(Instant::now()) {
            Unanswered::RetryIn(wait) => {
                tokio::time::sleep(wait).await;
                true
            }
            Unanswered::Stop => {
                self.lose("Redis has not confirmed it for a whole lease");
                false
            }
        }
    }

    /// Whether this replica may deliver an event now, asking Redis first when its last
    /// confirmation is too old.
    async fn may_deliver(&self) -> bool {
        loop {
            if !self.held.load(Ordering::SeqCst) {
                return false;
            }
            if self.tenure().verdict(Instant::now()) == Verdict::Deliver {
                return true;
            }
            match self.confirm().await {
                Confirmed::Held => {}
                Confirmed::Lost => return false,
                Confirmed::NoAnswer => {
                    if !self.unanswered().await {
                        return false;
                    }
                }
            }
        }
    }
}

/// A System Log stream that only the holder of the org's tailer lease delivers; from
/// [`SystemLogTail::lease`].
pub struct LeasedLogStream {
    stream: SystemLogStream,
    link: Arc<Holding>,
    /// `uuid`s acknowledged by earlier holders (bounded by `recent_events`).
    seen: HashSet<String>,
    /// `uuid`s delivered since the last acknowledgement.
    pending: Vec<String>,
    recent: usize,
    /// The checkpoint last saved to a [`CheckpointStore`] (unused with Redis's).
    saved: TailCheckpoint,
    renew: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for LeasedLogStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeasedLogStream")
            .field("cursor", &self.stream.cursor())
            .field("holds_lease", &self.holds_lease())
            .field("fencing_token", &self.link.token)
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
    /// until it is acknowledged, and never again once it is, by any replica. An event
    /// delivered but not yet acknowledged when its holder dies (or loses the lease) is
    /// delivered again by the next holder, so the guarantee across a failover is exactly-once
    /// for acknowledged events and at-least-once for the rest; acknowledge after each event or
    /// page is processed, and use the `uuid` to recognise a repeat of an unacknowledged one.
    ///
    /// A holder delivers an event only while Redis has confirmed its lease recently enough
    /// that no other replica can have taken it (see [`TailLease::ttl`]); otherwise it asks
    /// Redis first, and ends the stream when the lease is gone or when Redis has not answered
    /// for a whole ttl. What it does with an event after delivering it is beyond this check: a
    /// holder paused then may still write it after a takeover, which the
    /// [fencing token](LeasedLogStream::fencing_token) lets your sink refuse.
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
        let conn = Conn {
            manager,
            keys: [
                format!("{prefix}:lease"),
                format!("{prefix}:cursor"),
                format!("{prefix}:seen"),
                format!("{prefix}:seen-count"),
                format!("{prefix}:fence"),
            ],
            holder: lease_id(),
            ttl: lease.ttl,
        };
        let (sent, token, checkpoint) = loop {
            let sent = Instant::now();
            match conn.run::<Vec<String>>("take", &[]).await {
                Ok(answer) if answer.first().map(String::as_str) == Some("1") => {
                    match took(&answer, lease.store.as_deref()).await {
                        Ok((token, checkpoint)) => break (sent, token, checkpoint),
                        Err(token) => {
                            // The store would not take this holder: give the lease back.
                            let _ = conn.run::<u8>("release", &[token.to_string()]).await;
                        }
                    }
                }
                Ok(_) => {}
                Err(()) => tracing::warn!("System Log lease: Redis does not answer; waiting"),
            }
            tokio::time::sleep(lease.ttl / 3).await;
        };
        let link = Arc::new(Holding {
            conn,
            token,
            tenure: Mutex::new(Tenure::new(lease.ttl, sent)),
            held: AtomicBool::new(true),
            store: lease.store,
        });
        tracing::info!(
            token,
            resumed = checkpoint.cursor.is_some(),
            "System Log lease: taken"
        );
        let tail = match checkpoint.cursor.clone() {
            Some(cursor) => self.resume(cursor),
            None => self,
        };
        let renew = tokio::spawn(renew(Arc::downgrade(&link)));
        Ok(LeasedLogStream {
            stream: tail.into_stream(),
            link,
            seen: checkpoint.acknowledged.iter().cloned().collect(),
            pending: Vec::new(),
            recent: lease.recent.max(1),
            saved: checkpoint,
            renew,
        })
    }
}

/// The token and the checkpoint of a successful take (`{'1', token, cursor, uuid…}`): Redis's,
/// or the store's after claiming it. `Err(token)` when the store refused or failed.
async fn took(
    answer: &[String],
    store: Option<&dyn CheckpointStore>,
) -> Result<(u64, TailCheckpoint), u64> {
    let token = answer.get(1).and_then(|t| t.parse().ok()).unwrap_or(0);
    let Some(store) = store else {
        let cursor = answer
            .get(2)
            .filter(|c| !c.is_empty())
            .and_then(|c| c.parse().ok());
        let acknowledged = answer.get(3..).unwrap_or_default().to_vec();
        return Ok((
            token,
            TailCheckpoint {
                cursor,
                acknowledged,
            },
        ));
    };
    match store.claim(token).await {
        Ok(checkpoint) => Ok((token, checkpoint.unwrap_or_default())),
        Err(e) => {
            tracing::warn!(
                token,
                error = %e,
                "System Log lease: the checkpoint store refused or failed the claim; waiting"
            );
            Err(token)
        }
    }
}

/// Renews the lease a third of the ttl after each confirmation; gives up (the stream ends)
/// when another replica holds it, or when Redis has not confirmed it for a whole lease.
async fn renew(link: std::sync::Weak<Holding>) {
    loop {
        let Some(at) = link.upgrade().map(|l| l.tenure().renew_at()) else {
            return;
        };
        tokio::time::sleep_until(at.into()).await;
        let Some(l) = link.upgrade() else {
            return;
        };
        if !l.held.load(Ordering::SeqCst) {
            return;
        }
        match l.confirm().await {
            Confirmed::Held => {}
            Confirmed::Lost => return,
            Confirmed::NoAnswer => {
                if !l.unanswered().await {
                    return;
                }
            }
        }
    }
}

impl LeasedLogStream {
    /// The next event not acknowledged before; `None` when the stream ends (a bounded query's
    /// end, or the lease lost: see [`holds_lease`](Self::holds_lease)). Errors are yielded as
    /// by [`SystemLogStream`]. Before returning an event it makes sure the lease is still this
    /// replica's (see [`SystemLogTail::lease`]).
    pub async fn next(&mut self) -> Option<Result<LogEvent, Error>> {
        loop {
            if !self.holds_lease() {
                return None;
            }
            let item = self.stream.next().await?;
            let uuid = match &item {
                Ok(event) => event.uuid(),
                Err(_) => None,
            };
            if uuid.is_some_and(|u| self.seen.contains(u)) {
                continue;
            }
            // Fetched, but not delivered unless the lease is certainly still this replica's:
            // otherwise the new holder delivers it.
            if !self.link.may_deliver().await {
                return None;
            }
            if let Some(uuid) = uuid {
                self.pending.push(uuid.to_string());
            }
            return Some(item);
        }
    }

    /// Records that every event delivered so far has been processed: the cursor and their
    /// `uuid`s go to the checkpoint, atomically with the check that this replica still holds
    /// the lease under its fencing token (in the Lua script with Redis's checkpoint, which
    /// renews the lease too; by the [`CheckpointStore`]'s token check with a store of yours).
    pub async fn ack(&mut self) -> Checkpoint {
        if !self.holds_lease() {
            return Checkpoint::LeaseLost;
        }
        let cursor = self.stream.cursor();
        let Some(store) = self.link.store.clone() else {
            let mut args = vec![
                self.link.token.to_string(),
                cursor.map(|c| c.to_string()).unwrap_or_default(),
                self.recent.to_string(),
            ];
            args.extend(self.pending.iter().cloned());
            let sent = Instant::now();
            return match self.link.conn.run::<u8>("ack", &args).await {
                Ok(1) => {
                    self.link.confirmed(sent);
                    // This holder's own repeats are dropped by the stream; `seen` only holds
                    // what earlier holders acknowledged.
                    self.pending.clear();
                    Checkpoint::Saved
                }
                Ok(_) => {
                    self.link.lose("lost to another replica");
                    Checkpoint::LeaseLost
                }
                Err(()) => Checkpoint::RedisUnavailable,
            };
        };
        let mut acknowledged: VecDeque<String> = self.saved.acknowledged.iter().cloned().collect();
        acknowledged.extend(self.pending.iter().cloned());
        while acknowledged.len() > self.recent {
            acknowledged.pop_front();
        }
        let next = TailCheckpoint {
            cursor: cursor.or_else(|| self.saved.cursor.clone()),
            acknowledged: acknowledged.into(),
        };
        match store.save(self.link.token, &next).await {
            Ok(true) => {
                self.saved = next;
                self.pending.clear();
                Checkpoint::Saved
            }
            Ok(false) => {
                self.link
                    .lose("the checkpoint store has a newer holder's token");
                Checkpoint::LeaseLost
            }
            Err(e) => {
                // Nothing changes: the pending events go with the next acknowledgement.
                tracing::warn!(error = %e, "System Log lease: the checkpoint store failed");
                Checkpoint::StoreUnavailable
            }
        }
    }

    /// Where the stream stands (see [`SystemLogStream::cursor`]).
    pub fn cursor(&self) -> Option<LogCursor> {
        self.stream.cursor()
    }

    /// Whether this replica still holds the lease, as far as it knows (an event is delivered
    /// only after the stricter check described at [`SystemLogTail::lease`]).
    pub fn holds_lease(&self) -> bool {
        self.link.held.load(Ordering::SeqCst)
    }

    /// This holder's fencing token: a number larger than every earlier holder's (it grows at
    /// every takeover, and stays above earlier tokens when Redis restarts empty, being at
    /// least Redis's clock in milliseconds). Give it to your sink with each write, and have
    /// the sink refuse a token below the highest it has seen: a holder that was paused after
    /// delivering an event, and lost the lease meanwhile, then cannot write it after the new
    /// holder has started writing.
    ///
    /// ```no_run
    /// # async fn run(client: okta_client::Client) -> Result<(), okta_client::Error> {
    /// use okta_client::system_log::{Checkpoint, TailLease};
    ///
    /// /// A sink that remembers the highest token it has accepted (in a real sink: a column
    /// /// of the table, compared and raised in the same transaction as the write).
    /// #[derive(Default)]
    /// struct Sink {
    ///     highest: u64,
    ///     rows: Vec<String>,
    /// }
    ///
    /// impl Sink {
    ///     fn write(&mut self, token: u64, row: String) -> Result<(), String> {
    ///         if token < self.highest {
    ///             return Err(format!("refused: token {token} < {}", self.highest));
    ///         }
    ///         self.highest = token;
    ///         self.rows.push(row);
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let mut sink = Sink::default();
    /// let lease = TailLease::new("redis://redis.internal:6379/0", "okta", "audit-shipper");
    /// let mut events = client.log_tailer().lease(lease).await?;
    /// while let Some(event) = events.next().await {
    ///     let event = event?;
    ///     if let Err(refused) = sink.write(events.fencing_token(), event.raw().get().to_string()) {
    ///         eprintln!("{refused}: another replica tails now");
    ///         break;
    ///     }
    ///     if events.ack().await == Checkpoint::LeaseLost {
    ///         break;
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn fencing_token(&self) -> u64 {
        self.link.token
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
            let _ = link
                .conn
                .run::<u8>("release", &[link.token.to_string()])
                .await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(3);

    fn at(base: Instant, ms: u64) -> Instant {
        base + Duration::from_millis(ms)
    }

    #[test]
    fn delivers_until_nine_tenths_of_the_ttl_after_the_confirmation_was_sent() {
        let t0 = Instant::now();
        let tenure = Tenure::new(TTL, t0);
        assert_eq!(tenure.verdict(t0), Verdict::Deliver);
        assert_eq!(tenure.verdict(at(t0, 2_699)), Verdict::Deliver);
        // From ttl - margin on, a standby could take over soon: ask Redis first.
        assert_eq!(tenure.verdict(at(t0, 2_700)), Verdict::Confirm);
        assert_eq!(tenure.verdict(at(t0, 3_000)), Verdict::Confirm);
        // A holder paused for longer than the lease never delivers on its old confirmation.
        assert_eq!(tenure.verdict(at(t0, 60_000)), Verdict::Confirm);
    }

    #[test]
    fn a_confirmation_counts_from_its_sending_and_never_moves_back() {
        let t0 = Instant::now();
        let mut tenure = Tenure::new(TTL, t0);
        // Sent at 1 s, answered much later: the lease is timed from 1 s.
        tenure.confirm(at(t0, 1_000));
        assert_eq!(tenure.verdict(at(t0, 3_699)), Verdict::Deliver);
        assert_eq!(tenure.verdict(at(t0, 3_700)), Verdict::Confirm);
        assert_eq!(tenure.renew_at(), at(t0, 2_000));
        // A late answer to an older renewal does not shorten what a newer one proved.
        tenure.confirm(at(t0, 500));
        assert_eq!(tenure.verdict(at(t0, 3_699)), Verdict::Deliver);
        assert_eq!(tenure.renew_at(), at(t0, 2_000));
    }

    #[test]
    fn without_answers_it_retries_then_stops_at_a_whole_ttl() {
        let t0 = Instant::now();
        let tenure = Tenure::new(TTL, t0);
        assert_eq!(
            tenure.unanswered(at(t0, 1_000)),
            Unanswered::RetryIn(Duration::from_millis(300))
        );
        // Never waits past the end of the lease.
        assert_eq!(
            tenure.unanswered(at(t0, 2_900)),
            Unanswered::RetryIn(Duration::from_millis(100))
        );
        assert_eq!(tenure.unanswered(at(t0, 3_000)), Unanswered::Stop);
        assert_eq!(tenure.unanswered(at(t0, 9_000)), Unanswered::Stop);
        // Delivery stopped long before: no standby can take over while it still delivers.
        assert_eq!(tenure.verdict(at(t0, 2_999)), Verdict::Confirm);
    }
}
