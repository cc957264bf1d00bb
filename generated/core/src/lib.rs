//! The part of okta-client's runtime that does not depend on the catalog: the engine that
//! assembles a client and sends every request, errors, requests and responses, authentication
//! (API tokens, OAuth 2.0 and DPoP), retries and the per-call decisions, the rate-limit
//! governor (local and shared through Redis), and the serde every generated struct and enum is
//! driven by.
//!
//! **Use `okta-client`, not this crate.** It is a separate crate so that it is compiled once,
//! not again whenever the code generated from the catalog changes. Its public items are exactly
//! what okta-client re-exports for users, under okta-client's own paths; those paths are the
//! API. What okta-client needs besides goes through one hidden module meant only for it.
//!
//! Architecture invariant: every module is private. A decision (the per-call state, request
//! preparation, the governor's internals, header parsing) is consumed in this crate and is
//! never public; an item is public only as a root re-export users reach through okta-client,
//! or through `__private`, okta-client's door.

#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod auth;
mod call;
mod engine;
mod enums;
mod error;
mod field;
mod governor;
mod headers;
#[cfg(feature = "oauth")]
mod key_material;
mod metrics;
#[cfg(feature = "multipart")]
mod multipart;
mod nullable;
#[cfg(feature = "oauth")]
mod oauth;
mod prepare;
mod request;
mod response;
mod retry;
mod secret;
mod tls;
mod wire;

pub use engine::{
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_PAGES, DEFAULT_MAX_RESPONSE_SIZE,
    DEFAULT_TIMEOUT,
};
pub use enums::UnknownValue;
pub use error::{
    ApiError, AuthError, DecodeError, Error, ErrorCause, OktaErrorBody, TransportError,
};
pub use field::{Attribute, MismatchedField, MismatchedFields};
pub use governor::{BucketSnapshot, BudgetSource, RateLimitConfig, DEFAULT_MAX_CONCURRENCY};
#[cfg(feature = "redis")]
pub use governor::{SharedBudget, DEFAULT_FALLBACK_SHARE, DEFAULT_REDIS_TIMEOUT};
pub use headers::RateLimit;
#[cfg(feature = "oauth")]
pub use key_material::PrivateKeyMaterial;
#[cfg(feature = "multipart")]
pub use multipart::{FilePart, Multipart};
pub use nullable::{ExplicitNulls, Nullable};
#[cfg(feature = "oauth")]
pub use oauth::PrivateKeyAuth;
pub use response::ApiResponse;
pub use retry::{RetryConfig, DEFAULT_RETRY_STATUSES};
pub use secret::Secret;

/// Only for okta-client: what its hand-written runtime and emitted code need from this crate
/// and users never name, under the module names okta-client mounts them as. Not API; anything
/// here may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::engine::{Engine, Settings};
    pub use crate::prepare::Prepared;

    pub mod enums {
        pub use crate::enums::*;
    }
    pub mod error {
        pub use crate::error::*;
    }
    pub mod field {
        pub use crate::field::*;
    }
    pub mod governor {
        pub use crate::governor::*;
    }
    pub mod headers {
        pub use crate::headers::*;
    }
    #[cfg(feature = "oauth")]
    pub mod key_material {
        pub use crate::key_material::*;
    }
    pub mod metrics {
        pub use crate::metrics::*;
    }
    #[cfg(feature = "multipart")]
    pub mod multipart {
        pub use crate::multipart::*;
    }
    pub mod nullable {
        pub use crate::nullable::*;
    }
    #[cfg(feature = "oauth")]
    pub mod oauth {
        pub use crate::oauth::*;
    }
    pub mod request {
        pub use crate::request::*;
    }
    pub mod response {
        pub use crate::response::*;
    }
    pub mod retry {
        pub use crate::retry::*;
    }
    pub mod secret {
        pub use crate::secret::*;
    }
    pub mod wire {
        pub use crate::wire::*;
    }
}

// serde, for the macros above: they expand in okta-client and in users' crates (generated
// profiles), which need not name serde themselves.
#[doc(hidden)]
pub use serde as __serde;
