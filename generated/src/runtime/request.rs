//! A request as the generated operations describe it, independent of the HTTP client, so that
//! retries and pagination can send it again.

use bytes::Bytes;
use reqwest::Method;
use url::Url;

use super::error::Error;

/// One request: which operation, where, and with what.
#[derive(Clone, Debug)]
pub struct Request {
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    /// The catalog's path template, for logs (never holds ids).
    pub(crate) template: &'static str,
    /// The percent-encoded path, or why it could not be built.
    pub(crate) path: Result<String, String>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Body,
    /// A complete URL to use instead of path + query (the next page of a list).
    pub(crate) url: Option<Url>,
}

#[derive(Clone, Debug)]
pub(crate) enum Body {
    None,
    Json(Result<Bytes, String>),
    Multipart(Multipart),
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
            template,
            path: encode_path(template, params),
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::None,
            url: None,
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
        self.body = Body::Json(
            serde_json::to_vec(body)
                .map(Bytes::from)
                .map_err(|e| e.to_string()),
        );
    }

    /// Sets a multipart/form-data body.
    pub fn multipart(&mut self, form: Multipart) {
        self.body = Body::Multipart(form);
    }

    /// The full URL on `base` (the org URL).
    pub(crate) fn url(&self, base: &Url) -> Result<Url, Error> {
        if let Some(u) = &self.url {
            return Ok(u.clone());
        }
        let path = self
            .path
            .as_ref()
            .map_err(|e| Error::InvalidRequest(e.clone()))?;
        let mut url = base.clone();
        let prefix = base.path().trim_end_matches('/');
        url.set_path(&format!("{prefix}{path}"));
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(self.query.iter());
        }
        Ok(url)
    }

    /// Whether sending this request twice has the same effect as sending it once.
    pub(crate) fn is_idempotent(&self) -> bool {
        matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        )
    }
}

/// Everything outside RFC 3986's unreserved characters is encoded, so that a value can never
/// add a segment, a query or a fragment.
fn encode_segment(value: &str, out: &mut String) {
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

fn encode_path(template: &str, params: &[&str]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut params = params.iter();
    for seg in template.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        if seg.starts_with('{') && seg.ends_with('}') {
            let name = &seg[1..seg.len() - 1];
            let value = params
                .next()
                .ok_or_else(|| format!("no value for path parameter `{name}`"))?;
            // URLs resolve `.` and `..` segments, even percent-encoded, so they cannot be sent.
            if value.is_empty() || *value == "." || *value == ".." {
                return Err(format!(
                    "path parameter `{name}` must not be empty, `.` or `..` (got {value:?})"
                ));
            }
            encode_segment(value, &mut out);
        } else {
            out.push_str(seg);
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
display_param!(bool, i32, i64, u32, u64, f64);

impl<T: ParamValue> ParamValue for Vec<T> {
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

/// A file to upload in a multipart body.
#[derive(Clone)]
pub struct FilePart {
    pub(crate) bytes: Bytes,
    pub(crate) file_name: Option<String>,
    pub(crate) content_type: Option<String>,
}

impl FilePart {
    /// A file part holding `bytes`.
    pub fn new(bytes: impl Into<Bytes>) -> FilePart {
        FilePart {
            bytes: bytes.into(),
            file_name: None,
            content_type: None,
        }
    }

    /// The file name sent in the part's `Content-Disposition`.
    pub fn file_name(mut self, name: impl Into<String>) -> FilePart {
        self.file_name = Some(name.into());
        self
    }

    /// The part's `Content-Type` (for example `image/png`).
    pub fn content_type(mut self, mime: impl Into<String>) -> FilePart {
        self.content_type = Some(mime.into());
        self
    }
}

impl std::fmt::Debug for FilePart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilePart")
            .field("len", &self.bytes.len())
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// A multipart/form-data body that can be rebuilt for every attempt.
#[derive(Clone, Debug, Default)]
pub struct Multipart {
    parts: Vec<(String, Part)>,
}

#[derive(Clone, Debug)]
enum Part {
    Text(String),
    File(FilePart),
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Multipart {
        Multipart::default()
    }

    /// Adds a text part.
    pub fn text(&mut self, name: &str, value: impl Into<String>) {
        self.parts
            .push((name.to_string(), Part::Text(value.into())));
    }

    /// Adds a file part.
    pub fn file(&mut self, name: &str, file: FilePart) {
        self.parts.push((name.to_string(), Part::File(file)));
    }

    pub(crate) fn to_form(&self) -> Result<reqwest::multipart::Form, Error> {
        let mut form = reqwest::multipart::Form::new();
        for (name, part) in &self.parts {
            form = match part {
                Part::Text(t) => form.text(name.clone(), t.clone()),
                Part::File(f) => {
                    let mut p = reqwest::multipart::Part::stream_with_length(
                        reqwest::Body::from(f.bytes.clone()),
                        f.bytes.len() as u64,
                    );
                    p = p.file_name(f.file_name.clone().unwrap_or_else(|| name.clone()));
                    if let Some(ct) = &f.content_type {
                        p = p.mime_str(ct).map_err(|e| {
                            Error::InvalidRequest(format!("bad content type {ct:?}: {e}"))
                        })?;
                    }
                    form.part(name.clone(), p)
                }
            };
        }
        Ok(form)
    }
}

/// A generated multipart body model (a catalog may have none).
#[allow(dead_code)]
pub trait IntoMultipart {
    fn into_multipart(self) -> Multipart;
}

/// Display, FromStr, serde and parameter support for a generated string enum that has
/// `as_str()` and `From<&str>`.
macro_rules! string_enum {
    ($t:ident) => {
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $t {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }

        impl From<String> for $t {
            fn from(s: String) -> Self {
                Self::from(s.as_str())
            }
        }

        impl ::serde::Serialize for $t {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $t {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                Ok(Self::from(s.as_ref()))
            }
        }

        impl $crate::runtime::ParamValue for $t {
            fn each(&self, f: &mut dyn FnMut(String)) {
                f(self.as_str().to_string())
            }
        }
    };
}
pub(crate) use string_enum;

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
}
