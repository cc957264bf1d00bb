//! The hand-written runtime the generated operations call: HTTP, auth, retries, pagination,
//! errors. Generated code reaches it as `crate::runtime::…`.

pub(crate) mod auth;
pub(crate) mod client;
pub(crate) mod error;
pub(crate) mod keys;
pub(crate) mod nullable;
pub(crate) mod oauth;
pub(crate) mod pagination;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod retry;

// Generated code reaches these as `crate::runtime::…`; a catalog without multipart bodies does
// not use all of them.
#[allow(unused_imports)]
pub(crate) use request::{string_enum, IntoMultipart, Multipart, ParamValue, Request};
