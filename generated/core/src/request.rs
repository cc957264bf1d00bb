//! A request as the generated operations describe it, independent of the HTTP client, so that
//! retries and pagination can send it again.

use std::time::Duration;

use bytes::Bytes;
use http::Method;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use url::Url;

use super::error::Error;
#[cfg(feature = "multipart")]
use super::multipart::Multipart;

/// One request: which operation, where, and with what.
#[derive(Clone, Debug)]
pub struct Request {
    /// The operation's name (`ListUsers`, or `request` for a generic one), for traces.
    pub operation: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// Which route of the API this is: the catalog's path template, or a generic request.
    pub route: Route,
    /// The percent-encoded path below the org URL, or why it could not be built.
    pub path: Result<String, String>,
    /// Query parameters, already rendered, in order.
    pub query: Vec<(String, String)>,
    /// Extra headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
    /// A complete URL to use instead of path + query (the next page of a list).
    pub url: Option<Url>,
    /// Per-request settings that override the client's.
    pub options: Options,
}

/// The route a request belongs to, for its rate-limit bucket and its traces (neither may hold
/// ids).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// A typed operation: the catalog's path template (`/api/v1/users/{id}`).
    Template(&'static str),
    /// A request made with `Client::request`: no catalog route; its
    /// bucket is drawn from the path.
    Generic,
}

/// What a caller may change about one request beyond what the catalog describes.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The deadline of the whole call, every attempt and wait included.
    pub timeout: Option<Duration>,
    /// The limit for one attempt.
    pub attempt_timeout: Option<Duration>,
    /// The `Accept` header, when not the operation's own.
    pub accept: Option<String>,
    /// The limit on the response body.
    pub max_response_bytes: Option<u64>,
    /// The limit on the pages of a listing.
    pub max_pages: Option<u32>,
    /// Whether a value that does not fit its documented type fails the decode.
    pub strict: Option<bool>,
}

/// What a request carries.
#[derive(Clone, Debug)]
pub enum Body {
    /// Nothing.
    None,
    /// JSON, serialised already.
    Json(JsonBody),
    /// Bytes of the caller's content type.
    Raw {
        /// The body.
        bytes: Bytes,
        /// Its `Content-Type`.
        content_type: String,
    },
    /// A multipart form.
    #[cfg(feature = "multipart")]
    Multipart(Multipart),
}

/// A JSON body, serialised when it was given so that the builder needs no type parameter.
/// Its `Debug` shows the length only: request bodies may carry passwords.
#[derive(Clone)]
pub struct JsonBody(pub Result<Bytes, String>);

impl JsonBody {
    /// Serialises `value`; a failure is reported when the request is sent.
    pub fn new<T: serde::Serialize + ?Sized>(value: &T) -> JsonBody {
        JsonBody(
            serde_json::to_vec(value)
                .map(Bytes::from)
                .map_err(|e| e.to_string()),
        )
    }
}

impl std::fmt::Debug for JsonBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Ok(b) => write!(f, "JsonBody({} bytes)", b.len()),
            Err(e) => write!(f, "JsonBody(error: {e})"),
        }
    }
}

impl Request {
    /// A request for `template` with its `{…}` placeholders replaced, in order, by `params`,
    /// each percent-encoded as one path segment.
    pub fn new(
        operation: &'static str,
        method: Method,
        template: &'static str,
        params: &[&str],
    ) -> Request {
        Request {
            operation,
            method,
            route: Route::Template(template),
            path: encode_path(template, params),
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::None,
            url: None,
            options: Options::default(),
        }
    }

    /// A request outside the catalog (`Client::request`); the caller
    /// sets its path.
    pub fn generic(method: Method) -> Request {
        Request {
            operation: "GenericRequest",
            method,
            route: Route::Generic,
            path: Err("no path was given".into()),
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::None,
            url: None,
            options: Options::default(),
        }
    }

    /// Adds a query parameter (arrays add one pair per item).
    pub fn query<T: ParamValue + ?Sized>(&mut self, name: &str, value: &T) {
        value.each(&mut |v| self.query.push((name.to_string(), v)));
    }

    /// Adds a header parameter.
    pub fn header<T: ParamValue + ?Sized>(&mut self, name: &str, value: &T) {
        value.each(&mut |v| self.headers.push((name.to_string(), v)));
    }

    /// Sets a JSON body.
    pub fn json<T: serde::Serialize + ?Sized>(&mut self, body: &T) {
        self.body = Body::Json(JsonBody::new(body));
    }

    /// The media type to ask for, when the catalog says the answer is not JSON.
    pub fn accept(&mut self, media_type: &str) {
        self.options.accept = Some(media_type.to_string());
    }

    /// Sets a JSON body serialised earlier (an untyped body).
    pub fn json_body(&mut self, body: JsonBody) {
        self.body = Body::Json(body);
    }

    /// Sets a multipart/form-data body.
    #[cfg(feature = "multipart")]
    pub fn multipart(&mut self, form: Multipart) {
        self.body = Body::Multipart(form);
    }

    /// The full URL on `base` (the org URL, whose path is a prefix of every API path).
    pub fn url(&self, base: &Url) -> Result<Url, Error> {
        if let Some(u) = &self.url {
            return Ok(u.clone());
        }
        let path = self
            .path
            .as_ref()
            .map_err(|e| Error::InvalidRequest(e.clone()))?;
        let mut url = org_path(base, path);
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(self.query.iter());
        }
        Ok(url)
    }

    /// Whether sending this request twice has the same effect as sending it once.
    pub fn is_idempotent(&self) -> bool {
        matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        )
    }
}

/// The id-free route of a generic request's `path` (below the org URL), for its rate-limit
/// bucket and traces: for `/api/…` paths the first three segments (`/api/v1/users`), otherwise
/// the first one (`/oauth2`), followed by `/*` when the path goes deeper. Okta's buckets are
/// drawn along these lines (`/api/v1/users` and `/api/v1/users/{id}` apart).
pub fn generic_route(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let keep = if segments.first() == Some(&"api") {
        3
    } else {
        1
    };
    let mut route = String::new();
    for s in segments.iter().take(keep) {
        route.push('/');
        route.push_str(s);
    }
    if segments.len() > keep {
        route.push_str("/*");
    }
    if route.is_empty() {
        route.push('/');
    }
    route
}

/// `path` (absolute, already encoded) below the org URL. A gateway prefix in the org URL
/// (`https://gw.example.com/okta`) is kept: typed operations, generic requests and the OAuth
/// token endpoint all go through here so that they agree.
pub fn org_path(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}{path}"));
    url.set_query(None);
    url
}

/// Everything outside RFC 3986's unreserved characters is encoded, so that a value can never
/// add a segment, a query or a fragment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode_path(template: &str, params: &[&str]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut params = params.iter();
    for seg in template.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let value = params
                    .next()
                    .ok_or_else(|| format!("no value for path parameter `{name}`"))?;
                // URLs resolve `.` and `..` segments, even percent-encoded, so they cannot be sent.
                if value.is_empty() || *value == "." || *value == ".." {
                    return Err(format!(
                        "path parameter `{name}` must not be empty, `.` or `..` (got {value:?})"
                    ));
                }
                out.extend(utf8_percent_encode(value, SEGMENT));
            }
            None => out.push_str(seg),
        }
    }
    Ok(out)
}

/// A value that can be sent as a query or header parameter.
pub trait ParamValue {
    /// Calls `f` once per value (once for scalars, once per item for arrays).
    fn each(&self, f: &mut dyn FnMut(String));
}

impl ParamValue for str {
    fn each(&self, f: &mut dyn FnMut(String)) {
        f(self.to_string())
    }
}

impl ParamValue for String {
    fn each(&self, f: &mut dyn FnMut(String)) {
        f(self.clone())
    }
}

macro_rules! display_param {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn each(&self, f: &mut dyn FnMut(String)) {
                f(self.to_string())
            }
        }
    )*};
}
display_param!(bool, i32, i64, u32, u64, usize, f64);

impl<T: ParamValue> ParamValue for Vec<T> {
    fn each(&self, f: &mut dyn FnMut(String)) {
        for v in self {
            v.each(f);
        }
    }
}

impl<T: ParamValue> ParamValue for [T] {
    fn each(&self, f: &mut dyn FnMut(String)) {
        for v in self {
            v.each(f);
        }
    }
}

impl<T: ParamValue + ?Sized> ParamValue for &T {
    fn each(&self, f: &mut dyn FnMut(String)) {
        (**self).each(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_path_values_stay_one_segment() {
        let p = encode_path("/api/v1/users/{id}/roles", &["../users?x=1#f"]).unwrap();
        assert_eq!(p, "/api/v1/users/..%2Fusers%3Fx%3D1%23f/roles");
        assert!(encode_path("/a/{id}", &[".."]).is_err());
        assert!(encode_path("/a/{id}", &[""]).is_err());
        assert_eq!(encode_path("/a/{id}", &["é %"]).unwrap(), "/a/%C3%A9%20%25");
    }

    #[test]
    fn org_path_keeps_a_gateway_prefix() {
        let base = Url::parse("https://gw.example.com/okta/").unwrap();
        assert_eq!(
            org_path(&base, "/api/v1/users").as_str(),
            "https://gw.example.com/okta/api/v1/users"
        );
        let plain = Url::parse("https://x.okta.com").unwrap();
        assert_eq!(
            org_path(&plain, "/oauth2/v1/token").as_str(),
            "https://x.okta.com/oauth2/v1/token"
        );
    }
}
