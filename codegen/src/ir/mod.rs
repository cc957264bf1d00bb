//! Stage 3: the typed intermediate representation. Every Rust item name here is final (chosen
//! by [`crate::naming`]), every inline type has been hoisted into a named [`Model`], and nothing
//! refers to YAML any more. Where things go (files, modules, features) is not here but in
//! `emit::plan`. Emitters only read this.

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
    /// PascalCase name from the catalog (`EventHook`). Its module, feature and accessor are
    /// emission decisions (`emit::plan`).
    pub name: String,
    pub description: Option<String>,
    pub operations: Vec<Operation>,
}

/// Methods and parameter locations are the loader's types: plain enums, nothing of YAML.
pub use crate::load::ast::{Method, ParamIn};

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
    /// The path parameters in the order their placeholders appear in the template (which is
    /// the order the runtime fills them in), whatever order `params` declares them in.
    pub fn path_params(&self) -> impl Iterator<Item = &Param> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Param(i) => self.params.get(*i),
            Segment::Literal(_) => None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    /// Index into [`Operation::params`].
    Param(usize),
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
    /// Maintainer notes: in `openapi.json` (`x-notes`), never in rustdoc.
    pub notes: Option<String>,
    pub kind: ModelKind,
    /// The Rust name of what the model is defined in: itself for a named schema, the named
    /// schema or operation an inline type was hoisted from (`emit::plan` places them together).
    pub home: String,
    /// The names of the groups whose operations reach this model; filled in by `resolve`.
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
    pub presence: Presence,
    pub read_only: bool,
    pub immutable: bool,
    pub write_only: bool,
    pub unique: bool,
    pub description: Option<String>,
    /// Maintainer notes: in `openapi.json` (`x-notes`), never in rustdoc.
    pub notes: Option<String>,
    pub format: Option<String>,
    pub validation: Option<String>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    /// The field is part of a reference cycle and is boxed to give the type a finite size.
    pub boxed: bool,
}

/// Whether a field is always present and whether it may be `null`, as the catalog says
/// (`required`, `nullable`): one value, so that no emitter reads one and forgets the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// Always present, never `null`.
    Required,
    /// May be absent; not documented as nullable (an explicit `null` still arrives sometimes).
    Optional,
    /// Always present, may be `null`.
    RequiredNullable,
    /// May be absent or `null`.
    OptionalNullable,
}

impl Presence {
    /// The presence of a property the catalog marks `required` and `nullable` (or not).
    pub fn of(required: bool, nullable: bool) -> Presence {
        match (required, nullable) {
            (true, false) => Presence::Required,
            (false, false) => Presence::Optional,
            (true, true) => Presence::RequiredNullable,
            (false, true) => Presence::OptionalNullable,
        }
    }

    /// Always present (possibly `null`).
    pub fn is_required(self) -> bool {
        matches!(self, Presence::Required | Presence::RequiredNullable)
    }

    /// Documented as possibly `null`.
    pub fn is_nullable(self) -> bool {
        matches!(
            self,
            Presence::RequiredNullable | Presence::OptionalNullable
        )
    }
}

impl Field {
    /// Always present (possibly `null`).
    pub fn is_required(&self) -> bool {
        self.presence.is_required()
    }

    /// Documented as possibly `null`.
    pub fn is_nullable(&self) -> bool {
        self.presence.is_nullable()
    }

    /// Whether the Rust field is `Nullable` rather than `Option`:
    /// fields documented nullable, and optional untyped fields (where `null` is a value
    /// like any other and must survive a round trip).
    pub fn is_rust_nullable(&self) -> bool {
        match self.presence {
            Presence::RequiredNullable | Presence::OptionalNullable => true,
            Presence::Optional => self.ty == TypeRef::Any,
            Presence::Required => false,
        }
    }

    /// A required field that is not nullable: always present with a value, so it is decoded
    /// as its type directly (a value of another shape fails the object).
    pub fn is_plain_required(&self) -> bool {
        self.is_required() && !self.is_rust_nullable()
    }
}

#[derive(Clone, Debug)]
pub struct Variant {
    pub value: String,
    pub rust_name: String,
    pub description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_is_both_flags_in_one_value() {
        for required in [false, true] {
            for nullable in [false, true] {
                let p = Presence::of(required, nullable);
                assert_eq!((p.is_required(), p.is_nullable()), (required, nullable));
            }
        }
        let field = |presence, ty| Field {
            json_name: "x".into(),
            rust_name: "x".into(),
            ty,
            presence,
            read_only: false,
            immutable: false,
            write_only: false,
            unique: false,
            description: None,
            notes: None,
            format: None,
            validation: None,
            min_length: None,
            max_length: None,
            boxed: false,
        };
        // `Nullable<T>` for documented nulls and for optional untyped fields only.
        assert!(field(Presence::OptionalNullable, TypeRef::String).is_rust_nullable());
        assert!(field(Presence::RequiredNullable, TypeRef::String).is_rust_nullable());
        assert!(field(Presence::Optional, TypeRef::Any).is_rust_nullable());
        assert!(!field(Presence::Optional, TypeRef::String).is_rust_nullable());
        assert!(!field(Presence::Required, TypeRef::Any).is_rust_nullable());
    }
}
