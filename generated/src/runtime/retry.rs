//! When and how long to wait before sending a request again.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use super::response::single_u64;

/// Retry behaviour for rate limits (429) and 503/504. The default retries twice, waits at most
/// a minute in total, and backs off from one second when Okta gives no reset time.
#[derive(Clone, Debug)]
pub struct RetryConfig {
    /// Retries after the first attempt; `0` switches retries off.
    pub max_retries: u32,
    /// The most time spent waiting across all retries of one call; a wait that would exceed it
    /// is not started and the last error is returned instead.
    pub max_total_wait: Duration,
    /// First backoff when the rate-limit headers are missing or unusable, doubled per retry.
    pub initial_backoff: Duration,
    /// The longest single backoff.
    pub max_backoff: Duration,
    /// Whether 503 and 504 are retried (idempotent methods only).
    pub retry_unavailable: bool,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_retries: 2,
            max_total_wait: Duration::from_secs(60),
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            retry_unavailable: true,
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
        headers: &HeaderMap,
        idempotent: bool,
        retry: u32,
    ) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        match status.as_u16() {
            429 => Some(rate_limit_wait(headers).unwrap_or_else(|| self.backoff(retry))),
            503 | 504 if idempotent && self.retry_unavailable => Some(self.backoff(retry)),
            _ => None,
        }
    }
}

/// `X-Rate-Limit-Reset − Date + 1 s`, as Okta documents; `None` when either header is missing,
/// repeated or unparsable. The server's `Date` is used rather than the local clock so that
/// clock skew does not matter; without `Date` the local clock stands in.
fn rate_limit_wait(headers: &HeaderMap) -> Option<Duration> {
    let reset = single_u64(headers, "x-rate-limit-reset")?;
    let mut dates = headers.get_all("date").iter();
    let now = match (dates.next(), dates.next()) {
        (Some(d), None) => httpdate::parse_http_date(d.to_str().ok()?).ok()?,
        (None, _) => SystemTime::now(),
        (Some(_), Some(_)) => return None,
    };
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now) + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn waits_until_reset_plus_one_second() {
        let h = headers(&[
            ("x-rate-limit-reset", "1700000010"),
            ("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
        ]);
        // 22:13:20 GMT is 1700000000.
        assert_eq!(rate_limit_wait(&h), Some(Duration::from_secs(11)));
    }

    #[test]
    fn duplicated_or_bad_headers_fall_back_to_backoff() {
        let c = RetryConfig::default();
        let dup = headers(&[("x-rate-limit-reset", "1"), ("x-rate-limit-reset", "2")]);
        assert_eq!(
            c.delay(StatusCode::TOO_MANY_REQUESTS, &dup, false, 0),
            Some(Duration::from_secs(1))
        );
        let bad = headers(&[("x-rate-limit-reset", "soon")]);
        assert_eq!(
            c.delay(StatusCode::TOO_MANY_REQUESTS, &bad, false, 1),
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn unavailable_is_retried_for_idempotent_methods_only() {
        let c = RetryConfig::default();
        let h = HeaderMap::new();
        assert!(c
            .delay(StatusCode::SERVICE_UNAVAILABLE, &h, true, 0)
            .is_some());
        assert!(c
            .delay(StatusCode::SERVICE_UNAVAILABLE, &h, false, 0)
            .is_none());
        assert!(c
            .delay(StatusCode::INTERNAL_SERVER_ERROR, &h, true, 0)
            .is_none());
        assert!(RetryConfig::disabled()
            .delay(StatusCode::TOO_MANY_REQUESTS, &h, true, 0)
            .is_none());
    }
}
