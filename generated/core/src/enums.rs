//! Support shared by every generated string enum.

/// An enum value this version of the crate does not know, kept exactly as received and written
/// back unchanged. Only the crate creates one (from JSON or `From<&str>`), so code cannot match
/// on a particular unknown value and silently stop matching when a later version adds it as a
/// variant; compare [`as_str`](Self::as_str) instead.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(Box<str>);

/// The `Unknown` payload of a generated enum for `value`: what a generated `From<&str>` calls
/// for a value its enum does not list. A function rather than a constructor, so that the public
/// type stays impossible to build by hand.
pub fn unknown_value(value: &str) -> UnknownValue {
    UnknownValue(value.into())
}

impl UnknownValue {
    /// The value as received.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Display, FromStr, serde and parameter support for a generated string enum that has
/// `as_str()` and `From<&str>`.
// The selected API groups may reach no enum.
#[macro_export]
#[doc(hidden)]
macro_rules! string_enum {
    ($t:ident) => {
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $t {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(Self::from(s))
            }
        }

        impl ::std::convert::From<::std::string::String> for $t {
            fn from(s: ::std::string::String) -> Self {
                Self::from(s.as_str())
            }
        }

        impl $crate::__serde::Serialize for $t {
            fn serialize<S: $crate::__serde::Serializer>(
                &self,
                s: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $t {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let s =
                    <::std::borrow::Cow<'de, str> as $crate::__serde::Deserialize>::deserialize(d)?;
                ::std::result::Result::Ok(Self::from(s.as_ref()))
            }
        }

        // Only a struct that fails to decode (its required field missing) ever holds it.
        impl $crate::__private::wire::Placeholder for $t {
            fn placeholder() -> Self {
                Self::from("")
            }
        }

        impl $crate::__private::request::ParamValue for $t {
            fn each(&self, f: &mut dyn FnMut(::std::string::String)) {
                f(::std::string::ToString::to_string(self.as_str()))
            }
        }
    };
}
#[doc(hidden)]
pub use crate::string_enum;
