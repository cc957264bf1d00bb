//! The hand-written runtime the generated operations call: the client handle, its builder,
//! pagination, the System Log tailer, the typed System Log event, the event hook receiver and
//! typed profiles here; the engine that assembles and sends, errors, requests, auth, retries,
//! the governor and the wire serde in the `okta-client-core` crate, whose modules are mounted
//! below under the names the crate root and the facade use. Generated code reaches both only
//! through [`facade`], as `crate::rt::…`.

// Everything below comes through the core's one door for this crate, `__private`.
#[cfg(feature = "hooks")]
pub(crate) use okta_client_core::__private::metrics;
#[cfg(feature = "multipart")]
pub(crate) use okta_client_core::__private::multipart;
pub(crate) use okta_client_core::__private::{
    enums, error, field, governor, headers, nullable, request, response, retry, secret, wire,
};
#[cfg(feature = "oauth")]
pub(crate) use okta_client_core::__private::{key_material, oauth};
/// The core's engine: sending, and assembling a client from its settings.
pub(crate) mod engine {
    pub(crate) use okta_client_core::__private::{Engine, Settings};
    pub use okta_client_core::{
        DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_PAGES,
        DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_TIMEOUT,
    };
}

pub(crate) mod builder;
pub(crate) mod client;
pub(crate) mod customize;
pub(crate) mod facade;
#[cfg(feature = "hooks")]
pub(crate) mod hooks;
#[cfg(any(feature = "hooks", feature = "log"))]
pub(crate) mod log_event;
#[cfg(all(feature = "log", feature = "redis"))]
pub(crate) mod log_lease;
#[cfg(feature = "log")]
pub(crate) mod log_tail;
pub(crate) mod pagination;
pub(crate) mod profile;
