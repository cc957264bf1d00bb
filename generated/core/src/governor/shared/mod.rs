//! The rate-limit budget shared through Redis by every client of an org, in every process (the
//! `redis` feature). The decisions are one Lua script (`budget.lua`), run atomically by Redis
//! on Redis's clock; this module configures it, calls it under a short timeout (the protocol
//! between the two, named keys, one JSON request with the limits the script uses and typed
//! answers, is `protocol.rs`), and tells the governor when Redis fails so that the local budget
//! stands in.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::StatusCode;
use redis::aio::ConnectionManager;

use super::health::{Health, Trip};
use super::held::Held;
use super::state::{BucketId, Report, Verdict};
use super::{RateLimitConfig, PROBE_PATIENCE};
use crate::error::Error;
use crate::metrics;
use crate::retry::jitter;
use crate::secret::Secret;

mod protocol;

use protocol::{
    ms, Acquire, Acquired, Op, Reclaim, Reclaimed, Record, Recorded, RecordedEpoch, RedisKeys,
    Request, Stamp, WireReport, LIMITS,
};

/// The default limit on one Redis operation: [`SharedBudget::timeout`].
pub const DEFAULT_REDIS_TIMEOUT: Duration = Duration::from_millis(100);
/// The share of each bucket used while Redis is unreachable by a client that has not yet
/// learned from Redis how many clients share the org: [`SharedBudget::fallback_share`].
pub const DEFAULT_FALLBACK_SHARE: f64 = 0.25;

/// The part of each window released at once when it opens; the rest is released evenly over
/// the window, so that workers waiting for the reset do not all send in its first millisecond.
const BURST: f64 = 0.1;
/// How long a task polls when the org's requests in flight are at the cap.
const POLL: Duration = Duration::from_millis(20);
/// How long Redis keeps a bucket nobody has used.
const BUCKET_TTL: Duration = Duration::from_secs(600);
/// The least a client's first call waits for the connection and the script's loading.
const STARTUP: Duration = Duration::from_secs(1);
/// How many tasks of one client may ask the script at once for a bucket it last found spent:
/// the others wait their turn and, once one learns the window is spent again, sleep without
/// asking (a thousand waiters do not all call Redis at each reset).
const CONTESTED_CALLERS: usize = 4;
/// How many times one acquire puts back leases Redis lost before it stops asking.
const MAX_RECLAIMS: u32 = 3;
/// How long a client counts among the org's workers after its last call to the script.
const PRESENCE: Duration = Duration::from_secs(10);

static SCRIPT: LazyLock<redis::Script> =
    LazyLock::new(|| redis::Script::new(include_str!("../budget.lua")));

/// Where the shared budget lives: a Redis server and a namespace; see
/// `ClientBuilder::shared_budget`.
///
/// Every client configured with the same Redis, namespace and org URL shares the buckets it
/// learns and the cap on requests in flight
/// ([`RateLimitConfig::max_concurrency`](super::RateLimitConfig::max_concurrency), then
/// counted across all of them). Buckets are kept per principal (the API token, access token
/// or OAuth client); nothing secret is written to Redis.
///
/// An example is under `ClientBuilder::shared_budget`.
#[derive(Clone)]
#[must_use]
pub struct SharedBudget {
    source: RedisSource,
    namespace: String,
    timeout: Duration,
    fallback_share: f64,
    probe_interval: Duration,
    lease: Duration,
}

/// Where a Redis client comes from, for the shared budget and the tailer's lease.
#[doc(hidden)]
#[derive(Clone)]
pub enum RedisSource {
    /// A URL, which may carry a password: never printed.
    Url(Secret),
    /// A client the application built. Boxed: with TLS support a `redis::Client` is large.
    Client(Box<redis::Client>),
}

impl RedisSource {
    /// The client; `what` names the setting in the error for a bad URL, which never shows the
    /// URL (it may carry a password).
    pub fn open(self, what: &str) -> Result<redis::Client, Error> {
        #[cfg(feature = "redis-tls")]
        crate::tls::redis_crypto_provider();
        match self {
            RedisSource::Client(c) => Ok(*c),
            RedisSource::Url(url) => redis::Client::open(url.expose())
                .map_err(|e| Error::Config(format!("{what}: bad Redis URL ({:?})", e.kind()))),
        }
    }
}

impl fmt::Debug for SharedBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The Redis URL or client may hold a password, so neither is shown.
        f.debug_struct("SharedBudget")
            .field("namespace", &self.namespace)
            .field("timeout", &self.timeout)
            .field("fallback_share", &self.fallback_share)
            .field("probe_interval", &self.probe_interval)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl SharedBudget {
    /// The Redis server at `url` (`redis://[:password@]host[:port][/db]`, or `rediss://` for
    /// TLS when the `redis` crate's TLS support is enabled) and a `namespace` that prefixes
    /// every key (letters, digits, `-`, `_`, `.`; such as `okta` or `okta-prod`).
    pub fn new(url: impl Into<String>, namespace: impl Into<String>) -> SharedBudget {
        SharedBudget::with(RedisSource::Url(Secret::new(url)), namespace.into())
    }

    /// A `redis::Client` you built (TLS, credentials, RESP3 settings), and a namespace.
    pub fn from_client(client: redis::Client, namespace: impl Into<String>) -> SharedBudget {
        SharedBudget::with(RedisSource::Client(Box::new(client)), namespace.into())
    }

    fn with(source: RedisSource, namespace: String) -> SharedBudget {
        SharedBudget {
            source,
            namespace,
            timeout: DEFAULT_REDIS_TIMEOUT,
            fallback_share: DEFAULT_FALLBACK_SHARE,
            probe_interval: Duration::from_secs(1),
            lease: Duration::from_secs(35),
        }
    }

    /// The longest one Redis operation may take (default [`DEFAULT_REDIS_TIMEOUT`], 100 ms).
    /// A call never waits longer than this for one answer from Redis: past it, the call goes
    /// on under the local budget. (A client's first call waits up to this long, and at least
    /// 1 s, for the connection and the script's loading, so that a TLS handshake does not send
    /// a starting fleet to its fallback.) A reservation that reaches Redis after its caller gave up on it
    /// is refused by the script, so a paused Redis that resumes holds nothing for calls that
    /// have long gone out.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The share of each bucket (and of
    /// [`max_concurrency`](super::RateLimitConfig::max_concurrency)) a client uses on its own
    /// while Redis is unreachable *before it has ever learned from Redis how many clients
    /// share the org* (a client started during an outage), in `(0, 1]` (default
    /// [`DEFAULT_FALLBACK_SHARE`], 0.25). Set it to about 1 / the number of workers.
    ///
    /// Every call to Redis also registers the client as present for 10 s and tells it how
    /// many clients N were present; during an outage each client then keeps to 1/N of what
    /// was left of each window when it first saw it, and to 1/N of each later window's limit
    /// and of `max_concurrency`, counting its own answers. The workers together then stay
    /// within the org's remaining budget, as long as N is current: a worker that joins during
    /// the outage, or one that was idle for over 10 s before it, is not counted by the others.
    pub fn fallback_share(mut self, share: f64) -> Self {
        self.fallback_share = share;
        self
    }

    /// How often Redis is probed during an outage (default 1 s), with the script the budget
    /// runs (so a Redis that answers `PING` but refuses scripts stays an outage); the first
    /// successful probe returns the client to the shared budget, within about one interval
    /// of Redis's return.
    pub fn probe_interval(mut self, interval: Duration) -> Self {
        self.probe_interval = interval;
        self
    }

    /// How long a reserved unit and a concurrency slot are held in Redis without an answer
    /// (default 35 s). A reservation covers one attempt, so keep it above your longest
    /// `ClientBuilder::attempt_timeout` (default 30 s; the whole call's `timeout`, 90 s by
    /// default, spans several attempts, each with a reservation of its own). A worker that dies
    /// frees what it held after this.
    pub fn reservation_ttl(mut self, ttl: Duration) -> Self {
        self.lease = ttl;
        self
    }

    /// Checks the settings and opens the client (no connection yet: that happens on first use).
    pub(crate) fn open(
        self,
        org: &url::Url,
        principal: String,
        config: &RateLimitConfig,
    ) -> Result<RedisBudget, Error> {
        check_name("shared_budget", "namespace", &self.namespace)?;
        if !(self.fallback_share > 0.0 && self.fallback_share <= 1.0) {
            return Err(Error::Config(format!(
                "shared_budget: fallback_share must be in (0, 1], not {}",
                self.fallback_share
            )));
        }
        if self.timeout.is_zero() || self.lease < Duration::from_secs(1) {
            return Err(Error::Config(
                "shared_budget: the timeout must be above zero and the reservation ttl at least 1 s".into(),
            ));
        }
        let client = self.source.open("shared_budget")?;
        let lease_ms = u64::try_from(self.lease.as_millis()).unwrap_or(u64::MAX);
        Ok(RedisBudget {
            link: Arc::new(RedisLink {
                client,
                manager: OnceLock::new(),
                ready: tokio::sync::OnceCell::new(),
                health: Mutex::new(Health::default()),
                anchor: Mutex::new(None),
                workers: AtomicU64::new(0),
                held: Mutex::new(Held::default()),
                worker: lease_id(),
                org_prefix: org_prefix(&self.namespace, org),
                principal,
                timeout: self.timeout,
                probe_interval: self.probe_interval.max(Duration::from_millis(10)),
                lease_ms,
                share: config.budget_share,
                max_in_flight: config.max_concurrency,
                max_jitter: config.max_jitter,
            }),
            fallback_share: self.fallback_share,
            learning: Mutex::new(None),
            learned: tokio::sync::Notify::new(),
            spent: Mutex::new(HashMap::new()),
            callers: tokio::sync::Semaphore::new(CONTESTED_CALLERS),
            routes: Mutex::new(HashSet::new()),
            max_routes: config.max_buckets,
        })
    }
}

/// The prefix of every key of `org` in `namespace`: `{namespace}:{host[:port][/path]}`. The org
/// in braces is a Redis Cluster hash tag, so that one script's keys share a slot.
pub fn org_prefix(namespace: &str, org: &url::Url) -> String {
    let mut name = org.host_str().unwrap_or("").to_string();
    if let Some(port) = org.port() {
        name.push_str(&format!(":{port}"));
    }
    name.push_str(org.path().trim_end_matches('/'));
    format!("{namespace}:{{{name}}}")
}

/// Checks a name that becomes part of Redis keys: letters, digits, `-`, `_` and `.`.
pub fn check_name(setting: &str, what: &str, name: &str) -> Result<(), Error> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(Error::Config(format!(
            "{setting}: the {what} must be letters, digits, '-', '_' or '.', not {name:?}"
        )));
    }
    Ok(())
}

/// The shared budget of one client and its clones.
pub struct RedisBudget {
    link: Arc<RedisLink>,
    fallback_share: f64,
    /// The bucket another request is learning while a task of this client polls Redis for its
    /// answer; this client's other tasks for that bucket wait for [`RedisBudget::learned`] instead
    /// of each polling (and each asking once first).
    learning: Mutex<Option<BucketId>>,
    learned: tokio::sync::Notify,
    /// Buckets the script last found spent, and their reset (on the monotonic clock): tasks of
    /// this client sleep until then without asking Redis.
    spent: Mutex<HashMap<BucketId, Instant>>,
    /// Turns for asking about a bucket found spent: see [`CONTESTED_CALLERS`].
    callers: tokio::sync::Semaphore,
    /// The routes this client used, for the snapshot (bounded by `max_buckets`).
    routes: Mutex<HashSet<BucketId>>,
    max_routes: usize,
}

struct RedisLink {
    client: redis::Client,
    /// Made on first use, inside the runtime (it spawns its reconnection task).
    manager: OnceLock<ConnectionManager>,
    /// Set once the script is loaded and Redis's clock read, before the first call.
    ready: tokio::sync::OnceCell<()>,
    health: Mutex<Health>,
    /// Redis's clock as last seen, for the deadlines of reservations.
    anchor: Mutex<Option<Anchor>>,
    /// How many clients of the org were present at the last answer (0: not known yet).
    workers: AtomicU64,
    /// The leases this client holds, to put back when Redis loses them.
    held: Mutex<Held>,
    /// This client's id among the org's workers.
    worker: String,
    org_prefix: String,
    principal: String,
    timeout: Duration,
    probe_interval: Duration,
    lease_ms: u64,
    share: f64,
    max_in_flight: usize,
    max_jitter: Duration,
}

/// Redis's clock, read in an answer received at `at` (on the monotonic clock). The answer was
/// computed before it arrived, so `redis_ms` is at most Redis's time at `at`: a deadline
/// derived from it is never later than meant.
#[derive(Clone, Copy, Debug)]
struct Anchor {
    at: Instant,
    redis_ms: u64,
}

impl Anchor {
    /// `deadline` (a local instant) in Redis milliseconds.
    fn to_redis(self, deadline: Instant) -> u64 {
        let ahead = u64::try_from(deadline.saturating_duration_since(self.at).as_millis())
            .unwrap_or(u64::MAX);
        self.redis_ms.saturating_add(ahead)
    }
}

/// Why a Redis operation failed, as a word fit for a metrics label and a log line (never the
/// server's message, which could quote an argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cause {
    /// No answer within the timeout (a paused, overloaded or unreachable server).
    Timeout,
    /// The connection was refused (nothing listens on the port).
    Refused,
    /// The host name did not resolve.
    Unresolved,
    /// The password or the ACL refused this client or one of the commands it needs
    /// (`WRONGPASS`, `NOAUTH`, `NOPERM`).
    Refusal,
    /// The server refused or failed the script (scripting disabled, an error in it, a
    /// read-only replica).
    Script,
    /// The connection broke (reset, closed, a TLS handshake that failed).
    Connection,
    /// Anything else.
    Other,
}

impl Cause {
    /// The label: `timeout`, `refused`, `unresolved`, `auth`, `script`, `connection`, `other`.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Cause::Timeout => "timeout",
            Cause::Refused => "refused",
            Cause::Unresolved => "unresolved",
            Cause::Refusal => "auth",
            Cause::Script => "script",
            Cause::Connection => "connection",
            Cause::Other => "other",
        }
    }

    /// The cause of a `redis` error.
    fn of(e: &redis::RedisError) -> Cause {
        use redis::{ErrorKind, ServerErrorKind};
        match e.kind() {
            ErrorKind::AuthenticationFailed | ErrorKind::Server(ServerErrorKind::NoPerm) => {
                return Cause::Refusal;
            }
            ErrorKind::Server(
                ServerErrorKind::NoScript
                | ServerErrorKind::ResponseError
                | ServerErrorKind::ExecAbort
                | ServerErrorKind::ReadOnly
                | ServerErrorKind::BusyLoading,
            ) => return Cause::Script,
            _ => {}
        }
        match e.code() {
            Some("NOAUTH" | "WRONGPASS" | "NOPERM") => return Cause::Refusal,
            Some(_) => return Cause::Script,
            None => {}
        }
        if e.is_connection_refusal() {
            return Cause::Refused;
        }
        if e.is_timeout() {
            return Cause::Timeout;
        }
        // The resolver's error has no kind of its own; its text is the resolver's, not the
        // server's, and is only matched, never shown.
        let text = e.to_string();
        if ["lookup address", "not known", "resolve", "No address"]
            .iter()
            .any(|t| text.contains(t))
        {
            return Cause::Unresolved;
        }
        if e.is_io_error() || e.is_connection_dropped() {
            return Cause::Connection;
        }
        Cause::Other
    }
}

/// Why a Redis operation did not answer; the shared budget is left for the local one.
#[derive(Debug, Clone, Copy)]
pub struct Failure {
    pub(crate) cause: Cause,
    timeout: Duration,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cause {
            Cause::Timeout => write!(
                f,
                "no answer from Redis within {} ms",
                self.timeout.as_millis()
            ),
            Cause::Refused => f.write_str("Redis refused the connection"),
            Cause::Unresolved => f.write_str("the Redis host name did not resolve"),
            Cause::Refusal => f.write_str(
                "Redis refused the credentials, or its ACL refused a command the budget needs",
            ),
            Cause::Script => f.write_str("Redis refused or failed the budget's script"),
            Cause::Connection => f.write_str("the connection to Redis broke"),
            Cause::Other => f.write_str("Redis failed"),
        }
    }
}

impl RedisLink {
    fn manager(&self) -> ConnectionManager {
        self.manager
            .get_or_init(|| {
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(Some(self.timeout))
                    .set_number_of_retries(1)
                    .set_max_delay(Duration::from_millis(200));
                // Only fails on settings this crate does not use (a push sender).
                ConnectionManager::new_lazy_with_config(self.client.clone(), config)
                    .expect("a connection manager without push settings")
            })
            .clone()
    }

    fn keys(&self, key: &BucketId) -> RedisKeys {
        let route = format!("{}:p:{}:{key}", self.org_prefix, self.principal);
        RedisKeys {
            bucket: format!("{route}:bucket"),
            leases: format!("{route}:leases"),
            in_flight: format!("{}:in-flight", self.org_prefix),
            clock: format!("{}:clock", self.org_prefix),
            probe: format!("{route}:probe"),
            workers: format!("{}:workers", self.org_prefix),
        }
    }

    fn failure(&self, cause: Cause) -> Failure {
        Failure {
            cause,
            timeout: self.timeout,
        }
    }

    /// Loads the script and reads Redis's clock before the first call, once per client (a
    /// failure is tried again by the next call).
    async fn ready(&self) -> Result<(), Failure> {
        self.ready
            .get_or_try_init(|| async {
                let mut con = self.manager();
                let load = SCRIPT.load_async(&mut con);
                // A first connection (a TLS handshake, a cold DNS cache) may take longer than
                // one operation, so the start-up has a patience of its own.
                match tokio::time::timeout(self.timeout.max(STARTUP), load).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => return Err(self.failure(Cause::of(&e))),
                    Err(_) => return Err(self.failure(Cause::Timeout)),
                }
                self.ping().await
            })
            .await
            .map(|_| ())
    }

    /// Registers this client as present and reads Redis's clock, with the budget's script.
    async fn ping(&self) -> Result<(), Failure> {
        let keys = self.keys(&BucketId::new(http::Method::GET, "/".into()));
        self.run(&keys, Op::Ping, "").await.map(drop)
    }

    /// Runs the script under the timeout; the answer's text.
    async fn run(&self, keys: &RedisKeys, op: Op, lease: &str) -> Result<String, Failure> {
        let request = Request {
            op,
            lease,
            worker: &self.worker,
            now: None,
            limits: &LIMITS,
        };
        // Serialising plain numbers and strings cannot fail.
        let json = serde_json::to_string(&request).unwrap_or_default();
        let mut invocation = SCRIPT.prepare_invoke();
        for k in keys.all() {
            invocation.key(k);
        }
        invocation.arg(json);
        let mut con = self.manager();
        let text: String =
            match tokio::time::timeout(self.timeout, invocation.invoke_async(&mut con)).await {
                Ok(Ok(v)) => v,
                Ok(Err(e)) => return Err(self.failure(Cause::of(&e))),
                Err(_) => return Err(self.failure(Cause::Timeout)),
            };
        let received = Instant::now();
        let stamp: Stamp = serde_json::from_str(&text).map_err(|_| self.failure(Cause::Script))?;
        *self.anchor.lock().unwrap_or_else(|p| p.into_inner()) = Some(Anchor {
            at: received,
            redis_ms: stamp.now,
        });
        if stamp.workers > 0 {
            self.workers.store(stamp.workers, Ordering::Relaxed);
        }
        Ok(text)
    }

    /// The Redis time after which a request sent now has been given up.
    fn deadline(&self) -> Option<u64> {
        let anchor = *self.anchor.lock().unwrap_or_else(|p| p.into_inner());
        anchor.map(|a| a.to_redis(Instant::now() + self.timeout))
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Puts back this client's leases of the bucket of `keys`, which Redis lost (their epoch
    /// is no longer the bucket's), as of Redis time `now`.
    async fn reclaim(&self, keys: &RedisKeys, lease: &str, now: u64) -> Result<(), Failure> {
        let leases = self.held().reclaimable(&keys.leases, now);
        let count = leases.len();
        let text = self
            .run(keys, Op::Reclaim(Reclaim { leases }), lease)
            .await?;
        let Reclaimed::Reclaimed { epoch } =
            serde_json::from_str(&text).map_err(|_| self.failure(Cause::Script))?;
        self.held().reclaimed(&keys.leases, &epoch);
        tracing::info!(
            leases = count,
            "rate limit: Redis lost the shared bucket's reservations (flushed or restarted); \
             put back this client's"
        );
        Ok(())
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A unit of a shared bucket and an org-wide concurrency slot, held in Redis as a lease. Dropped
/// without `finish`, it is given back in the background (or expires).
pub struct Reservation {
    link: Arc<RedisLink>,
    keys: RedisKeys,
    id: String,
    probe: bool,
    /// Something may be held in Redis under this id: give it back when dropped.
    open: bool,
}

impl RedisBudget {
    /// Whether requests go to Redis now (no outage under way).
    pub fn is_up(&self) -> bool {
        self.link.health().is_up()
    }

    /// The share of each bucket and of the concurrency cap this client takes on its own while
    /// Redis cannot coordinate the workers: 1/N of the N clients Redis last counted, or the
    /// configured fallback share before any count.
    pub fn fallback_fraction(&self) -> f64 {
        match self.link.workers.load(Ordering::Relaxed) {
            0 => self.fallback_share,
            // `as` saturates; at most 1.
            n => 1.0 / n as f64,
        }
    }

    /// Sets the count of workers, as an answer from Redis would.
    #[cfg(test)]
    pub(crate) fn set_workers(&self, n: u64) {
        self.link.workers.store(n, Ordering::Relaxed);
    }

    /// The routes this client used through the shared budget.
    pub fn routes(&self) -> Vec<BucketId> {
        let routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        routes.iter().cloned().collect()
    }

    /// Waits for a unit of `key` and an org-wide slot, and leases both.
    pub async fn acquire(&self, key: &BucketId) -> Result<Reservation, Failure> {
        {
            let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
            if routes.len() < self.max_routes {
                routes.insert(key.clone());
            }
        }
        let link = &self.link;
        link.ready().await?;
        let mut lease = Reservation {
            link: link.clone(),
            keys: link.keys(key),
            id: lease_id(),
            probe: false,
            open: false,
        };
        let mut held = false;
        // Set while this task polls for the bucket's first answer for the whole client; its
        // drop (also when the call is dropped) lets the others go.
        let mut poller: Option<Poller<'_>> = None;
        let mut expired = 0u32;
        // Reclaims asked for by this call: after a few (Redis flushed again and again), it
        // stops sending its epoch rather than loop.
        let mut reclaims = 0u32;
        // Whether this task has found the bucket spent: it then asks in turn.
        let mut contested = false;
        loop {
            if !held && poller.is_none() && self.await_learner(key).await {
                contested = true;
                continue;
            }
            if !held {
                if let Some(until) = self.spent_until(key) {
                    // Wake-ups spread over the jitter, so that the tasks of all the clients
                    // do not ask in the same millisecond of the reset.
                    let at = until + jitter(link.max_jitter);
                    tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
                    contested = true;
                    continue;
                }
            }
            let turn = if contested && !held {
                self.callers.acquire().await.ok()
            } else {
                None
            };
            if turn.is_some() && self.spent_until(key).is_some() {
                // Another task learned meanwhile that the new window is spent too.
                continue;
            }
            let op = Op::Acquire(Acquire {
                share: link.share,
                lease_ms: link.lease_ms,
                max_in_flight: link.max_in_flight,
                held,
                burst: BURST,
                poll_ms: ms(POLL),
                // Twice refused as late, the clock estimate is off (a Redis clock that
                // jumped): this call goes without a deadline.
                deadline: (expired < 2).then(|| link.deadline()).flatten(),
                epoch: (reclaims < MAX_RECLAIMS)
                    .then(|| link.held().epoch(&lease.keys.leases).map(str::to_owned))
                    .flatten(),
            });
            let answer = match link.run(&lease.keys, op, &lease.id).await {
                Ok(text) => {
                    serde_json::from_str::<Acquired>(&text).map_err(|_| link.failure(Cause::Script))
                }
                Err(f) => Err(f),
            };
            drop(turn);
            let answer = match answer {
                Ok(a) => a,
                Err(f) => {
                    // A request that was sent may still run in Redis: give back whatever it
                    // takes.
                    lease.open |= matches!(f.cause, Cause::Timeout | Cause::Connection);
                    return Err(f);
                }
            };
            let learning = matches!(answer, Acquired::Wait { learning: true, .. });
            if !learning {
                poller = None;
            }
            match answer {
                Acquired::Go { probe, epoch, now } => {
                    lease.probe |= probe;
                    lease.open = true;
                    let expires = now.saturating_add(link.lease_ms);
                    link.held()
                        .hold(&lease.keys.leases, &epoch, &lease.id, expires, true);
                    return Ok(lease);
                }
                // The unit is ours from now on (given back if this call is dropped).
                Acquired::Scheduled {
                    wait_ms,
                    probe,
                    epoch,
                    now,
                } => {
                    lease.probe |= probe;
                    held = true;
                    lease.open = true;
                    let expires = now.saturating_add(wait_ms).saturating_add(link.lease_ms);
                    link.held()
                        .hold(&lease.keys.leases, &epoch, &lease.id, expires, false);
                    tokio::time::sleep(Duration::from_millis(wait_ms.min(60_000))).await;
                }
                Acquired::Reclaim { now } => {
                    reclaims += 1;
                    if let Err(f) = link.reclaim(&lease.keys, &lease.id, now).await {
                        lease.open |= held;
                        return Err(f);
                    }
                }
                Acquired::Wait {
                    wait_ms,
                    learning: true,
                    ..
                } => {
                    // Another request is learning the bucket: one task of this client polls,
                    // the others wait for it (or, should it vanish, for the patience), and
                    // then ask in turn, as for a bucket found spent.
                    contested = true;
                    let wait = Duration::from_millis(wait_ms.clamp(1, 60_000));
                    if poller.is_none() {
                        let mut learning = self.learning.lock().unwrap_or_else(|p| p.into_inner());
                        if learning.is_none() {
                            *learning = Some(key.clone());
                            poller = Some(Poller(self));
                        }
                    }
                    // This task polls (for the client, or for another bucket than the one
                    // polled for), or waits for the task that does.
                    if poller.is_some() || !self.await_learner(key).await {
                        tokio::time::sleep(wait).await;
                    }
                }
                Acquired::Wait {
                    wait_ms,
                    spent: true,
                    ..
                } => {
                    tracing::debug!(
                        bucket = %key,
                        wait_ms,
                        "rate limit: the shared bucket is spent until its reset"
                    );
                    let wait = Duration::from_millis(wait_ms.min(60_000));
                    self.mark_spent(key, Instant::now() + wait);
                    contested = true;
                }
                Acquired::Wait { wait_ms, .. } => {
                    tracing::debug!(
                        bucket = %key,
                        wait_ms,
                        "rate limit: waiting for the shared bucket"
                    );
                    let wait = Duration::from_millis(wait_ms.min(60_000));
                    let spread = jitter(link.max_jitter.min(wait.max(POLL)));
                    tokio::time::sleep(wait.saturating_add(spread)).await;
                }
                Acquired::Expired => expired += 1,
            }
        }
    }

    /// When a bucket this client found spent resets, if that is still ahead.
    fn spent_until(&self, key: &BucketId) -> Option<Instant> {
        let mut spent = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        let until = *spent.get(key)?;
        if until > Instant::now() {
            return Some(until);
        }
        spent.remove(key);
        None
    }

    fn mark_spent(&self, key: &BucketId, until: Instant) {
        let mut spent = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        spent.retain(|_, at| *at > now);
        if spent.len() < self.max_routes || spent.contains_key(key) {
            spent.insert(key.clone(), until);
        }
    }

    /// Waits while another task of this client polls for `key`'s first answer (at most the
    /// patience); `false` when none does.
    async fn await_learner(&self, key: &BucketId) -> bool {
        let mut notified = std::pin::pin!(self.learned.notified());
        notified.as_mut().enable();
        let learner = {
            let learning = self.learning.lock().unwrap_or_else(|p| p.into_inner());
            learning.as_ref() == Some(key)
        };
        if learner {
            let _ = tokio::time::timeout(PROBE_PATIENCE, notified).await;
        }
        learner
    }

    fn stop_polling(&self) {
        *self.learning.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.learned.notify_waiters();
    }

    /// Records a failed operation, and on the failure that trips the client into an outage
    /// warns, counts and starts probing. Returns what the failure did.
    pub fn failed(&self, failure: &Failure) -> Trip {
        metrics::redis_failure(failure.cause.label());
        let trip = self.link.health().failed(Instant::now());
        if trip != Trip::Tripped {
            return trip;
        }
        tracing::warn!(
            error = %failure,
            cause = failure.cause.label(),
            "rate limit: the shared budget in Redis is unreachable; using the local budget \
             at the fallback share until it is back"
        );
        metrics::redis_fallback(failure.cause.label());
        let weak = Arc::downgrade(&self.link);
        tokio::spawn(probe(weak));
        trip
    }

    /// Records a successful operation (failures are counted afresh).
    pub fn succeeded(&self) {
        self.link.health().succeeded();
    }

    /// The shared figures of `keys`: limit, remaining, reset, units in flight.
    pub async fn snapshot(&self, key: &BucketId) -> Option<RedisFigures> {
        if !self.is_up() {
            return None;
        }
        let keys = self.link.keys(key);
        let mut pipe = redis::pipe();
        // The units reserved: the leases set without its epoch (scored +inf).
        pipe.hmget(&keys.bucket, &["limit", "remaining", "reset"])
            .zcount(&keys.leases, "-inf", "(+inf");
        let mut con = self.link.manager();
        let query = pipe.query_async::<(Vec<Option<u64>>, u64)>(&mut con);
        let (fields, in_flight) = tokio::time::timeout(self.link.timeout, query)
            .await
            .ok()?
            .ok()?;
        Some(RedisFigures {
            limit: fields.first().copied().flatten(),
            remaining: fields.get(1).copied().flatten(),
            reset: fields
                .get(2)
                .copied()
                .flatten()
                .and_then(|ms| UNIX_EPOCH.checked_add(Duration::from_millis(ms))),
            in_flight,
        })
    }
}

/// The task polling for a bucket's first answer on behalf of its client; see
/// [`RedisBudget::learning`].
struct Poller<'a>(&'a RedisBudget);

impl Drop for Poller<'_> {
    fn drop(&mut self) {
        self.0.stop_polling();
    }
}

/// A bucket as Redis holds it.
pub struct RedisFigures {
    /// The window's limit, once an answer told it.
    pub limit: Option<u64>,
    /// What is left of the window.
    pub remaining: Option<u64>,
    /// When the window resets.
    pub reset: Option<SystemTime>,
    /// Units reserved and not yet recorded.
    pub in_flight: u64,
}

/// Runs the budget's script every probe interval until it answers (or the client is gone),
/// then returns the client to the shared budget.
async fn probe(link: Weak<RedisLink>) {
    loop {
        let Some(interval) = link.upgrade().map(|l| l.probe_interval) else {
            return;
        };
        tokio::time::sleep(interval).await;
        let Some(l) = link.upgrade() else {
            return;
        };
        if l.ping().await.is_ok() {
            metrics::redis_back();
            if let Some(outage) = l.health().recovered(Instant::now()) {
                tracing::info!(
                    outage_ms = u64::try_from(outage.as_millis()).unwrap_or(u64::MAX),
                    "rate limit: Redis is back; using the shared budget again"
                );
            }
            return;
        }
    }
}

impl Reservation {
    /// Records the answer in the shared bucket and frees the slot; `None` when Redis did not
    /// answer (the caller then judges the answer locally; the lease is given back in the
    /// background, or expires).
    pub(crate) async fn finish(
        mut self,
        status: StatusCode,
        report: Option<Report>,
    ) -> Result<Verdict, Failure> {
        let local_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let op = Op::Record(Record {
            status: status.as_u16(),
            report: report.map(|r| WireReport {
                limit: r.limit,
                remaining: r.remaining,
                reset: r.reset,
                date: r.date,
            }),
            secs_left: report
                .map(|r| r.reset.saturating_sub(local_unix).min(60))
                .unwrap_or(0),
            probe: self.probe,
            bucket_ttl_ms: ms(BUCKET_TTL),
        });
        // Forgotten before the record is sent: a reclaim sent after it on the same connection
        // must not put the lease back.
        self.link.held().drop_lease(&self.keys.leases, &self.id);
        let text = self.link.run(&self.keys, op, &self.id).await?;
        let recorded = serde_json::from_str::<Recorded>(&text)
            .map_err(|_| self.link.failure(Cause::Script))?;
        self.open = false;
        // Redis lost the bucket while other calls of this client were in flight: put their
        // leases back now rather than at the next acquire, which may not come soon. The verdict
        // stands whatever this does (a failure leaves it to the next acquire).
        if let Ok(RecordedEpoch { now, epoch }) = serde_json::from_str(&text) {
            let mine = self.link.held().epoch(&self.keys.leases).map(str::to_owned);
            if mine.is_some() && mine != epoch {
                let _ = self.link.reclaim(&self.keys, &self.id, now).await;
            }
        }
        Ok(match recorded {
            Recorded::NotLimited => Verdict::NotLimited,
            Recorded::Spent { wait_ms } => {
                Verdict::Spent(Duration::from_millis(wait_ms.min(60_000)))
            }
            Recorded::Concurrency => Verdict::Concurrency,
            Recorded::Unknown => Verdict::Unknown,
        })
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        // Only an open lease can be among the client's held ones (`finish` forgot it already).
        if !self.open {
            return;
        }
        self.link.held().drop_lease(&self.keys.leases, &self.id);
        // Given back in the background (a paused Redis runs the abandoned request when it
        // resumes; the release, sent after it on the same connection, then frees what it
        // took); if that cannot be delivered for a whole lease, the lease has expired by
        // itself.
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let link = self.link.clone();
        let keys = std::mem::replace(
            &mut self.keys,
            RedisKeys {
                bucket: String::new(),
                leases: String::new(),
                in_flight: String::new(),
                clock: String::new(),
                probe: String::new(),
                workers: String::new(),
            },
        );
        let id = std::mem::take(&mut self.id);
        handle.spawn(async move {
            let until = Instant::now() + Duration::from_millis(link.lease_ms);
            loop {
                match link.run(&keys, Op::Release, &id).await {
                    // A release that timed out is on its way, behind the request it undoes:
                    // a paused Redis runs both when it resumes. Sending it again would only
                    // queue more.
                    Ok(_) => return,
                    Err(f) if f.cause == Cause::Timeout => return,
                    // Not delivered (the connection is down): again, until the lease is over.
                    Err(_) if Instant::now() >= until => return,
                    Err(_) => {
                        tokio::time::sleep(link.probe_interval.min(Duration::from_millis(250)))
                            .await
                    }
                }
            }
        });
    }
}

/// A lease id unique across processes: random bits and a per-process counter.
pub fn lease_id() -> String {
    use std::hash::BuildHasher;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let r = std::collections::hash_map::RandomState::new().hash_one((
        std::process::id(),
        n,
        Instant::now(),
    ));
    format!("{r:016x}{n:x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_in_redis_time_is_never_later_than_meant() {
        let t0 = Instant::now();
        let a = Anchor {
            at: t0,
            redis_ms: 1_000_000,
        };
        assert_eq!(a.to_redis(t0 + Duration::from_millis(100)), 1_000_100);
        // A deadline before the anchor (cannot happen) saturates at the anchor.
        assert_eq!(a.to_redis(t0), 1_000_000);
    }
}
