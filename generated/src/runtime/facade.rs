//! The facade: the one module the emitted code (`src/models/`, `src/operations/`) names, as
//! `crate::rt::…`. Everything of the runtime that emitted code may use is listed here and
//! nowhere else; `codegen/src/contract.rs` mirrors this list as data (`RUNTIME`, and
//! `RUNTIME_METHODS` for the methods emitted code calls on these types), and
//! `tests/tests/contract.rs` compares the two (parsing this file with `syn`) and checks every
//! path and method call of the emitted code against them.
//!
//! It is crate-private on purpose: emitted code lives inside okta-client, so nothing here needs
//! to be public. The wire machinery (`WireModel`, `Placeholder`, `ParamValue`, `IntoMultipart`)
//! is implemented by public models, so those impls show in rustdoc and in the public-API
//! snapshot; the traits themselves are reachable only through okta-client-core's hidden door,
//! `__private`, and are not API. Public types are re-exported from here under the same names
//! the crate root and `request` give them.

// A build with some API groups (or a catalog) may not use every item.
#![allow(unused_imports)]

pub(crate) use super::client::Client;
pub(crate) use super::customize::{Customize, Json, List, NoBody, Paged, Text};
pub(crate) use super::enums::{string_enum, unknown_value, UnknownValue};
pub(crate) use super::error::Error;
pub(crate) use super::field::MismatchedFields;
#[cfg(feature = "multipart")]
pub(crate) use super::multipart::{FilePart, IntoMultipart, Multipart};
pub(crate) use super::nullable::{ExplicitNulls, Nullable};
pub(crate) use super::pagination::{ItemStream, Page};
pub(crate) use super::request::{JsonBody, Request};
pub(crate) use super::response::ApiResponse;
pub(crate) use super::wire::{
    placeholder, wire_serde, WireKept, WireModel, WireReader, WireRest, WireWriter,
};
