//! The catalog as written in `spec/*.yaml`, typed: methods, parameter locations, body
//! encodings, statuses, type names and path templates are parsed here (the scalar types are re-exported below),
//! and a schema is a [`Shape`] (a reference, a scalar, an object or an array, never two at
//! once). No YAML type leaves the loader; `validate` checks meaning and `ir` is built from these.

use indexmap::IndexMap;
use serde::Deserialize;

pub use super::scalars::{
    BodyEncoding, Method, ParamIn, PathPart, PathTemplate, Problem, SchemaType, Status,
};

/// One `spec/*.yaml` file: one API group.
#[derive(Clone, Debug, Deserialize)]
pub struct GroupFile {
    pub group: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub operations: Vec<Operation>,
    #[serde(default)]
    pub schemas: IndexMap<String, Schema>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Operation {
    pub name: String,
    pub method: Method,
    pub path: PathTemplate,
    pub summary: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default)]
    pub params: Vec<Param>,
    #[serde(default)]
    pub body: Option<Body>,
    #[serde(default)]
    pub responses: Vec<Response>,
    #[serde(default)]
    pub paginated: bool,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Param {
    pub name: String,
    #[serde(rename = "in")]
    pub location: ParamIn,
    #[serde(default)]
    pub required: Option<bool>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub schema: Option<Schema>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Body {
    #[serde(default)]
    pub content_type: BodyEncoding,
    pub schema: Schema,
    #[serde(default)]
    pub required: Option<bool>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Response {
    pub status: Status,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub schema: Option<Schema>,
    /// The media type of the answer; JSON when not given.
    #[serde(default = "json_media_type")]
    pub content_type: String,
}

fn json_media_type() -> String {
    "application/json".into()
}

/// A type: what it is ([`Shape`]) plus the facts the documents state about a property or
/// schema.
#[derive(Clone, Debug, Deserialize)]
#[serde(try_from = "SchemaKeys")]
pub struct Schema {
    pub shape: Shape,
    pub format: Option<String>,
    pub enum_values: Option<Vec<EnumValue>>,
    pub description: Option<String>,
    /// Maintainer notes (where the documents were unclear, which document says what): kept in
    /// the catalog and in `openapi.json` (`x-notes`), never in rustdoc.
    pub notes: Option<String>,
    pub required: bool,
    pub nullable: bool,
    pub read_only: bool,
    /// Set when the object is created and never changed afterwards (what some documents call
    /// read-only although their create requests send it).
    pub immutable: bool,
    pub write_only: bool,
    pub unique: bool,
    pub validation: Option<String>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
}

impl Schema {
    /// A plain string: a parameter written without a schema.
    pub fn string() -> Schema {
        Schema {
            shape: Shape::String,
            format: None,
            enum_values: None,
            description: None,
            notes: None,
            required: false,
            nullable: false,
            read_only: false,
            immutable: false,
            write_only: false,
            unique: false,
            validation: None,
            min_length: None,
            max_length: None,
        }
    }
}

/// What a type is: exactly one of these, as `ref:` or `type:` (with `items:` for arrays and
/// optional `properties:` for objects) say.
#[derive(Clone, Debug)]
pub enum Shape {
    Ref(String),
    String,
    Integer,
    Number,
    Boolean,
    /// Untyped JSON.
    Any,
    /// `type: object`, with its properties when the documents list them.
    Object(Option<IndexMap<String, Schema>>),
    Array(Box<Schema>),
}

impl Shape {
    /// The `type:` this shape is written with, or `ref` for a reference.
    pub fn type_name(&self) -> &'static str {
        match self {
            Shape::Ref(_) => "ref",
            Shape::String => SchemaType::String.as_str(),
            Shape::Integer => SchemaType::Integer.as_str(),
            Shape::Number => SchemaType::Number.as_str(),
            Shape::Boolean => SchemaType::Boolean.as_str(),
            Shape::Any => SchemaType::Any.as_str(),
            Shape::Object(_) => SchemaType::Object.as_str(),
            Shape::Array(_) => SchemaType::Array.as_str(),
        }
    }
}

/// A schema's keys as written; [`Schema`] is made from them once their combination is known
/// to be one shape. The allowed keys of a type in diagnostics are these.
#[derive(Deserialize)]
struct SchemaKeys {
    #[serde(default, rename = "ref")]
    reference: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<SchemaType>,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    items: Option<Box<Schema>>,
    #[serde(default)]
    properties: Option<IndexMap<String, Schema>>,
    #[serde(default, rename = "enum")]
    enum_values: Option<Vec<EnumValue>>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    nullable: bool,
    #[serde(default)]
    read_only: bool,
    #[serde(default)]
    immutable: bool,
    #[serde(default)]
    write_only: bool,
    #[serde(default)]
    unique: bool,
    #[serde(default)]
    validation: Option<String>,
    #[serde(default)]
    min_length: Option<u64>,
    #[serde(default)]
    max_length: Option<u64>,
}

/// The keys a schema accepts.
pub fn schema_keys() -> &'static [&'static str] {
    super::introspect::keys::<SchemaKeys>()
}

/// Which shape-deciding keys a schema has; `kind` is `None` when `type:` is absent or not a
/// type name (reported on its own).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ShapeKeys {
    pub has_ref: bool,
    pub has_type: bool,
    pub kind: Option<SchemaType>,
    pub has_items: bool,
    pub has_properties: bool,
}

/// Every way these keys fail to make one shape, each with the key to point at (`None`: the
/// schema itself). The loader's conversion and its whole-file check share this.
pub(crate) fn shape_problems(k: ShapeKeys) -> Vec<(Option<&'static str>, Problem)> {
    let mut out = Vec::new();
    let problem = |m: &str, h: &str| Problem {
        message: m.to_string(),
        hint: h.to_string(),
    };
    if k.has_ref && k.has_type {
        out.push((
            Some("ref"),
            problem(
                "a type has both `ref` and `type`",
                "keep one: `{ref: Name}` or `{type: …}`",
            ),
        ));
    } else if !k.has_ref && !k.has_type {
        out.push((
            None,
            problem(
                "a type needs `ref` or `type`",
                "add `type: string` (or object, array, …) or `ref: SchemaName`",
            ),
        ));
    }
    let written = if k.has_ref && !k.has_type {
        Some("a `ref`")
    } else {
        None
    };
    let kind_name = k.kind.map(|t| format!("`{}`", t.as_str()));
    let not = written.map(str::to_string).or(kind_name);
    if k.kind == Some(SchemaType::Array) && !k.has_items {
        out.push((
            Some("type"),
            problem(
                "an array needs `items`",
                "add `items: {type: string}` or `items: {ref: Name}`",
            ),
        ));
    }
    if let Some(not) = &not {
        if k.has_items && k.kind != Some(SchemaType::Array) {
            out.push((
                Some("items"),
                problem(
                    &format!("`items` only applies to arrays, not {not}"),
                    "remove `items` or set `type: array`",
                ),
            ));
        }
        if k.has_properties && k.kind != Some(SchemaType::Object) {
            out.push((
                Some("properties"),
                problem(
                    &format!("`properties` only applies to objects, not {not}"),
                    "set `type: object`",
                ),
            ));
        }
    }
    out
}

impl TryFrom<SchemaKeys> for Schema {
    type Error = Problem;

    fn try_from(k: SchemaKeys) -> Result<Schema, Problem> {
        let keys = ShapeKeys {
            has_ref: k.reference.is_some(),
            has_type: k.kind.is_some(),
            kind: k.kind,
            has_items: k.items.is_some(),
            has_properties: k.properties.is_some(),
        };
        if let Some((_, p)) = shape_problems(keys).into_iter().next() {
            return Err(p);
        }
        let shape = match (k.reference, k.kind, k.items) {
            (Some(r), _, _) => Shape::Ref(r),
            (None, Some(SchemaType::String), _) => Shape::String,
            (None, Some(SchemaType::Integer), _) => Shape::Integer,
            (None, Some(SchemaType::Number), _) => Shape::Number,
            (None, Some(SchemaType::Boolean), _) => Shape::Boolean,
            (None, Some(SchemaType::Any), _) => Shape::Any,
            (None, Some(SchemaType::Object), _) => Shape::Object(k.properties),
            (None, Some(SchemaType::Array), Some(items)) => Shape::Array(items),
            // shape_problems refuses both; the compiler wants them named.
            (None, None, _) | (None, Some(SchemaType::Array), None) => {
                return Err(Problem {
                    message: "a type needs `ref` or `type`".into(),
                    hint: "add `type: string` or `ref: SchemaName`".into(),
                })
            }
        };
        Ok(Schema {
            shape,
            format: k.format,
            enum_values: k.enum_values,
            description: k.description,
            notes: k.notes,
            required: k.required,
            nullable: k.nullable,
            read_only: k.read_only,
            immutable: k.immutable,
            write_only: k.write_only,
            unique: k.unique,
            validation: k.validation,
            min_length: k.min_length,
            max_length: k.max_length,
        })
    }
}

/// An enum value: `ACTIVE` or `{value: ACTIVE, description: …}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum EnumValue {
    Plain(String),
    Documented(DocumentedEnumValue),
}

#[derive(Clone, Debug, Deserialize)]
pub struct DocumentedEnumValue {
    pub value: String,
    #[serde(default)]
    pub description: Option<String>,
}

impl EnumValue {
    pub fn value(&self) -> &str {
        match self {
            EnumValue::Plain(v) => v,
            EnumValue::Documented(d) => &d.value,
        }
    }

    pub fn description(&self) -> Option<&str> {
        match self {
            EnumValue::Plain(_) => None,
            EnumValue::Documented(d) => d.description.as_deref(),
        }
    }
}
