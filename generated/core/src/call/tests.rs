//! The call's rules, driven by explicit instants and fixed jitter: no clock, no server.

use super::*;

const S: Duration = Duration::from_secs(1);

fn no_jitter(_: Duration) -> Duration {
    Duration::ZERO
}

fn full_jitter(max: Duration) -> Duration {
    max
}

fn answer(status: u16) -> Answer {
    Answer {
        status: StatusCode::from_u16(status).unwrap(),
        verdict: Verdict::Unknown,
        hints: Hints::default(),
        auth: AuthSignal::Accepted,
    }
}

fn policy<'a>(
    retry: &'a RetryConfig,
    pacing: Option<&'a RateLimitConfig>,
    idempotent: bool,
) -> Policy<'a> {
    Policy {
        retry,
        pacing,
        idempotent,
        jitter: no_jitter,
    }
}

#[test]
fn an_attempt_is_cut_short_by_the_deadline_and_none_starts_after_it() {
    let t0 = Instant::now();
    let mut call = Call::new(t0, 2 * S, 30 * S);
    assert_eq!(call.begin_attempt(t0), Some(2 * S));
    assert_eq!(call.begin_attempt(t0 + S), Some(S));
    assert_eq!(call.begin_attempt(t0 + 2 * S), None);
    assert_eq!(call.attempts(), 2);
    let mut long = Call::new(t0, 90 * S, 30 * S);
    assert_eq!(long.begin_attempt(t0), Some(30 * S));
}

#[test]
fn a_timeout_reports_the_whole_call() {
    let t0 = Instant::now();
    let mut call = Call::new(t0, 2 * S, S);
    call.begin_attempt(t0);
    call.begin_attempt(t0 + S);
    let attempt_timeout = Error::Timeout {
        elapsed: S,
        attempts: 1,
        source: None,
    };
    match call.finish(attempt_timeout, t0 + 2 * S) {
        Error::Timeout {
            elapsed, attempts, ..
        } => {
            assert_eq!(elapsed, 2 * S);
            assert_eq!(attempts, 2);
        }
        other => panic!("{other:?}"),
    }
    let other = call.finish(Error::InvalidRequest("x".into()), t0);
    assert!(matches!(other, Error::InvalidRequest(_)));
}

#[test]
fn transport_failures_are_retried_on_idempotent_methods_within_the_deadline() {
    let retry = RetryConfig::default();
    let t0 = Instant::now();
    let mut call = Call::new(t0, 90 * S, 30 * S);
    let get = policy(&retry, None, true);
    assert_eq!(call.after_failure(&get, t0), Next::Retry(S));
    assert_eq!(call.after_failure(&get, t0), Next::Retry(2 * S));
    // max_retries (2) reached.
    assert_eq!(call.after_failure(&get, t0), Next::Fail);
    assert_eq!(call.retries(), 2);

    let mut post_call = Call::new(t0, 90 * S, 30 * S);
    assert_eq!(
        post_call.after_failure(&policy(&retry, None, false), t0),
        Next::Fail
    );

    // The user's complaint: a 2 s timeout must not become 9 s of retries.
    let mut short = Call::new(t0, 2 * S, 2 * S);
    short.begin_attempt(t0);
    assert_eq!(short.after_failure(&get, t0 + 2 * S), Next::Fail);
    // A back-off that would end at or after the deadline is not started either.
    let mut tight = Call::new(t0, 2 * S, S);
    tight.begin_attempt(t0);
    assert_eq!(tight.after_failure(&get, t0 + S), Next::Fail);
    let mut roomy = Call::new(t0, 3 * S, S);
    roomy.begin_attempt(t0);
    assert_eq!(roomy.after_failure(&get, t0 + S), Next::Retry(S));
}

#[test]
fn statuses_follow_the_retry_rule() {
    let retry = RetryConfig::default();
    let t0 = Instant::now();
    let get = policy(&retry, None, true);
    let post = policy(&retry, None, false);
    for (status, idempotent, retried) in [
        (503, true, true),
        (504, true, true),
        (503, false, false),
        (502, true, false),
        (500, true, false),
        (429, false, true),
        (404, true, false),
    ] {
        let mut call = Call::new(t0, 90 * S, 30 * S);
        let p = if idempotent { &get } else { &post };
        let next = call.after_answer(p, &answer(status), t0);
        assert_eq!(
            matches!(next, Next::Retry(_)),
            retried,
            "{status} {idempotent}"
        );
    }
    let mut call = Call::new(t0, 90 * S, 30 * S);
    assert_eq!(call.after_answer(&get, &answer(200), t0), Next::Accept);
}

#[test]
fn a_retry_wait_past_the_deadline_or_the_budget_returns_the_answer_at_once() {
    let retry = RetryConfig::default();
    let t0 = Instant::now();
    let get = policy(&retry, None, true);
    let mut a = answer(429);
    a.hints.rate_limit_wait = Some(20 * S);
    let mut call = Call::new(t0, 10 * S, 10 * S);
    assert_eq!(call.after_answer(&get, &a, t0), Next::Fail);
    let mut call = Call::new(t0, 90 * S, 30 * S);
    assert_eq!(call.after_answer(&get, &a, t0), Next::Retry(20 * S));
    // 20 s waited; another 45 s would pass max_total_wait (60 s).
    a.hints.rate_limit_wait = Some(45 * S);
    assert_eq!(call.after_answer(&get, &a, t0 + 21 * S), Next::Fail);
    // An overflowing wait is refused, not wrapped.
    a.hints.rate_limit_wait = Some(Duration::MAX);
    let mut call = Call::new(t0, Duration::MAX, Duration::MAX);
    assert_eq!(call.after_answer(&get, &a, t0), Next::Fail);
}

#[test]
fn authentication_is_recovered_once_each_without_counting_a_retry() {
    let retry = RetryConfig::disabled();
    let t0 = Instant::now();
    let get = policy(&retry, None, true);
    let mut call = Call::new(t0, 90 * S, 30 * S);
    let mut a = answer(401);
    a.auth = AuthSignal::NonceChallenge;
    assert_eq!(
        call.after_answer(&get, &a, t0),
        Next::Resend(AuthAction::AnswerNonce)
    );
    assert_eq!(call.after_answer(&get, &a, t0), Next::Fail);
    a.auth = AuthSignal::TokenRejected;
    assert_eq!(
        call.after_answer(&get, &a, t0),
        Next::Resend(AuthAction::RenewToken)
    );
    assert_eq!(call.after_answer(&get, &a, t0), Next::Fail);
    assert_eq!(call.retries(), 0);
}

#[test]
fn governor_verdicts_replace_the_retry_rule_for_429s() {
    let retry = RetryConfig::default();
    let pacing = RateLimitConfig {
        max_jitter: Duration::from_millis(100),
        concurrency_backoff: Duration::from_millis(250),
        max_concurrency_backoff: 8 * S,
        ..RateLimitConfig::default()
    };
    let t0 = Instant::now();
    let mut p = policy(&retry, Some(&pacing), false);
    p.jitter = full_jitter;
    let mut a = answer(429);
    a.hints.rate_limit_wait = Some(50 * S);

    // Spent: the governor's wait (by its clock estimate), plus its jitter, not the header's.
    a.verdict = Verdict::Spent(3 * S);
    let mut call = Call::new(t0, 90 * S, 30 * S);
    assert_eq!(
        call.after_answer(&p, &a, t0),
        Next::Retry(3 * S + Duration::from_millis(100))
    );
    // Spent again right after: at least the first concurrency back-off.
    a.verdict = Verdict::Spent(Duration::ZERO);
    assert_eq!(
        call.after_answer(&p, &a, t0),
        Next::Retry(Duration::from_millis(350))
    );

    // Concurrency: a doubling, capped back-off between half and all of it.
    a.verdict = Verdict::Concurrency;
    let retry_many = RetryConfig {
        max_retries: 10,
        ..RetryConfig::default()
    };
    let mut p = policy(&retry_many, Some(&pacing), false);
    let mut call = Call::new(t0, 900 * S, 30 * S);
    let halves: Vec<Next> = (0..7).map(|_| call.after_answer(&p, &a, t0)).collect();
    let ms = |n| Next::Retry(Duration::from_millis(n));
    assert_eq!(
        halves,
        [
            ms(125),
            ms(250),
            ms(500),
            ms(1000),
            ms(2000),
            ms(4000),
            ms(4000)
        ]
    );
    p.jitter = full_jitter;
    let mut call = Call::new(t0, 900 * S, 30 * S);
    assert_eq!(call.after_answer(&p, &a, t0), ms(250));

    // Unknown (no usable headers): the retry rule decides, with its own jitter.
    a.verdict = Verdict::Unknown;
    let mut call = Call::new(t0, 90 * S, 30 * S);
    assert_eq!(
        call.after_answer(&p, &a, t0),
        Next::Retry(50 * S + retry_many.max_jitter)
    );
}

proptest::proptest! {
    /// Whatever the settings and instants, a decision never panics (debug builds check every
    /// overflow), a retry never waits past the deadline, and the retry count stays within
    /// max_retries.
    #[test]
    fn decisions_never_panic_or_pass_the_deadline(
        timeout_ms in 0u64..=u64::MAX,
        attempt_ms in 0u64..=u64::MAX,
        at_ms in 0u64..200_000,
        status in 100u16..600,
        wait_ms in proptest::option::of(0u64..=u64::MAX),
        max_retries in 0u32..5,
        idempotent in proptest::bool::ANY,
        steps in 1usize..8,
    ) {
        let retry = RetryConfig { max_retries, ..RetryConfig::default() };
        let pacing = RateLimitConfig::default();
        let t0 = Instant::now();
        let mut call = Call::new(t0, Duration::from_millis(timeout_ms), Duration::from_millis(attempt_ms));
        let now = t0 + Duration::from_millis(at_ms);
        let p = Policy { retry: &retry, pacing: Some(&pacing), idempotent, jitter: full_jitter };
        let mut a = answer(status);
        a.hints.rate_limit_wait = wait_ms.map(Duration::from_millis);
        a.verdict = match status { 429 => Verdict::Spent(Duration::from_millis(wait_ms.unwrap_or(0))), _ => Verdict::NotLimited };
        for i in 0..steps {
            let _ = call.begin_attempt(now);
            let next = if i % 2 == 0 { call.after_answer(&p, &a, now) } else { call.after_failure(&p, now) };
            if let Next::Retry(d) = next {
                proptest::prop_assert!(d < call.remaining(now));
            }
        }
        proptest::prop_assert!(call.retries() <= max_retries);
    }
}
