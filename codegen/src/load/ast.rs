//! The catalog exactly as written in `spec/*.yaml`: serde types and nothing else.
//! No YAML type leaves the loader; `ir` is built from these.

use indexmap::IndexMap;
use serde::Deserialize;

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
    pub method: String,
    pub path: String,
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
    pub location: String,
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
    pub content_type: Option<String>,
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
    #[serde(default)]
    pub content_type: Option<String>,
}

/// A status code, or `default` when the documents state none.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Status {
    Code(u16),
    Word(String),
}

/// A type: a reference to a named schema or an inline type, plus the facts the documents state
/// about a property or schema.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Schema {
    #[serde(default, rename = "ref")]
    pub reference: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub items: Option<Box<Schema>>,
    #[serde(default)]
    pub properties: Option<IndexMap<String, Schema>>,
    #[serde(default, rename = "enum")]
    pub enum_values: Option<Vec<EnumValue>>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub nullable: bool,
    #[serde(default)]
    pub read_only: bool,
    /// Set when the object is created and never changed afterwards (what some documents call
    /// read-only although their create requests send it).
    #[serde(default)]
    pub immutable: bool,
    #[serde(default)]
    pub write_only: bool,
    #[serde(default)]
    pub unique: bool,
    #[serde(default)]
    pub validation: Option<String>,
    #[serde(default)]
    pub min_length: Option<u64>,
    #[serde(default)]
    pub max_length: Option<u64>,
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
