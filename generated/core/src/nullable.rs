//! A field that can be absent, explicitly `null`, or set.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A field documented as nullable: Okta may omit it, send `null`, or send a value, and a
/// request may need to send an explicit `null`. `Option` cannot tell the first two apart.
///
/// On decode a missing field is [`Absent`](Nullable::Absent) and `null` is
/// [`Null`](Nullable::Null); on encode `Absent` is omitted and `Null` is written as `null`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Nullable<T> {
    /// The field is not in the JSON object.
    #[default]
    Absent,
    /// The field is present with the value `null`.
    Null,
    /// The field has a value.
    Value(T),
}

impl<T> Nullable<T> {
    /// Whether the field is not in the JSON object (used to omit it when encoding).
    pub fn is_absent(&self) -> bool {
        matches!(self, Nullable::Absent)
    }

    /// Whether the field is an explicit `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Nullable::Null)
    }

    /// The value, if there is one.
    pub fn as_ref(&self) -> Option<&T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The value, if there is one.
    pub fn into_option(self) -> Option<T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(v: T) -> Self {
        Nullable::Value(v)
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Nullable::Value(v) => v.serialize(s),
            // `Absent` is skipped by `skip_serializing_if`; if it is serialised anyway (inside a
            // collection), `null` is the only faithful JSON.
            Nullable::Null | Nullable::Absent => s.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(d)? {
            Some(v) => Nullable::Value(v),
            None => Nullable::Null,
        })
    }
}

/// Which optional fields of a decoded struct arrived as an explicit `null` although the
/// documents do not call them nullable. Okta sends such nulls (an inline hook's
/// `authScheme: null`, a zone's `proxies: null`); keeping them means a GET → change → PUT
/// writes back exactly what was read.
///
/// The rule: a field that is `None` and listed here is written as `null`; a field set to
/// `Some` is written as its value whatever this says; [`clear`](Self::clear) (or
/// [`remove`](Self::remove) for one field) makes unset fields absent again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ExplicitNulls(Vec<&'static str>);

impl ExplicitNulls {
    /// Whether the JSON field `name` arrived as `null`.
    pub fn contains(&self, name: &str) -> bool {
        self.0.contains(&name)
    }

    /// The JSON names of the fields that arrived as `null`, in the order of the struct.
    pub fn names(&self) -> &[&'static str] {
        &self.0
    }

    /// Whether no field arrived as `null`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Forgets that `name` arrived as `null`: unset, it is then omitted.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|n| *n != name);
    }

    /// Forgets every explicit `null`.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub(crate) fn push(&mut self, name: &'static str) {
        self.0.push(name);
    }
}
