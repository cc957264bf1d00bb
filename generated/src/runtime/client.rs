//! The client: a cheap handle around the core's engine, which assembles, paces, signs, sends
//! and decides. The emitted group accessors are inherent methods of [`Client`], which is why
//! the handle lives in this crate and the engine does not.

use std::fmt;
use std::sync::Arc;

use url::Url;

use super::engine::Engine;
use super::error::Error;
use super::request::Request;
use super::response::RawResponse;

/// A client for one Okta org. Cheap to clone: clones share the connection pool, the rate-limit
/// governor (one budget per route, one cap on requests in flight) and, with OAuth, the access
/// token.
#[derive(Clone)]
pub struct Client {
    engine: Arc<Engine>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.engine.fmt(f)
    }
}

/// The handle of a newly assembled engine (a free function, so that no name is taken from the
/// group accessors the generator gives `Client`).
pub(crate) fn handle(engine: Engine) -> Client {
    Client {
        engine: Arc::new(engine),
    }
}

impl Client {
    /// The org URL requests are sent to.
    pub fn org_url(&self) -> &Url {
        self.engine.org_url()
    }

    /// The engine, for the runtime's senders that prepare a request themselves (pagination, the
    /// System Log tailer).
    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Sends `request` with authentication, pacing and retries, within the call's deadline.
    pub(crate) async fn execute(&self, request: &Request) -> Result<RawResponse, Error> {
        self.engine.execute(request).await
    }

    /// Every rate-limit bucket the client has learned: route, limit, remaining, reset, units
    /// in flight, tasks waiting, and whether the budget is this client's own, shared through
    /// Redis, or the fallback used during a Redis outage. Empty when the governor is off.
    ///
    /// Shared buckets are read from Redis (one round trip per route, each under the shared
    /// budget's timeout); a shared bucket Redis does not answer for is left out.
    pub async fn rate_limit_snapshot(&self) -> Vec<super::governor::BucketSnapshot> {
        self.engine.rate_limit_snapshot().await
    }
}
