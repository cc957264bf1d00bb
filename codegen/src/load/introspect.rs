//! What serde's derive knows about an AST type: a struct's keys and an enum's spellings, read
//! from the type itself, so that the allowed-keys lists in diagnostics cannot drift from what
//! the loader accepts.
//!
//! A derived `Deserialize` hands its field (or variant) names to the deserializer before it reads
//! anything; this deserializer keeps them and stops.

use std::cell::Cell;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// The keys a struct accepts, as spelled in YAML (after `rename`), in declaration order. For a
/// type that deserializes through another (`try_from`), the keys of that one.
pub fn keys<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    names::<T>()
}

/// The spellings of a unit-variant enum, in declaration order.
pub fn variants<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    names::<T>()
}

fn names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let found = Cell::new(None);
    let _ = T::deserialize(Names(&found));
    found.get().unwrap_or(&[])
}

struct Names<'a>(&'a Cell<Option<&'static [&'static str]>>);

#[derive(Debug)]
struct Stop;

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("introspection only")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<M: std::fmt::Display>(_: M) -> Stop {
        Stop
    }
}

impl<'de> Deserializer<'de> for Names<'_> {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        self.0.set(Some(fields));
        Err(Stop)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        self.0.set(Some(variants));
        Err(Stop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct S {
        a: u8,
        #[serde(rename = "in")]
        location: String,
    }

    #[derive(serde::Deserialize)]
    #[serde(rename_all = "UPPERCASE")]
    enum E {
        Get,
        Post,
    }

    #[test]
    fn reads_keys_and_variants_from_the_derive() {
        assert_eq!(keys::<S>(), ["a", "in"]);
        assert_eq!(variants::<E>(), ["GET", "POST"]);
        assert!(keys::<String>().is_empty());
        let _ = (E::Get, E::Post);
    }
}
