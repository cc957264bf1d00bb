//! Reconciliation: following the System Log a fixed lag behind the hooks, for the hook's event
//! types, and handing over through the receiver every event the hooks never brought.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures::StreamExt;
use tokio::sync::oneshot;
use tracing::Instrument;

use super::{EventHookReceiver, Source};
use crate::runtime::client::Client;
use crate::runtime::error::Error;
use crate::runtime::log_event::{format_rfc3339, LogEvent};
use crate::runtime::log_tail::{LogCursor, DEFAULT_POLL_INTERVAL};
use crate::runtime::metrics;

/// The default lag of reconciliation behind the present: [`Reconciler::lag`].
pub const DEFAULT_RECONCILIATION_LAG: Duration = Duration::from_secs(600);
/// How long reconciliation waits before trying an event again that it could not hand over.
const RETRY: Duration = Duration::from_millis(500);

/// The future a [`CursorStore`] returns.
pub type CursorFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// Where reconciliation keeps its position in the System Log (a [`LogCursor`]), to resume from
/// after a restart. Unlike the leased tailer's fenced `system_log::CheckpointStore` (the `redis`
/// feature), it holds a cursor only: every replica may reconcile, and the receiver's
/// de-duplication makes their overlap harmless.
pub trait CursorStore: Send + Sync + 'static {
    /// The stored cursor, if any.
    fn load(&self) -> CursorFuture<'_, Option<LogCursor>>;
    /// Stores `cursor`, replacing the previous one.
    fn save<'a>(&'a self, cursor: &'a LogCursor) -> CursorFuture<'a, ()>;
}

/// A cursor store in this process's memory: for tests, and for a reconciler that may start over
/// from its `since` after a restart. Clones share the cursor.
#[derive(Clone, Debug, Default)]
pub struct MemoryCursor(Arc<Mutex<Option<LogCursor>>>);

impl MemoryCursor {
    /// An empty store.
    pub fn new() -> MemoryCursor {
        MemoryCursor::default()
    }

    /// The cursor stored last.
    pub fn get(&self) -> Option<LogCursor> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl CursorStore for MemoryCursor {
    fn load(&self) -> CursorFuture<'_, Option<LogCursor>> {
        let cursor = self.get();
        Box::pin(async move { Ok(cursor) })
    }

    fn save<'a>(&'a self, cursor: &'a LogCursor) -> CursorFuture<'a, ()> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(cursor.clone());
        Box::pin(async { Ok(()) })
    }
}

/// Reconciliation of an event hook with the System Log, being configured; from
/// [`EventHookReceiver::reconciler`].
///
/// It tails the System Log (through [`Client::log_tailer`], filtered to the hook's event types)
/// [`lag`](Self::lag) behind the present: an event is looked at once it is that old, by when
/// its hook delivery (and Okta's retry) has long arrived. Each event the receiver has not
/// handed over within its de-duplication window is handed over through the same queue or sink,
/// with [`Source::Reconciliation`]; its position is stored in the [`CursorStore`] as it
/// goes, so that a restart resumes there.
#[must_use]
pub struct Reconciler {
    receiver: EventHookReceiver,
    client: Client,
    event_types: Vec<String>,
    lag: Duration,
    poll_interval: Duration,
    since: Option<String>,
    checkpoint: Arc<dyn CursorStore>,
}

impl fmt::Debug for Reconciler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reconciler")
            .field("event_types", &self.event_types)
            .field("lag", &self.lag)
            .field("poll_interval", &self.poll_interval)
            .field("since", &self.since)
            .finish_non_exhaustive()
    }
}

impl EventHookReceiver {
    /// Reconciliation of this receiver with the org's System Log, read through `client`, for
    /// the hook's `event_types` (the `log` group); see [`Reconciler`].
    pub fn reconciler<I, S>(&self, client: &Client, event_types: I) -> Reconciler
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Reconciler {
            receiver: self.clone(),
            client: client.clone(),
            event_types: event_types.into_iter().map(Into::into).collect(),
            lag: DEFAULT_RECONCILIATION_LAG,
            poll_interval: DEFAULT_POLL_INTERVAL,
            since: None,
            checkpoint: Arc::new(MemoryCursor::new()),
        }
    }
}

/// How long to wait before looking at an event published at `published`, at `now`.
pub(crate) fn wait_before(
    published: Option<SystemTime>,
    now: SystemTime,
    lag: Duration,
) -> Duration {
    match published.and_then(|p| p.checked_add(lag)) {
        Some(due) => due.duration_since(now).unwrap_or_default(),
        None => Duration::ZERO,
    }
}

/// `eventType eq "a" or eventType eq "b"`, or why the types cannot be one.
pub(crate) fn filter(event_types: &[String]) -> Result<String, Error> {
    if event_types.is_empty() {
        return Err(Error::Config("reconciliation: no event types".into()));
    }
    let mut parts = Vec::with_capacity(event_types.len());
    for t in event_types {
        let ok = !t.is_empty()
            && t.len() <= 256
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !ok {
            return Err(Error::Config(format!(
                "reconciliation: bad event type {t:?} (letters, digits, `.`, `_`, `-`)"
            )));
        }
        parts.push(format!("eventType eq \"{t}\""));
    }
    Ok(parts.join(" or "))
}

impl Reconciler {
    /// How far behind the present reconciliation stays (default
    /// [`DEFAULT_RECONCILIATION_LAG`], 10 min). Keep it longer than Okta's delivery and retry
    /// (a few minutes) and than the receiver's
    /// [claim ttl](super::ReceiverBuilder::claim_ttl), and shorter than its de-duplication
    /// window.
    pub fn lag(mut self, lag: Duration) -> Self {
        self.lag = lag;
        self
    }

    /// How often the System Log is asked again once caught up (default 10 s).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Where to start when the checkpoint holds nothing (ISO 8601; default: the lag before the
    /// moment [`run`](Self::run) starts).
    pub fn since(mut self, since: impl Into<String>) -> Self {
        self.since = Some(since.into());
        self
    }

    /// Where the position is kept (default: a [`MemoryCursor`], lost on restart).
    pub fn cursor_store(mut self, store: impl CursorStore) -> Self {
        self.checkpoint = Arc::new(store);
        self
    }

    /// Runs reconciliation until the task is dropped. Fails at once with [`Error::Config`] on
    /// bad event types, or with the checkpoint store's error when it cannot be read; errors of
    /// the System Log and of the checkpoint's saves are logged, and retried.
    pub async fn run(self) -> Result<(), Error> {
        let filter = filter(&self.event_types)?;
        let start = self.checkpoint.load().await?;
        let span = tracing::info_span!("okta.hook.reconcile", lag_s = self.lag.as_secs());
        async move {
            let mut tail = self
                .client
                .log_tailer()
                .filter(filter)
                .poll_interval(self.poll_interval);
            tail = match (&start, &self.since) {
                (Some(cursor), _) => tail.resume(cursor.clone()),
                (None, Some(since)) => tail.since(since.clone()),
                (None, None) => tail.since(format_rfc3339(
                    SystemTime::now()
                        .checked_sub(self.lag)
                        .unwrap_or(SystemTime::UNIX_EPOCH),
                )),
            };
            tracing::info!(resumed = start.is_some(), "reconciliation started");
            let mut saved = start;
            let mut stream = tail.into_stream();
            while let Some(item) = stream.next().await {
                let event = match item {
                    Ok(event) => event,
                    Err(e) => {
                        tracing::warn!(error = %e, "reconciliation: the System Log failed; retrying");
                        continue;
                    }
                };
                let published = event.published_at();
                let wait = wait_before(published, SystemTime::now(), self.lag);
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
                if let Some(p) = published {
                    metrics::hook_reconciliation_lag(
                        SystemTime::now().duration_since(p).unwrap_or_default(),
                    );
                }
                self.deliver(event).await;
                let cursor = stream.cursor();
                if cursor.is_some() && cursor != saved {
                    if let Some(c) = &cursor {
                        if let Err(e) = self.checkpoint.save(c).await {
                            tracing::warn!(error = %e, "reconciliation: the checkpoint was not saved");
                            continue;
                        }
                    }
                    saved = cursor;
                }
            }
            Ok(())
        }
        .instrument(span)
        .await
    }

    /// Hands `event` over unless it was delivered within the window; waits while another
    /// claimant is handing it over, and tries again while it cannot be handed over.
    async fn deliver(&self, event: LogEvent) {
        loop {
            let (tx, rx) = oneshot::channel();
            let handed = self
                .receiver
                .hand_over_with(vec![event.clone()], Source::Reconciliation, Some(tx))
                .await;
            if matches!(handed, Ok(super::Handed::All)) && rx.await == Ok(true) {
                return;
            }
            tokio::time::sleep(RETRY).await;
        }
    }
}

/// The reconciler's position kept in Redis (the `redis` feature), where the leased tailer keeps
/// its checkpoint by default: one string under `{namespace}:hooks:{name}:cursor`, read once
/// when [`Reconciler::run`] starts and written after each event handed over. Every replica of a
/// hook may share it (each then resumes from the furthest position any of them saved last,
/// which the receiver's de-duplication makes safe).
///
/// Like the tailer's default store, it lives only as long as Redis keeps its data: a Redis
/// restarted empty sends reconciliation back to its `since` (default: the lag before it
/// starts), and events older than that which neither the hooks nor reconciliation delivered
/// are not looked at again. Implement [`CursorStore`] over your own database to outlast that.
#[cfg(feature = "redis")]
pub struct RedisCursorStore {
    client: redis::Client,
    /// Made on first use and kept; a failed attempt is made again by the next operation.
    connection: tokio::sync::OnceCell<redis::aio::MultiplexedConnection>,
    key: String,
    timeout: Duration,
}

#[cfg(feature = "redis")]
impl fmt::Debug for RedisCursorStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The Redis URL or client may hold a password, so neither is shown.
        f.debug_struct("RedisCursorStore")
            .field("key", &self.key)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "redis")]
impl RedisCursorStore {
    /// The Redis server at `url`, a `namespace` prefixing the key and the hook's `name` (both
    /// letters, digits, `-`, `_`, `.`); fails with [`Error::Config`] on a bad name or URL
    /// (the error never shows the URL).
    pub fn new(
        url: impl Into<String>,
        namespace: &str,
        name: &str,
    ) -> Result<RedisCursorStore, Error> {
        let source = crate::runtime::governor::shared::RedisSource::Url(
            crate::runtime::secret::Secret::new(url),
        );
        RedisCursorStore::with(source, namespace, name)
    }

    /// A `redis::Client` you built, a namespace and the hook's name.
    pub fn from_client(
        client: redis::Client,
        namespace: &str,
        name: &str,
    ) -> Result<RedisCursorStore, Error> {
        let source = crate::runtime::governor::shared::RedisSource::Client(Box::new(client));
        RedisCursorStore::with(source, namespace, name)
    }

    fn with(
        source: crate::runtime::governor::shared::RedisSource,
        namespace: &str,
        name: &str,
    ) -> Result<RedisCursorStore, Error> {
        use crate::runtime::governor::shared::check_name;
        check_name("RedisCursorStore", "namespace", namespace)?;
        check_name("RedisCursorStore", "name", name)?;
        Ok(RedisCursorStore {
            client: source.open("RedisCursorStore")?,
            connection: tokio::sync::OnceCell::new(),
            key: format!("{namespace}:hooks:{name}:cursor"),
            timeout: Duration::from_secs(1),
        })
    }

    /// The longest one Redis operation may take (default 1 s); a slower one fails (a load
    /// fails [`Reconciler::run`], a save is logged and tried again with the next event).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn connection(&self) -> Result<redis::aio::MultiplexedConnection, Error> {
        let connect = async {
            self.client
                .get_multiplexed_async_connection()
                .await
                .map_err(|e| redis_error("connection", &e))
        };
        self.connection.get_or_try_init(|| connect).await.cloned()
    }

    async fn bounded<T>(
        &self,
        what: &str,
        op: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        tokio::time::timeout(self.timeout, op)
            .await
            .unwrap_or_else(|_| {
                Err(Error::UnexpectedResponse(format!(
                    "reconciliation cursor: Redis did not answer the {what} within {:?}",
                    self.timeout
                )))
            })
    }
}

/// A Redis failure, by kind only: its text may repeat the URL, which may hold a password.
#[cfg(feature = "redis")]
fn redis_error(what: &str, e: &redis::RedisError) -> Error {
    Error::UnexpectedResponse(format!(
        "reconciliation cursor: Redis refused the {what} ({:?})",
        e.kind()
    ))
}

#[cfg(feature = "redis")]
impl CursorStore for RedisCursorStore {
    fn load(&self) -> CursorFuture<'_, Option<LogCursor>> {
        Box::pin(self.bounded("read", async {
            let mut conn = self.connection().await?;
            let text: Option<String> = redis::cmd("GET")
                .arg(&self.key)
                .query_async(&mut conn)
                .await
                .map_err(|e| redis_error("read", &e))?;
            text.map(|t| t.parse()).transpose()
        }))
    }

    fn save<'a>(&'a self, cursor: &'a LogCursor) -> CursorFuture<'a, ()> {
        Box::pin(self.bounded("write", async move {
            let mut conn = self.connection().await?;
            redis::cmd("SET")
                .arg(&self.key)
                .arg(cursor.as_str())
                .query_async::<()>(&mut conn)
                .await
                .map_err(|e| redis_error("write", &e))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_looked_at_once_the_lag_has_passed() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let lag = Duration::from_secs(600);
        assert_eq!(wait_before(Some(t0), t0, lag), lag);
        assert_eq!(
            wait_before(Some(t0), t0 + Duration::from_secs(100), lag),
            Duration::from_secs(500)
        );
        assert_eq!(wait_before(Some(t0), t0 + lag, lag), Duration::ZERO);
        assert_eq!(wait_before(Some(t0), t0 + 2 * lag, lag), Duration::ZERO);
        // No time to go by: at once.
        assert_eq!(wait_before(None, t0, lag), Duration::ZERO);
    }

    #[test]
    fn the_filter_names_each_type_and_nothing_else() {
        let types = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            filter(&types(&[
                "user.lifecycle.create",
                "group.user_membership.add"
            ]))
            .unwrap(),
            r#"eventType eq "user.lifecycle.create" or eventType eq "group.user_membership.add""#
        );
        for bad in [&[][..], &[""], &[r#"a" or true or "b"#], &["a b"]] {
            assert!(
                matches!(filter(&types(bad)), Err(Error::Config(_))),
                "{bad:?}"
            );
        }
    }
}
