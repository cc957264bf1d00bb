//! What a request is on the wire, worked out once before its first attempt: the method, the
//! URL (which must stay on the org), the caller's headers, `Accept`, the body as sent on every
//! attempt, the route its rate-limit bucket and traces are named by, whether it may be sent
//! twice, and its limits resolved against the client's defaults. Every attempt, and the
//! pagination that follows a page, reads them from here; none is worked out a second time.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::Method;
use url::Url;

use super::error::Error;
use super::governor::BucketId;
use super::request::{generic_route, Body, Request, Route};

/// Headers the client sets itself; a caller may not replace them on one request.
const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "dpop",
    "host",
    "content-length",
    "transfer-encoding",
    "x-okta-retry-for",
    "x-okta-retry-count",
];

/// The limits of one call: the request's own where it set them, else the client's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    /// The deadline of the whole call.
    pub(crate) timeout: Duration,
    /// The limit of one attempt.
    pub(crate) attempt_timeout: Duration,
    /// The limit on the response body.
    pub(crate) max_response_bytes: u64,
    /// The limit on the pages of a listing.
    pub(crate) max_pages: u32,
    /// Whether a value that does not fit its documented type fails the decode.
    pub(crate) strict: bool,
}

impl Limits {
    /// `defaults`, overridden by what `request` sets.
    pub(crate) fn resolve(request: &Request, defaults: &Limits) -> Limits {
        let o = &request.options;
        Limits {
            timeout: o.timeout.unwrap_or(defaults.timeout),
            attempt_timeout: o.attempt_timeout.unwrap_or(defaults.attempt_timeout),
            max_response_bytes: o.max_response_bytes.unwrap_or(defaults.max_response_bytes),
            max_pages: o.max_pages.unwrap_or(defaults.max_pages),
            strict: o.strict.unwrap_or(defaults.strict),
        }
    }
}

/// A request checked and encoded for sending; nothing in it changes between attempts.
pub struct Prepared {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) accept: HeaderValue,
    /// The content type and bytes of the body (a multipart form is built per attempt).
    pub(crate) payload: Option<(HeaderValue, Bytes)>,
    /// The id-free route: the catalog's template, or a generic request's path prefix; it names
    /// the request in traces and its rate-limit bucket.
    pub(crate) route: Cow<'static, str>,
    /// The rate-limit bucket.
    pub(crate) key: BucketId,
    /// Whether sending it twice has the same effect as sending it once.
    pub(crate) idempotent: bool,
    pub(crate) limits: Limits,
}

impl Prepared {
    /// The URL every attempt is sent to.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The page limit of the listing it belongs to.
    pub fn max_pages(&self) -> u32 {
        self.limits.max_pages
    }

    /// Checks `request` against the org at `base` and resolves its limits against `defaults`;
    /// every failure is [`Error::InvalidRequest`], and nothing has been sent.
    pub(crate) fn new(request: &Request, base: &Url, defaults: &Limits) -> Result<Prepared, Error> {
        let url = request.url(base)?;
        if url.origin() != base.origin() {
            return Err(Error::InvalidRequest(format!(
                "{url} is not on the org {base}"
            )));
        }
        let accept = match &request.options.accept {
            Some(a) => HeaderValue::from_str(a)
                .map_err(|e| Error::InvalidRequest(format!("bad Accept value {a:?}: {e}")))?,
            None => HeaderValue::from_static("application/json"),
        };
        let route = route(request.route, &url, base);
        Ok(Prepared {
            method: request.method.clone(),
            headers: extra_headers(request)?,
            accept,
            payload: payload(&request.body)?,
            route: route.clone(),
            key: BucketId::new(request.method.clone(), route),
            idempotent: request.is_idempotent(),
            limits: Limits::resolve(request, defaults),
            url,
        })
    }
}

/// The route's name: the template of a typed operation; for a generic request a prefix of its
/// path below the org URL (see [`generic_route`]).
fn route(route: Route, url: &Url, base: &Url) -> Cow<'static, str> {
    match route {
        Route::Template(t) => Cow::Borrowed(t),
        Route::Generic => {
            let prefix = base.path().trim_end_matches('/');
            let path = url.path().strip_prefix(prefix).unwrap_or(url.path());
            Cow::Owned(generic_route(path))
        }
    }
}

/// The body as sent on every attempt; one that did not serialise is rejected up front.
fn payload(body: &Body) -> Result<Option<(HeaderValue, Bytes)>, Error> {
    Ok(match body {
        Body::None => None,
        Body::Json(json) => match &json.0 {
            Ok(bytes) => Some((HeaderValue::from_static("application/json"), bytes.clone())),
            Err(e) => {
                return Err(Error::InvalidRequest(format!(
                    "the request body does not serialise: {e}"
                )))
            }
        },
        Body::Raw {
            bytes,
            content_type,
        } => {
            let ct = HeaderValue::from_str(content_type).map_err(|e| {
                Error::InvalidRequest(format!("bad content type {content_type:?}: {e}"))
            })?;
            Some((ct, bytes.clone()))
        }
        #[cfg(feature = "multipart")]
        Body::Multipart(_) => None,
    })
}

/// The caller's extra headers, checked once: valid names and values, none the client owns.
fn extra_headers(request: &Request) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
    request
        .headers
        .iter()
        .map(|(k, v)| {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| Error::InvalidRequest(format!("bad header name {k:?}: {e}")))?;
            if RESERVED_HEADERS.contains(&name.as_str()) {
                return Err(Error::InvalidRequest(format!(
                    "the header {name} is set by the client and cannot be replaced"
                )));
            }
            let value = HeaderValue::from_str(v)
                .map_err(|e| Error::InvalidRequest(format!("bad value for header {k}: {e}")))?;
            Ok((name, value))
        })
        .collect()
}
