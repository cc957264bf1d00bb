//! Optional fields that survive a value of another shape than the documents give.
//!
//! Okta sends shapes its documents do not show (an enhanced dynamic zone's `locations` is an
//! object, not an array). One such field must not make the whole object — or the whole list it
//! is in — fail to decode. Every generated struct reads its optional fields as a [`Field`]
//! ([`super::wire`]): a value that does not fit is kept raw, reported in the model's
//! `mismatched_fields`, and written back unchanged.
//!
//! Lenient decoding buffers each optional field as JSON before decoding it, so the client
//! first decodes every response the direct way (no buffering, as fast as plain serde) and only
//! falls back to the lenient way when that fails ([`Mode`]); outside the client (a plain
//! `serde_json::from_str` of a model) decoding is lenient.

use std::cell::Cell;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// How optional fields decode on this thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A value that does not fit is kept raw (the default outside the client).
    Lenient,
    /// A value that does not fit fails the decode: strict decoding, which the client also
    /// tries first because it is the fast way.
    Strict,
}

thread_local! {
    static MODE: Cell<Mode> = const { Cell::new(Mode::Lenient) };
}

/// Runs `f` (a synchronous decode) with optional fields decoding in `mode`; the previous mode
/// comes back afterwards, also if `f` panics.
pub fn with_mode<R>(mode: Mode, f: impl FnOnce() -> R) -> R {
    struct Restore(Mode);
    impl Drop for Restore {
        fn drop(&mut self) {
            MODE.with(|m| m.set(self.0));
        }
    }
    let _restore = Restore(MODE.with(|m| m.replace(mode)));
    f()
}

/// The wire form of an optional field, read by the runtime's serde (the `wire` module).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Field<T> {
    /// Not in the JSON object.
    #[default]
    Absent,
    /// `null`.
    Null,
    /// A value of the documented type.
    Value(T),
    /// A value of another shape, as received, with why it does not fit.
    Raw(Value, String),
}

impl<T: Serialize> Serialize for Field<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Value(v) => v.serialize(s),
            Field::Raw(v, _) => v.serialize(s),
            // `Absent` is skipped by `skip_serializing_if`.
            Field::Null | Field::Absent => s.serialize_none(),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Field<T> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if MODE.with(Cell::get) == Mode::Strict {
            return Ok(match Option::<T>::deserialize(d)? {
                Some(v) => Field::Value(v),
                None => Field::Null,
            });
        }
        lenient(d)
    }
}

/// The lenient way, kept out of line so that the direct way stays as small as plain serde's.
#[cold]
#[inline(never)]
fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Field<T>, D::Error> {
    let raw = Value::deserialize(d)?;
    if raw.is_null() {
        return Ok(Field::Null);
    }
    Ok(match T::deserialize(&raw) {
        Ok(v) => Field::Value(v),
        Err(e) => Field::Raw(raw, e.to_string()),
    })
}

/// The optional fields of a decoded struct whose values did not fit their documented types.
///
/// Each is kept as received: the struct's field reads as unset, and while it stays unset the
/// raw value is written back unchanged (a GET → change → PUT sends what was read). Setting the
/// field replaces the raw value; [`remove`](Self::remove) or [`clear`](Self::clear) drops it.
/// Each one is also reported as a `tracing` warning when decoded. Strict decoding
/// (`ClientBuilder::strict_decoding`) turns a misfit into
/// [`Error::Decode`](crate::error::Error::Decode) instead.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MismatchedFields(Vec<MismatchedField>);

/// One field whose value did not fit its documented type.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct MismatchedField {
    /// The JSON name of the field.
    pub name: &'static str,
    /// The value as received.
    pub value: Value,
    /// Why it does not fit (serde's message).
    pub message: String,
}

impl MismatchedFields {
    /// Whether every field fit.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many fields did not fit.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The field `name` (its JSON name), if it did not fit.
    pub fn get(&self, name: &str) -> Option<&MismatchedField> {
        self.0.iter().find(|f| f.name == name)
    }

    /// Whether the field `name` (its JSON name) did not fit.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every field that did not fit, in the order of the struct.
    pub fn iter(&self) -> std::slice::Iter<'_, MismatchedField> {
        self.0.iter()
    }

    /// Forgets the raw value of `name`: unset, the field is then omitted.
    pub fn remove(&mut self, name: &str) -> Option<MismatchedField> {
        let at = self.0.iter().position(|f| f.name == name)?;
        Some(self.0.remove(at))
    }

    /// Forgets every raw value.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub(crate) fn from_vec(fields: Vec<MismatchedField>) -> Self {
        MismatchedFields(fields)
    }
}

/// One attribute of a struct generated from an org's profile schema (`okta-codegen`'s
/// typed profiles): unset, set to a value of the schema's type, or holding a value of another
/// JSON kind exactly as it arrived.
///
/// Three states rather than an `Option`, so that every way of changing the attribute does what
/// it says: a value Okta sent in another kind than the schema gives (an attribute whose type
/// changed since it was stored) is kept here and written back unchanged while the attribute is
/// left alone, and [`clear`](Self::clear) (or assigning `None.into()`) really clears it: a
/// partial update then sends `null`, a full replace leaves it out.
///
/// Read it with [`get`](Self::get) (`Option<&T>`); change it with [`set`](Self::set),
/// [`clear`](Self::clear) or by assigning an `Option` (`profile.cost_center = Some(v).into()`).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Attribute<T> {
    /// No value: absent from what Okta sent (or `null`: the struct's `explicit_nulls` tells
    /// which), or cleared.
    #[default]
    Unset,
    /// A value of the type the schema gives.
    Set(T),
    /// A value of another JSON kind than the schema says, as received (with why it does not
    /// fit); written back unchanged until the attribute is set or cleared, and reported by the
    /// profile's `validate()`.
    Mismatched(MismatchedField),
}

impl<T> Attribute<T> {
    /// The value, if the attribute holds one of the schema's type.
    pub fn get(&self) -> Option<&T> {
        match self {
            Attribute::Set(v) => Some(v),
            Attribute::Unset | Attribute::Mismatched(_) => None,
        }
    }

    /// The value, mutably, if the attribute holds one of the schema's type.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        match self {
            Attribute::Set(v) => Some(v),
            Attribute::Unset | Attribute::Mismatched(_) => None,
        }
    }

    /// The value through `Deref` (`&str` for a `String`, a slice for a `Vec`), if the
    /// attribute holds one of the schema's type.
    pub fn as_deref(&self) -> Option<&T::Target>
    where
        T: std::ops::Deref,
    {
        self.get().map(|v| &**v)
    }

    /// Sets the value (replacing a mismatched one).
    pub fn set(&mut self, value: impl Into<T>) {
        *self = Attribute::Set(value.into());
    }

    /// Clears the attribute (also a mismatched value): a partial update sends `null` for it
    /// if it had a value, a full replace leaves it out.
    pub fn clear(&mut self) {
        *self = Attribute::Unset;
    }

    /// Takes the value out, leaving the attribute unset; `None` (and the attribute unchanged)
    /// unless it holds a value of the schema's type.
    pub fn take(&mut self) -> Option<T> {
        match std::mem::take(self) {
            Attribute::Set(v) => Some(v),
            other => {
                *self = other;
                None
            }
        }
    }

    /// The value, if the attribute holds one of the schema's type.
    pub fn into_option(self) -> Option<T> {
        match self {
            Attribute::Set(v) => Some(v),
            Attribute::Unset | Attribute::Mismatched(_) => None,
        }
    }

    /// Whether the attribute holds a value of the schema's type.
    pub fn is_set(&self) -> bool {
        matches!(self, Attribute::Set(_))
    }

    /// Whether the attribute holds nothing at all (neither a value nor a mismatched one).
    pub fn is_unset(&self) -> bool {
        matches!(self, Attribute::Unset)
    }

    /// The value of another JSON kind it arrived with, while it is kept.
    pub fn mismatched(&self) -> Option<&MismatchedField> {
        match self {
            Attribute::Mismatched(m) => Some(m),
            Attribute::Unset | Attribute::Set(_) => None,
        }
    }
}

impl<T> From<Option<T>> for Attribute<T> {
    /// `Some(v)` sets the attribute; `None` clears it.
    fn from(value: Option<T>) -> Self {
        match value {
            Some(v) => Attribute::Set(v),
            None => Attribute::Unset,
        }
    }
}

impl<T: PartialEq> PartialEq<Option<T>> for Attribute<T> {
    /// Equal to `Some(v)` when set to `v`, to `None` when it holds no value of the schema's
    /// type (unset or mismatched).
    fn eq(&self, other: &Option<T>) -> bool {
        self.get() == other.as_ref()
    }
}

impl<'a> IntoIterator for &'a MismatchedFields {
    type Item = &'a MismatchedField;
    type IntoIter = std::slice::Iter<'a, MismatchedField>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for MismatchedField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` ({}): {}",
            self.name,
            kind(&self.value),
            self.message
        )
    }
}

/// The JSON kind of `v` (`"string"`, `"number"`, …), for messages about a misfit value.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Wire {
        #[serde(default)]
        n: Field<u32>,
    }

    #[test]
    fn lenient_keeps_a_misfit_and_direct_fails() {
        let w: Wire = serde_json::from_str(r#"{"n": {"a": 1}}"#).unwrap();
        assert!(matches!(w.n, Field::Raw(Value::Object(_), _)), "{w:?}");
        let direct = with_mode(Mode::Strict, || {
            serde_json::from_str::<Wire>(r#"{"n": "x"}"#)
        });
        assert!(direct.is_err());
        let fits = with_mode(Mode::Strict, || serde_json::from_str::<Wire>(r#"{"n": 3}"#));
        assert_eq!(fits.unwrap().n, Field::Value(3));
        assert_eq!(MODE.with(Cell::get), Mode::Lenient);
    }

    #[test]
    fn the_mode_comes_back_after_a_panic() {
        let r = std::panic::catch_unwind(|| with_mode(Mode::Strict, || panic!("boom")));
        assert!(r.is_err());
        assert_eq!(MODE.with(Cell::get), Mode::Lenient);
    }
}
