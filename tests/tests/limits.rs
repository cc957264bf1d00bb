//! Nothing a server sends grows without bound or overflows: response sizes, page chains and
//! rate-limit numbers, against real HTTP servers on 127.0.0.1.

use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use okta_client::{Client, Error, Method, RetryConfig};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(base: &str, limit: u64) -> Client {
    Client::builder(base)
        .api_token("00limits")
        .retry(RetryConfig::disabled())
        .max_response_size(limit)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_declared_length_over_the_limit_fails_before_reading() {
    let server = MockServer::start().await;
    let big = "x".repeat(64 * 1024);
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big, "application/json"))
        .mount(&server)
        .await;
    let e = client(&server.uri(), 1024)
        .request(Method::GET, "/api/v1/users")
        .send_bytes()
        .await
        .unwrap_err();
    match e {
        Error::ResponseTooLarge { status, limit } => {
            assert_eq!(status.as_u16(), 200);
            assert_eq!(limit, 1024);
        }
        other => panic!("{other:?}"),
    }
    // A per-request limit overrides the client's.
    let ok = client(&server.uri(), 1024)
        .request(Method::GET, "/api/v1/users")
        .max_response_size(1 << 20)
        .send_bytes()
        .await
        .unwrap();
    assert_eq!(ok.body.len(), 64 * 1024);
}

/// A server that answers every connection with a chunked body of `chunks` × 1 KiB and no
/// `Content-Length`, counting how many chunks it managed to write.
async fn chunked_server(chunks: usize) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("400\r\n{}\r\n", "y".repeat(1024));
                for _ in 0..chunks {
                    if sock.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                }
                let _ = sock.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn an_undeclared_length_stops_at_the_limit() {
    // 200 MiB if it were read; the client stops after 64 KiB.
    let base = chunked_server(200 * 1024).await;
    let started = Instant::now();
    let e = client(&base, 64 * 1024)
        .request(Method::GET, "/api/v1/logs")
        .send_bytes()
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::ResponseTooLarge { limit: 65536, .. }),
        "{e:?}"
    );
    // Not a timing assertion on speed, only that it did not read the whole body first: the
    // whole body would take far longer than the client's 30 s timeout allows to be relevant.
    assert!(started.elapsed() < Duration::from_secs(30));
    let small = chunked_server(3).await;
    let ok = client(&small, 64 * 1024)
        .request(Method::GET, "/x")
        .send_bytes()
        .await
        .unwrap();
    assert_eq!(ok.body.len(), 3 * 1024);
}

fn linked(items: Value, next: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(items)
        .insert_header("link", format!("<{next}>; rel=\"next\"").as_str())
}

#[tokio::test]
async fn a_cycle_over_several_pages_ends_with_an_error() {
    let server = MockServer::start().await;
    let base = server.uri();
    // A → B → C → A
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .and(query_param("after", "b"))
        .respond_with(linked(json!([2]), &format!("{base}/api/v1/users?after=c")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .and(query_param("after", "c"))
        .respond_with(linked(json!([3]), &format!("{base}/api/v1/users?after=a")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .respond_with(linked(json!([1]), &format!("{base}/api/v1/users?after=b")))
        .mount(&server)
        .await;
    let c = client(&base, 1 << 20);
    let mut stream = c
        .request(Method::GET, "/api/v1/users")
        .query("after", "a")
        .into_stream_as::<u32>();
    let mut seen = Vec::new();
    let err = loop {
        match stream.try_next().await {
            Ok(Some(v)) => seen.push(v),
            Ok(None) => panic!("the cycle ended silently after {seen:?}"),
            Err(e) => break e,
        }
    };
    assert_eq!(seen, [1, 2, 3]);
    assert!(
        matches!(&err, Error::UnexpectedResponse(m) if m.contains("cycle")),
        "{err:?}"
    );
    // By hand, too: the third page's next link leads back to the first.
    let p1 = c
        .request(Method::GET, "/api/v1/users")
        .query("after", "a")
        .pages_as::<u32>()
        .await
        .unwrap();
    let p2 = p1.next_page().await.unwrap().unwrap();
    // Fetching the same next page again is not a cycle.
    p1.next_page().await.unwrap().unwrap();
    let p3 = p2.next_page().await.unwrap().unwrap();
    assert!(p3.next_page().await.is_err());
    // A page that links to itself is one, too.
    let server2 = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(linked(
            json!([1]),
            &format!("{}/api/v1/users", server2.uri()),
        ))
        .mount(&server2)
        .await;
    let items: Result<Vec<u32>, _> = client(&server2.uri(), 1 << 20)
        .request(Method::GET, "/api/v1/users")
        .into_stream_as::<u32>()
        .try_collect()
        .await;
    assert!(items.is_err());
}

#[tokio::test]
async fn an_endless_chain_of_new_pages_stops_at_the_page_limit() {
    let server = MockServer::start().await;
    let base = server.uri();
    for i in 0..20 {
        Mock::given(method("GET"))
            .and(query_param("after", i.to_string().as_str()))
            .respond_with(linked(
                json!([i]),
                &format!("{base}/api/v1/users?after={}", i + 1),
            ))
            .mount(&server)
            .await;
    }
    let c = client(&base, 1 << 20);
    let got: Vec<Result<u32, Error>> = c
        .request(Method::GET, "/api/v1/users")
        .query("after", 0)
        .max_pages(5)
        .into_stream_as::<u32>()
        .collect::<Vec<_>>()
        .await;
    let ok: Vec<u32> = got
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    assert_eq!(ok, [0, 1, 2, 3, 4]);
    assert!(matches!(got.last(), Some(Err(Error::UnexpectedResponse(m))) if m.contains("5 pages")));
}

#[tokio::test]
async fn a_reset_in_the_far_future_gives_up_at_once_with_the_429() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-rate-limit-reset", u64::MAX.to_string().as_str())
                .insert_header("date", "Thu, 01 Jan 1970 00:00:00 GMT"),
        )
        .expect(2)
        .mount(&server)
        .await;
    let c = Client::builder(server.uri())
        .api_token("00limits")
        .retry(
            RetryConfig::default()
                .max_retries(u32::MAX)
                .max_total_wait(Duration::MAX),
        )
        .timeout(Duration::MAX)
        .build()
        .unwrap();
    // A total wait and a deadline of Duration::MAX would accept the wait; it must neither
    // overflow nor wrap to zero, so the client sleeps — bounded here by the test's own timeout.
    let r = tokio::time::timeout(
        Duration::from_millis(300),
        c.request(Method::GET, "/api/v1/users").send(),
    )
    .await;
    assert!(r.is_err(), "a huge wait was shortened: {r:?}");
    // With the default budget the 429 comes back at once.
    let c = Client::builder(server.uri())
        .api_token("00limits")
        .build()
        .unwrap();
    let e = c
        .request(Method::GET, "/api/v1/users")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(429));
}
