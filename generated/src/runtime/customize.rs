//! What the catalog does not know, reachable on every operation: extra query parameters and
//! headers, a per-request timeout, bodies of the caller's type or raw bytes, the response
//! decoded into the caller's type or read as bytes or text, pages and streams of any
//! operation, and resuming a listing from a stored next link.

use std::marker::PhantomData;
use std::time::Duration;

use bytes::Bytes;
use http::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::client::Client;
use super::error::Error;
use super::pagination::{keep_query, ItemStream, Page, Trail};
use super::request::{Body, JsonBody, Request};
use super::response::ApiResponse;

/// An operation's request, open to changes the catalog does not describe; from `customize()`
/// on any request builder, or from [`Client::request`] for any path.
///
/// `K` says what [`send`](Self::send) returns: [`Json<T>`] a decoded body, [`NoBody`] nothing,
/// [`Paged<T>`] a page of a list. Every other way to read the answer is open whatever `K` is:
/// [`send_as`](Self::send_as), [`send_bytes`](Self::send_bytes),
/// [`send_text`](Self::send_text), [`pages_as`](Self::pages_as),
/// [`into_stream_as`](Self::into_stream_as).
///
/// ```no_run
/// # async fn run(client: okta_client::Client) -> Result<(), okta_client::Error> {
/// #[derive(serde::Deserialize)]
/// struct MyUser { id: String, status: String }
///
/// let active = client
///     .user()
///     .list_users()
///     .customize()
///     .query("search", r#"status eq "ACTIVE""#)
///     .query("limit", 200)
///     .timeout(std::time::Duration::from_secs(10))
///     .pages_as::<MyUser>()
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is sent"]
pub struct Customize<K> {
    client: Client,
    request: Request,
    kind: PhantomData<fn() -> K>,
}

/// `send()` decodes the body into `T`.
pub struct Json<T>(PhantomData<fn() -> T>);
/// `send()` reads no body.
pub enum NoBody {}
/// `send()` returns the body as text (the operation's media type is sent as `Accept`).
pub enum Text {}
/// `send()` returns the first page of `T`s; `into_stream()` every item.
pub struct Paged<T>(PhantomData<fn() -> T>);
/// `send()` decodes a JSON array of `T`s that is not paginated, item by item: an item that does
/// not decode is kept in [`ApiResponse::undecoded`] and the others are returned.
pub struct List<T>(PhantomData<fn() -> T>);

/// A request to any path of the org, authenticated, retried and limited like the generated
/// operations: for endpoints the catalog does not describe. `send()` decodes any JSON.
pub type GenericRequest = Customize<Json<serde_json::Value>>;

impl<K> Clone for Customize<K> {
    fn clone(&self) -> Self {
        Customize {
            client: self.client.clone(),
            request: self.request.clone(),
            kind: PhantomData,
        }
    }
}

impl<K> std::fmt::Debug for Customize<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Customize")
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A request with `method` to `path_and_query` below the org URL (for example
    /// `/api/v1/users?limit=2`); with a gateway prefix in the org URL, below the prefix.
    pub fn request(&self, method: Method, path_and_query: &str) -> GenericRequest {
        let mut request = Request::generic(method);
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path_and_query, None),
        };
        if !path.starts_with('/') || path.starts_with("//") {
            request.path = Err(format!(
                "{path_and_query:?} must be a path starting with one `/`"
            ));
        } else if path_and_query.contains('#') {
            request.path = Err(format!("{path_and_query:?} must not carry a fragment"));
        } else {
            // Kept as the request's own query so that it is carried onto every page.
            request.path = Ok(path.to_string());
            if let Some(q) = query {
                request.query = url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
            }
        }
        Customize::new(self.clone(), request)
    }
}

impl<K> Customize<K> {
    /// Used by the generated builders.
    pub(crate) fn new(client: Client, request: Request) -> Self {
        Customize {
            client,
            request,
            kind: PhantomData,
        }
    }

    /// The client and the request as built so far (for runtime parts built on an operation).
    #[cfg_attr(not(feature = "log"), allow(dead_code))]
    pub(crate) fn into_parts(self) -> (Client, Request) {
        (self.client, self.request)
    }

    /// Adds a query parameter; call again to repeat a name. It is sent beside a documented
    /// parameter of the same name, never instead of it; use [`set_query`](Self::set_query) to
    /// replace.
    pub fn query(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        let (name, value) = (name.into(), value.to_string());
        // A resumed listing already has its URL; the parameter is also kept for later pages.
        if let Some(url) = &mut self.request.url {
            url.query_pairs_mut().append_pair(&name, &value);
        }
        self.request.query.push((name, value));
        self
    }

    /// Replaces every value of the query parameter `name`, documented or not, with `value`.
    pub fn set_query(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        let name = name.into();
        if let Some(url) = &mut self.request.url {
            let kept: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| *k != name)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            url.set_query(None);
            if !kept.is_empty() {
                url.query_pairs_mut().extend_pairs(kept);
            }
        }
        self.request.query.retain(|(k, _)| *k != name);
        self.query(name, value)
    }

    /// Adds a header (repeatable). `Authorization`, `DPoP`, `Host`, `Content-Length` and the
    /// retry headers belong to the client: the request fails with
    /// [`Error::InvalidRequest`] without being sent.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.request.headers.push((name.into(), value.into()));
        self
    }

    /// The deadline of this call, every attempt, retry wait and rate-limit wait included
    /// (default: the client's [`timeout`](crate::ClientBuilder::timeout)); for a listing, of
    /// each page's call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.request.options.timeout = Some(timeout);
        self
    }

    /// The limit for one attempt of this call (default: the client's
    /// [`attempt_timeout`](crate::ClientBuilder::attempt_timeout)); an attempt also ends at the
    /// call's deadline.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.request.options.attempt_timeout = Some(timeout);
        self
    }

    /// The `Accept` header (default `application/json`): `application/xml`, `text/csv`, …
    pub fn accept(mut self, media_type: impl Into<String>) -> Self {
        self.request.options.accept = Some(media_type.into());
        self
    }

    /// Sends `body` as JSON, replacing any body the builder set.
    pub fn json(mut self, body: impl Serialize) -> Self {
        self.request.body = Body::Json(JsonBody::new(&body));
        self
    }

    /// Sends `bytes` with `content_type` (a PEM certificate as `application/x-pem-file`, …),
    /// replacing any body the builder set.
    pub fn body(mut self, bytes: impl Into<Bytes>, content_type: impl Into<String>) -> Self {
        self.request.body = Body::Raw {
            bytes: bytes.into(),
            content_type: content_type.into(),
        };
        self
    }

    /// Sends a multipart/form-data body (file uploads), replacing any body the builder set
    /// (the `multipart` feature, which the API groups with uploads turn on).
    #[cfg(feature = "multipart")]
    pub fn multipart(mut self, form: super::multipart::Multipart) -> Self {
        self.request.body = Body::Multipart(form);
        self
    }

    /// The largest response body read for this request (default: the client's).
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.request.options.max_response_bytes = Some(bytes);
        self
    }

    /// Whether a value that does not fit its documented type fails this request's decode
    /// (default: the client's; see
    /// [`ClientBuilder::strict_decoding`](crate::ClientBuilder::strict_decoding)).
    pub fn strict_decoding(mut self, strict: bool) -> Self {
        self.request.options.strict = Some(strict);
        self
    }

    /// The most pages this listing follows (default: the client's).
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.request.options.max_pages = Some(pages);
        self
    }

    /// Continues a listing from a next link stored earlier ([`Page::next`], or a
    /// `Link: rel="next"` URL). The link must be on the org; query parameters given to this
    /// builder are added where the link lacks them.
    pub fn resume_from(mut self, next_link: impl AsRef<str>) -> Self {
        let link = next_link.as_ref();
        match self.client.org_url().join(link) {
            Ok(url) if url.origin() == self.client.org_url().origin() => {
                self.request.url = Some(keep_query(&self.request, url));
            }
            Ok(url) => {
                self.request.url = None;
                self.request.path = Err(format!("the next link {url} is not on the org"));
            }
            Err(e) => {
                self.request.url = None;
                self.request.path = Err(format!("bad next link {link:?}: {e}"));
            }
        }
        self
    }

    /// Sends the request and decodes the body into `T` (`serde_json::Value` takes anything;
    /// an empty body decodes like `null`). Failures name the field, as with typed operations.
    pub async fn send_as<T: DeserializeOwned>(self) -> Result<ApiResponse<T>, Error> {
        let raw = self.client.execute(&self.request).await?;
        let body = raw.decode()?;
        Ok(raw.into_response(body))
    }

    /// Sends the request and returns the body as received (certificates, images, …); see
    /// [`ApiResponse::content_type`].
    pub async fn send_bytes(self) -> Result<ApiResponse<Bytes>, Error> {
        let raw = self.client.execute(&self.request).await?;
        let body = raw.body.clone();
        Ok(raw.into_response(body))
    }

    /// Sends the request and returns the body as UTF-8 text (XML, CSV, PEM). Set the
    /// [`accept`](Self::accept) header the endpoint expects.
    pub async fn send_text(self) -> Result<ApiResponse<String>, Error> {
        let raw = self.client.execute(&self.request).await?;
        let body = raw.text()?;
        Ok(raw.into_response(body))
    }

    /// Sends the request and decodes the body as a page of `T`s (a JSON array), following
    /// `Link: rel="next"` with [`Page::next_page`]; for any operation.
    pub async fn pages_as<T: DeserializeOwned>(self) -> Result<Page<T>, Error> {
        self.client.send_page(self.request, Trail::start()).await
    }

    /// Every `T` of every page, fetched lazily one page at a time; for any operation.
    pub fn into_stream_as<T: DeserializeOwned + Send + 'static>(self) -> ItemStream<T> {
        self.client.stream_items(self.request)
    }
}

impl<T: DeserializeOwned> Customize<Json<T>> {
    /// Sends the request and decodes the response into the operation's type.
    pub async fn send(self) -> Result<ApiResponse<T>, Error> {
        self.send_as().await
    }
}

impl<T: DeserializeOwned> Customize<List<T>> {
    /// Sends the request and decodes the array; items that do not decode are kept, with their
    /// position, serde path and raw JSON, in [`ApiResponse::undecoded`] (with strict decoding
    /// one such item fails the whole response instead).
    pub async fn send(self) -> Result<ApiResponse<Vec<T>>, Error> {
        let raw = self.client.execute(&self.request).await?;
        let (items, undecoded) = raw.decode_list::<T>(self.request.operation)?;
        let mut response = raw.into_response(items);
        response.undecoded = undecoded;
        Ok(response)
    }
}

impl Customize<NoBody> {
    /// Sends the request; any response body is not read into the result (see
    /// [`send_bytes`](Self::send_bytes)).
    pub async fn send(self) -> Result<ApiResponse<()>, Error> {
        let raw = self.client.execute(&self.request).await?;
        Ok(raw.into_response(()))
    }
}

impl Customize<Text> {
    /// Sends the request and returns the body as UTF-8 text.
    pub async fn send(self) -> Result<ApiResponse<String>, Error> {
        self.send_text().await
    }
}

impl<T: DeserializeOwned + Send + 'static> Customize<Paged<T>> {
    /// Sends the request and returns the first page.
    pub async fn send(self) -> Result<Page<T>, Error> {
        self.pages_as().await
    }

    /// Every item of every page, fetched lazily one page at a time.
    pub fn into_stream(self) -> ItemStream<T> {
        self.into_stream_as()
    }
}
