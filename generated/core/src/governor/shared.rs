//! The rate-limit budget shared through Redis by every client of an org, in every process (the
//! `redis` feature). The decisions are one Lua script (`budget.lua`), run atomically by Redis
//! on Redis's clock; this file configures it, calls it under a short timeout, and tells the
//! governor when Redis fails so that the local budget stands in.

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::StatusCode;
use redis::aio::ConnectionManager;

use super::health::Health;
use super::state::{Key, Report, Verdict};
use super::RateLimitConfig;
use crate::error::Error;
use crate::metrics;
use crate::retry::jitter;
use crate::secret::Secret;

/// The default limit on one Redis operation: [`SharedBudget::timeout`].
pub const DEFAULT_REDIS_TIMEOUT: Duration = Duration::from_millis(100);
/// The default share of each bucket used while Redis is unreachable:
/// [`SharedBudget::fallback_share`].
pub const DEFAULT_FALLBACK_SHARE: f64 = 0.25;

/// The part of each window released at once when it opens; the rest is released evenly over
/// the window, so that workers waiting for the reset do not all send in its first millisecond.
const BURST: f64 = 0.1;
/// How long a task polls when another request is learning a bucket or the org's requests in
/// flight are at the cap.
const POLL: Duration = Duration::from_millis(20);
/// How long the first request of an unknown route holds the others back.
const PROBE_PATIENCE: Duration = Duration::from_secs(1);
/// How long Redis keeps a bucket nobody has used.
const BUCKET_TTL: Duration = Duration::from_secs(600);

static SCRIPT: LazyLock<redis::Script> =
    LazyLock::new(|| redis::Script::new(include_str!("budget.lua")));

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
    /// A call never waits longer than this for Redis: past it, the call goes on under the
    /// local budget.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The share of each bucket (and of
    /// [`max_concurrency`](super::RateLimitConfig::max_concurrency)) this client uses on its
    /// own while Redis is unreachable, in `(0, 1]` (default [`DEFAULT_FALLBACK_SHARE`], 0.25).
    /// Set it to about 1 / the number of workers, so that the workers together stay within the
    /// org's limits while they cannot coordinate.
    pub fn fallback_share(mut self, share: f64) -> Self {
        self.fallback_share = share;
        self
    }

    /// How often Redis is probed during an outage (default 1 s); the first successful probe
    /// returns the client to the shared budget.
    pub fn probe_interval(mut self, interval: Duration) -> Self {
        self.probe_interval = interval;
        self
    }

    /// How long a reserved unit and a concurrency slot are held in Redis without an answer
    /// (default 35 s, above the default request timeout of 30 s). A worker that dies frees
    /// them after this; set it above your longest `ClientBuilder::timeout`.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Checks the settings and opens the client (no connection yet: that happens on first use).
    pub fn open(
        self,
        org: &url::Url,
        principal: String,
        config: &RateLimitConfig,
    ) -> Result<Shared, Error> {
        check_name("shared_budget", "namespace", &self.namespace)?;
        if !(self.fallback_share > 0.0 && self.fallback_share <= 1.0) {
            return Err(Error::Config(format!(
                "shared_budget: fallback_share must be in (0, 1], not {}",
                self.fallback_share
            )));
        }
        if self.timeout.is_zero() || self.lease < Duration::from_secs(1) {
            return Err(Error::Config(
                "shared_budget: the timeout must be above zero and the lease at least 1 s".into(),
            ));
        }
        let client = self.source.open("shared_budget")?;
        let lease_ms = u64::try_from(self.lease.as_millis()).unwrap_or(u64::MAX);
        Ok(Shared {
            link: Arc::new(Link {
                client,
                manager: OnceLock::new(),
                health: Mutex::new(Health::default()),
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
pub struct Shared {
    link: Arc<Link>,
    pub fallback_share: f64,
    /// The routes this client used, for the snapshot (bounded by `max_buckets`).
    routes: Mutex<HashSet<Key>>,
    max_routes: usize,
}

struct Link {
    client: redis::Client,
    /// Made on first use, inside the runtime (it spawns its reconnection task).
    manager: OnceLock<ConnectionManager>,
    health: Mutex<Health>,
    org_prefix: String,
    principal: String,
    timeout: Duration,
    probe_interval: Duration,
    lease_ms: u64,
    share: f64,
    max_in_flight: usize,
    max_jitter: Duration,
}

/// Why a Redis operation did not answer; the shared budget is left for the local one.
#[derive(Debug)]
pub struct Failure(String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The Redis keys of one route (see the README's "keys written").
struct Keys([String; 5]);

impl Link {
    fn manager(&self) -> ConnectionManager {
        self.manager
            .get_or_init(|| {
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(Some(self.timeout))
                    .set_number_of_retries(1)
                    .set_max_delay(Duration::from_secs(1));
                // Only fails on settings this crate does not use (a push sender).
                ConnectionManager::new_lazy_with_config(self.client.clone(), config)
                    .expect("a connection manager without push settings")
            })
            .clone()
    }

    fn keys(&self, key: &Key) -> Keys {
        let route = format!("{}:p:{}:{key}", self.org_prefix, self.principal);
        Keys([
            format!("{route}:bucket"),
            format!("{route}:leases"),
            format!("{}:in-flight", self.org_prefix),
            format!("{}:clock", self.org_prefix),
            format!("{route}:probe"),
        ])
    }

    /// Runs the script under the timeout.
    async fn run<T: redis::FromRedisValue>(
        &self,
        keys: &Keys,
        args: &[String],
    ) -> Result<T, Failure> {
        let mut invocation = SCRIPT.prepare_invoke();
        for k in &keys.0 {
            invocation.key(k);
        }
        for a in args {
            invocation.arg(a);
        }
        let mut con = self.manager();
        match tokio::time::timeout(self.timeout, invocation.invoke_async(&mut con)).await {
            Ok(Ok(v)) => Ok(v),
            // The kind only: a server's message could quote an argument.
            Ok(Err(e)) => Err(Failure(format!("Redis error ({:?})", e.kind()))),
            Err(_) => Err(Failure(format!(
                "no answer from Redis within {} ms",
                self.timeout.as_millis()
            ))),
        }
    }
}

/// A unit of a shared bucket and an org-wide concurrency slot, held in Redis as a lease. Dropped
/// without [`finish`](Lease::finish), it is given back in the background (or expires).
pub struct Lease {
    link: Arc<Link>,
    keys: Keys,
    id: String,
    probe: bool,
    open: bool,
}

impl Shared {
    /// Whether requests go to Redis now (no outage under way).
    pub fn is_up(&self) -> bool {
        self.link.health().is_up()
    }

    /// The routes this client used through the shared budget.
    pub fn routes(&self) -> Vec<Key> {
        let routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        routes.iter().cloned().collect()
    }

    /// Waits for a unit of `key` and an org-wide slot, and leases both.
    pub async fn acquire(&self, key: &Key) -> Result<Lease, Failure> {
        {
            let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
            if routes.len() < self.max_routes {
                routes.insert(key.clone());
            }
        }
        let link = &self.link;
        let mut lease = Lease {
            link: link.clone(),
            keys: link.keys(key),
            id: lease_id(),
            probe: false,
            open: false,
        };
        let mut held = false;
        loop {
            let args = [
                "acquire".to_string(),
                lease.id.clone(),
                String::new(),
                link.share.to_string(),
                link.lease_ms.to_string(),
                link.max_in_flight.to_string(),
                u8::from(held).to_string(),
                PROBE_PATIENCE.as_millis().to_string(),
                BURST.to_string(),
                POLL.as_millis().to_string(),
            ];
            let (code, wait_ms, probe): (u8, u64, u8) = link.run(&lease.keys, &args).await?;
            lease.probe |= probe == 1;
            let wait = Duration::from_millis(wait_ms.min(60_000));
            match code {
                0 => {
                    lease.open = true;
                    return Ok(lease);
                }
                // The unit is ours from now on (given back if this call is dropped).
                1 => {
                    held = true;
                    lease.open = true;
                    tokio::time::sleep(wait).await;
                }
                _ => {
                    tracing::debug!(
                        bucket = %key,
                        wait_ms,
                        "rate limit: waiting for the shared bucket"
                    );
                    let spread = jitter(link.max_jitter.min(wait.max(POLL)));
                    tokio::time::sleep(wait.saturating_add(spread)).await;
                }
            }
        }
    }

    /// Records a failed operation; on the first of an outage, warns, counts and starts probing.
    pub fn failed(&self, failure: &Failure) {
        if !self.link.health().failed(Instant::now()) {
            return;
        }
        tracing::warn!(
            error = %failure,
            "rate limit: the shared budget in Redis is unreachable; using the local budget \
             at the fallback share until it is back"
        );
        metrics::redis_fallback();
        let weak = Arc::downgrade(&self.link);
        tokio::spawn(probe(weak));
    }

    /// The shared figures of `keys`: limit, remaining, reset, units in flight.
    pub async fn snapshot(&self, key: &Key) -> Option<SharedFigures> {
        if !self.is_up() {
            return None;
        }
        let keys = self.link.keys(key);
        let mut pipe = redis::pipe();
        pipe.hmget(&keys.0[0], &["limit", "remaining", "reset"])
            .zcard(&keys.0[1]);
        let mut con = self.link.manager();
        let query = pipe.query_async::<(Vec<Option<u64>>, u64)>(&mut con);
        let (fields, in_flight) = tokio::time::timeout(self.link.timeout, query)
            .await
            .ok()?
            .ok()?;
        Some(SharedFigures {
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

/// A bucket as Redis holds it.
pub struct SharedFigures {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    pub reset: Option<SystemTime>,
    pub in_flight: u64,
}

impl Link {
    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Pings Redis every probe interval until it answers (or the client is gone), then returns
/// the client to the shared budget.
async fn probe(link: Weak<Link>) {
    loop {
        let Some(interval) = link.upgrade().map(|l| l.probe_interval) else {
            return;
        };
        tokio::time::sleep(interval).await;
        let Some(l) = link.upgrade() else {
            return;
        };
        let mut con = l.manager();
        let cmd = redis::cmd("PING");
        let ping = cmd.query_async::<String>(&mut con);
        if let Ok(Ok(_)) = tokio::time::timeout(l.timeout, ping).await {
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

impl Lease {
    /// Records the answer in the shared bucket and frees the slot; `None` when Redis did not
    /// answer (the caller then judges the answer locally; the lease expires by itself).
    pub async fn finish(
        mut self,
        status: StatusCode,
        report: Option<Report>,
    ) -> Result<Verdict, Failure> {
        self.open = false;
        let local_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let (has, limit, remaining, reset, date) = match report {
            Some(r) => (
                "1",
                r.limit.to_string(),
                r.remaining.to_string(),
                r.reset.to_string(),
                r.date.map(|d| d.to_string()).unwrap_or_default(),
            ),
            None => ("0", "0".into(), "0".into(), "0".into(), String::new()),
        };
        // Only used without a Date: the local clock's idea of the seconds left.
        let secs_left = report
            .map(|r| r.reset.saturating_sub(local_unix).min(60))
            .unwrap_or(0);
        let args = [
            "record".to_string(),
            self.id.clone(),
            String::new(),
            status.as_u16().to_string(),
            has.to_string(),
            limit,
            remaining,
            reset,
            date,
            secs_left.to_string(),
            u8::from(self.probe).to_string(),
            BUCKET_TTL.as_millis().to_string(),
        ];
        let (code, wait_ms): (u8, u64) = self.link.run(&self.keys, &args).await?;
        Ok(match code {
            0 => Verdict::Answered,
            1 => Verdict::Spent(Duration::from_millis(wait_ms.min(60_000))),
            2 => Verdict::Concurrency,
            _ => Verdict::Unknown,
        })
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        // Given back in the background; if that fails too, the lease expires by itself.
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let link = self.link.clone();
        let (leases, in_flight, probe) = (
            self.keys.0[1].clone(),
            self.keys.0[2].clone(),
            self.keys.0[4].clone(),
        );
        let (id, was_probe) = (std::mem::take(&mut self.id), self.probe);
        handle.spawn(async move {
            let mut pipe = redis::pipe();
            pipe.zrem(&leases, &id).zrem(&in_flight, &id);
            if was_probe {
                pipe.del(&probe);
            }
            let mut con = link.manager();
            let _ = tokio::time::timeout(link.timeout, pipe.query_async::<()>(&mut con)).await;
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
