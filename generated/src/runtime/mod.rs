//! The hand-written runtime the generated operations call: HTTP, auth, retries, pagination,
//! errors. Generated code reaches it only through [`facade`], as `crate::rt::…`.

pub(crate) mod auth;
pub(crate) mod builder;
pub(crate) mod call;
pub(crate) mod client;
pub(crate) mod customize;
pub(crate) mod enums;
pub(crate) mod error;
pub(crate) mod facade;
pub(crate) mod field;
pub(crate) mod governor;
pub(crate) mod headers;
#[cfg(feature = "oauth")]
pub(crate) mod keys;
#[cfg(all(feature = "log", feature = "redis"))]
pub(crate) mod log_lease;
#[cfg(feature = "log")]
pub(crate) mod log_tail;
pub(crate) mod metrics;
#[cfg(feature = "multipart")]
pub(crate) mod multipart;
pub(crate) mod nullable;
#[cfg(feature = "oauth")]
pub(crate) mod oauth;
pub(crate) mod pagination;
pub(crate) mod prepare;
pub(crate) mod profile;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod retry;
pub(crate) mod secret;
pub(crate) mod tls;
pub(crate) mod wire;

// `string_enum!` (expanded in emitted code) implements this for every enum.
#[allow(unused_imports)]
pub(crate) use request::ParamValue;
