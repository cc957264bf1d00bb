use super::super::*;
use super::*;

fn key(route: &'static str) -> BucketId {
    BucketId::template(Method::GET, route)
}

const T0: u64 = 1_700_000_000;

fn wall(secs: f64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs_f64(secs)
}

fn report(limit: u64, remaining: u64, reset: u64, date: u64) -> Option<Report> {
    Some(Report {
        limit,
        remaining,
        reset,
        date: Some(date),
    })
}

fn go(d: Decision) -> Reserved {
    match d {
        Decision::Go(held) => held,
        other => panic!("expected to go, got {other:?}"),
    }
}

#[test]
fn a_first_request_learns_the_bucket_while_the_others_wait() {
    let mut s = State::new(1.0, 16);
    let k = key("/api/v1/users");
    let now = Instant::now();
    let g = go(s.reserve(&k, now));
    assert!(g.probe);
    assert_eq!(s.reserve(&k, now), Decision::WaitForAnswer);
    // A first answer that takes too long holds the others back only so long.
    let impatient = go(s.reserve(&k, now + PROBE_PATIENCE));
    assert!(!impatient.probe);
    assert!(s.release(&k, impatient));
    let (v, wake) = s.record(
        &k,
        g,
        StatusCode::OK,
        report(10, 9, T0 + 60, T0),
        now,
        wall(T0 as f64),
    );
    assert_eq!(v, Verdict::NotLimited);
    assert!(wake);
    // Nine left: nine reservations, then a wait for the reset.
    for _ in 0..9 {
        assert!(!go(s.reserve(&k, now)).probe);
    }
    match s.reserve(&k, now) {
        Decision::WaitUntil(at) => {
            let d = at - now;
            assert!(
                d >= Duration::from_secs(59) && d <= Duration::from_secs(61),
                "{d:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn routes_without_headers_are_not_paced() {
    let mut s = State::new(1.0, 16);
    let k = key("/api/v1/groups");
    let now = Instant::now();
    let g = go(s.reserve(&k, now));
    s.record(&k, g, StatusCode::OK, None, now, wall(T0 as f64));
    for _ in 0..1000 {
        go(s.reserve(&k, now));
    }
}

#[test]
fn in_flight_requests_count_and_answers_free_nothing_twice() {
    let mut s = State::new(1.0, 16);
    let k = key("/api/v1/users/{id}");
    let now = Instant::now();
    let g = go(s.reserve(&k, now));
    s.record(
        &k,
        g,
        StatusCode::OK,
        report(3, 2, T0 + 30, T0),
        now,
        wall(T0 as f64),
    );
    let a = go(s.reserve(&k, now));
    let b = go(s.reserve(&k, now));
    assert!(matches!(s.reserve(&k, now), Decision::WaitUntil(_)));
    // Answers out of order: the lowest remaining wins.
    s.record(
        &k,
        b,
        StatusCode::OK,
        report(3, 0, T0 + 30, T0),
        now,
        wall(T0 as f64),
    );
    s.record(
        &k,
        a,
        StatusCode::OK,
        report(3, 1, T0 + 30, T0),
        now,
        wall(T0 as f64),
    );
    assert!(matches!(s.reserve(&k, now), Decision::WaitUntil(_)));
}

#[test]
fn the_window_resets_by_the_servers_clock() {
    let mut s = State::new(1.0, 16);
    let k = key("/api/v1/users");
    let now = Instant::now();
    // The server is 100 s ahead of the local clock; its window resets 5 s from its now.
    let g = go(s.reserve(&k, now));
    s.record(
        &k,
        g,
        StatusCode::OK,
        report(5, 0, T0 + 105, T0 + 100),
        now,
        wall(T0 as f64 + 0.5),
    );
    let at = match s.reserve(&k, now) {
        Decision::WaitUntil(at) => at,
        other => panic!("{other:?}"),
    };
    let d = at - now;
    // 5 s by the server's clock; the half second lost to Date's resolution errs late.
    assert!(
        d >= Duration::from_millis(4_400) && d <= Duration::from_secs(5),
        "{d:?}"
    );
    // Once it has passed, the whole limit is available until an answer describes the new
    // window; answers from the old one change nothing.
    let later = at + Duration::from_millis(1);
    for _ in 0..5 {
        go(s.reserve(&k, later));
    }
    assert_eq!(s.reserve(&k, later), Decision::WaitForAnswer);
    s.record(
        &k,
        g,
        StatusCode::OK,
        report(5, 0, T0 + 105, T0 + 104),
        later,
        wall(T0 as f64 + 5.0),
    );
    // That request counted in the old window: its unit in the new one is free again.
    go(s.reserve(&k, later));
    assert_eq!(s.reserve(&k, later), Decision::WaitForAnswer);
    s.record(
        &k,
        g,
        StatusCode::OK,
        report(5, 3, T0 + 165, T0 + 106),
        later,
        wall(T0 as f64 + 6.0),
    );
    // Three left by the server, four still in flight.
    assert!(matches!(s.reserve(&k, later), Decision::WaitUntil(_)));
}

#[test]
fn the_skew_estimate_sharpens_with_samples_and_never_runs_early() {
    let mut sk = Skew::default();
    // True offset: +2.3 s. Date is truncated to the second.
    for i in 0..100u32 {
        let local = 1000.0 + f64::from(i) * 0.13;
        let server = local + 2.3;
        sk.sample(server.floor() as u64, local + 0.001);
    }
    let e = sk.estimate();
    assert!(e <= 2.3 && e > 2.1, "{e}");
    // Absurd dates are ignored.
    sk.sample(u64::MAX, 1000.0);
    sk.sample(0, 1e12);
    assert!(sk.estimate() <= 2.3);
}

#[test]
fn a_smaller_share_stops_earlier_and_never_at_zero() {
    let mut s = State::new(0.5, 16);
    let k = key("/api/v1/users");
    let now = Instant::now();
    let g = go(s.reserve(&k, now));
    // 10 allowed, 4 used by everyone so far: 5 × share − 4 = 1 more.
    s.record(
        &k,
        g,
        StatusCode::OK,
        report(10, 6, T0 + 60, T0),
        now,
        wall(T0 as f64),
    );
    go(s.reserve(&k, now));
    assert!(matches!(s.reserve(&k, now), Decision::WaitUntil(_)));
    assert_eq!(allowed(1, 0.01), 1);
    assert_eq!(allowed(u64::MAX, 1.0), u64::MAX);
    assert_eq!(allowed(0, 1.0), 1);
}

#[test]
fn a_429_is_a_spent_bucket_or_a_concurrency_violation() {
    let mut s = State::new(1.0, 16);
    let k = key("/api/v1/users");
    let now = Instant::now();
    let at = wall(T0 as f64);
    let g = go(s.reserve(&k, now));
    s.record(
        &k,
        g,
        StatusCode::OK,
        report(600, 500, T0 + 40, T0),
        now,
        at,
    );
    // Headers of another limit (the org's 75 concurrent requests): concurrency.
    let a = go(s.reserve(&k, now));
    let (v, _) = s.record(
        &k,
        a,
        StatusCode::TOO_MANY_REQUESTS,
        report(75, 0, T0 + 1, T0),
        now,
        at,
    );
    assert_eq!(v, Verdict::Concurrency);
    // The bucket's own limit with budget left: concurrency too.
    let b = go(s.reserve(&k, now));
    let (v, _) = s.record(
        &k,
        b,
        StatusCode::TOO_MANY_REQUESTS,
        report(600, 20, T0 + 40, T0),
        now,
        at,
    );
    assert_eq!(v, Verdict::Concurrency);
    // The bucket's own limit, nothing left (other apps spent it): wait for its reset.
    let c = go(s.reserve(&k, now));
    let (v, _) = s.record(
        &k,
        c,
        StatusCode::TOO_MANY_REQUESTS,
        report(600, 0, T0 + 40, T0),
        now,
        at,
    );
    assert_eq!(v, Verdict::Spent(Duration::from_secs(40)));
    assert!(matches!(s.reserve(&k, now), Decision::WaitUntil(_)));
    // No headers: the retry configuration decides.
    let (v, _) = s.record(&k, c, StatusCode::TOO_MANY_REQUESTS, None, now, at);
    assert_eq!(v, Verdict::Unknown);
}

#[test]
fn far_resets_are_capped_for_pacing_but_not_for_the_retry_budget() {
    let mut s = State::new(1.0, 16);
    let k = key("/api/v1/users");
    let now = Instant::now();
    let g = go(s.reserve(&k, now));
    let (v, _) = s.record(
        &k,
        g,
        StatusCode::TOO_MANY_REQUESTS,
        report(u64::MAX, 0, u64::MAX, 0),
        now,
        wall(0.0),
    );
    match v {
        Verdict::Spent(d) => assert!(d >= Duration::from_secs(u64::MAX / 2), "{d:?}"),
        other => panic!("{other:?}"),
    }
    match s.reserve(&k, now) {
        Decision::WaitUntil(at) => assert!(at - now <= LONGEST_WINDOW),
        other => panic!("{other:?}"),
    }
}

#[test]
fn buckets_are_bounded_and_stale_reservations_are_harmless() {
    let mut s = State::new(1.0, 4);
    let now = Instant::now();
    let first = BucketId::generic(Method::GET, "/api/v1/x0");
    let g0 = go(s.reserve(&first, now));
    s.release(&first, g0);
    for i in 1..100 {
        let k = BucketId::generic(Method::GET, &format!("/api/v1/x{i}"));
        go(s.reserve(&k, now));
        assert!(s.len() <= 4);
    }
    // The first bucket was evicted; its old reservation finds another generation.
    let g = go(s.reserve(&first, now));
    assert_ne!(g.generation, g0.generation);
    assert!(!s.release(&first, g0));
    s.record(
        &first,
        g0,
        StatusCode::OK,
        report(1, 0, T0, T0),
        now,
        wall(T0 as f64),
    );
    assert!(s.release(&first, g));
}

#[test]
fn a_released_probe_lets_another_request_learn() {
    let mut s = State::new(1.0, 4);
    let k = key("/api/v1/apps");
    let now = Instant::now();
    let g = go(s.reserve(&k, now));
    assert_eq!(s.reserve(&k, now), Decision::WaitForAnswer);
    assert!(s.release(&k, g));
    assert!(go(s.reserve(&k, now)).probe);
}

#[test]
fn generic_routes_hold_no_ids() {
    let r = |p: &str| BucketId::generic(Method::GET, p).to_string();
    assert_eq!(r("/api/v1/users"), "GET /api/v1/users");
    assert_eq!(
        r("/api/v1/users/00u1abc/lifecycle/activate"),
        "GET /api/v1/users/*"
    );
    assert_eq!(r("/oauth2/aus1/v1/keys"), "GET /oauth2/*");
    assert_eq!(r("/"), "GET /");
    assert_eq!(r(""), "GET /");
}

#[test]
fn concurrency_backoff_doubles_with_jitter_and_saturates() {
    let c = RateLimitConfig::default();
    for n in 0..6u32 {
        let full = Duration::from_millis(250)
            .saturating_mul(1 << n)
            .min(Duration::from_secs(8));
        let d = c.concurrency_delay(n, crate::retry::jitter);
        assert!(d >= full / 2 && d <= full, "{n}: {d:?}");
    }
    let huge = RateLimitConfig {
        concurrency_backoff: Duration::MAX,
        max_concurrency_backoff: Duration::MAX,
        ..c
    };
    let _ = huge.concurrency_delay(u32::MAX, crate::retry::jitter);
}

#[test]
fn settings_are_checked() {
    assert!(RateLimitConfig::default().validate().is_ok());
    assert!(RateLimitConfig::disabled().validate().is_ok());
    for share in [0.0, -1.0, 1.5, f64::NAN] {
        let c = RateLimitConfig {
            budget_share: share,
            ..RateLimitConfig::default()
        };
        assert!(c.validate().is_err(), "{share}");
    }
    let c = RateLimitConfig {
        max_concurrency: 0,
        ..RateLimitConfig::default()
    };
    assert!(c.validate().is_err());
    // Far more permits than a semaphore holds are clamped, not a panic.
    let _ = Governor::new(RateLimitConfig {
        max_concurrency: usize::MAX,
        ..RateLimitConfig::default()
    });
}

proptest::proptest! {
    /// Whatever the headers say and whenever they arrive, recording and reserving never
    /// panic and waits stay within a window.
    #[test]
    fn any_headers_are_safe(
        limit in 0u64..=u64::MAX,
        remaining in 0u64..=u64::MAX,
        reset in 0u64..=u64::MAX,
        date in proptest::option::of(0u64..=u64::MAX),
        local in 0f64..1e12,
        status in 200u16..600,
        share in 0.001f64..=1.0,
    ) {
        let mut s = State::new(share, 2);
        let k = key("/api/v1/users");
        let now = Instant::now();
        let g = go(s.reserve(&k, now));
        let status = StatusCode::from_u16(status).unwrap();
        let r = Some(Report { limit, remaining, reset, date });
        let _ = s.record(&k, g, status, r, now, wall(local));
        if let Decision::WaitUntil(at) = s.reserve(&k, now) {
            proptest::prop_assert!(at - now <= LONGEST_WINDOW);
        }
    }
}

#[test]
fn an_own_share_counts_only_this_clients_answers() {
    // The fallback of a shared budget: this client's quarter of what was left of the window
    // when it first saw it (60 left after its own first answer: 61 × 1/4 = 15), spent by this
    // client itself, though Okta reports more left.
    let mut s = State::new(1.0, 16).with_own_share(0.25);
    let k = key("/api/v1/users");
    let now = Instant::now();
    let probe = go(s.reserve(&k, now));
    let at = wall(T0 as f64);
    s.record(
        &k,
        probe,
        StatusCode::OK,
        report(100, 60, T0 + 1, T0),
        now,
        at,
    );
    // One answer of ours so far: 14 more, though Okta reports 60 left.
    let held: Vec<Reserved> = (0..14).map(|_| go(s.reserve(&k, now))).collect();
    assert!(matches!(s.reserve(&k, now), Decision::WaitUntil(_)));
    for h in held {
        s.record(&k, h, StatusCode::OK, report(100, 50, T0 + 1, T0), now, at);
    }
    assert!(matches!(s.reserve(&k, now), Decision::WaitUntil(_)));
    // A new window: our count starts again, at our quarter of its limit (25).
    let later = now + Duration::from_secs(2);
    for _ in 0..25 {
        assert!(!go(s.reserve(&k, later)).probe);
    }
    // The 26th waits (for an answer describing the new window).
    assert_eq!(s.reserve(&k, later), Decision::WaitForAnswer);
    // Without an own share the same figures allow 50.
    let mut plain = State::new(1.0, 16);
    let probe = go(plain.reserve(&k, now));
    plain.record(
        &k,
        probe,
        StatusCode::OK,
        report(100, 50, T0 + 1, T0),
        now,
        at,
    );
    for _ in 0..50 {
        go(plain.reserve(&k, now));
    }
    assert!(matches!(plain.reserve(&k, now), Decision::WaitUntil(_)));
}

#[test]
fn workers_in_an_outage_together_spend_no_more_than_was_left() {
    // Four workers fall back in the middle of a window of 100 of which 12 are left. Each
    // learns the bucket with one request (the four probes are counted by Okta in turn), then
    // spends only its quarter of what it saw left.
    let k = key("/api/v1/users");
    let now = Instant::now();
    let at = wall(T0 as f64);
    let mut left = 12u64;
    let mut sent = 0u64;
    let mut workers: Vec<State> = (0..4)
        .map(|_| State::new(1.0, 16).with_own_share(0.25))
        .collect();
    for s in &mut workers {
        let probe = go(s.reserve(&k, now));
        left -= 1;
        sent += 1;
        s.record(
            &k,
            probe,
            StatusCode::OK,
            report(100, left, T0 + 1, T0),
            now,
            at,
        );
    }
    for s in &mut workers {
        while let Decision::Go(h) = s.reserve(&k, now) {
            sent += 1;
            left = left.saturating_sub(1);
            s.record(
                &k,
                h,
                StatusCode::OK,
                report(100, left, T0 + 1, T0),
                now,
                at,
            );
        }
    }
    assert!(sent <= 12, "{sent} sent into a window with 12 left");
    // The forgotten state learns the bucket again, with one request.
    let s = &mut workers[0];
    s.forget();
    assert!(go(s.reserve(&k, now)).probe);
}

/// The table of cases shared with the script's tests (`cases.json`): each case's prior state,
/// step and expected decision, run against this state machine.
#[test]
fn the_shared_table_of_cases_holds_for_the_local_state_machine() {
    let table: serde_json::Value =
        serde_json::from_str(include_str!("../cases.json")).expect("cases.json");
    let cases = table["cases"].as_array().expect("a list of cases");
    assert!(cases.len() >= 10);
    let figures = |v: &serde_json::Value| {
        let n = |f: &str| v[f].as_u64().unwrap_or_else(|| panic!("{f} in {v}"));
        (n("limit"), n("remaining"), n("reset_in_s"))
    };
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut s = State::new(1.0, 16);
        let k = key("/api/v1/users");
        let t0 = Instant::now();
        if !case["prior"].is_null() {
            let (limit, remaining, reset_in) = figures(&case["prior"]);
            let probe = go(s.reserve(&k, t0));
            let r = report(limit, remaining, T0 + reset_in, T0);
            s.record(&k, probe, StatusCode::OK, r, t0, wall(T0 as f64));
        }
        let after = case["after_ms"].as_u64().unwrap_or(0);
        let t = t0 + Duration::from_millis(after);
        let date = T0 + after / 1000;
        let (outcome, wait) = match &case["step"] {
            serde_json::Value::String(step) => {
                if step == "acquire_twice" {
                    go(s.reserve(&k, t));
                }
                match s.reserve(&k, t) {
                    Decision::Go(held) if held.probe => ("probe", None),
                    Decision::Go(_) => ("go", None),
                    Decision::WaitUntil(at) => ("wait", Some(at - t)),
                    Decision::WaitForAnswer => ("wait_for_answer", None),
                }
            }
            step => {
                let record = &step["record"];
                let status =
                    StatusCode::from_u16(record["status"].as_u64().unwrap() as u16).unwrap();
                let r = (!record["report"].is_null()).then(|| {
                    let (limit, remaining, reset_in) = figures(&record["report"]);
                    report(limit, remaining, T0 + reset_in, date).unwrap()
                });
                let held = go(s.reserve(&k, t));
                let (verdict, _) = s.record(&k, held, status, r, t, wall(date as f64));
                match verdict {
                    Verdict::NotLimited => ("not_limited", None),
                    Verdict::Spent(d) => ("spent", Some(d)),
                    Verdict::Concurrency => ("concurrency", None),
                    Verdict::Unknown => ("unknown", None),
                }
            }
        };
        let expect = &case["expect"];
        assert_eq!(outcome, expect["outcome"].as_str().unwrap(), "{name}");
        if let Some(ms) = expect["wait_ms"].as_u64() {
            assert_eq!(wait, Some(Duration::from_millis(ms)), "{name}");
        }
    }
}

#[test]
fn an_own_share_is_a_part_of_what_the_budget_share_leaves() {
    // A budget share of a half, and half of that for this client (two workers): 100 a window,
    // 80 left when first seen, of which 30 are within the half; this client's part is 15.
    let mut s = State::new(0.5, 16).with_own_share(0.25);
    let k = key("/api/v1/users");
    let now = Instant::now();
    let at = wall(T0 as f64);
    let probe = go(s.reserve(&k, now));
    s.record(
        &k,
        probe,
        StatusCode::OK,
        report(100, 79, T0 + 1, T0),
        now,
        at,
    );
    let mut sent = 1;
    while let Decision::Go(h) = s.reserve(&k, now) {
        sent += 1;
        s.record(
            &k,
            h,
            StatusCode::OK,
            report(100, 79 - sent, T0 + 1, T0),
            now,
            at,
        );
    }
    assert_eq!(sent, 15);
}
