//! The hand-written runtime the generated operations call: the client, its builder, sending
//! and pagination, the System Log tailer, the typed System Log event, the event hook receiver
//! and typed profiles here; errors, requests, auth, retries, the governor and the wire serde in
//! the `okta-client-core` crate, whose modules are mounted below under their old names. Generated code reaches both only through [`facade`],
//! as `crate::rt::…`.

#[cfg(feature = "hooks")]
pub(crate) use okta_client_core::metrics;
#[cfg(feature = "multipart")]
pub(crate) use okta_client_core::multipart;
pub(crate) use okta_client_core::{
    auth, call, enums, error, field, governor, headers, nullable, prepare, request, response,
    retry, secret, tls, wire,
};
#[cfg(feature = "oauth")]
pub(crate) use okta_client_core::{keys, oauth};

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
