//! One call's decisions, apart from its I/O: the deadline, how long an attempt may run, whether
//! and when to send again after a failure or an answer (retries, rate-limit verdicts, recovery
//! from authentication challenges). Plain data driven by explicit instants and a given jitter,
//! so that every rule is tested without a clock or a server; `client.rs` does the sending.

use std::time::{Duration, Instant};

use http::StatusCode;

use super::auth::{AuthAction, AuthSignal};
use super::error::{Error, TransportError};
use super::governor::{RateLimitConfig, Verdict};
use super::retry::{Hints, Jitter, RetryConfig};

/// The settings one call is decided by.
#[derive(Clone, Copy)]
pub(crate) struct Policy<'a> {
    pub retry: &'a RetryConfig,
    /// The governor's settings, when it runs: its verdicts on `429`s replace the retry rule's.
    pub pacing: Option<&'a RateLimitConfig>,
    /// Whether the request may be sent twice (statuses and transport failures are retried
    /// only then; `429`s always, since Okta did not process them).
    pub idempotent: bool,
    pub jitter: Jitter,
}

/// An answer to one attempt, as far as the decision needs it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    /// The governor's verdict ([`Verdict::Unknown`] without a governor).
    pub verdict: Verdict,
    pub hints: Hints,
    pub auth: AuthSignal,
}

/// What to do after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// The answer is the call's result (a success).
    Accept,
    /// Recover as said and send again at once (not a retry: no wait, no retry count).
    Resend(AuthAction),
    /// Wait this long, then send again (retry number `retries()`).
    Retry(Duration),
    /// Give up: the failure or answer at hand is the call's result.
    Fail,
}

/// The state of one call: when it started, its deadline, what it has done so far.
#[derive(Debug)]
pub(crate) struct Call {
    started: Instant,
    /// `None` when the deadline is too far away to represent: no deadline.
    deadline: Option<Instant>,
    attempt_timeout: Duration,
    attempts: u32,
    retries: u32,
    waited: Duration,
    spent_429s: u32,
    concurrency_429s: u32,
    nonce_answered: bool,
    token_renewed: bool,
}

impl Call {
    /// A call starting at `now` that must end within `timeout`, each attempt within
    /// `attempt_timeout`.
    pub(crate) fn new(now: Instant, timeout: Duration, attempt_timeout: Duration) -> Call {
        Call {
            started: now,
            deadline: now.checked_add(timeout),
            attempt_timeout,
            attempts: 0,
            retries: 0,
            waited: Duration::ZERO,
            spent_429s: 0,
            concurrency_429s: 0,
            nonce_answered: false,
            token_renewed: false,
        }
    }

    /// Time left until the deadline (`Duration::MAX` without one).
    pub(crate) fn remaining(&self, now: Instant) -> Duration {
        match self.deadline {
            Some(d) => d.saturating_duration_since(now),
            None => Duration::MAX,
        }
    }

    /// Starts an attempt at `now` and says how long it may run: the attempt limit, cut short by
    /// the deadline. `None` when the deadline has passed (the call has timed out).
    pub(crate) fn begin_attempt(&mut self, now: Instant) -> Option<Duration> {
        let left = self.remaining(now);
        if left.is_zero() {
            return None;
        }
        self.attempts = self.attempts.saturating_add(1);
        Some(self.attempt_timeout.min(left))
    }

    /// The attempts begun so far.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The retries made so far (resends for authentication are not retries).
    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }

    /// After an attempt that got no answer (a broken connection, a timed-out attempt).
    pub(crate) fn after_failure(&mut self, policy: &Policy<'_>, now: Instant) -> Next {
        let delay = policy
            .retry
            .transport_delay(policy.idempotent, self.retries);
        self.admit(delay, policy, now)
    }

    /// After an attempt that got an answer.
    pub(crate) fn after_answer(
        &mut self,
        policy: &Policy<'_>,
        answer: &Answer,
        now: Instant,
    ) -> Next {
        match answer.auth {
            AuthSignal::NonceChallenge if !self.nonce_answered => {
                self.nonce_answered = true;
                return Next::Resend(AuthAction::AnswerNonce);
            }
            AuthSignal::TokenRejected if !self.token_renewed => {
                self.token_renewed = true;
                return Next::Resend(AuthAction::RenewToken);
            }
            _ => {}
        }
        if answer.status.is_success() {
            return Next::Accept;
        }
        let retry_left = self.retries < policy.retry.max_retries;
        let delay = match (answer.verdict, policy.pacing) {
            // The bucket is spent: wait for its reset by the server's clock (a 429 was not
            // processed, so any method may be sent again). A bucket still spent after the reset
            // it announced is also backed off like a concurrency violation, so that a server's
            // stale resets cannot spin a call.
            (Verdict::Spent(wait), Some(p)) => retry_left.then(|| {
                let floor = match self.spent_429s.checked_sub(1) {
                    Some(n) => p.concurrency_delay(n, policy.jitter),
                    None => Duration::ZERO,
                };
                self.spent_429s = self.spent_429s.saturating_add(1);
                wait.max(floor)
                    .saturating_add((policy.jitter)(p.max_jitter))
            }),
            (Verdict::Concurrency, Some(p)) => retry_left.then(|| {
                let d = p.concurrency_delay(self.concurrency_429s, policy.jitter);
                self.concurrency_429s = self.concurrency_429s.saturating_add(1);
                d
            }),
            _ => policy.retry.delay(
                answer.status,
                answer.hints,
                policy.idempotent,
                self.retries,
                policy.jitter,
            ),
        };
        self.admit(delay, policy, now)
    }

    /// Allows a retry after `delay` when it stays within the retry budget
    /// ([`RetryConfig::max_total_wait`]) and ends before the deadline; a wait that would not
    /// (or that overflows) is never started.
    fn admit(&mut self, delay: Option<Duration>, policy: &Policy<'_>, now: Instant) -> Next {
        let Some(delay) = delay else {
            return Next::Fail;
        };
        let Some(total) = self
            .waited
            .checked_add(delay)
            .filter(|t| *t <= policy.retry.max_total_wait)
        else {
            return Next::Fail;
        };
        if delay >= self.remaining(now) {
            return Next::Fail;
        }
        self.waited = total;
        self.retries = self.retries.saturating_add(1);
        Next::Retry(delay)
    }

    /// The call's timeout error at `now`: the whole elapsed time and the attempts made.
    pub(crate) fn timed_out(&self, now: Instant, source: Option<TransportError>) -> Error {
        Error::Timeout {
            elapsed: now.saturating_duration_since(self.started),
            attempts: self.attempts,
            source,
        }
    }

    /// `error` as the call's result: a timeout (of an attempt, or of a token request made for
    /// one) reports the whole call, not the part that timed out.
    pub(crate) fn finish(&self, error: Error, now: Instant) -> Error {
        match error {
            Error::Timeout { source, .. } => self.timed_out(now, source),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests;
