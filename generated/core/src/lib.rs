//! The part of okta-client's runtime that does not depend on the catalog: errors, requests and
//! responses, authentication (API tokens, OAuth 2.0 and DPoP), retries and the per-call
//! decisions, the rate-limit governor (local and shared through Redis), and the serde every
//! generated struct and enum is driven by.
//!
//! **Use `okta-client`, not this crate.** It is a separate crate so that it is compiled once,
//! not again whenever the code generated from the catalog changes; `okta-client` re-exports
//! everything meant for users under its own paths, and only those paths are its public API.
//! Items here that are public only so that `okta-client` can reach them are hidden from the
//! docs and may change in any release.

#![forbid(unsafe_code)]

mod auth;
mod call;
mod engine;
pub mod enums;
pub mod error;
pub mod field;
pub mod governor;
pub mod headers;
#[cfg(feature = "oauth")]
pub mod keys;
#[doc(hidden)]
pub mod metrics;
#[cfg(feature = "multipart")]
pub mod multipart;
pub mod nullable;
#[cfg(feature = "oauth")]
pub mod oauth;
mod prepare;
pub mod request;
pub mod response;
pub mod retry;
pub mod secret;
mod tls;
#[doc(hidden)]
pub mod wire;

/// Only for okta-client: what its hand-written runtime needs from this crate and users never
/// name. Not API; anything here may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::engine::{
        Engine, Settings, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_PAGES,
        DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_TIMEOUT,
    };
}

// serde, for the macros above: they expand in okta-client and in users' crates (generated
// profiles), which need not name serde themselves.
#[doc(hidden)]
pub use serde as __serde;
