//! One receiver over real HTTP: verification, the secret, bad input, acknowledgement, repeats.

use std::time::Duration;

use okta_client::hooks::{EventHookReceiver, Source};
use serde_json::json;
use tests::okta_hooks::{delivery, event, exchange, post, send};

use super::*;

fn queue_receiver(capacity: usize) -> (EventHookReceiver, okta_client::hooks::EventQueue) {
    EventHookReceiver::builder(HEADER, SECRET)
        .max_body_size(64 * 1024)
        .body_timeout(Duration::from_millis(300))
        .queue(capacity)
        .unwrap()
}

async fn verify(addr: &str, headers: &[(&str, &str)]) -> Option<(u16, Vec<u8>)> {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    exchange(addr, "GET", PATH, &headers, b"", Duration::from_secs(5)).await
}

#[tokio::test]
async fn the_verification_get_echoes_the_challenge_and_nothing_else_does() {
    let (receiver, _queue) = queue_receiver(4);
    let served = Served::start(&receiver).await;
    let challenge = "X7gBqz2-challenge";
    let (status, body) = verify(
        &served.addr,
        &[
            ("X-Okta-Verification-Challenge", challenge),
            (HEADER, SECRET),
        ],
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body, json!({"verification": challenge}));
    // A challenge whose characters need escaping comes back as the same string.
    let (status, body) = verify(
        &served.addr,
        &[
            ("X-Okta-Verification-Challenge", r#"a"b\c"#),
            (HEADER, SECRET),
        ],
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["verification"], r#"a"b\c"#);
    // Without the secret, or with another one: refused.
    for headers in [
        vec![("X-Okta-Verification-Challenge", challenge)],
        vec![
            ("X-Okta-Verification-Challenge", challenge),
            (HEADER, "wrong"),
        ],
    ] {
        let (status, body) = verify(&served.addr, &headers).await.unwrap();
        assert_eq!(status, 401);
        assert!(body.is_empty());
    }
    // A GET without a challenge, and other methods: not a hook request.
    assert_eq!(
        verify(&served.addr, &[(HEADER, SECRET)]).await.unwrap().0,
        405
    );
    let headers = vec![(HEADER.to_string(), SECRET.to_string())];
    for method in ["PUT", "DELETE", "PATCH"] {
        let (status, _) = exchange(
            &served.addr,
            method,
            PATH,
            &headers,
            b"{}",
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        assert_eq!(status, 405, "{method}");
    }
}

#[tokio::test]
async fn a_delivery_without_the_right_secret_is_refused_before_its_body_is_read() {
    let (receiver, mut queue) = queue_receiver(4);
    let served = Served::start(&receiver).await;
    let body = delivery(&events("s", 2, "user.lifecycle.create")).to_string();
    for header in [
        None,
        Some("Authorization: wrong"),
        Some("Authorization: hook-secret-7f3a9c1e5"),
        Some("Authorization: hook-secret-7f3a9c1e5bX"),
    ] {
        // The body is announced but never sent: only an answer that does not wait for it comes
        // back.
        let mut head = format!(
            "POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}",
            body.len()
        );
        if let Some(h) = header {
            head.push_str("\r\n");
            head.push_str(h);
        }
        let status = send(
            &served.addr,
            &head,
            b"",
            1,
            Duration::ZERO,
            Duration::from_secs(2),
        )
        .await;
        assert_eq!(status, Some(401), "{header:?}");
    }
    // Sent twice: refused too.
    let status = post(&served.addr, PATH, &[&auth(), &auth()], body.as_bytes()).await;
    assert_eq!(status, Some(401));
    assert_eq!(queue.depth(), 0);
    assert!(
        tokio::time::timeout(Duration::from_millis(100), queue.recv())
            .await
            .is_err(),
        "nothing of a refused delivery is handed over"
    );
}

#[tokio::test]
async fn oversized_malformed_and_slow_bodies_are_refused_and_deliver_nothing() {
    let (receiver, mut queue) = queue_receiver(4);
    let served = Served::start(&receiver).await;
    let addr = served.addr.as_str();
    // Declared too large: refused without reading.
    let huge = format!(
        "POST {PATH} HTTP/1.1\r\nHost: x\r\n{}\r\nContent-Length: {}",
        auth(),
        10 * 1024 * 1024
    );
    assert_eq!(
        send(addr, &huge, b"", 1, Duration::ZERO, Duration::from_secs(2)).await,
        Some(413)
    );
    // Chunked, without a length, growing past the limit.
    let big = delivery(&events("big", 200, "user.lifecycle.create")).to_string();
    assert!(big.len() > 64 * 1024);
    let mut chunked = Vec::new();
    for piece in big.as_bytes().chunks(8 * 1024) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nHost: x\r\n{}\r\nTransfer-Encoding: chunked",
        auth()
    );
    assert_eq!(
        send(
            addr,
            &head,
            &chunked,
            1,
            Duration::ZERO,
            Duration::from_secs(5)
        )
        .await,
        Some(413)
    );
    // Not JSON, not a delivery, an event that is not an object.
    for bad in [
        &b"{not json"[..],
        br#"{"data": {}}"#,
        br#"{"data": {"events": [{"uuid": "m-1"}, 42]}}"#,
        br#"[]"#,
    ] {
        assert_eq!(
            post(addr, PATH, &[&auth()], bad).await,
            Some(400),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    // A body that trickles in slower than the body timeout.
    let slow = delivery(&events("slow", 3, "user.lifecycle.create")).to_string();
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nHost: x\r\n{}\r\nContent-Length: {}",
        auth(),
        slow.len()
    );
    let status = send(
        addr,
        &head,
        slow.as_bytes(),
        10,
        Duration::from_millis(100),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(status, Some(408));
    assert!(
        tokio::time::timeout(Duration::from_millis(100), queue.recv())
            .await
            .is_err(),
        "nothing of a refused delivery is handed over"
    );
    // The same events, sent properly afterwards, are new: a refusal claimed nothing.
    assert_eq!(
        post(addr, PATH, &[&auth()], slow.as_bytes()).await,
        Some(200)
    );
    let batch = queue.recv().await.unwrap();
    assert_eq!(batch.events().len(), 3);
}

#[tokio::test]
async fn batches_are_acknowledged_once_queued_and_repeats_and_reorders_are_dropped() {
    let (receiver, mut queue) = queue_receiver(16);
    let served = Served::start(&receiver).await;
    let addr = served.addr.as_str();
    let all = events("b", 6, "user.lifecycle.create");
    let send_batch = |idx: &[usize]| {
        let batch: Vec<Value> = idx.iter().map(|i| all[*i].clone()).collect();
        delivery(&batch).to_string()
    };
    assert_eq!(
        post(addr, PATH, &[&auth()], send_batch(&[0, 1, 2]).as_bytes()).await,
        Some(200)
    );
    // Acknowledged before anyone took the batch: queued is handed over.
    assert_eq!(queue.depth(), 1);
    // Okta's retry of the same delivery, before and after the batch is acknowledged.
    assert_eq!(
        post(addr, PATH, &[&auth()], send_batch(&[0, 1, 2]).as_bytes()).await,
        Some(200)
    );
    let first = queue.recv().await.unwrap();
    assert_eq!(first.source(), Source::Hook);
    let got: Vec<&str> = first.events().iter().map(|e| e.uuid().unwrap()).collect();
    assert_eq!(got, ["b-0", "b-1", "b-2"]);
    assert!(first.ack().await);
    assert_eq!(
        post(addr, PATH, &[&auth()], send_batch(&[2, 1, 0]).as_bytes()).await,
        Some(200)
    );
    // Later events first, with one repeat inside the batch and one from before.
    assert_eq!(
        post(addr, PATH, &[&auth()], send_batch(&[5, 4, 4, 1]).as_bytes()).await,
        Some(200)
    );
    assert_eq!(
        post(addr, PATH, &[&auth()], send_batch(&[3]).as_bytes()).await,
        Some(200)
    );
    let mut rest = Vec::new();
    while let Ok(Some(batch)) = tokio::time::timeout(Duration::from_millis(200), queue.recv()).await
    {
        rest.extend(batch.events().iter().map(|e| e.uuid().unwrap().to_string()));
        assert!(batch.ack().await);
    }
    assert_eq!(rest, ["b-5", "b-4", "b-3"]);
    // Each event carries its typed form and its JSON as sent.
    assert_eq!(
        post(
            addr,
            PATH,
            &[&auth()],
            delivery(&events("t", 1, "group.user_membership.add"))
                .to_string()
                .as_bytes()
        )
        .await,
        Some(200)
    );
    let batch = queue.recv().await.unwrap();
    let e = &batch.events()[0];
    assert_eq!(e.event_type.as_deref(), Some("group.user_membership.add"));
    assert_eq!(
        e.actor.as_ref().unwrap().alternate_id.as_deref(),
        Some("ada@example.com")
    );
    assert_eq!(
        e.to_value()["client"]["geographicalContext"]["city"],
        "Paris"
    );
}

#[tokio::test]
async fn a_full_queue_answers_503_so_that_okta_retries_and_nothing_is_lost() {
    let (receiver, mut queue) = queue_receiver(2);
    let served = Served::start(&receiver).await;
    let addr = served.addr.as_str();
    let batches: Vec<String> = (0..4)
        .map(|i| delivery(&events(&format!("q{i}"), 3, "user.lifecycle.create")).to_string())
        .collect();
    let mut statuses = Vec::new();
    for b in &batches {
        statuses.push(post(addr, PATH, &[&auth()], b.as_bytes()).await.unwrap());
    }
    assert_eq!(statuses, [200, 200, 503, 503]);
    assert_eq!(queue.depth(), 2);
    // The consumer catches up; Okta's retries of the refused deliveries are new.
    let mut got = Vec::new();
    for _ in 0..2 {
        let b = queue.recv().await.unwrap();
        got.extend(b.events().iter().map(|e| e.uuid().unwrap().to_string()));
        b.ack().await;
    }
    for b in &batches[2..] {
        assert_eq!(post(addr, PATH, &[&auth()], b.as_bytes()).await, Some(200));
        let b = queue.recv().await.unwrap();
        got.extend(b.events().iter().map(|e| e.uuid().unwrap().to_string()));
        b.ack().await;
    }
    assert_eq!(got.len(), 12);
    assert!(counts(&got).values().all(|n| *n == 1));
}

#[tokio::test]
async fn a_batch_dropped_without_ack_is_delivered_again() {
    let (receiver, mut queue) = queue_receiver(4);
    let served = Served::start(&receiver).await;
    let body = delivery(&events("d", 2, "user.lifecycle.create")).to_string();
    assert_eq!(
        post(&served.addr, PATH, &[&auth()], body.as_bytes()).await,
        Some(200)
    );
    drop(queue.recv().await.unwrap());
    assert_eq!(
        post(&served.addr, PATH, &[&auth()], body.as_bytes()).await,
        Some(200)
    );
    let again = queue.recv().await.unwrap();
    assert_eq!(again.events().len(), 2);
    assert!(again.ack().await);
    assert_eq!(
        post(&served.addr, PATH, &[&auth()], body.as_bytes()).await,
        Some(200)
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(100), queue.recv())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_sink_that_fails_or_stalls_gets_a_503_and_the_retry_delivers_once() {
    let sink = Recorder::default();
    let receiver = EventHookReceiver::builder(HEADER, SECRET)
        .sink_timeout(Duration::from_millis(200))
        .sink(sink.clone())
        .unwrap();
    let served = Served::start(&receiver).await;
    let body = delivery(&events("k", 3, "user.lifecycle.create")).to_string();
    sink.failing
        .store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        post(&served.addr, PATH, &[&auth()], body.as_bytes()).await,
        Some(503)
    );
    sink.failing
        .store(false, std::sync::atomic::Ordering::SeqCst);
    *sink.delay.lock().unwrap() = Duration::from_millis(500);
    assert_eq!(
        post(&served.addr, PATH, &[&auth()], body.as_bytes()).await,
        Some(503)
    );
    *sink.delay.lock().unwrap() = Duration::ZERO;
    // The stalled attempt's late store is the sink's own; the receiver released its claims.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let stalled = sink.uuids().len();
    assert_eq!(
        post(&served.addr, PATH, &[&auth()], body.as_bytes()).await,
        Some(200)
    );
    assert_eq!(
        post(&served.addr, PATH, &[&auth()], body.as_bytes()).await,
        Some(200)
    );
    assert_eq!(sink.uuids().len(), stalled + 3);
}

#[tokio::test]
async fn the_secret_appears_in_no_debug_output_or_error() {
    let (receiver, queue) = queue_receiver(1);
    let text = format!("{receiver:?} {queue:?}");
    assert!(!text.contains(SECRET), "{text}");
    assert!(text.contains("authorization"), "{text}");
    let builder = EventHookReceiver::builder(HEADER, SECRET);
    assert!(!format!("{builder:?}").contains(SECRET));
    let err = EventHookReceiver::builder("bad header\n", SECRET)
        .queue(1)
        .unwrap_err();
    assert!(!err.to_string().contains(SECRET), "{err}");
    let err = EventHookReceiver::builder(HEADER, "").queue(1).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
    let registration =
        okta_client::hooks::HookRegistration::new("n", "https://x/y", HEADER, SECRET)
            .header("X-Extra", "extra-credential");
    let text = format!("{registration:?}");
    assert!(
        !text.contains(SECRET) && !text.contains("extra-credential"),
        "{text}"
    );
}

#[test]
fn okta_style_events_decode_typed() {
    let e = LogEvent::from_value(&event(
        "u-1",
        "user.session.start",
        "2026-12-01T10:00:00.000Z",
    ))
    .unwrap();
    assert_eq!(e.uuid(), Some("u-1"));
}
