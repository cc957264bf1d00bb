//! Reconciliation with the System Log: events Okta could not deliver while the receiver was
//! down reach the sink from the log, and nothing arrives twice, also across a restart of the
//! reconciler.

use std::time::Duration;

use okta_client::hooks::{HookRegistration, MemoryCursor, Source};
use okta_client::Client;
use tests::okta_hooks::{iso, FakeOrg};

use super::*;

const TYPES: [&str; 2] = ["user.lifecycle.create", "user.lifecycle.deactivate"];

#[tokio::test]
async fn sends_while_the_receiver_is_down_are_reconciled_nothing_lost_nothing_twice() {
    let org = FakeOrg::start().await;
    let client = Client::builder(org.url())
        .api_token("00api-token")
        .build()
        .unwrap();
    let started = iso(std::time::SystemTime::now() - Duration::from_secs(1));
    let sink = Recorder::default();
    let receiver = EventHookReceiver::builder(HEADER, SECRET)
        .claim_ttl(Duration::from_millis(200))
        .sink(sink.clone())
        .unwrap();
    let mut served = Served::start(&receiver).await;
    let addr = served.addr.clone();
    HookRegistration::new("provisioning", served.uri(), HEADER, SECRET)
        .event_types(TYPES)
        .register(&client)
        .await
        .unwrap();

    // Up: delivered by the hook (with an event of a type the hook does not follow, logged only).
    let up = events("up", 5, TYPES[0]);
    org.emit(&up).await;
    org.log_only(&events("other", 3, "user.session.start"));
    // Down: Okta tries twice and gives up.
    served.stop().await;
    let down = events("down", 7, TYPES[1]);
    let attempts = org.emit(&down).await;
    assert_eq!(attempts, [vec![None, None]], "the receiver was down");
    // Back up on the same address: new events come by the hook, and Okta repeats an old
    // delivery.
    let served = Served::on(&receiver, &addr).await;
    let back = events("back", 4, TYPES[0]);
    org.emit(&back).await;
    org.deliver(&up[1..3]).await;
    assert_eq!(sink.uuids().len(), 9);

    // Reconciliation, from a checkpoint that survives its restarts.
    let checkpoint = MemoryCursor::new();
    let reconciler = || {
        receiver
            .reconciler(&client, TYPES)
            .lag(Duration::from_millis(300))
            .poll_interval(Duration::from_millis(20))
            .since(started.clone())
            .cursor_store(checkpoint.clone())
    };
    let run = tokio::spawn(reconciler().run());
    sink.wait_for(16, Duration::from_secs(10)).await;
    run.abort();
    let _ = run.await;
    assert!(checkpoint.get().is_some(), "the position is kept");
    // Restarted, it resumes from its checkpoint; meanwhile more events came by the hook.
    let late = events("late", 3, TYPES[1]);
    org.emit(&late).await;
    let run = tokio::spawn(reconciler().run());
    tokio::time::sleep(Duration::from_millis(800)).await;
    run.abort();
    drop(served);

    let got = sink.uuids();
    let counts = counts(&got);
    assert!(counts.values().all(|n| *n == 1), "twice: {counts:?}");
    let mut expected: Vec<String> = org
        .logged()
        .iter()
        .filter(|e| TYPES.contains(&e["eventType"].as_str().unwrap()))
        .map(|e| e["uuid"].as_str().unwrap().to_string())
        .collect();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    expected.sort();
    assert_eq!(
        got_sorted, expected,
        "exactly the subscribed events of the System Log"
    );
    let mut reconciled = sink.from(Source::Reconciliation);
    reconciled.sort();
    let mut missed: Vec<String> = down
        .iter()
        .map(|e| e["uuid"].as_str().unwrap().to_string())
        .collect();
    missed.sort();
    assert_eq!(reconciled, missed, "only what the hooks never brought");
}

#[tokio::test]
async fn reconciliation_waits_out_its_lag_and_refuses_bad_event_types() {
    let org = FakeOrg::start().await;
    let client = Client::builder(org.url())
        .api_token("00api-token")
        .build()
        .unwrap();
    let sink = Recorder::default();
    let receiver = EventHookReceiver::builder(HEADER, SECRET)
        .sink(sink.clone())
        .unwrap();
    let err = receiver
        .reconciler(&client, [r#"x" or eventType eq "y"#])
        .run()
        .await
        .unwrap_err();
    assert!(matches!(err, okta_client::Error::Config(_)), "{err}");
    let since = iso(std::time::SystemTime::now() - Duration::from_secs(1));
    let run = tokio::spawn(
        receiver
            .reconciler(&client, TYPES)
            .lag(Duration::from_millis(1500))
            .poll_interval(Duration::from_millis(20))
            .since(since)
            .run(),
    );
    let fresh = events("fresh", 2, TYPES[0]);
    org.log_only(&fresh);
    let logged_at = Instant::now();
    // The hook delivers one of them in the meantime: reconciliation brings only the other.
    receiver_post(&receiver, &fresh[..1]).await;
    sink.wait_for(2, Duration::from_secs(10)).await;
    assert!(
        logged_at.elapsed() >= Duration::from_millis(1200),
        "{:?}",
        logged_at.elapsed()
    );
    run.abort();
    assert_eq!(sink.from(Source::Reconciliation), ["fresh-1"]);
}

/// One delivery straight to the framework-agnostic handler.
async fn receiver_post(receiver: &EventHookReceiver, events: &[Value]) {
    let body = tests::okta_hooks::delivery(events).to_string();
    let request = axum::http::Request::post(PATH)
        .header(HEADER, SECRET)
        .body(body)
        .unwrap();
    let answer = receiver.handle(request).await;
    assert_eq!(answer.status(), 200);
}

/// Reconciliation's position kept in Redis outlives the process: a reconciler started again,
/// with a receiver that remembers nothing (a new process), resumes where the last one saved
/// and delivers only what came after.
#[tokio::test]
async fn the_position_kept_in_redis_survives_a_restart() {
    use okta_client::hooks::{CursorStore, RedisCursorStore};
    let redis = tests::redis_server::RedisServer::start();
    let org = FakeOrg::start().await;
    let client = Client::builder(org.url())
        .api_token("00api-token")
        .build()
        .unwrap();
    let started = iso(std::time::SystemTime::now() - Duration::from_secs(1));
    let store = || RedisCursorStore::new(redis.url(), "t", "provisioning").unwrap();
    assert!(store().load().await.unwrap().is_none(), "nothing saved yet");
    let reconcile = |receiver: &EventHookReceiver| {
        receiver
            .reconciler(&client, TYPES)
            .lag(Duration::from_millis(200))
            .poll_interval(Duration::from_millis(20))
            .since(started.clone())
            .cursor_store(store())
    };
    // The hooks never deliver: every event comes from the System Log.
    let first = events("first", 4, TYPES[0]);
    org.log_only(&first);
    let sink = Recorder::default();
    let receiver = EventHookReceiver::builder(HEADER, SECRET)
        .sink(sink.clone())
        .unwrap();
    let run = tokio::spawn(reconcile(&receiver).run());
    sink.wait_for(4, Duration::from_secs(10)).await;
    run.abort();
    let _ = run.await;
    assert!(
        store().load().await.unwrap().is_some(),
        "the position is in Redis"
    );

    let second = events("second", 3, TYPES[1]);
    org.log_only(&second);
    let sink = Recorder::default();
    let receiver = EventHookReceiver::builder(HEADER, SECRET)
        .sink(sink.clone())
        .unwrap();
    let run = tokio::spawn(reconcile(&receiver).run());
    sink.wait_for(3, Duration::from_secs(10)).await;
    // Time for anything older to arrive, were it to be delivered again.
    tokio::time::sleep(Duration::from_millis(600)).await;
    run.abort();
    let mut got = sink.uuids();
    got.sort();
    let mut expected: Vec<String> = second
        .iter()
        .map(|e| e["uuid"].as_str().unwrap().to_string())
        .collect();
    expected.sort();
    assert_eq!(got, expected, "resumed where the first process stopped");

    // A Redis that cannot be reached fails the load with an error that shows no URL.
    let unreachable = RedisCursorStore::new("redis://:hunter2@127.0.0.1:1/0", "t", "x")
        .unwrap()
        .timeout(Duration::from_millis(300));
    let err = unreachable.load().await.unwrap_err().to_string();
    assert!(
        !err.contains("hunter2") && !err.contains("127.0.0.1"),
        "{err}"
    );
}
