//! The serde of every generated struct, written once.
//!
//! A model describes its JSON fields as data ([`WireModel::FIELDS`], [`WireModel::REQUIRED`])
//! and says, one line per field, whether each is required, an `Option` or a `Nullable`
//! ([`WireModel::read`], [`WireModel::write`]). Everything else lives here: reading the
//! object key by key, keeping undescribed fields in order, remembering explicit `null`s, keeping
//! a value of another shape raw (through [`Field`]), refusing duplicate and missing fields, and
//! writing it all back the way it arrived.
//!
//! Written once here rather than derived per model: the emitted code stays small, and decoding
//! never buffers an object to find its undescribed fields (as `#[serde(flatten)]` would).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::field::{Attribute, Field, MismatchedField, MismatchedFields};
use super::nullable::{ExplicitNulls, Nullable};

/// What a decoded model keeps besides its described fields: the undescribed ones, the
/// optional fields that arrived as `null`, and those whose values did not fit.
pub type WireKept = (Map<String, Value>, ExplicitNulls, MismatchedFields);

/// The same, borrowed for encoding; a model without the member has `None`.
pub type WireRest<'a> = (
    &'a Map<String, Value>,
    Option<&'a ExplicitNulls>,
    Option<&'a MismatchedFields>,
);

/// A generated struct as the runtime's serde sees it. Implemented by emitted code only: the
/// models of this crate (whose serde impls the `wire_serde!` macro writes) and the profiles
/// generated into a user's crate (whose impls call [`serialize`] and [`deserialize`]).
pub trait WireModel: Sized {
    /// The Rust name, for messages.
    const NAME: &'static str;
    /// The JSON names of the described fields, in the struct's order; a field's slot is its
    /// index here.
    const FIELDS: &'static [&'static str];
    /// The JSON names of the fields that must be present.
    const REQUIRED: &'static [&'static str] = &[];

    /// The value decoding starts from: every optional field unset, every required one holding
    /// a placeholder (the `Placeholder` trait) that decoding overwrites (or fails, naming the
    /// missing field).
    fn empty() -> Self;

    /// Reads the value of the field in `r`'s slot into the struct.
    fn read<'de, A: MapAccess<'de>>(&mut self, r: WireReader<'_, 'de, A>) -> Result<(), A::Error>;

    /// Writes the described fields, in order.
    fn write<S: SerializeMap>(&self, w: &mut WireWriter<'_, S>) -> Result<(), S::Error>;

    /// Stores what decoding kept besides the described fields.
    fn keep(&mut self, kept: WireKept);

    /// What encoding writes besides the described fields.
    fn rest(&self) -> WireRest<'_>;
}

/// A value of a required field's type to decode into; never seen by users (a struct whose
/// required field is missing fails to decode).
pub trait Placeholder {
    /// The placeholder value.
    fn placeholder() -> Self;
}

macro_rules! placeholder_by_default {
    ($($t:ty),*) => {
        $(impl Placeholder for $t {
            fn placeholder() -> Self {
                Default::default()
            }
        })*
    };
}
placeholder_by_default!(String, bool, i32, i64, f64, Value, Map<String, Value>);

impl<T> Placeholder for Vec<T> {
    fn placeholder() -> Self {
        Vec::new()
    }
}

impl<T: Placeholder> Placeholder for Box<T> {
    fn placeholder() -> Self {
        Box::new(T::placeholder())
    }
}

/// A required field's placeholder (see [`WireModel::empty`]).
pub fn placeholder<T: Placeholder>() -> T {
    T::placeholder()
}

/// `Serialize`, `Deserialize` and [`Placeholder`] for a generated struct that implements
/// [`WireModel`].
// The selected API groups may reach no struct.
#[macro_export]
#[doc(hidden)]
macro_rules! wire_serde {
    ($t:ident) => {
        impl $crate::__serde::Serialize for $t {
            fn serialize<S: $crate::__serde::Serializer>(
                &self,
                s: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                $crate::__private::wire::serialize(self, s)
            }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $t {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::__private::wire::deserialize(d)
            }
        }

        impl $crate::__private::wire::Placeholder for $t {
            // Compiled only where a model holding this one is decoded (see `empty`).
            #[inline]
            fn placeholder() -> Self {
                <Self as $crate::__private::wire::WireModel>::empty()
            }
        }
    };
}
#[doc(hidden)]
pub use crate::wire_serde;

/// Decodes a model from a JSON object.
pub fn deserialize<'de, M: WireModel, D: Deserializer<'de>>(d: D) -> Result<M, D::Error> {
    d.deserialize_map(ModelVisitor(PhantomData))
}

/// Encodes a model as a JSON object: its described fields in order, then the undescribed ones.
pub fn serialize<M: WireModel, S: Serializer>(m: &M, s: S) -> Result<S::Ok, S::Error> {
    // Only `write` depends on the model: the rest is compiled once per serializer.
    let mut w = start(s, m.rest())?;
    m.write(&mut w)?;
    w.end()
}

fn start<S: Serializer>(
    s: S,
    rest: WireRest<'_>,
) -> Result<WireWriter<'_, S::SerializeMap>, S::Error> {
    let (additional, nulls, mismatched) = rest;
    Ok(WireWriter {
        map: s.serialize_map(None)?,
        additional,
        nulls,
        mismatched,
    })
}

/// One described field's value, about to be read; see [`WireModel::read`].
pub struct WireReader<'a, 'de, A> {
    map: &'a mut A,
    slot: usize,
    cx: &'a mut Collected,
    _de: PhantomData<&'de ()>,
}

impl<'de, A: MapAccess<'de>> WireReader<'_, 'de, A> {
    /// The field's index in [`WireModel::FIELDS`].
    pub fn slot(&self) -> usize {
        self.slot
    }

    /// A required field: a value that does not fit fails the struct.
    pub fn required<T: Deserialize<'de>>(self, into: &mut T) -> Result<(), A::Error> {
        *into = self.map.next_value()?;
        Ok(())
    }

    /// An `Option` field: `null` is remembered in the struct's explicit nulls, a value of
    /// another shape in its mismatched fields (unless decoding is strict).
    pub fn option<T: DeserializeOwned>(self, into: &mut Option<T>) -> Result<(), A::Error> {
        match self.map.next_value::<Field<T>>()? {
            Field::Value(v) => *into = Some(v),
            Field::Null => self.cx.null(self.slot),
            Field::Absent => {}
            Field::Raw(value, message) => self.cx.misfit(self.slot, value, message),
        }
        Ok(())
    }

    /// A `Nullable` field; a value of another shape is remembered in the struct's mismatched
    /// fields and reads as absent.
    pub fn nullable<T: DeserializeOwned>(self, into: &mut Nullable<T>) -> Result<(), A::Error> {
        *into = match self.map.next_value::<Field<T>>()? {
            Field::Value(v) => Nullable::Value(v),
            Field::Null => Nullable::Null,
            Field::Absent => Nullable::Absent,
            Field::Raw(value, message) => {
                self.cx.misfit(self.slot, value, message);
                Nullable::Absent
            }
        };
        Ok(())
    }

    /// An [`Attribute`] member (a generated profile's): `null` is remembered in the struct's
    /// explicit nulls; a value of another shape is kept in the member itself.
    pub fn attribute<T: DeserializeOwned>(self, into: &mut Attribute<T>) -> Result<(), A::Error> {
        *into = match self.map.next_value::<Field<T>>()? {
            Field::Value(v) => Attribute::Set(v),
            Field::Null => {
                self.cx.null(self.slot);
                Attribute::Unset
            }
            Field::Absent => Attribute::Unset,
            Field::Raw(value, message) => {
                Attribute::Mismatched(self.cx.misfit_field(self.slot, value, message))
            }
        };
        Ok(())
    }

    /// Skips the value (a struct without described fields never has a slot to read).
    pub fn skip(self) -> Result<(), A::Error> {
        self.map.next_value::<IgnoredAny>().map(|_| ())
    }
}

/// What decoding collects besides the fields, with each field's slot so that both lists end
/// up in the struct's order whatever the order of the keys.
struct Collected {
    model: &'static str,
    names: &'static [&'static str],
    nulls: Vec<(usize, &'static str)>,
    mismatched: Vec<(usize, MismatchedField)>,
}

// Each list is kept in slot order as it grows (they are short: usually empty), so that no
// sort is compiled in.
impl Collected {
    fn null(&mut self, slot: usize) {
        let at = self.nulls.partition_point(|(s, _)| *s < slot);
        self.nulls.insert(at, (slot, self.names[slot]));
    }

    fn misfit(&mut self, slot: usize, value: Value, message: String) {
        let field = self.misfit_field(slot, value, message);
        let at = self.mismatched.partition_point(|(s, _)| *s < slot);
        self.mismatched.insert(at, (slot, field));
    }

    /// The misfit in `slot`, reported; kept by the caller.
    fn misfit_field(&self, slot: usize, value: Value, message: String) -> MismatchedField {
        let name = self.names[slot];
        // The value may be anything a server sends; the warning names only its JSON kind.
        tracing::warn!(
            model = self.model,
            field = name,
            found = super::field::kind(&value),
            "a field does not fit its documented type; kept as received"
        );
        MismatchedField {
            name,
            value,
            message,
        }
    }

    fn finish(self) -> (ExplicitNulls, MismatchedFields) {
        let mut nulls = ExplicitNulls::default();
        for (_, name) in self.nulls {
            nulls.push(name);
        }
        let mismatched =
            MismatchedFields::from_vec(self.mismatched.into_iter().map(|(_, f)| f).collect());
        (nulls, mismatched)
    }
}

/// Writes one described field; see [`WireModel::write`].
pub struct WireWriter<'a, S> {
    map: S,
    additional: &'a Map<String, Value>,
    nulls: Option<&'a ExplicitNulls>,
    mismatched: Option<&'a MismatchedFields>,
}

impl<S: SerializeMap> WireWriter<'_, S> {
    /// A required field: always written.
    pub fn required<T: Serialize>(&mut self, name: &str, value: &T) -> Result<(), S::Error> {
        self.map.serialize_entry(name, value)
    }

    /// An `Option` field: its value; else, while unset, the raw value it arrived as; else
    /// `null` if it arrived as one; else nothing.
    pub fn option<T: Serialize>(&mut self, name: &str, value: &Option<T>) -> Result<(), S::Error> {
        match value {
            Some(v) => self.map.serialize_entry(name, v),
            None => self.unset(name, true),
        }
    }

    /// A `Nullable` field: its value or `null`; an absent one is written as the raw value it
    /// arrived as, if any.
    pub fn nullable<T: Serialize>(
        &mut self,
        name: &str,
        value: &Nullable<T>,
    ) -> Result<(), S::Error> {
        match value {
            Nullable::Value(v) => self.map.serialize_entry(name, v),
            Nullable::Null => self.map.serialize_entry(name, &()),
            Nullable::Absent => self.unset(name, false),
        }
    }

    /// An [`Attribute`] member: its value, or the raw value it holds; unset, `null` if it
    /// arrived as one, else nothing.
    pub fn attribute<T: Serialize>(
        &mut self,
        name: &str,
        value: &Attribute<T>,
    ) -> Result<(), S::Error> {
        match value {
            Attribute::Set(v) => self.map.serialize_entry(name, v),
            Attribute::Mismatched(m) => self.map.serialize_entry(name, &m.value),
            Attribute::Unset => self.unset(name, true),
        }
    }

    /// An unset field: the raw value it arrived as, else `null` if `null_if_noted` and it
    /// arrived as one, else nothing. Kept apart from the field's type, so that it is compiled
    /// once, not once per field type.
    #[inline(never)]
    fn unset(&mut self, name: &str, null_if_noted: bool) -> Result<(), S::Error> {
        if let Some(raw) = self.mismatched.and_then(|m| m.get(name)) {
            return self.map.serialize_entry(name, &raw.value);
        }
        if null_if_noted && self.nulls.is_some_and(|n| n.contains(name)) {
            return self.map.serialize_entry(name, &());
        }
        Ok(())
    }

    fn end(mut self) -> Result<S::Ok, S::Error> {
        for (k, v) in self.additional {
            self.map.serialize_entry(k, v)?;
        }
        self.map.end()
    }
}

struct ModelVisitor<M>(PhantomData<M>);

impl<'de, M: WireModel> Visitor<'de> for ModelVisitor<M> {
    type Value = M;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", M::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<M, A::Error> {
        let mut model = M::empty();
        let mut seen = Seen::default();
        let mut additional = Map::new();
        let mut cx = Collected {
            model: M::NAME,
            names: M::FIELDS,
            nulls: Vec::new(),
            mismatched: Vec::new(),
        };
        // Servers write an object's members in a stable order, usually the documented one
        // that `FIELDS` follows: the search for a key starts after the previous key's slot.
        let mut next = 0;
        while let Some(key) = map.next_key_seed(KeySeed {
            fields: M::FIELDS,
            from: next,
        })? {
            match key {
                Key::Field(slot) => {
                    next = slot + 1;
                    if !seen.insert(slot) {
                        return Err(de::Error::duplicate_field(M::FIELDS[slot]));
                    }
                    model.read(WireReader {
                        map: &mut map,
                        slot,
                        cx: &mut cx,
                        _de: PhantomData,
                    })?;
                }
                Key::Other(name) => {
                    let value = map.next_value::<Value>()?;
                    additional.insert(name, value);
                }
            }
        }
        for name in M::REQUIRED {
            let present = M::FIELDS
                .iter()
                .position(|f| f == name)
                .is_some_and(|slot| seen.contains(slot));
            if !present {
                return Err(de::Error::missing_field(name));
            }
        }
        let (nulls, mismatched) = cx.finish();
        model.keep((additional, nulls, mismatched));
        Ok(model)
    }
}

/// The slots already read (for duplicate and missing fields); no allocation up to 128 fields.
#[derive(Default)]
struct Seen {
    low: u128,
    more: Vec<usize>,
}

impl Seen {
    /// Marks `slot`; false if it was already marked.
    // `#[inline]`: called once per key from the decode loop, which is compiled in the crate
    // that decodes (okta-client or a user's), not in this one.
    #[inline]
    fn insert(&mut self, slot: usize) -> bool {
        if slot < 128 {
            let bit = 1u128 << slot;
            let new = self.low & bit == 0;
            self.low |= bit;
            new
        } else if self.more.contains(&slot) {
            false
        } else {
            self.more.push(slot);
            true
        }
    }

    #[inline]
    fn contains(&self, slot: usize) -> bool {
        if slot < 128 {
            self.low & (1u128 << slot) != 0
        } else {
            self.more.contains(&slot)
        }
    }
}

enum Key {
    Field(usize),
    Other(String),
}

/// Reads a key as a described field's slot, without allocating, or as an undescribed name.
struct KeySeed {
    fields: &'static [&'static str],
    /// The slot tried first: the one after the previous key's.
    from: usize,
}

impl KeySeed {
    #[inline]
    fn slot(&self, name: &str) -> Option<usize> {
        if self.fields.get(self.from).is_some_and(|f| *f == name) {
            return Some(self.from);
        }
        self.fields.iter().position(|f| *f == name)
    }
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(match self.slot(v) {
            Some(slot) => Key::Field(slot),
            None => Key::Other(v.to_owned()),
        })
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Key, E> {
        Ok(match self.slot(&v) {
            Some(slot) => Key::Field(slot),
            None => Key::Other(v),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{with_mode, Mode};

    /// What the emitter writes for a struct with a required, an `Option` and a `Nullable`
    /// field.
    #[derive(Debug, PartialEq)]
    struct W {
        id: String,
        n: Option<u32>,
        s: Option<String>,
        v: Nullable<Vec<u8>>,
        additional_properties: Map<String, Value>,
        explicit_nulls: ExplicitNulls,
        mismatched_fields: MismatchedFields,
    }

    impl WireModel for W {
        const NAME: &'static str = "W";
        const FIELDS: &'static [&'static str] = &["id", "n", "s", "v"];
        const REQUIRED: &'static [&'static str] = &["id"];

        fn empty() -> Self {
            W {
                id: placeholder(),
                n: None,
                s: None,
                v: Nullable::Absent,
                additional_properties: Map::new(),
                explicit_nulls: ExplicitNulls::default(),
                mismatched_fields: MismatchedFields::default(),
            }
        }

        fn read<'de, A: MapAccess<'de>>(
            &mut self,
            r: WireReader<'_, 'de, A>,
        ) -> Result<(), A::Error> {
            match r.slot() {
                0 => r.required(&mut self.id),
                1 => r.option(&mut self.n),
                2 => r.option(&mut self.s),
                _ => r.nullable(&mut self.v),
            }
        }

        fn write<S: SerializeMap>(&self, w: &mut WireWriter<'_, S>) -> Result<(), S::Error> {
            w.required("id", &self.id)?;
            w.option("n", &self.n)?;
            w.option("s", &self.s)?;
            w.nullable("v", &self.v)
        }

        fn keep(&mut self, (a, n, m): WireKept) {
            self.additional_properties = a;
            self.explicit_nulls = n;
            self.mismatched_fields = m;
        }

        fn rest(&self) -> WireRest<'_> {
            (
                &self.additional_properties,
                Some(&self.explicit_nulls),
                Some(&self.mismatched_fields),
            )
        }
    }
    wire_serde!(W);

    fn decode(text: &str) -> Result<W, String> {
        serde_json::from_str::<W>(text).map_err(|e| e.to_string())
    }

    fn encode(w: &W) -> String {
        serde_json::to_string(w).unwrap()
    }

    #[test]
    fn a_round_trip_keeps_order_unknown_fields_nulls_and_misfits() {
        let text = r#"{"z":1,"v":"no","id":"a","s":null,"extra":[true],"n":null}"#;
        let w = decode(text).unwrap();
        assert_eq!(w.id, "a");
        assert_eq!((w.n, w.s.as_deref(), &w.v), (None, None, &Nullable::Absent));
        // Both lists follow the struct's order, not the keys'.
        assert_eq!(w.explicit_nulls.names(), ["n", "s"]);
        assert_eq!(w.mismatched_fields.len(), 1);
        assert_eq!(
            w.mismatched_fields.get("v").unwrap().value,
            Value::from("no")
        );
        let keys: Vec<&str> = w.additional_properties.keys().map(String::as_str).collect();
        assert_eq!(keys, ["z", "extra"]);
        // Described fields in the struct's order, then the undescribed ones as received.
        assert_eq!(
            encode(&w),
            r#"{"id":"a","n":null,"s":null,"v":"no","z":1,"extra":[true]}"#
        );
    }

    #[test]
    fn a_set_value_wins_over_a_null_or_a_raw_value_and_cleared_ones_are_omitted() {
        let mut w = decode(r#"{"id":"a","n":"x","s":null,"v":{}}"#).unwrap();
        assert_eq!(encode(&w), r#"{"id":"a","n":"x","s":null,"v":{}}"#);
        w.n = Some(2);
        w.s = Some("t".into());
        assert_eq!(encode(&w), r#"{"id":"a","n":2,"s":"t","v":{}}"#);
        w.n = None;
        w.s = None;
        w.explicit_nulls.clear();
        w.mismatched_fields.clear();
        assert_eq!(encode(&w), r#"{"id":"a"}"#);
        w.v = Nullable::Null;
        assert_eq!(encode(&w), r#"{"id":"a","v":null}"#);
    }

    /// What the emitter writes for a profile: `Attribute` members only, no
    /// `mismatched_fields`.
    #[derive(Debug, Default, PartialEq)]
    struct P {
        n: Attribute<i64>,
        s: Attribute<String>,
        additional_properties: Map<String, Value>,
        explicit_nulls: ExplicitNulls,
    }

    impl WireModel for P {
        const NAME: &'static str = "P";
        const FIELDS: &'static [&'static str] = &["n", "s"];

        fn empty() -> Self {
            P::default()
        }

        fn read<'de, A: MapAccess<'de>>(
            &mut self,
            r: WireReader<'_, 'de, A>,
        ) -> Result<(), A::Error> {
            match r.slot() {
                0 => r.attribute(&mut self.n),
                _ => r.attribute(&mut self.s),
            }
        }

        fn write<S: SerializeMap>(&self, w: &mut WireWriter<'_, S>) -> Result<(), S::Error> {
            w.attribute("n", &self.n)?;
            w.attribute("s", &self.s)
        }

        fn keep(&mut self, (a, n, _): WireKept) {
            self.additional_properties = a;
            self.explicit_nulls = n;
        }

        fn rest(&self) -> WireRest<'_> {
            (
                &self.additional_properties,
                Some(&self.explicit_nulls),
                None,
            )
        }
    }
    wire_serde!(P);

    #[test]
    fn an_attribute_keeps_its_misfit_until_it_is_set_or_cleared() {
        let text = r#"{"n":"seven","s":null,"x":1}"#;
        let mut p: P = serde_json::from_str(text).unwrap();
        let kept = p.n.mismatched().expect("kept in the attribute");
        assert_eq!((kept.name, &kept.value), ("n", &Value::from("seven")));
        assert_eq!(p.n, None);
        assert!(p.s.is_unset() && p.explicit_nulls.contains("s"));
        // Left alone: written back as received.
        assert_eq!(serde_json::to_string(&p).unwrap(), text);
        // Cleared (by assigning `None`): gone; set: the value.
        p.n = None.into();
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"s":null,"x":1}"#);
        p.n.set(7);
        p.s = Some("t".to_string()).into();
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"n":7,"s":"t","x":1}"#
        );
        assert_eq!((p.n.take(), p.n.is_unset()), (Some(7), true));
        assert_eq!(p.s.as_deref(), Some("t"));
        // Strict decoding refuses the misfit instead.
        let strict = with_mode(Mode::Strict, || serde_json::from_str::<P>(text));
        assert!(strict.is_err());
    }

    #[test]
    fn missing_duplicate_and_misfitting_required_fields_fail_the_struct() {
        let missing = decode(r#"{"n":1}"#).unwrap_err();
        assert!(missing.starts_with("missing field `id`"), "{missing}");
        let twice = decode(r#"{"id":"a","n":1,"n":2}"#).unwrap_err();
        assert!(twice.starts_with("duplicate field `n`"), "{twice}");
        let wrong = decode(r#"{"id":3}"#).unwrap_err();
        assert!(
            wrong.starts_with("invalid type: integer `3`, expected a string"),
            "{wrong}"
        );
        let not_an_object = decode(r#""a""#).unwrap_err();
        assert!(
            not_an_object.contains("expected struct W"),
            "{not_an_object}"
        );
    }

    #[test]
    fn direct_decoding_fails_on_a_misfit_and_names_the_field_path() {
        let text = r#"{"id":"a","n":"x"}"#;
        assert!(with_mode(Mode::Strict, || serde_json::from_str::<W>(text)).is_err());
        let mut de = serde_json::Deserializer::from_str(text);
        let err = with_mode(Mode::Strict, || {
            serde_path_to_error::deserialize::<_, W>(&mut de)
        })
        .unwrap_err();
        assert_eq!(err.path().to_string(), "n");
    }

    #[test]
    fn decoding_from_a_value_works_like_from_text() {
        let value = serde_json::json!({"id": "a", "n": 4, "q": null});
        let w: W = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(w.n, Some(4));
        assert_eq!(serde_json::to_value(&w).unwrap(), value);
    }

    #[test]
    fn a_key_is_found_from_any_starting_slot() {
        let fields = &["a", "b", "c"];
        for from in 0..=4 {
            let seed = KeySeed { fields, from };
            let slots: Vec<_> = ["a", "b", "c", "d"].map(|k| seed.slot(k)).into();
            assert_eq!(slots, [Some(0), Some(1), Some(2), None], "from {from}");
        }
        // Keys out of the struct's order land in their own slots; unknown ones are kept.
        let w = decode(r#"{"v":[1],"s":"t","id":"a","n":2,"x":0}"#).unwrap();
        assert_eq!(
            (w.id.as_str(), w.n, w.s.as_deref()),
            ("a", Some(2), Some("t"))
        );
        assert_eq!(w.v, Nullable::Value(vec![1]));
        assert!(w.additional_properties.contains_key("x"));
    }

    #[test]
    fn seen_slots_beyond_the_inline_bits() {
        let mut seen = Seen::default();
        for slot in [0, 127, 128, 500] {
            assert!(!seen.contains(slot));
            assert!(seen.insert(slot));
            assert!(!seen.insert(slot));
            assert!(seen.contains(slot));
        }
        assert!(!seen.contains(1) && !seen.contains(129));
    }
}
