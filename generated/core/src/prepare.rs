//! What a request is on the wire, worked out once before its first attempt: the URL (which
//! must stay on the org), the caller's headers, `Accept`, the body as sent on every attempt,
//! and the route its rate-limit bucket and traces are named by.

use std::borrow::Cow;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use url::Url;

use super::error::Error;
use super::governor::Key;
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

/// A request checked and encoded for sending; nothing in it changes between attempts.
pub(crate) struct Prepared {
    pub url: Url,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub accept: HeaderValue,
    /// The content type and bytes of the body (a multipart form is built per attempt).
    pub payload: Option<(HeaderValue, Bytes)>,
    /// The id-free route: the catalog's template, or a generic request's path prefix.
    pub route: Cow<'static, str>,
}

impl Prepared {
    /// Checks `request` against the org at `base`; every failure is
    /// [`Error::InvalidRequest`], and nothing has been sent.
    pub(crate) fn new(request: &Request, base: &Url) -> Result<Prepared, Error> {
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
        Ok(Prepared {
            headers: extra_headers(request)?,
            accept,
            payload: payload(&request.body)?,
            route: route(request.route, &url, base),
            url,
        })
    }

    /// The rate-limit bucket the request counts against.
    pub(crate) fn bucket(&self, request: &Request) -> Key {
        Key::new(request.method.clone(), self.route.clone())
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
