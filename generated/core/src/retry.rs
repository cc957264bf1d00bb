//! When and how long to wait before sending a request again.

use std::time::Duration;

use http::{HeaderMap, StatusCode};

use super::headers::{retry_after, LimitHeaders};

/// The statuses besides `429` that [`RetryConfig::default`] retries (on idempotent methods)
/// and that [`Error::is_retryable`](crate::error::Error::is_retryable) counts as worth
/// another try: one rule for both. 502 is not among them: Okta's edge answers it for errors
/// that repeat.
pub const DEFAULT_RETRY_STATUSES: [StatusCode; 2] =
    [StatusCode::SERVICE_UNAVAILABLE, StatusCode::GATEWAY_TIMEOUT];

/// Whether an answer with `status` may succeed when sent again, by the default rule: `429` and
/// [`DEFAULT_RETRY_STATUSES`].
pub fn is_transient_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || DEFAULT_RETRY_STATUSES.contains(&status)
}

/// A source of random delays in `0..=max`: [`jitter`] in the client, fixed ones in tests.
pub type Jitter = fn(Duration) -> Duration;

/// What a response says about when to try again, read from its headers once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hints {
    /// Until `X-Rate-Limit-Reset` by the response's `Date`, plus a second.
    pub rate_limit_wait: Option<Duration>,
    /// `Retry-After`.
    pub retry_after: Option<Duration>,
}

impl Hints {
    /// The hints of an answer with `status`: none for a success, which is never retried, so
    /// that the headers are parsed only when a retry may follow.
    /// The reset wait comes from `limits`, the answer's rate-limit headers as already parsed.
    pub fn of(status: StatusCode, headers: &HeaderMap, limits: &LimitHeaders) -> Hints {
        if status.is_success() {
            return Hints::default();
        }
        Hints::from_headers(headers, limits)
    }

    /// The hints the headers give, whatever the status.
    pub fn from_headers(headers: &HeaderMap, limits: &LimitHeaders) -> Hints {
        Hints {
            rate_limit_wait: limits.wait(),
            retry_after: retry_after(headers),
        }
    }
}

/// Retry behaviour: rate limits (429) on every method; [`retry_statuses`](Self::retry_statuses)
/// (503 and 504 by default) and, with [`retry_transport_errors`](Self::retry_transport_errors),
/// connection failures and timeouts on idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS)
/// only. The default retries twice, waits at most a minute in total, and backs off from one
/// second when Okta gives no reset time.
///
/// A 429 waits until `X-Rate-Limit-Reset` (by the server's `Date`) plus one second and a little
/// jitter; without Okta's headers it honours `Retry-After`, and without that it backs off. All
/// arithmetic saturates: a wait that would pass [`max_total_wait`](Self::max_total_wait) is
/// never started, and the error is returned at once.
#[derive(Clone, Debug)]
pub struct RetryConfig {
    /// Retries after the first attempt; `0` switches retries off.
    pub(crate) max_retries: u32,
    /// The most time spent waiting across all retries of one call; a wait that would exceed it
    /// is not started and the last error is returned instead.
    pub(crate) max_total_wait: Duration,
    /// First backoff when the rate-limit headers are missing or unusable, doubled per retry.
    pub(crate) initial_backoff: Duration,
    /// The longest single backoff.
    pub(crate) max_backoff: Duration,
    /// Statuses besides 429 that are retried on idempotent methods (default
    /// [`DEFAULT_RETRY_STATUSES`]: 503 and 504, the statuses
    /// [`Error::is_retryable`](crate::error::Error::is_retryable) counts). Empty retries none
    /// of them.
    pub(crate) retry_statuses: Vec<StatusCode>,
    /// Whether a connection that failed or broke, or an attempt that timed out, is retried on
    /// idempotent methods (default `true`). A POST is never sent twice because of these:
    /// Okta may have acted on it.
    pub(crate) retry_transport_errors: bool,
    /// The most random delay added to a wait for `X-Rate-Limit-Reset`, which every client of
    /// the org shares.
    pub(crate) max_jitter: Duration,
}

/// Each setting has a chained setter of its name (the fields are private, so that a setting can be
/// added without breaking a caller).
impl RetryConfig {
    /// Retries after the first attempt; `0` switches retries off.
    pub fn max_retries(mut self, value: u32) -> Self {
        self.max_retries = value;
        self
    }

    /// The most time spent waiting across all retries of one call; a wait that would exceed it
    /// is not started and the last error is returned instead.
    pub fn max_total_wait(mut self, value: Duration) -> Self {
        self.max_total_wait = value;
        self
    }

    /// First backoff when the rate-limit headers are missing or unusable, doubled per retry.
    pub fn initial_backoff(mut self, value: Duration) -> Self {
        self.initial_backoff = value;
        self
    }

    /// The longest single backoff.
    pub fn max_backoff(mut self, value: Duration) -> Self {
        self.max_backoff = value;
        self
    }

    /// Statuses besides 429 that are retried on idempotent methods (default
    /// [`DEFAULT_RETRY_STATUSES`]: 503 and 504, the statuses
    /// [`Error::is_retryable`](crate::error::Error::is_retryable) counts). Empty retries none
    /// of them.
    pub fn retry_statuses(mut self, value: Vec<StatusCode>) -> Self {
        self.retry_statuses = value;
        self
    }

    /// Whether a connection that failed or broke, or an attempt that timed out, is retried on
    /// idempotent methods (default `true`). A POST is never sent twice because of these:
    /// Okta may have acted on it.
    pub fn retry_transport_errors(mut self, value: bool) -> Self {
        self.retry_transport_errors = value;
        self
    }

    /// The most random delay added to a wait for `X-Rate-Limit-Reset`, which every client of
    /// the org shares.
    pub fn max_jitter(mut self, value: Duration) -> Self {
        self.max_jitter = value;
        self
    }
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_retries: 2,
            max_total_wait: Duration::from_secs(60),
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            retry_statuses: DEFAULT_RETRY_STATUSES.to_vec(),
            retry_transport_errors: true,
            max_jitter: Duration::from_millis(500),
        }
    }
}

impl RetryConfig {
    /// No retries at all.
    pub fn disabled() -> Self {
        RetryConfig {
            max_retries: 0,
            ..RetryConfig::default()
        }
    }

    fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry).unwrap_or(u32::MAX);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// How long to wait before retry number `retry` (0-based) of a response with `status`, or
    /// `None` when it must not be retried.
    pub(crate) fn delay(
        &self,
        status: StatusCode,
        hints: Hints,
        idempotent: bool,
        retry: u32,
        jitter: Jitter,
    ) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        match status.as_u16() {
            429 => Some(match hints.rate_limit_wait {
                Some(wait) => wait.saturating_add(jitter(self.max_jitter)),
                None => hints.retry_after.unwrap_or_else(|| self.backoff(retry)),
            }),
            _ if idempotent && self.retry_statuses.contains(&status) => {
                Some(hints.retry_after.unwrap_or_else(|| self.backoff(retry)))
            }
            _ => None,
        }
    }

    /// How long to wait before retry number `retry` after a transport failure or timeout, or
    /// `None` when it must not be retried.
    pub(crate) fn transport_delay(&self, idempotent: bool, retry: u32) -> Option<Duration> {
        (retry < self.max_retries && idempotent && self.retry_transport_errors)
            .then(|| self.backoff(retry))
    }
}

/// A random duration in `0..=max`, so that clients sharing one rate-limit window do not all
/// retry in the same millisecond. Not cryptographic; std's random hasher keys suffice.
pub fn jitter(max: Duration) -> Duration {
    use std::hash::BuildHasher;
    let max_ms = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
    if max_ms == 0 {
        return Duration::ZERO;
    }
    let r = std::collections::hash_map::RandomState::new().hash_one(std::time::Instant::now());
    Duration::from_millis(r % max_ms.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    impl RetryConfig {
        fn delay_for(
            &self,
            status: StatusCode,
            headers: &HeaderMap,
            idempotent: bool,
            retry: u32,
        ) -> Option<Duration> {
            self.delay(
                status,
                Hints::from_headers(headers, &LimitHeaders::parse(headers)),
                idempotent,
                retry,
                jitter,
            )
        }
    }

    #[test]
    fn the_default_statuses_are_the_transient_ones() {
        for code in 100..600u16 {
            let status = StatusCode::from_u16(code).unwrap();
            let retried = RetryConfig::default()
                .delay(status, Hints::default(), true, 0, |_| Duration::ZERO)
                .is_some();
            assert_eq!(retried, is_transient_status(status), "{status}");
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn reset_waits_get_bounded_jitter() {
        let c = RetryConfig::default();
        let h = headers(&[
            ("x-rate-limit-reset", "1700000010"),
            ("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
        ]);
        for _ in 0..50 {
            let d = c
                .delay_for(StatusCode::TOO_MANY_REQUESTS, &h, false, 0)
                .unwrap();
            assert!(d >= Duration::from_secs(11), "{d:?}");
            assert!(d <= Duration::from_millis(11_500), "{d:?}");
        }
        let none = RetryConfig {
            max_jitter: Duration::ZERO,
            ..c
        };
        assert_eq!(
            none.delay_for(StatusCode::TOO_MANY_REQUESTS, &h, false, 0),
            Some(Duration::from_secs(11))
        );
    }

    #[test]
    fn retry_after_is_honoured_without_okta_headers() {
        let c = RetryConfig::default();
        let h = headers(&[("retry-after", "4")]);
        assert_eq!(
            c.delay_for(StatusCode::TOO_MANY_REQUESTS, &h, false, 0),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            c.delay_for(StatusCode::SERVICE_UNAVAILABLE, &h, true, 0),
            Some(Duration::from_secs(4))
        );
    }

    #[test]
    fn huge_settings_saturate() {
        let c = RetryConfig {
            max_retries: u32::MAX,
            initial_backoff: Duration::MAX,
            max_backoff: Duration::MAX,
            max_jitter: Duration::MAX,
            ..RetryConfig::default()
        };
        let h = HeaderMap::new();
        assert_eq!(
            c.delay_for(StatusCode::TOO_MANY_REQUESTS, &h, true, u32::MAX - 1),
            Some(Duration::MAX)
        );
        let far = headers(&[
            ("x-rate-limit-reset", &u64::MAX.to_string()),
            ("date", "Thu, 01 Jan 1970 00:00:00 GMT"),
        ]);
        assert!(c
            .delay_for(StatusCode::TOO_MANY_REQUESTS, &far, true, 0)
            .is_some());
    }

    #[test]
    fn duplicated_or_bad_headers_fall_back_to_backoff() {
        let c = RetryConfig::default();
        let dup = headers(&[("x-rate-limit-reset", "1"), ("x-rate-limit-reset", "2")]);
        assert_eq!(
            c.delay_for(StatusCode::TOO_MANY_REQUESTS, &dup, false, 0),
            Some(Duration::from_secs(1))
        );
        let bad = headers(&[("x-rate-limit-reset", "soon")]);
        assert_eq!(
            c.delay_for(StatusCode::TOO_MANY_REQUESTS, &bad, false, 1),
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn unavailable_is_retried_for_idempotent_methods_only() {
        let c = RetryConfig::default();
        let h = HeaderMap::new();
        assert!(c
            .delay_for(StatusCode::SERVICE_UNAVAILABLE, &h, true, 0)
            .is_some());
        assert!(c
            .delay_for(StatusCode::SERVICE_UNAVAILABLE, &h, false, 0)
            .is_none());
        assert!(c
            .delay_for(StatusCode::INTERNAL_SERVER_ERROR, &h, true, 0)
            .is_none());
        assert!(RetryConfig::disabled()
            .delay_for(StatusCode::TOO_MANY_REQUESTS, &h, true, 0)
            .is_none());
    }

    proptest::proptest! {
        /// Whatever a server sends in its rate-limit headers and whatever the settings, a
        /// delay is computed without panicking (debug builds check every overflow) and never
        /// exceeds what saturating arithmetic allows.
        #[test]
        fn delays_never_panic(
            reset in "[0-9]{0,25}|.{0,12}",
            date in "[A-Za-z0-9 ,:]{0,40}",
            retry_after in "[0-9]{0,25}|[A-Za-z0-9 ,:]{0,40}",
            status in 400u16..600,
            retry in 0u32..=u32::MAX,
            max_retries in 0u32..=u32::MAX,
            backoff_ms in 0u64..=u64::MAX,
            jitter_ms in 0u64..=u64::MAX,
        ) {
            let mut h = HeaderMap::new();
            for (k, v) in [("x-rate-limit-reset", &reset), ("date", &date), ("retry-after", &retry_after)] {
                if let Ok(v) = HeaderValue::from_str(v) {
                    h.append(k, v);
                }
            }
            let c = RetryConfig {
                max_retries,
                initial_backoff: Duration::from_millis(backoff_ms),
                max_backoff: Duration::from_millis(backoff_ms),
                max_jitter: Duration::from_millis(jitter_ms),
                ..RetryConfig::default()
            };
            let status = StatusCode::from_u16(status).unwrap();
            let _ = c.delay_for(status, &h, true, retry);
        }
    }
}
