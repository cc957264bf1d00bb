//! Stage 3: the typed intermediate representation. Every name here is final (chosen by
//! [`crate::naming`]), every inline type has been hoisted into a named [`Model`], and nothing
//! refers to YAML any more. Emitters only read this.

mod resolve;

pub use resolve::resolve;

use std::collections::BTreeSet;

#[derive(Clone, Debug)]
pub struct Api {
    pub groups: Vec<Group>,
    pub models: Vec<Model>,
}

impl Api {
    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.name == name)
    }

    /// `Model.field` for every field boxed to break a reference cycle.
    pub fn boxed_fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        for m in &self.models {
            if let ModelKind::Struct(fields) = &m.kind {
                out.extend(
                    fields
                        .iter()
                        .filter(|f| f.boxed)
                        .map(|f| format!("{}.{}", m.name, f.json_name)),
                );
            }
        }
        out
    }

    pub fn operations(&self) -> impl Iterator<Item = (&Group, &Operation)> {
        self.groups
            .iter()
            .flat_map(|g| g.operations.iter().map(move |o| (g, o)))
    }
}

#[derive(Clone, Debug)]
pub struct Group {
    /// PascalCase name from the catalog (`EventHook`).
    pub name: String,
    /// Rust module (`event_hook`).
    pub module: String,
    /// Cargo feature (`event-hook`).
    pub feature: String,
    /// The accessor on the client (`event_hook()`), same as the module.
    pub accessor: String,
    /// The API struct (`EventHookApi`).
    pub api_type: String,
    pub description: Option<String>,
    pub operations: Vec<Operation>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    pub fn parse(s: &str) -> Option<Method> {
        Some(match s {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
            _ => return None,
        })
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

#[derive(Clone, Debug)]
pub struct Operation {
    /// PascalCase operation name, also the builder type (`GetEventHook`).
    pub name: String,
    /// The method on the group API (`get_event_hook`).
    pub fn_name: String,
    pub method: Method,
    /// The path template as written (`/api/v1/eventHooks/{eventHookId}`).
    pub path: String,
    pub segments: Vec<Segment>,
    pub summary: String,
    pub description: Option<String>,
    pub notes: Option<String>,
    pub sources: Vec<String>,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    pub responses: Vec<Response>,
    pub output: Output,
    pub paginated: bool,
}

impl Operation {
    pub fn path_params(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|p| p.location == ParamIn::Path)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    /// Index into [`Operation::params`].
    Param(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamIn {
    Path,
    Query,
    Header,
}

impl ParamIn {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamIn::Path => "path",
            ParamIn::Query => "query",
            ParamIn::Header => "header",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Param {
    pub wire_name: String,
    pub rust_name: String,
    pub location: ParamIn,
    pub required: bool,
    pub description: Option<String>,
    pub ty: TypeRef,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    Multipart,
}

#[derive(Clone, Debug)]
pub struct Body {
    pub kind: BodyKind,
    pub content_type: String,
    pub ty: TypeRef,
    pub required: bool,
    pub description: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Response {
    /// `None` for `default`.
    pub status: Option<u16>,
    pub description: Option<String>,
    pub ty: Option<TypeRef>,
    pub content_type: String,
}

/// What a successful call returns.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// No body (204, 202 "void").
    Empty,
    Json(TypeRef),
    /// A body that is not JSON (SAML metadata, a certificate), returned as text; the media type
    /// is sent as `Accept`.
    Text(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntSize {
    I32,
    I64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeRef {
    String,
    Integer(IntSize),
    Number,
    Boolean,
    /// Untyped JSON.
    Any,
    /// An open JSON object.
    Object,
    /// A file part of a multipart body.
    Binary,
    Array(Box<TypeRef>),
    /// A generated model, by its Rust type name.
    Model(String),
}

#[derive(Clone, Debug)]
pub struct Model {
    /// Rust type name.
    pub name: String,
    /// The catalog's name for named schemas; the hoisting path for inline ones.
    pub source_name: String,
    /// Whether the catalog names it (as opposed to an inline type hoisted by the generator).
    pub named: bool,
    pub description: Option<String>,
    pub kind: ModelKind,
    /// The file (under `models/`, without `.rs`) the model is emitted into.
    pub file: String,
    /// The groups whose operations reach this model; filled in by `resolve`.
    pub groups: BTreeSet<String>,
}

#[derive(Clone, Debug)]
pub enum ModelKind {
    Struct(Vec<Field>),
    /// A multipart form: fields become parts, binary fields file parts.
    Multipart(Vec<Field>),
    Enum(Vec<Variant>),
    /// A named schema that is just another type (`type: array`, `type: string`).
    Alias(TypeRef),
}

#[derive(Clone, Debug)]
pub struct Field {
    pub json_name: String,
    pub rust_name: String,
    pub ty: TypeRef,
    pub required: bool,
    pub nullable: bool,
    pub read_only: bool,
    pub immutable: bool,
    pub write_only: bool,
    pub unique: bool,
    pub description: Option<String>,
    pub format: Option<String>,
    pub validation: Option<String>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    /// The field is part of a reference cycle and is boxed to give the type a finite size.
    pub boxed: bool,
}

impl Field {
    /// Whether the Rust field is `Nullable` rather than `Option`:
    /// fields documented nullable, and optional untyped fields (where `null` is a value
    /// like any other and must survive a round trip).
    pub fn is_rust_nullable(&self) -> bool {
        self.nullable || (self.ty == TypeRef::Any && !self.required)
    }
}

#[derive(Clone, Debug)]
pub struct Variant {
    pub value: String,
    pub rust_name: String,
    pub description: Option<String>,
}
