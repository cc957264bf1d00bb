//! Reading Okta's response headers. Every number a server sends is parsed without overflow and
//! every malformed value reads as absent.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

/// `X-Okta-Request-Id`, to quote to Okta support.
pub fn request_id_of(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("x-okta-request-id")
        .and_then(|v| v.to_str().ok())
}

/// The `Content-Type` without parameters.
pub fn content_type_of(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    Some(v.split(';').next().unwrap_or(v).trim())
}

/// Okta's rate-limit headers; each is `None` when absent, repeated or not a number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// `X-Rate-Limit-Limit`: requests allowed in the current window.
    pub limit: Option<u64>,
    /// `X-Rate-Limit-Remaining`: requests left in the current window.
    pub remaining: Option<u64>,
    /// `X-Rate-Limit-Reset`: when the window resets, in seconds since the Unix epoch.
    pub reset: Option<u64>,
}

impl RateLimit {
    /// Reads the `X-Rate-Limit-*` headers of a response.
    pub fn from_headers(headers: &HeaderMap) -> RateLimit {
        RateLimit {
            limit: single_u64(headers, "x-rate-limit-limit"),
            remaining: single_u64(headers, "x-rate-limit-remaining"),
            reset: single_u64(headers, "x-rate-limit-reset"),
        }
    }
}

/// What one answer's headers say about its rate limit, parsed once: the engine reads them after
/// every attempt and hands them to the governor (what is left of the bucket) and to the retry
/// decision (how long until the reset), so neither reads the headers again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LimitHeaders {
    /// `X-Rate-Limit-Limit`, `-Remaining` and `-Reset`.
    pub rate_limit: RateLimit,
    /// The response's `Date`, in Unix seconds.
    pub date: Option<u64>,
    /// The server's time of the answer, in Unix seconds: its `Date`, or this host's clock when
    /// it sent none (`None` when a `Date` it sent is unreadable).
    now: Option<u64>,
}

impl LimitHeaders {
    /// Reads the rate-limit headers and the `Date` of a response.
    pub fn parse(headers: &HeaderMap) -> LimitHeaders {
        let date = date_secs(headers);
        LimitHeaders {
            rate_limit: RateLimit::from_headers(headers),
            date,
            now: if headers.contains_key(http::header::DATE) {
                date
            } else {
                Some(unix_secs(SystemTime::now()))
            },
        }
    }

    /// `X-Rate-Limit-Reset − Date + 1 s`, as Okta documents. The server's `Date` is used rather
    /// than the local clock so that clock skew does not matter. Saturates: a reset in the past
    /// waits one second, one in the far future waits `u64::MAX` seconds (which no retry budget
    /// accepts, so the caller gives up at once).
    pub fn wait(&self) -> Option<Duration> {
        let reset = self.rate_limit.reset?;
        let now = self.now?;
        Some(Duration::from_secs(
            reset.saturating_sub(now).saturating_add(1),
        ))
    }
}

/// The header's value as a number, only when it appears exactly once.
pub fn single_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    single(headers, name)?.trim().parse().ok()
}

fn single<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    first.to_str().ok()
}

/// The server's clock from `Date`, or the local clock when the header is absent; `None` when
/// it is repeated or unparsable (a server that sends nonsense gets no trust).
fn server_now(headers: &HeaderMap) -> Option<SystemTime> {
    if headers.contains_key(http::header::DATE) {
        server_date(headers)
    } else {
        Some(SystemTime::now())
    }
}

/// The response's `Date`; `None` when absent, repeated or unparsable.
fn server_date(headers: &HeaderMap) -> Option<SystemTime> {
    httpdate::parse_http_date(single(headers, "date")?).ok()
}

/// The response's `Date` in Unix seconds; `None` when absent, repeated or unparsable.
pub fn date_secs(headers: &HeaderMap) -> Option<u64> {
    server_date(headers).map(unix_secs)
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `Retry-After` (RFC 9110): a number of seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = single(headers, "retry-after")?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    let now = server_now(headers)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    pub(crate) fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
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
        assert_eq!(
            LimitHeaders::parse(&h).wait(),
            Some(Duration::from_secs(11))
        );
    }

    #[test]
    fn extreme_resets_saturate() {
        let h = headers(&[
            ("x-rate-limit-reset", &u64::MAX.to_string()),
            ("date", "Thu, 01 Jan 1970 00:00:00 GMT"),
        ]);
        assert_eq!(
            LimitHeaders::parse(&h).wait(),
            Some(Duration::from_secs(u64::MAX))
        );
        let past = headers(&[
            ("x-rate-limit-reset", "0"),
            ("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
        ]);
        assert_eq!(
            LimitHeaders::parse(&past).wait(),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7")])),
            Some(Duration::from_secs(7))
        );
        let h = headers(&[
            ("retry-after", "Tue, 14 Nov 2023 22:13:25 GMT"),
            ("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
        ]);
        assert_eq!(retry_after(&h), Some(Duration::from_secs(5)));
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
    }
}
