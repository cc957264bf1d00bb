//! Following the org's System Log (`GET /api/v1/logs`) as a stream: polling for new events
//! once caught up, a cursor to resume from, and duplicates dropped by `uuid`.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::hash::BuildHasher;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;
use serde_json::Value;
use url::Url;

use super::client::Client;
use super::error::Error;
use super::log_event::LogEvent;
use super::pagination::{keep_query, next_url};
use super::request::Request;
use crate::operations::log::ListSystemLogEvents;

/// The default wait between polls once the stream has caught up.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(10);
/// The default number of recent events whose `uuid` is remembered to drop duplicates.
pub const DEFAULT_DEDUP_WINDOW: usize = 5_000;

/// Where a System Log stream stands: the link of the page it is delivering, or of the next page
/// to fetch once that one is delivered. Store it (as a string) and give it to
/// [`SystemLogTail::resume`] to continue later, in this process or another.
///
/// A cursor taken in the middle of a page points at that page: resuming delivers the page's
/// events again (at-least-once delivery); events carry a `uuid` to recognise them by. A cursor
/// taken between pages repeats nothing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LogCursor(String);

impl LogCursor {
    /// The cursor as text (an absolute URL of the org, which holds no credentials).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LogCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for LogCursor {
    type Err = Error;

    /// Reads a stored cursor; it must be an absolute URL (it is checked against the org when
    /// the stream starts).
    fn from_str(s: &str) -> Result<LogCursor, Error> {
        Url::parse(s)
            .map(|u| LogCursor(u.into()))
            .map_err(|e| Error::InvalidRequest(format!("bad System Log cursor {s:?}: {e}")))
    }
}

impl serde::Serialize for LogCursor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for LogCursor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<LogCursor, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A System Log stream being configured; from [`Client::log_tailer`].
///
/// Without [`until`](Self::until) the stream **tails** the log: it follows the `rel="next"`
/// links in ascending order and, once a page comes back empty (caught up), waits the
/// [`poll_interval`](Self::poll_interval) and asks for the same link again, for ever. With
/// `until` it is **bounded**: it ends after the last page. Every request goes through the
/// client (authentication, retries, and the rate-limit governor, which paces the polls under
/// the `/api/v1/logs` bucket).
///
/// ```no_run
/// # async fn run(client: okta_client::Client) -> Result<(), okta_client::Error> {
/// use futures::TryStreamExt;
/// use okta_client::system_log::LogCursor;
///
/// let mut events = client
///     .log_tailer()
///     .since("2026-12-01T00:00:00Z")
///     .filter(r#"eventType eq "user.session.start""#)
///     .poll_interval(std::time::Duration::from_secs(15))
///     .into_stream();
/// while let Some(event) = events.try_next().await? {
///     println!("{:?} {}", event.uuid(), event.raw());
///     // Store this to continue later with `log_tailer().resume(cursor)`.
///     let cursor: Option<LogCursor> = events.cursor();
/// #   let _ = cursor;
/// }
/// # Ok(()) }
/// ```
///
/// The requests are the catalog's `ListSystemLogEvents` operation
/// ([`LogApi::list_system_log_events`](crate::operations::log::LogApi::list_system_log_events)):
/// the setters below fill its parameters, and every page is sent as that operation (its span,
/// its rate-limit bucket).
#[derive(Clone, Debug)]
#[must_use = "a System Log stream does nothing until it is polled"]
pub struct SystemLogTail {
    client: Client,
    /// The operation whose query the stream starts from.
    operation: ListSystemLogEvents,
    poll_interval: Duration,
    dedup_window: usize,
    resume: Option<LogCursor>,
}

impl Client {
    /// Follows the org's System Log: see [`SystemLogTail`] (the `log` feature).
    pub fn log_tailer(&self) -> SystemLogTail {
        SystemLogTail {
            client: self.clone(),
            operation: self.log().list_system_log_events(),
            poll_interval: DEFAULT_POLL_INTERVAL,
            dedup_window: DEFAULT_DEDUP_WINDOW,
            resume: None,
        }
    }
}

impl SystemLogTail {
    /// The first moment to read from (ISO 8601, `since`); without it Okta starts seven days
    /// back.
    pub fn since(mut self, since: impl Into<String>) -> Self {
        self.operation = self.operation.since(since);
        self
    }

    /// The moment to stop at (ISO 8601, `until`): the stream becomes bounded and ends after
    /// the last page instead of polling.
    pub fn until(mut self, until: impl Into<String>) -> Self {
        self.operation = self.operation.until(until);
        self
    }

    /// A filter expression (`filter`), such as `eventType eq "user.session.start"`.
    pub fn filter(mut self, filter: impl Into<String>) -> Self {
        self.operation = self.operation.filter(filter);
        self
    }

    /// A keyword search (`q`).
    pub fn q(mut self, q: impl Into<String>) -> Self {
        self.operation = self.operation.q(q);
        self
    }

    /// Events per page (`limit`; Okta allows up to 1,000, default 100).
    pub fn limit(mut self, limit: i64) -> Self {
        self.operation = self.operation.limit(limit);
        self
    }

    /// How long to wait before asking again once caught up (default
    /// [`DEFAULT_POLL_INTERVAL`], 10 s). A poll still waits for the rate-limit governor.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// How many recent events' `uuid`s are remembered to drop an event delivered twice
    /// (default [`DEFAULT_DEDUP_WINDOW`], more than five pages of Okta's largest). Memory is
    /// bounded by it: 8 bytes per event, twice.
    pub fn dedup_window(mut self, events: usize) -> Self {
        self.dedup_window = events;
        self
    }

    /// Continues from a stored [`LogCursor`]. The query comes from the cursor: `since`,
    /// `until`, `filter`, `q` and `limit` given here are not used, and the stream is bounded
    /// when the cursor carries `until`.
    pub fn resume(mut self, cursor: LogCursor) -> Self {
        self.resume = Some(cursor);
        self
    }

    /// The org this stream reads (it names the tailer's lease in Redis).
    #[cfg(feature = "redis")]
    pub(crate) fn org_url(&self) -> &Url {
        self.client.org_url()
    }

    /// The events, one by one, fetched lazily a page at a time.
    ///
    /// An error is yielded as an item. A **bounded** stream (`until`) ends after a permanent
    /// one (a `4xx` other than `408` and `429`, a page that does not decode, a bad cursor,
    /// more pages than [`max_pages`](crate::ClientBuilder::max_pages)); after a transient one
    /// (a `429`, a `5xx`, a timeout, a broken connection; the client has already retried it
    /// as its [`RetryConfig`](crate::RetryConfig) says) polling it again asks for the same link
    /// after the poll interval. A **tailing** stream never ends by itself: every error is
    /// yielded and the same link is asked for again after the poll interval, so that an
    /// outage, or a permission granted late, does not stop a log shipper; to stop on a
    /// permanent error, drop the stream when
    /// [`Error::is_retryable`](crate::Error::is_retryable) is `false` (its
    /// [`cursor`](SystemLogStream::cursor) still points at the page that failed, to resume
    /// from later). Only pages that arrived count toward `max_pages`.
    pub fn into_stream(self) -> SystemLogStream {
        // A resumed stream takes its whole query from the cursor.
        let operation = match &self.resume {
            Some(_) => self.client.log().list_system_log_events(),
            None => self.operation,
        };
        let mut customize = operation.sort_order("ASCENDING").customize();
        if let Some(cursor) = &self.resume {
            customize = customize.resume_from(cursor.as_str());
        }
        let (client, request) = customize.into_parts();
        let (next, failed) = match request.url(client.org_url()) {
            Ok(url) => (Some(url), None),
            Err(e) => (None, Some(e)),
        };
        let bounded = next
            .as_ref()
            .is_some_and(|u| u.query_pairs().any(|(k, _)| k == "until"));
        let cursor = Arc::new(Mutex::new(next.as_ref().map(|u| LogCursor(u.to_string()))));
        let state = Tail {
            client,
            request,
            next,
            failed,
            bounded,
            buffer: VecDeque::new(),
            wait_first: false,
            poll_interval: self.poll_interval,
            seen: Dedup::new(self.dedup_window),
            pages: 0,
            cursor: cursor.clone(),
        };
        SystemLogStream {
            inner: Box::pin(futures::stream::unfold(state, Tail::step)),
            cursor,
        }
    }
}

/// The events of a [`SystemLogTail`]: a `Stream` of `Result<LogEvent, Error>` (the typed
/// [`SystemLogEvent`](crate::log_event::SystemLogEvent) with its JSON as received, through
/// [`LogEvent::raw`]), with its [`cursor`](Self::cursor). An item of a page that is not a JSON
/// object is yielded as [`Error::UnexpectedResponse`] in its place.
#[must_use = "streams do nothing unless polled"]
pub struct SystemLogStream {
    inner: Pin<Box<dyn Stream<Item = Result<Value, Error>> + Send>>,
    cursor: Arc<Mutex<Option<LogCursor>>>,
}

impl SystemLogStream {
    /// Where the stream stands after the events yielded so far; `None` once a bounded stream
    /// has ended (or when it could not start).
    pub fn cursor(&self) -> Option<LogCursor> {
        self.cursor
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl fmt::Debug for SystemLogStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SystemLogStream")
            .field("cursor", &self.cursor())
            .finish_non_exhaustive()
    }
}

impl Stream for SystemLogStream {
    type Item = Result<LogEvent, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx).map(|item| {
            item.map(|event| {
                event.and_then(|value| {
                    LogEvent::from_value(&value).map_err(|e| {
                        Error::UnexpectedResponse(format!(
                            "a System Log event does not decode: {e}"
                        ))
                    })
                })
            })
        })
    }
}

/// The `uuid`s of the most recent events, as keyed hashes (8 bytes each; a server cannot aim
/// for a collision without the key), forgotten oldest first.
struct Dedup {
    hasher: std::collections::hash_map::RandomState,
    set: HashSet<u64>,
    order: VecDeque<u64>,
    capacity: usize,
}

impl Dedup {
    fn new(capacity: usize) -> Dedup {
        Dedup {
            hasher: Default::default(),
            set: HashSet::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    /// Whether `event` is new (events without a string `uuid` always are).
    fn admit(&mut self, event: &Value) -> bool {
        let Some(uuid) = event.get("uuid").and_then(Value::as_str) else {
            return true;
        };
        if self.capacity == 0 {
            return true;
        }
        let h = self.hasher.hash_one(uuid);
        if !self.set.insert(h) {
            return false;
        }
        self.order.push_back(h);
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }
}

struct Tail {
    client: Client,
    /// The first request, whose query is carried onto links that lack it.
    request: Request,
    /// The link to fetch next; `None` once a bounded stream has ended.
    next: Option<Url>,
    /// An error to yield before anything else (a bad cursor).
    failed: Option<Error>,
    bounded: bool,
    buffer: VecDeque<Value>,
    /// Caught up (or just failed): wait the poll interval before the next request.
    wait_first: bool,
    poll_interval: Duration,
    seen: Dedup,
    pages: u32,
    cursor: Arc<Mutex<Option<LogCursor>>>,
}

impl Tail {
    fn publish(&self, cursor: Option<&Url>) {
        *self.cursor.lock().unwrap_or_else(|p| p.into_inner()) =
            cursor.map(|u| LogCursor(u.to_string()));
    }

    async fn step(mut self) -> Option<(Result<Value, Error>, Tail)> {
        if let Some(e) = self.failed.take() {
            return Some((Err(e), self));
        }
        loop {
            if let Some(event) = self.buffer.pop_front() {
                if self.buffer.is_empty() {
                    // The page is delivered: from here, resume at the link after it.
                    self.publish(self.next.as_ref());
                }
                return Some((Ok(event), self));
            }
            let link = self.next.clone()?;
            if self.wait_first {
                tokio::time::sleep(self.poll_interval).await;
                self.wait_first = false;
            }
            match self.fetch(&link).await {
                Ok(()) => {}
                Err(e) => {
                    self.wait_first = true;
                    return Some((Err(e), self));
                }
            }
        }
    }

    /// Fetches the page at `link`, keeps its new events and decides what comes next.
    async fn fetch(&mut self, link: &Url) -> Result<(), Error> {
        let result = self.fetch_page(link).await;
        if let Err(e) = &result {
            if self.bounded && is_permanent(e) {
                // Asking again would get the same answer: the stream ends. The cursor still
                // points at the page that failed, to resume from once the cause is fixed.
                self.next = None;
            }
        }
        result
    }

    async fn fetch_page(&mut self, link: &Url) -> Result<(), Error> {
        let mut request = self.request.clone();
        request.url = Some(keep_query(&self.request, link.clone()));
        // Prepared once: its page limit, resolved against the client's, and what is sent.
        let prepared = self.client.engine().prepare(&request)?;
        if self.bounded {
            let max = prepared.max_pages();
            if self.pages >= max {
                self.next = None;
                self.publish(None);
                return Err(Error::UnexpectedResponse(format!(
                    "the System Log query has more than {max} pages (the limit; raise it with max_pages)"
                )));
            }
        }
        let raw = self.client.engine().send(&request, &prepared).await?;
        let items: Vec<Value> = raw.decode()?;
        let following = next_url(link, &raw.headers, self.client.org_url())?;
        // Only a page that arrived counts toward max_pages.
        self.pages = self.pages.saturating_add(1);
        let empty = items.is_empty();
        self.buffer = items.into_iter().filter(|e| self.seen.admit(e)).collect();
        self.next = match (following, self.bounded) {
            // Bounded: the last page has no next link, and an empty page is the end too.
            (_, true) if empty => None,
            (next, true) => next,
            // Tailing: an empty page means caught up; so does a page with nothing new, or no
            // link beyond this one. Ask again (the same link, unless Okta gave another) after
            // the poll interval. Fetching the same link again is not a cycle here.
            (next, false) => {
                let next = next.unwrap_or_else(|| link.clone());
                if empty || self.buffer.is_empty() || next == *link {
                    self.wait_first = true;
                }
                Some(next)
            }
        };
        if self.buffer.is_empty() {
            self.publish(self.next.as_ref());
        } else {
            // While this page is delivered, a resume starts from it.
            self.publish(Some(link));
        }
        Ok(())
    }
}

/// Whether asking for the same page again would get the same failure: a `4xx` other than
/// `408` and `429`, and every failure that is not an answer from the server's side of the
/// moment (a bad request, a page that does not decode, a limit reached).
fn is_permanent(e: &Error) -> bool {
    match e {
        Error::Api(api) => {
            api.status.is_client_error() && !matches!(api.status.as_u16(), 408 | 429)
        }
        Error::Timeout { .. } | Error::Transport(_) => false,
        Error::Auth(_) => !e.is_retryable(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_client_errors_and_local_failures_are_permanent() {
        let api = |status: u16| {
            Error::Api(Box::new(crate::runtime::error::api_error(
                http::StatusCode::from_u16(status).unwrap(),
                http::HeaderMap::new(),
                b"{}",
                0,
            )))
        };
        for (status, permanent) in [
            (400, true),
            (401, true),
            (403, true),
            (404, true),
            (408, false),
            (429, false),
            (500, false),
            (503, false),
        ] {
            assert_eq!(is_permanent(&api(status)), permanent, "{status}");
        }
        assert!(is_permanent(&Error::InvalidRequest("x".into())));
        assert!(is_permanent(&Error::UnexpectedResponse("x".into())));
        assert!(!is_permanent(&Error::Timeout {
            elapsed: Duration::ZERO,
            attempts: 1,
            source: None
        }));
    }

    #[test]
    fn dedup_drops_repeats_and_forgets_oldest_first() {
        let mut d = Dedup::new(2);
        let e = |u: &str| json!({"uuid": u});
        assert!(d.admit(&e("a")));
        assert!(!d.admit(&e("a")));
        assert!(d.admit(&e("b")));
        assert!(d.admit(&e("c")));
        // "a" was forgotten to stay within two.
        assert!(d.admit(&e("a")));
        assert!(!d.admit(&e("c")));
        assert!(d.admit(&json!({"no": "uuid"})));
        assert!(d.admit(&json!({"no": "uuid"})));
        assert!(d.admit(&json!({"uuid": 5})));
        let mut none = Dedup::new(0);
        assert!(none.admit(&e("a")) && none.admit(&e("a")));
    }

    #[test]
    fn cursors_are_strings_that_must_be_urls() {
        let c: LogCursor = "https://x.okta.com/api/v1/logs?after=abc".parse().unwrap();
        assert_eq!(c.to_string(), "https://x.okta.com/api/v1/logs?after=abc");
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, r#""https://x.okta.com/api/v1/logs?after=abc""#);
        let back: LogCursor = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        assert!("not a url".parse::<LogCursor>().is_err());
        assert!(serde_json::from_str::<LogCursor>(r#""/relative""#).is_err());
    }
}
