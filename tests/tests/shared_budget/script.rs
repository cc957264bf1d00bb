//! The shared budget's decisions, `budget.lua` run by a real Redis with explicit instants
//! (the script takes `now` from its request when one is given, else Redis's `TIME`). Requests
//! and answers are the JSON objects of the protocol in
//! `generated/core/src/governor/shared/protocol.rs`.

use redis::{Connection, Script};
use serde_json::{json, Value};

use tests::redis_server::RedisServer;

/// bucket, leases, in_flight, clock, probe, workers.
const KEYS: [&str; 6] = [
    "t:{o}:b", "t:{o}:l", "t:{o}:c", "t:{o}:k", "t:{o}:p", "t:{o}:w",
];

fn script() -> Script {
    Script::new(include_str!(
        "../../../generated/core/src/governor/budget.lua"
    ))
}

/// The limits the client passes (`LIMITS` in shared/protocol.rs).
fn limits() -> Value {
    json!({
        "longest_window_ms": 60_000,
        "max_skew_ms": 86_400_000,
        "skew_epoch": 256,
        "probe_patience_ms": 1_000,
        "presence_ms": 10_000,
    })
}

/// Runs the script with `request` (the limits and a worker id added); the answer.
pub fn call(con: &mut Connection, mut request: Value) -> Value {
    request["limits"] = limits();
    if request.get("worker").is_none() {
        request["worker"] = json!("w");
    }
    let s = script();
    let mut inv = s.prepare_invoke();
    for k in KEYS {
        inv.key(k);
    }
    inv.arg(request.to_string());
    let text: String = inv.invoke(con).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `acquire` at `now`: (outcome, wait ms, probe). Share 1, 10 s leases, 4 in flight, a burst
/// of a tenth, 20 ms polls.
fn acquire(con: &mut Connection, lease: &str, now: u64, held: bool) -> (String, u64, bool) {
    acquire_with(con, lease, now, held, 4)
}

fn acquire_with(
    con: &mut Connection,
    lease: &str,
    now: u64,
    held: bool,
    max_in_flight: u64,
) -> (String, u64, bool) {
    let a = call(
        con,
        json!({
            "op": "acquire", "lease": lease, "now": now, "share": 1.0, "lease_ms": 10_000,
            "max_in_flight": max_in_flight, "held": held, "burst": 0.1, "poll_ms": 20,
        }),
    );
    (
        a["outcome"].as_str().unwrap().to_string(),
        a["wait_ms"].as_u64().unwrap_or(0),
        a["probe"].as_bool().unwrap_or(false),
    )
}

/// `record` at `now` of an answer with `status` and, if given, (limit, remaining, reset, date):
/// (verdict, wait ms).
fn record(
    con: &mut Connection,
    lease: &str,
    now: u64,
    status: u16,
    report: Option<(u64, u64, u64, u64)>,
) -> (String, u64) {
    let mut request = json!({
        "op": "record", "lease": lease, "now": now, "status": status, "secs_left": 0,
        "probe": true, "bucket_ttl_ms": 600_000,
    });
    if let Some((limit, remaining, reset, date)) = report {
        request["report"] =
            json!({"limit": limit, "remaining": remaining, "reset": reset, "date": date});
    }
    let a = call(con, request);
    (
        a["verdict"].as_str().unwrap().to_string(),
        a["wait_ms"].as_u64().unwrap_or(0),
    )
}

pub fn field(con: &mut Connection, name: &str) -> Option<String> {
    redis::cmd("HGET")
        .arg(KEYS[0])
        .arg(name)
        .query(con)
        .unwrap()
}

/// A Redis clock in ms that is 2.5 s behind Okta's: Unix second 1,000,000 on Okta's clock is
/// 999,997,500 ms on Redis's.
const T0: u64 = 999_997_500;

#[test]
fn one_request_learns_a_new_bucket_and_the_reset_comes_into_redis_time_through_date() {
    let redis = RedisServer::start();
    let mut con = redis.connection();
    assert_eq!(
        acquire(&mut con, "a", T0, false),
        ("go".into(), 0, true),
        "the first goes, as the probe"
    );
    let (outcome, wait, _) = acquire(&mut con, "b", T0, false);
    assert_eq!(
        (outcome.as_str(), wait),
        ("wait", 100),
        "the others wait for its answer (at most five polls at a time)"
    );
    // Okta: 10 a window, 9 left, reset at Unix 1,000,001, Date 1,000,000.
    let answer = record(
        &mut con,
        "a",
        T0 + 10,
        200,
        Some((10, 9, 1_000_001, 1_000_000)),
    );
    assert_eq!(answer, ("not_limited".into(), 0));
    assert_eq!(field(&mut con, "limit").as_deref(), Some("10"));
    assert_eq!(field(&mut con, "remaining").as_deref(), Some("9"));
    // Date − now = 2,490 ms is the clock offset estimate: the reset is 1,000,001,000 − 2,490
    // in Redis time, 1,000 ms after the answer's Date.
    assert_eq!(field(&mut con, "reset").as_deref(), Some("999998510"));
    let probe: Option<String> = redis::cmd("GET").arg(KEYS[4]).query(&mut con).unwrap();
    assert_eq!(probe, None, "the probe's answer frees the route");
}

#[test]
fn spending_is_spread_over_the_window_and_stops_at_the_limit() {
    let redis = RedisServer::start();
    let mut con = redis.connection();
    acquire(&mut con, "p", T0, false);
    // A window of 1 s starting at T0 with all 10 units left.
    record(&mut con, "p", T0, 200, Some((10, 10, 1_000_001, 1_000_000)));
    let reset: u64 = field(&mut con, "reset").unwrap().parse().unwrap();
    let window = reset - T0;
    // One unit (the burst, a tenth) goes at once; each next one is scheduled a ninth of the
    // remaining 90 % of the window later: held, with a wait, not sent into a burst.
    assert_eq!(acquire(&mut con, "u1", T0, false).0, "go");
    let mut last = 0;
    for i in 2..=4 {
        let (code, wait, _) = acquire(&mut con, &format!("u{i}"), T0, false);
        assert_eq!(code, "scheduled", "unit {i} is reserved for later");
        assert!(wait > last && wait < window, "unit {i} waits {wait} ms");
        last = wait;
    }
    // Four in flight and scheduled; the same caller comes back when its time has come, with
    // the unit held, and gets its concurrency slot.
    let (code, _, _) = acquire(&mut con, "u2", T0 + last, true);
    assert_eq!(code, "go");
    // Answers say the window is spent: later callers wait for the reset.
    for i in 1..=4 {
        record(
            &mut con,
            &format!("u{i}"),
            T0 + last,
            200,
            Some((10, 0, 1_000_001, 1_000_000)),
        );
    }
    let (code, wait, _) = acquire(&mut con, "late", T0 + last, false);
    assert_eq!((code.as_str(), wait), ("wait", reset - (T0 + last)));
    // After the reset the whole limit is assumed for the next window (same length), and again
    // only its burst goes at once.
    assert_eq!(acquire(&mut con, "next", reset, false).0, "go");
    assert_eq!(acquire(&mut con, "next2", reset, false).0, "scheduled");
    assert_eq!(field(&mut con, "predicted").as_deref(), Some("1"));
}

#[test]
fn leases_of_a_dead_worker_expire_and_free_their_slots() {
    let redis = RedisServer::start();
    let mut con = redis.connection();
    // An unpaced route (no rate-limit headers) and a cap of 2 in flight.
    acquire_with(&mut con, "probe", T0, false, 2);
    record(&mut con, "probe", T0, 200, None);
    assert_eq!(field(&mut con, "unlimited").as_deref(), Some("1"));
    assert_eq!(acquire_with(&mut con, "w1", T0, false, 2).0, "go");
    assert_eq!(acquire_with(&mut con, "w2", T0, false, 2).0, "go");
    // The worker holding them dies: nobody records their answers.
    let (code, wait, _) = acquire_with(&mut con, "w3", T0 + 100, false, 2);
    assert_eq!((code.as_str(), wait), ("wait", 20), "the cap holds");
    // Ten seconds later (the lease) the slots are free again.
    assert_eq!(acquire_with(&mut con, "w3", T0 + 10_001, false, 2).0, "go");
    let in_flight: u64 = redis::cmd("ZCARD").arg(KEYS[2]).query(&mut con).unwrap();
    assert_eq!(in_flight, 1);
}

#[test]
fn a_429_is_judged_against_the_shared_bucket() {
    let redis = RedisServer::start();
    let mut con = redis.connection();
    acquire(&mut con, "p", T0, false);
    record(&mut con, "p", T0, 200, Some((10, 5, 1_000_001, 1_000_000)));
    // Budget left, or the headers of another limit: a concurrency violation.
    acquire(&mut con, "c", T0, false);
    assert_eq!(
        record(&mut con, "c", T0, 429, Some((10, 3, 1_000_001, 1_000_000))).0,
        "concurrency"
    );
    acquire(&mut con, "f", T0, false);
    assert_eq!(
        record(&mut con, "f", T0, 429, Some((75, 0, 1_000_060, 1_000_000))).0,
        "concurrency"
    );
    // Spent: wait until the reset, by Redis's clock.
    acquire(&mut con, "s", T0, false);
    let (verdict, wait) = record(
        &mut con,
        "s",
        T0 + 200,
        429,
        Some((10, 0, 1_000_001, 1_000_000)),
    );
    assert_eq!(verdict, "spent");
    assert_eq!(
        wait,
        1_000 - 200,
        "Okta's reset minus the offset, minus now"
    );
    assert_eq!(field(&mut con, "remaining").as_deref(), Some("0"));
    // Without headers: unknown, left to the retry settings.
    acquire(&mut con, "u", T0, false);
    assert_eq!(record(&mut con, "u", T0, 429, None).0, "unknown");
}

#[test]
fn answers_from_an_older_window_or_out_of_order_do_not_raise_the_count() {
    let redis = RedisServer::start();
    let mut con = redis.connection();
    acquire(&mut con, "p", T0, false);
    record(&mut con, "p", T0, 200, Some((10, 4, 1_000_001, 1_000_000)));
    record(&mut con, "x", T0, 200, Some((10, 6, 1_000_001, 1_000_000)));
    assert_eq!(
        field(&mut con, "remaining").as_deref(),
        Some("4"),
        "the lowest is the latest"
    );
    record(&mut con, "y", T0, 200, Some((10, 9, 1_000_000, 999_999)));
    assert_eq!(
        field(&mut con, "remaining").as_deref(),
        Some("4"),
        "an older window is ignored"
    );
    record(
        &mut con,
        "z",
        T0 + 1_000,
        200,
        Some((10, 9, 1_000_002, 1_000_001)),
    );
    assert_eq!(
        field(&mut con, "remaining").as_deref(),
        Some("9"),
        "a newer window replaces it"
    );
}

#[test]
fn an_acquire_that_arrives_after_its_deadline_holds_nothing() {
    let redis = RedisServer::start();
    let mut con = redis.connection();
    // An unpaced route, so that every acquire would go.
    acquire(&mut con, "probe", T0, false);
    record(&mut con, "probe", T0, 200, None);
    let late = call(
        &mut con,
        json!({
            "op": "acquire", "lease": "late", "now": T0 + 101, "share": 1.0,
            "lease_ms": 10_000, "max_in_flight": 4, "held": false, "burst": 0.1,
            "poll_ms": 20, "deadline": T0 + 100,
        }),
    );
    assert_eq!(late["outcome"], "expired");
    let in_flight: u64 = redis::cmd("ZCARD").arg(KEYS[2]).query(&mut con).unwrap();
    assert_eq!(in_flight, 0, "no slot for a caller that has gone");
    // In time, the same request goes.
    let on_time = call(
        &mut con,
        json!({
            "op": "acquire", "lease": "on-time", "now": T0 + 100, "share": 1.0,
            "lease_ms": 10_000, "max_in_flight": 4, "held": false, "burst": 0.1,
            "poll_ms": 20, "deadline": T0 + 100,
        }),
    );
    assert_eq!(on_time["outcome"], "go");
    assert_eq!(
        on_time["now"],
        T0 + 100,
        "every answer carries Redis's clock"
    );
    // A release frees what an abandoned request took.
    call(
        &mut con,
        json!({"op": "release", "lease": "on-time", "now": T0 + 150}),
    );
    let in_flight: u64 = redis::cmd("ZCARD").arg(KEYS[2]).query(&mut con).unwrap();
    assert_eq!(in_flight, 0);
}

#[test]
fn every_call_counts_its_client_among_the_orgs_workers_for_a_while() {
    let redis = RedisServer::start();
    let mut con = redis.connection();
    let ping = |con: &mut Connection, worker: &str, now: u64| {
        call(
            con,
            json!({"op": "ping", "lease": "", "worker": worker, "now": now}),
        )["workers"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(ping(&mut con, "a", T0), 1);
    assert_eq!(ping(&mut con, "b", T0 + 1_000), 2);
    assert_eq!(ping(&mut con, "a", T0 + 2_000), 2, "counted once");
    assert_eq!(ping(&mut con, "c", T0 + 9_999), 3);
    // Ten seconds after its last call, a client no longer counts.
    assert_eq!(ping(&mut con, "c", T0 + 11_001), 2);
    assert_eq!(ping(&mut con, "c", T0 + 12_001), 1);
}

/// The table of cases shared with the local state machine's tests
/// (`generated/core/src/governor/cases.json`), run against the script: one Redis, a fresh
/// bucket per case, Redis's clock at Okta's (`Date` = now).
/// How many leases (units or slots) `key` holds: the leases set without its epoch.
fn card(con: &mut Connection, key: &str) -> u64 {
    redis::cmd("ZCOUNT")
        .arg(key)
        .arg("-inf")
        .arg("(+inf")
        .query(con)
        .unwrap()
}

/// A flushed Redis forgets the leases of calls in flight. The bucket's epoch, handed out with
/// every lease, tells a client that holds leases that they were lost: its next acquire is
/// answered `reclaim`, and the leases it puts back count again (expired ones stay gone).
#[test]
fn leases_lost_in_a_flush_are_put_back_before_anything_else_is_decided() {
    let redis = RedisServer::start();
    let mut con = redis.connection();
    let go = |con: &mut Connection, lease: &str, now: u64, epoch: Option<&str>| {
        let mut r = json!({
            "op": "acquire", "lease": lease, "now": now, "share": 1.0, "lease_ms": 10_000,
            "max_in_flight": 4, "held": false, "burst": 1.0, "poll_ms": 20,
        });
        if let Some(e) = epoch {
            r["epoch"] = json!(e);
        }
        call(con, r)
    };
    let a = go(&mut con, "a", T0, None);
    assert_eq!(
        (a["outcome"].as_str(), a["epoch"].as_str()),
        (Some("go"), Some("epoch:a"))
    );
    record(
        &mut con,
        "a",
        T0 + 10,
        200,
        Some((10, 9, 1_000_001, 1_000_000)),
    );
    let b = go(&mut con, "b", T0 + 20, Some("epoch:a"));
    assert_eq!(
        (b["outcome"].as_str(), b["epoch"].as_str()),
        (Some("go"), Some("epoch:a"))
    );
    assert_eq!((card(&mut con, KEYS[1]), card(&mut con, KEYS[2])), (1, 1));

    redis::cmd("FLUSHALL").query::<()>(&mut con).unwrap();
    // `b` is in flight and forgotten: the client's next acquire, sent with `b`'s epoch, is
    // told to put it back, and holds nothing.
    let c = go(&mut con, "c", T0 + 30, Some("epoch:a"));
    assert_eq!(c["outcome"], "reclaim", "{c}");
    assert_eq!(card(&mut con, KEYS[1]), 0);
    let back = call(
        &mut con,
        json!({"op": "reclaim", "lease": "c", "now": T0 + 31, "leases": [
            {"id": "b", "expires": T0 + 20 + 10_000, "sent": true},
            {"id": "old", "expires": T0 + 31, "sent": true},
        ]}),
    );
    assert_eq!(back["outcome"], "reclaimed", "{back}");
    let epoch = back["epoch"].as_str().unwrap().to_string();
    assert_ne!(epoch, "epoch:a", "a new epoch for the new bucket");
    // `b` counts again, in the bucket and among the org's calls in flight; the expired lease
    // does not.
    assert_eq!((card(&mut con, KEYS[1]), card(&mut con, KEYS[2])), (1, 1));
    let ttl: i64 = redis::cmd("PTTL").arg(KEYS[1]).query(&mut con).unwrap();
    assert!(ttl > 0, "the lease set expires: {ttl}");
    // With the new epoch the acquire is decided: the bucket is unknown, so it learns it.
    let c = go(&mut con, "c", T0 + 32, Some(&epoch));
    assert_eq!(
        (c["outcome"].as_str(), c["probe"].as_bool()),
        (Some("go"), Some(true)),
        "{c}"
    );
    assert_eq!(c["epoch"].as_str(), Some(epoch.as_str()));
    assert_eq!(card(&mut con, KEYS[1]), 2);
    // A client that holds no lease sends no epoch and is never asked.
    let d = go(&mut con, "d", T0 + 40, None);
    assert_ne!(d["outcome"], "reclaim", "{d}");
    // A record names the epoch too, and none once Redis has lost the bucket: a client whose
    // other calls are in flight puts them back without waiting for its next acquire.
    let r = call(
        &mut con,
        json!({"op": "record", "lease": "d", "now": T0 + 50, "status": 200, "secs_left": 0,
               "probe": false, "bucket_ttl_ms": 600_000}),
    );
    assert_eq!(r["epoch"].as_str(), Some(epoch.as_str()), "{r}");
    // The epoch lives in the leases set: a leases set evicted alone (a Redis out of memory
    // under a `volatile-*` policy) while the bucket stays loses the epoch with the leases.
    assert_eq!(field(&mut con, "limit"), None, "learning, not learned");
    record(
        &mut con,
        "c",
        T0 + 55,
        200,
        Some((10, 9, 1_000_001, 1_000_000)),
    );
    assert_eq!(field(&mut con, "limit").as_deref(), Some("10"));
    let e = go(&mut con, "e", T0 + 56, Some(&epoch));
    assert_eq!(e["outcome"], "go", "{e}");
    redis::cmd("DEL")
        .arg(KEYS[1])
        .query::<()>(&mut con)
        .unwrap();
    let f = go(&mut con, "f", T0 + 57, Some(&epoch));
    assert_eq!(f["outcome"], "reclaim", "{f}");
    assert_eq!(
        field(&mut con, "limit").as_deref(),
        Some("10"),
        "the bucket stayed"
    );
    redis::cmd("FLUSHALL").query::<()>(&mut con).unwrap();
    let r = call(
        &mut con,
        json!({"op": "record", "lease": "c", "now": T0 + 60, "status": 200, "secs_left": 0,
               "probe": false, "bucket_ttl_ms": 600_000}),
    );
    assert!(r.get("epoch").is_none(), "{r}");
}

#[test]
fn the_shared_table_of_cases_holds_for_the_script() {
    let table: Value = serde_json::from_str(include_str!(
        "../../../generated/core/src/governor/cases.json"
    ))
    .unwrap();
    let cases = table["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    const T0: u64 = 1_700_000_000;
    let redis = RedisServer::start();
    let mut con = redis.connection();
    let figures = |v: &Value| {
        let n = |f: &str| v[f].as_u64().unwrap();
        (n("limit"), n("remaining"), n("reset_in_s"))
    };
    for case in cases {
        let name = case["name"].as_str().unwrap();
        redis::cmd("FLUSHALL").query::<()>(&mut con).unwrap();
        let now0 = T0 * 1000;
        if !case["prior"].is_null() {
            let (limit, remaining, reset_in) = figures(&case["prior"]);
            assert_eq!(acquire(&mut con, "prior", now0, false).0, "go");
            let r = Some((limit, remaining, T0 + reset_in, T0));
            record(&mut con, "prior", now0, 200, r);
        }
        let after = case["after_ms"].as_u64().unwrap_or(0);
        let t = now0 + after;
        let date = T0 + after / 1000;
        let (outcome, wait) = match &case["step"] {
            Value::String(step) => {
                if step == "acquire_twice" {
                    assert_eq!(acquire(&mut con, "first", t, false).0, "go", "{name}");
                }
                let a = call(
                    &mut con,
                    json!({
                        "op": "acquire", "lease": "x", "now": t, "share": 1.0,
                        "lease_ms": 10_000, "max_in_flight": 4, "held": false, "burst": 0.1,
                        "poll_ms": 20,
                    }),
                );
                let outcome = match (a["outcome"].as_str().unwrap(), &a["probe"], &a["learning"]) {
                    ("go", Value::Bool(true), _) => "probe",
                    ("wait", _, Value::Bool(true)) => "wait_for_answer",
                    (other, _, _) => other,
                }
                .to_string();
                (outcome, a["wait_ms"].as_u64())
            }
            step => {
                let r = &step["record"];
                let report = (!r["report"].is_null()).then(|| {
                    let (limit, remaining, reset_in) = figures(&r["report"]);
                    (limit, remaining, T0 + reset_in, date)
                });
                // Held now or scheduled for later (the script spreads a window's units):
                // either way a lease whose answer is recorded.
                let held = acquire(&mut con, "x", t, false).0;
                assert!(held == "go" || held == "scheduled", "{name}: {held}");
                let status = r["status"].as_u64().unwrap() as u16;
                let (verdict, wait) = record(&mut con, "x", t, status, report);
                (verdict, (wait > 0).then_some(wait))
            }
        };
        let expect = &case["expect"];
        assert_eq!(outcome, expect["outcome"].as_str().unwrap(), "{name}");
        if let Some(ms) = expect["wait_ms"].as_u64() {
            assert_eq!(wait, Some(ms), "{name}");
        }
    }
}
