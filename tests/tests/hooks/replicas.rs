//! Two replicas behind one hook, sharing de-duplication through one real `redis-server`.

use std::time::Duration;

use okta_client::hooks::SharedDedup;
use tests::okta_hooks::{delivery, post};
use tests::redis_server::RedisServer;

use super::*;

fn replica(redis: &RedisServer, sink: &Recorder) -> EventHookReceiver {
    EventHookReceiver::builder(HEADER, SECRET)
        .shared_dedup(
            SharedDedup::new(redis.url(), "okta-test", "provisioning")
                .timeout(Duration::from_millis(300)),
        )
        .sink(sink.clone())
        .unwrap()
}

#[tokio::test]
async fn two_replicas_deliver_each_event_once_whichever_gets_the_retry() {
    let redis = RedisServer::start();
    let (sink_a, sink_b) = (Recorder::default(), Recorder::default());
    let a = Served::start(&replica(&redis, &sink_a)).await;
    let b = Served::start(&replica(&redis, &sink_b)).await;
    // Forty deliveries, each sent to both replicas at once (a retry landing on the other
    // replica while the first is still answering), in rounds so that the race varies.
    let mut expected = Vec::new();
    for round in 0..40 {
        let batch = events(&format!("r{round}"), 5, "user.lifecycle.create");
        expected.extend(
            batch
                .iter()
                .map(|e| e["uuid"].as_str().unwrap().to_string()),
        );
        let body = delivery(&batch).to_string();
        let secret = auth();
        let headers = [secret.as_str()];
        // Each replica is the first to be asked in every other round.
        let (first, second) = if round % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let (sa, sb) = tokio::join!(
            post(&first.addr, PATH, &headers, body.as_bytes()),
            post(&second.addr, PATH, &headers, body.as_bytes())
        );
        // One of them hands the events over; the other finds them delivered or being handed
        // over, and leaves them to it.
        assert_eq!((sa, sb), (Some(200), Some(200)), "round {round}");
        // And once more, later, to the other replica.
        let again = if round % 2 == 0 { &b.addr } else { &a.addr };
        assert_eq!(
            post(again, PATH, &[&auth()], body.as_bytes()).await,
            Some(200)
        );
    }
    let mut got = sink_a.uuids();
    got.extend(sink_b.uuids());
    let counts = counts(&got);
    assert!(
        counts.values().all(|n| *n == 1),
        "delivered twice: {counts:?}"
    );
    assert_eq!(counts.len(), expected.len());
    assert!(
        !sink_a.uuids().is_empty() && !sink_b.uuids().is_empty(),
        "both replicas took some"
    );
    // Nothing secret in Redis: keys name the namespace, the hook and the event.
    for (k, v) in redis.dump() {
        assert!(k.starts_with("okta-test:hook:provisioning:"), "{k}");
        assert!(!k.contains(SECRET) && !v.contains(SECRET));
    }
}

#[tokio::test]
async fn while_redis_does_not_answer_deliveries_get_503_and_nothing_is_delivered_twice() {
    let redis = RedisServer::start();
    let sink = Recorder::default();
    let a = Served::start(&replica(&redis, &sink)).await;
    let b = Served::start(&replica(&redis, &sink)).await;
    for round in 0..3 {
        let first = delivery(&events(&format!("p{round}"), 3, "user.lifecycle.create")).to_string();
        let statuses = post_until_accepted(&a.addr, first.as_bytes()).await;
        assert_eq!(statuses.last(), Some(&Some(200)), "{statuses:?}");
        // Redis stops answering for 1.5 s (its data kept, as a stalled or partitioned server).
        let paused = Instant::now();
        redis::cmd("CLIENT")
            .arg("PAUSE")
            .arg(1500)
            .arg("ALL")
            .query::<()>(&mut redis.connection())
            .unwrap();
        let second =
            delivery(&events(&format!("q{round}"), 3, "user.lifecycle.create")).to_string();
        // Neither replica can tell whether the other delivered it: Okta is asked to retry.
        assert_eq!(
            post(&a.addr, PATH, &[&auth()], second.as_bytes()).await,
            Some(503)
        );
        assert_eq!(
            post(&b.addr, PATH, &[&auth()], first.as_bytes()).await,
            Some(503)
        );
        // What this replica delivered itself it knows without Redis.
        assert_eq!(
            post(&a.addr, PATH, &[&auth()], first.as_bytes()).await,
            Some(200)
        );
        tokio::time::sleep(Duration::from_millis(1600).saturating_sub(paused.elapsed())).await;
        // Back (a replica may reconnect on its first request after the outage, which may
        // then fail: Okta retries): the retry of the first delivery, on the other replica,
        // is a repeat; the second delivery is new on one replica and a repeat on the other.
        for (replica, body) in [(&b, &first), (&b, &second), (&a, &second)] {
            let statuses = post_until_accepted(&replica.addr, body.as_bytes()).await;
            assert_eq!(statuses.last(), Some(&Some(200)), "{statuses:?}");
        }
    }
    let got = sink.uuids();
    assert_eq!(got.len(), 18, "{got:?}");
    assert!(counts(&got).values().all(|n| *n == 1));
}

#[tokio::test]
async fn a_replica_that_dies_mid_hand_over_is_covered_by_another_replicas_reconciliation() {
    use okta_client::hooks::Source;
    use tests::okta_hooks::{iso, FakeOrg};

    let redis = RedisServer::start();
    let org = FakeOrg::start().await;
    let client = okta_client::Client::builder(org.url())
        .api_token("00api-token")
        .build()
        .unwrap();
    let shared = || {
        SharedDedup::new(redis.url(), "okta-test", "provisioning")
            .timeout(Duration::from_millis(300))
    };
    let since = iso(std::time::SystemTime::now() - Duration::from_secs(1));
    // Replica A takes a delivery into its queue and dies before acknowledging it.
    let (a, mut queue_a) = EventHookReceiver::builder(HEADER, SECRET)
        .shared_dedup(shared())
        .claim_ttl(Duration::from_millis(400))
        .queue(4)
        .unwrap();
    let served_a = Served::start(&a).await;
    let lost = events("lost", 4, "user.lifecycle.create");
    org.log_only(&lost);
    let body = delivery(&lost).to_string();
    assert_eq!(
        post(&served_a.addr, PATH, &[&auth()], body.as_bytes()).await,
        Some(200)
    );
    std::mem::forget(queue_a.recv().await.unwrap());
    drop(served_a);
    drop(queue_a);
    drop(a);
    // Replica B: Okta's retry reaches it while A's claim holds, and is left to A.
    let sink = Recorder::default();
    let b = EventHookReceiver::builder(HEADER, SECRET)
        .shared_dedup(shared())
        .claim_ttl(Duration::from_millis(400))
        .sink(sink.clone())
        .unwrap();
    let served_b = Served::start(&b).await;
    assert_eq!(
        post(&served_b.addr, PATH, &[&auth()], body.as_bytes()).await,
        Some(200)
    );
    assert!(sink.uuids().is_empty());
    // Two reconcilers (on B, and on a third replica sharing the marks): A's claims lapse, and the
    // events arrive once, from the System Log.
    let c = EventHookReceiver::builder(HEADER, SECRET)
        .shared_dedup(shared())
        .sink(sink.clone())
        .unwrap();
    let runs: Vec<_> = [&b, &c]
        .into_iter()
        .map(|r| {
            tokio::spawn(
                r.reconciler(&client, ["user.lifecycle.create"])
                    .lag(Duration::from_millis(600))
                    .poll_interval(Duration::from_millis(20))
                    .since(since.clone())
                    .run(),
            )
        })
        .collect();
    sink.wait_for(4, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    for r in runs {
        r.abort();
    }
    let got = sink.uuids();
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(counts(&got).values().all(|n| *n == 1));
    assert_eq!(sink.from(Source::Reconciliation).len(), 4);
    drop(served_b);
}
