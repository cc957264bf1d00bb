//! List operations: one page at a time, following `Link: <…>; rel="next"`.

use std::collections::VecDeque;
use std::pin::Pin;

use futures::Stream;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use url::Url;

use super::client::Client;
use super::error::Error;
use super::request::Request;
use super::response::{request_id_of, RateLimit};

/// One page of a list operation.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Page<T> {
    pub items: Vec<T>,
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The `rel="next"` link, when there is another page.
    pub next: Option<Url>,
    client: Client,
    request: Request,
}

/// Every item of a list operation, fetched lazily; memory holds at most one page.
pub type ItemStream<T> = Pin<Box<dyn Stream<Item = Result<T, Error>> + Send>>;

impl<T: DeserializeOwned> Page<T> {
    /// Whether there is a next page.
    pub fn has_next(&self) -> bool {
        self.next.is_some()
    }

    /// Fetches the next page, or `None` after the last one.
    pub async fn next_page(&self) -> Result<Option<Page<T>>, Error> {
        match self.next_request() {
            Some(r) => self.client.send_page(r).await.map(Some),
            None => Ok(None),
        }
    }

    fn next_request(&self) -> Option<Request> {
        let next = self.next.clone()?;
        let mut r = self.request.clone();
        r.url = Some(keep_query(&self.request, next));
        Some(r)
    }

    /// `X-Okta-Request-Id` of this page's response.
    pub fn request_id(&self) -> Option<&str> {
        request_id_of(&self.headers)
    }

    pub fn rate_limit(&self) -> RateLimit {
        RateLimit::from_headers(&self.headers)
    }
}

/// The next link as Okta sent it, plus any of the caller's query parameters it dropped, so that
/// `limit` and filters apply to every page.
fn keep_query(first: &Request, mut next: Url) -> Url {
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

/// The `rel="next"` target of the `Link` headers, if any.
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
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
    ) -> Result<Page<T>, Error> {
        let raw = self.execute(&request).await?;
        let items: Vec<T> = raw.decode()?;
        let next = match next_link(&raw.headers) {
            None => None,
            Some(target) => {
                let base = request.url(&self.inner_base())?;
                let url = base.join(&target).map_err(|e| {
                    Error::UnexpectedResponse(format!("bad next link {target:?}: {e}"))
                })?;
                // The token must never be sent to another host.
                if url.origin() != self.inner_base().origin() {
                    return Err(Error::UnexpectedResponse(format!(
                        "next link {url} leaves the org"
                    )));
                }
                // A link to the page just fetched would loop forever.
                (url != base).then_some(url)
            }
        };
        Ok(Page {
            items,
            status: raw.status,
            headers: raw.headers,
            next,
            client: self.clone(),
            request,
        })
    }

    // Called by generated list operations; a catalog may have none.
    #[allow(dead_code)]
    pub(crate) fn stream_items<T: DeserializeOwned + Send + 'static>(
        &self,
        request: Request,
    ) -> ItemStream<T> {
        struct State<T> {
            client: Client,
            next: Option<Request>,
            buffer: VecDeque<T>,
        }
        let state = State {
            client: self.clone(),
            next: Some(request),
            buffer: VecDeque::new(),
        };
        Box::pin(futures::stream::unfold(state, |mut s| async move {
            loop {
                if let Some(item) = s.buffer.pop_front() {
                    return Some((Ok(item), s));
                }
                let request = s.next.take()?;
                match s.client.send_page::<T>(request).await {
                    Ok(page) => {
                        s.next = page.next_request();
                        s.buffer = page.items.into();
                    }
                    Err(e) => return Some((Err(e), s)),
                }
            }
        }))
    }

    fn inner_base(&self) -> Url {
        self.org_url().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

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
}
