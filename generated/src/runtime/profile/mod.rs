//! Typed org profiles: the runtime side of the structs `okta-codegen` generates from an org's
//! own profile schemas (`GET /api/v1/meta/schemas/user/default`, …) into the user's crate.
//!
//! The generated structs name what they need from here by `okta_client::profile::…`: serde and
//! serde_json (so that the user's crate needs no dependency of its own), the wire form of an
//! attribute ([`Attribute`]), the [`Profile`] trait, [`Violations`] for `validate()`, and
//! the enum helpers. [`User`], [`Group`] and [`AppUser`] wrap a generated profile in the rest
//! of the object Okta sends, and [`Profiles`] (`client.profiles()`) reads and writes them. For
//! an org with several user types, the generated enum over them ([`UserTypes`]) decodes each
//! user with the struct of its type.

mod changes;
mod envelope;
mod requests;
mod types;
mod violations;

pub use changes::{changes, same_json};
pub use envelope::{AppUser, Group, User, UserStatus};
pub use requests::Profiles;
pub use types::UserTypes;
#[doc(hidden)]
pub use types::{decode_user, user_type_of};
pub use violations::{Violation, Violations};

/// A struct generated from an org's profile schema. The generator implements it; code that
/// works with any profile (the envelopes, [`Profiles`]) relies on it.
pub trait Profile:
    serde::Serialize + serde::de::DeserializeOwned + Clone + std::fmt::Debug + Send + 'static
{
    /// The JSON name of every attribute the schema describes, base first, in schema order.
    const ATTRIBUTES: &'static [&'static str];

    /// The attributes Okta does not let the API change (`"mutability": "READ_ONLY"`): they are
    /// decoded like the others but never sent as edited: a change set and a create leave them
    /// out, a full replace sends them back with the value received.
    const READ_ONLY: &'static [&'static str];

    /// Checks the schema's rules (required attributes set, lengths, ranges, listed enum
    /// values) and returns every violation at once.
    fn validate(&self) -> Result<(), Violations>;
}

/// The serde of the generated profiles, the same as okta-client's models': each profile
/// describes its attributes as data ([`WireModel`]) and the runtime does the rest (undescribed
/// attributes kept in order, explicit `null`s and values of another JSON kind written back).
#[doc(hidden)]
pub use crate::runtime::wire::{wire_serde, WireKept, WireModel, WireReader, WireRest, WireWriter};

/// One attribute of a generated profile: unset, set, or a value of another JSON kind kept as
/// received (see the type's docs).
pub use crate::runtime::field::Attribute;

/// serde, re-exported for the generated code (its `Serialize` and `Deserialize` impls).
#[doc(hidden)]
pub use serde;

/// serde_json, re-exported for the generated code (`Map`, `Value`).
#[doc(hidden)]
pub use serde_json;

/// An enum value the schema does not list, for the generated `From<&str>` of an open enum.
#[doc(hidden)]
pub fn unknown_value(value: &str) -> crate::UnknownValue {
    crate::runtime::enums::unknown_value(value)
}

/// `Display`, `FromStr`, `From<String>` and serde for a generated profile enum (which has
/// `as_str()` and `From<&str>`): the macro okta-client's own enums use. Any JSON string is a
/// value (unlisted ones become `Unknown`); anything else fails the attribute, which the runtime
/// keeps raw in it ([`Attribute::Mismatched`]).
#[doc(hidden)]
pub use crate::runtime::enums::string_enum;
