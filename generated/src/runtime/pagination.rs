//! List operations: one page at a time, following `Link: <…>; rel="next"`, with every page
//! remembered so that a server cannot lead a listing in circles or on forever.

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use futures::Stream;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use super::client::Client;
use super::error::{DecodeError, Error};
use super::headers::{request_id_of, RateLimit};
use super::request::Request;
use super::response::RawResponse;

/// One page of a list operation.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page that decoded.
    pub items: Vec<T>,
    /// The items of this page that did not decode, each with the serde path of its failing
    /// field, its position in the page and the item as received
    /// ([`DecodeError::raw_item`](crate::error::DecodeError::raw_item)). Always empty with
    /// strict decoding, where such an item fails the page instead.
    pub undecoded: Vec<DecodeError>,
    /// The HTTP status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The `rel="next"` link, when there is another page. Store it to resume the listing later
    /// with [`Customize::resume_from`](crate::request::Customize::resume_from).
    pub next: Option<Url>,
    client: Client,
    request: Request,
    trail: Trail,
}

/// Every item of a list operation, fetched lazily; memory holds at most one page.
pub type ItemStream<T> = Pin<Box<dyn Stream<Item = Result<T, Error>> + Send>>;

/// The pages of one listing fetched so far, by URL, with their position in the chain. A next
/// link to a page at or before the current position is a cycle; fetching the same next page
/// twice from one page is not.
#[derive(Clone, Debug)]
pub(crate) struct Trail {
    depth: u32,
    seen: Arc<Mutex<Seen>>,
}

#[derive(Debug, Default)]
struct Seen {
    hasher: std::collections::hash_map::RandomState,
    pages: HashMap<u64, u32>,
}

impl Trail {
    pub(crate) fn start() -> Trail {
        Trail {
            depth: 0,
            seen: Arc::default(),
        }
    }

    fn next(&self) -> Trail {
        Trail {
            depth: self.depth.saturating_add(1),
            seen: self.seen.clone(),
        }
    }

    /// Records that `url` is fetched at this position, or says why it must not be.
    fn visit(&self, url: &Url, max_pages: u32) -> Result<(), Error> {
        if self.depth >= max_pages {
            return Err(Error::UnexpectedResponse(format!(
                "the listing has more than {max_pages} pages (the limit; raise it with max_pages)"
            )));
        }
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let key = seen.hasher.hash_one(url.as_str());
        match seen.pages.get(&key) {
            Some(&at) if at < self.depth => Err(Error::UnexpectedResponse(format!(
                "pagination cycle: the next link leads back to page {} of this listing",
                u64::from(at) + 1
            ))),
            _ => {
                seen.pages.insert(key, self.depth);
                Ok(())
            }
        }
    }
}

impl<T: DeserializeOwned> Page<T> {
    /// Whether there is a next page.
    pub fn has_next(&self) -> bool {
        self.next.is_some()
    }

    /// Fetches the next page, or `None` after the last one.
    pub async fn next_page(&self) -> Result<Option<Page<T>>, Error> {
        match self.next_request() {
            Some(r) => self.client.send_page(r, self.trail.next()).await.map(Some),
            None => Ok(None),
        }
    }

    fn next_request(&self) -> Option<Request> {
        let next = self.next.clone()?;
        let mut r = self.request.clone();
        r.url = Some(keep_query(&self.request, next));
        Some(r)
    }
}

impl<T> Page<T> {
    /// `X-Okta-Request-Id` of this page's response.
    pub fn request_id(&self) -> Option<&str> {
        request_id_of(&self.headers)
    }

    /// The `X-Rate-Limit-*` headers of this page's response.
    pub fn rate_limit(&self) -> RateLimit {
        RateLimit::from_headers(&self.headers)
    }
}

/// The next link as Okta sent it, plus any of the caller's query parameters it dropped, so that
/// `limit` and filters apply to every page.
pub(crate) fn keep_query(first: &Request, mut next: Url) -> Url {
    let present: Vec<String> = next.query_pairs().map(|(k, _)| k.into_owned()).collect();
    let missing: Vec<&(String, String)> = first
        .query
        .iter()
        .filter(|(k, _)| !present.contains(k))
        .collect();
    if !missing.is_empty() {
        next.query_pairs_mut().extend_pairs(missing);
    }
    next
}

/// The `rel="next"` link of a response to `url`, resolved against it; one that leaves the org
/// (`org`'s origin) is an error, since the token must never be sent to another host.
pub(crate) fn next_url(url: &Url, headers: &HeaderMap, org: &Url) -> Result<Option<Url>, Error> {
    let Some(target) = next_link(headers) else {
        return Ok(None);
    };
    let next = url
        .join(&target)
        .map_err(|e| Error::UnexpectedResponse(format!("bad next link {target:?}: {e}")))?;
    if next.origin() != org.origin() {
        return Err(Error::UnexpectedResponse(format!(
            "next link {next} leaves the org"
        )));
    }
    Ok(Some(next))
}

/// The `rel="next"` target of the `Link` headers, if any.
fn next_link(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all("link") {
        let Ok(text) = value.to_str() else { continue };
        for link in split_links(text) {
            let Some((target, params)) = link
                .trim()
                .strip_prefix('<')
                .and_then(|l| l.split_once('>'))
            else {
                continue;
            };
            let is_next = params.split(';').any(|p| {
                let p = p.trim();
                p.strip_prefix("rel=")
                    .map(|v| {
                        v.trim_matches('"')
                            .split_whitespace()
                            .any(|r| r.eq_ignore_ascii_case("next"))
                    })
                    .unwrap_or(false)
            });
            if is_next {
                return Some(target.to_string());
            }
        }
    }
    None
}

/// Splits a `Link` header on the commas between links (not those inside `<…>`).
fn split_links(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

impl Client {
    pub(crate) async fn send_page<T: DeserializeOwned>(
        &self,
        request: Request,
        trail: Trail,
    ) -> Result<Page<T>, Error> {
        let operation = request.operation;
        let ((items, undecoded), page) = self
            .fetch_page(request, trail, |raw| raw.decode_list(operation))
            .await?;
        Ok(Page {
            items,
            undecoded,
            ..page
        })
    }

    /// One page: its items as `decode` reads them, and the page without them.
    async fn fetch_page<T, I>(
        &self,
        request: Request,
        trail: Trail,
        decode: impl FnOnce(&RawResponse) -> Result<I, Error>,
    ) -> Result<(I, Page<T>), Error> {
        // Prepared once: the URL the trail checks, the page limit and what every attempt sends.
        let prepared = self.engine().prepare(&request)?;
        trail.visit(prepared.url(), prepared.max_pages())?;
        let raw = self.engine().send(&request, &prepared).await?;
        let decoded = decode(&raw)?;
        let next = next_url(prepared.url(), &raw.headers, self.org_url())?;
        let page = Page {
            items: Vec::new(),
            undecoded: Vec::new(),
            status: raw.status,
            headers: raw.headers,
            next,
            client: self.clone(),
            request,
            trail,
        };
        Ok((decoded, page))
    }

    /// Every item of every page. An item that does not decode is yielded in its place as
    /// [`Error::Decode`] (with the raw item) and the stream goes on; any other error ends it.
    pub(crate) fn stream_items<T: DeserializeOwned + Send + 'static>(
        &self,
        request: Request,
    ) -> ItemStream<T> {
        struct State<T> {
            client: Client,
            next: Option<(Request, Trail)>,
            buffer: VecDeque<Result<T, Box<DecodeError>>>,
        }
        let state = State {
            client: self.clone(),
            next: Some((request, Trail::start())),
            buffer: VecDeque::new(),
        };
        Box::pin(futures::stream::unfold(state, |mut s| async move {
            loop {
                if let Some(item) = s.buffer.pop_front() {
                    return Some((item.map_err(Error::Decode), s));
                }
                let (request, trail) = s.next.take()?;
                let operation = request.operation;
                let page = s
                    .client
                    .fetch_page::<T, _>(request, trail, |raw| raw.decode_items(operation))
                    .await;
                match page {
                    Ok((items, page)) => {
                        s.next = page.next_request().map(|r| (r, page.trail.next()));
                        s.buffer = items.into();
                    }
                    Err(e) => return Some((Err(e), s)),
                }
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn finds_next_among_several_links() {
        let mut h = HeaderMap::new();
        h.append(
            "link",
            HeaderValue::from_static("<https://x.okta.com/api/v1/users?limit=2>; rel=\"self\""),
        );
        h.append(
            "link",
            HeaderValue::from_static(
                "<https://x.okta.com/api/v1/users?after=a,b&limit=2>; rel=\"next\"",
            ),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://x.okta.com/api/v1/users?after=a,b&limit=2")
        );
        let mut one = HeaderMap::new();
        one.insert(
            "link",
            HeaderValue::from_static("</a?x=1>; rel=\"self\", </a?after=2>; rel=next"),
        );
        assert_eq!(next_link(&one).as_deref(), Some("/a?after=2"));
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    #[test]
    fn revisits_are_cycles_but_refetching_the_same_next_page_is_not() {
        let a = Url::parse("https://x.okta.com/a").unwrap();
        let b = Url::parse("https://x.okta.com/b").unwrap();
        let first = Trail::start();
        first.visit(&a, 10).unwrap();
        let second = first.next();
        second.visit(&b, 10).unwrap();
        second.visit(&b, 10).unwrap();
        let third = second.next();
        assert!(third.visit(&a, 10).is_err());
        assert!(third.visit(&b, 10).is_err());
        assert!(first.visit(&a, 10).is_ok());
        let deep = Trail {
            depth: 10,
            seen: Arc::default(),
        };
        assert!(deep.visit(&a, 10).is_err());
    }

    proptest::proptest! {
        /// Any `Link` header parses without panicking, and a next target comes from inside
        /// the header's `<…>`.
        #[test]
        fn link_headers_never_panic(text in "[<>;,=\"a-z /:?&.]{0,80}") {
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&text) {
                h.insert("link", v);
            }
            if let Some(target) = next_link(&h) {
                let wrapped = format!("<{}>", target);
                proptest::prop_assert!(text.contains(&wrapped));
            }
        }
    }
}
