//! The catalog's typed scalar values: HTTP methods, parameter locations, body encodings,
//! status codes, type names and path templates. Each is parsed once, here, by the same function
//! whether serde reads it or the structure check ([`super::structure`]) looks for every bad
//! value of a file at once; past `load`, nothing re-parses a string.

use serde::de::{self, Deserialize, Deserializer, IntoDeserializer};

use super::introspect;
use crate::diagnostics::did_you_mean;

/// Why a scalar is not valid: what is wrong and what to write instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub hint: String,
}

impl Problem {
    fn new(message: impl Into<String>, hint: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.hint)
    }
}

/// A unit-variant enum whose spellings serde knows: parses through serde itself, so the list
/// in hints is the list the type accepts.
fn parse_enum<'de, T: Deserialize<'de>>(
    text: &str,
    what: &str,
    normalise: fn(&str) -> String,
) -> Result<T, Problem> {
    let de: de::value::StrDeserializer<'_, de::value::Error> = text.into_deserializer();
    T::deserialize(de).map_err(|_| {
        let allowed = introspect::variants::<T>();
        let hint = match did_you_mean(&normalise(text), allowed.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("use one of {}", allowed.join(", ")),
        };
        Problem::new(format!("{what} `{text}`"), hint)
    })
}

/// HTTP method of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
}

impl Method {
    pub fn parse(text: &str) -> Result<Method, Problem> {
        parse_enum(text, "invalid HTTP method", |s| s.to_ascii_uppercase())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
        }
    }
}

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamIn {
    Path,
    Query,
    Header,
}

impl ParamIn {
    pub fn parse(text: &str) -> Result<ParamIn, Problem> {
        parse_enum(text, "invalid parameter location", str::to_string)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ParamIn::Path => "path",
            ParamIn::Query => "query",
            ParamIn::Header => "header",
        }
    }
}

/// How a request body is encoded (`content_type:`); JSON when not given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub enum BodyEncoding {
    #[default]
    #[serde(rename = "application/json")]
    Json,
    #[serde(rename = "multipart/form-data")]
    Multipart,
}

impl BodyEncoding {
    pub fn parse(text: &str) -> Result<BodyEncoding, Problem> {
        parse_enum(text, "unsupported request content type", str::to_string)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BodyEncoding::Json => "application/json",
            BodyEncoding::Multipart => "multipart/form-data",
        }
    }
}

/// The `type:` of a schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SchemaType {
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array,
    Any,
}

impl SchemaType {
    pub fn parse(text: &str) -> Result<SchemaType, Problem> {
        parse_enum(text, "unknown type", str::to_string)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SchemaType::String => "string",
            SchemaType::Integer => "integer",
            SchemaType::Number => "number",
            SchemaType::Boolean => "boolean",
            SchemaType::Object => "object",
            SchemaType::Array => "array",
            SchemaType::Any => "any",
        }
    }
}

/// A response's status: a code from 100 to 599, or `default` when the documents state none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Code(u16),
    Default,
}

impl Status {
    pub fn parse(text: &str) -> Result<Status, Problem> {
        if text == "default" {
            return Ok(Status::Default);
        }
        match text.parse::<u16>() {
            Ok(c) if (100..=599).contains(&c) => Ok(Status::Code(c)),
            _ => Err(Problem::new(
                format!("`{text}` is not an HTTP status code"),
                "use a code from 100 to 599, or `default`",
            )),
        }
    }

    pub fn code(self) -> Option<u16> {
        match self {
            Status::Code(c) => Some(c),
            Status::Default => None,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Code(c) => write!(f, "{c}"),
            Status::Default => f.write_str("default"),
        }
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Status, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Status;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an HTTP status code or `default`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Status, E> {
                Status::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Status, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Status, E> {
                self.visit_str(&v.to_string())
            }
        }
        d.deserialize_any(V)
    }
}

/// One segment of a path template: wholly literal text or wholly a parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathPart {
    Literal(String),
    Param(String),
}

/// An operation's path as written (`/api/v1/users/{userId}`), with its segments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathTemplate {
    raw: String,
    parts: Vec<PathPart>,
}

impl PathTemplate {
    pub fn parse(text: &str) -> Result<PathTemplate, Problem> {
        if !text.starts_with('/') {
            return Err(Problem::new(
                format!("path `{text}` must start with `/`"),
                "paths are relative to the org URL, e.g. `/api/v1/users`",
            ));
        }
        let mut parts = Vec::new();
        for seg in text.split('/').filter(|s| !s.is_empty()) {
            match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) if !name.contains(['{', '}']) => {
                    parts.push(PathPart::Param(name.to_string()))
                }
                _ if seg.contains(['{', '}']) => {
                    return Err(Problem::new(
                        format!("path segment `{seg}` mixes text and a parameter"),
                        "a parameter must be a whole segment: `/users/{userId}`",
                    ))
                }
                _ => parts.push(PathPart::Literal(seg.to_string())),
            }
        }
        Ok(PathTemplate {
            raw: text.to_string(),
            parts,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    pub fn parts(&self) -> &[PathPart] {
        &self.parts
    }

    /// The names of the template's parameters, in order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            PathPart::Param(n) => Some(n.as_str()),
            PathPart::Literal(_) => None,
        })
    }

    /// The route with parameter names erased (`/users/{}`): two operations on the same
    /// method and route are the same endpoint whatever they call their parameters.
    pub fn route(&self) -> String {
        let mut out = String::new();
        for p in &self.parts {
            out.push('/');
            match p {
                PathPart::Literal(l) => out.push_str(l),
                PathPart::Param(_) => out.push_str("{}"),
            }
        }
        out
    }
}

impl std::fmt::Display for PathTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for PathTemplate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PathTemplate, D::Error> {
        let s = String::deserialize(d)?;
        PathTemplate::parse(&s).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_parse_through_serde_and_hint_from_their_own_variants() {
        assert_eq!(Method::parse("PATCH"), Ok(Method::Patch));
        let e = Method::parse("get").unwrap_err();
        assert_eq!(e.message, "invalid HTTP method `get`");
        assert_eq!(e.hint, "did you mean `GET`?");
        let e = Method::parse("SUBSCRIBE").unwrap_err();
        assert_eq!(
            e.hint,
            "use one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"
        );
        assert_eq!(
            ParamIn::parse("qeury").unwrap_err().hint,
            "did you mean `query`?"
        );
        assert_eq!(
            BodyEncoding::parse("multipart/form-data"),
            Ok(BodyEncoding::Multipart)
        );
        assert_eq!(
            SchemaType::parse("strin").unwrap_err().hint,
            "did you mean `string`?"
        );
    }

    #[test]
    fn statuses_are_codes_in_range_or_default() {
        assert_eq!(Status::parse("204"), Ok(Status::Code(204)));
        assert_eq!(Status::parse("default"), Ok(Status::Default));
        for bad in ["99", "600", "70000", "-1", "ok", ""] {
            assert!(Status::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn path_templates_split_into_whole_segments() {
        let t = PathTemplate::parse("/api/v1/users/{userId}/roles").unwrap();
        assert_eq!(t.params().collect::<Vec<_>>(), ["userId"]);
        assert_eq!(t.route(), "/api/v1/users/{}/roles");
        assert!(PathTemplate::parse("api/v1").is_err());
        assert!(PathTemplate::parse("/a/x{id}").is_err());
        assert!(PathTemplate::parse("/a/{{id}}").is_err());
    }
}
