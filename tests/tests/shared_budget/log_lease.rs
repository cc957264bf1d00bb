//! One System Log tailer per org across replicas: the lease, the checkpoint, and a takeover
//! after the holder dies that loses no event and repeats no acknowledged one.

use std::time::Duration;

use okta_client::system_log::{Checkpoint, LeasedLogStream, TailLease};
use okta_client::Client;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use tests::redis_server::RedisServer;

fn page(events: &[&str], next: &str, base: &str) -> ResponseTemplate {
    let items: Vec<Value> = events
        .iter()
        .map(|u| json!({"uuid": u, "eventType": "user.session.start"}))
        .collect();
    ResponseTemplate::new(200)
        .set_body_json(items)
        .append_header("Link", format!("<{base}{next}>; rel=\"next\"").as_str())
}

const AFTER_B: &str = "/api/v1/logs?after=b&sortOrder=ASCENDING";
const AFTER_D: &str = "/api/v1/logs?after=d&sortOrder=ASCENDING";

/// Events a, b; then c, d; then nothing new (caught up).
async fn system_log() -> MockServer {
    let server = MockServer::start().await;
    let base = server.uri();
    let logs = || Mock::given(method("GET")).and(path("/api/v1/logs"));
    logs()
        .and(query_param_is_missing("after"))
        .respond_with(page(&["a", "b"], AFTER_B, &base))
        .mount(&server)
        .await;
    logs()
        .and(query_param("after", "b"))
        .respond_with(page(&["c", "d"], AFTER_D, &base))
        .mount(&server)
        .await;
    logs()
        .and(query_param("after", "d"))
        .respond_with(page(&[], AFTER_D, &base))
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .api_token("00tail")
        .build()
        .unwrap()
}

async fn take(stream: &mut LeasedLogStream) -> String {
    let event = stream.next().await.expect("an event").expect("no error");
    event.uuid().unwrap().to_string()
}

fn lease(redis: &RedisServer) -> TailLease {
    TailLease::new(redis.url(), "okta-test", "audit").ttl(Duration::from_secs(1))
}

#[test]
fn a_standby_takes_over_from_a_dead_holder_at_its_checkpoint() {
    let redis = RedisServer::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(system_log());
    let client = client(&server);
    let tail = || client.log_tailer().poll_interval(Duration::from_millis(20));

    // The first replica, in a runtime of its own, so that it can die without a word.
    let first = tokio::runtime::Runtime::new().unwrap();
    let mut one = first.block_on(tail().lease(lease(&redis))).unwrap();
    first.block_on(async {
        assert_eq!(take(&mut one).await, "a");
        assert_eq!(take(&mut one).await, "b");
        assert_eq!(one.ack().await, Checkpoint::Saved);
        assert_eq!(take(&mut one).await, "c");
        assert_eq!(one.ack().await, Checkpoint::Saved);
        // d is delivered but never acknowledged.
        assert_eq!(take(&mut one).await, "d");
    });

    // A standby waits while the holder renews its lease.
    let standby = rt.spawn(tail().lease(lease(&redis)));
    std::thread::sleep(Duration::from_millis(1_500));
    assert!(!standby.is_finished(), "two holders at once");
    assert!(one.holds_lease());

    // The holder dies: no release, no more renewals.
    std::mem::forget(one);
    drop(first);
    let mut two = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(5), standby)
            .await
            .expect("the standby takes over once the lease expires")
            .unwrap()
            .unwrap()
    });
    rt.block_on(async {
        // c was acknowledged mid-page: the page is fetched again, c is not delivered again;
        // d was not acknowledged: delivered again (at-least-once for it).
        assert_eq!(take(&mut two).await, "d");
        assert_eq!(two.ack().await, Checkpoint::Saved);
        // Caught up: nothing else comes.
        let more = tokio::time::timeout(Duration::from_millis(300), two.next()).await;
        assert!(more.is_err(), "{more:?}");
    });
    // Only numbers, ids of events and the org's link are in Redis.
    for (key, value) in redis.dump() {
        assert!(
            !value.contains("00tail") && !key.contains("00tail"),
            "{key}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_that_lost_its_lease_stops_and_records_nothing() {
    let redis = RedisServer::start();
    let server = system_log().await;
    let client = client(&server);
    let mut one = client.log_tailer().lease(lease(&redis)).await.unwrap();
    assert_eq!(take(&mut one).await, "a");
    // Another replica holds the lease now (this one was paused longer than its lease).
    let host = server.uri().trim_start_matches("http://").to_string();
    let key = format!("okta-test:{{{host}}}:log-tail:audit:lease");
    let mut con = redis.connection();
    redis::cmd("SET")
        .arg(&key)
        .arg("other")
        .query::<()>(&mut con)
        .unwrap();
    assert_eq!(one.ack().await, Checkpoint::LeaseLost);
    assert!(!one.holds_lease());
    assert!(one.next().await.is_none());
    let cursor: Option<String> = redis::cmd("GET")
        .arg(key.replace(":lease", ":cursor"))
        .query(&mut con)
        .unwrap();
    assert_eq!(
        cursor, None,
        "nothing checkpointed by a replica without the lease"
    );
}
