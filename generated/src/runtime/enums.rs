//! Support shared by every generated string enum.

/// Display, FromStr, serde and parameter support for a generated string enum that has
/// `as_str()` and `From<&str>`.
// The selected API groups may reach no enum.
#[allow(unused_macros)]
macro_rules! string_enum {
    ($t:ident) => {
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $t {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }

        impl From<String> for $t {
            fn from(s: String) -> Self {
                Self::from(s.as_str())
            }
        }

        impl ::serde::Serialize for $t {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $t {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                Ok(Self::from(s.as_ref()))
            }
        }

        impl $crate::runtime::ParamValue for $t {
            fn each(&self, f: &mut dyn FnMut(String)) {
                f(self.as_str().to_string())
            }
        }
    };
}
pub(crate) use string_enum;
