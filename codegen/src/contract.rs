//! The written contract between the emitted code and okta-client's hand-written runtime.
//!
//! Emitted code reaches the runtime through one module only, its facade
//! (`generated/src/runtime/facade.rs`, `crate::rt`, crate-private). The lists that describe the
//! boundary live here and nowhere else:
//!
//! * [`RUNTIME`]: every item of the facade, by the path emitted code writes
//!   (`crate::rt::Nullable`) and, for the public ones, where users find it (`crate::Nullable`,
//!   for doc links and emitted tests); plus [`ANNOUNCED`], names the runtime is about to gain.
//! * [`RUNTIME_METHODS`]: every method of those types that emitted code calls
//!   (`Request::query`, `WireReader::option`, `Customize::new`, …); [`STD_METHODS`] the std
//!   trait methods it calls besides.
//! * the member names the emitted code gives every model ([`MODEL_FIELDS`]), their setters'
//!   prefix ([`SETTER_PREFIX`]), the enums' catch-all variant ([`UNKNOWN_VARIANT`]), every
//!   request builder's members ([`BUILDER_MEMBERS`]), the methods `Client` already has beside
//!   the group accessors the emitted code adds to it ([`CLIENT_METHODS`]), the items every
//!   struct's `WireModel` impl defines ([`WIRE_MODEL_ITEMS`]), which the models and the
//!   profiles generated into a user's crate share, and the crates the emitted code names by
//!   their own paths ([`EXTERNAL_CRATES`]).
//!
//! The emitters take every one of these names from here ([`RuntimeItem::path`],
//! [`RuntimeMethod::ident`], the `&str` constants); none is spelled a second time in the
//! generator. [`crate::naming`] reserves them, so that no catalog name can collide with them (a
//! property `explicitNulls` becomes the field `explicit_nulls_`, a parameter `send` the setter
//! `send_`, a schema `Nullable` the type `NullableModel`); the validator refuses operation names
//! that would take a reserved type name and groups whose accessor would take a `Client` method;
//! the tests that mutate catalogs (`tests/tests/accepted_catalogs_compile.rs`,
//! `tests/tests/fuzz_catalog.rs`) draw their names from here.
//!
//! `tests/tests/contract.rs` holds the contract to the code with `syn`, in both directions: the
//! names the facade file brings in are exactly [`RUNTIME`]; every method of
//! [`RUNTIME_METHODS`] is defined on its type in the runtime; every path and method call of
//! the emitted code is in the lists (or is the emitted code's own), and every entry of the
//! lists is used by some emitted file; [`CLIENT_METHODS`] are exactly the methods of the
//! runtime's `impl Client` blocks.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// The runtime's facade module, the only runtime path emitted code names
/// (`generated/src/runtime/facade.rs`, mounted at the crate root as `rt`).
pub const FACADE: &str = "crate::rt";

/// One item of the hand-written runtime that emitted code names, through the facade.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuntimeItem {
    /// The path as emitted code writes it, from okta-client's root (`crate::rt::Nullable`).
    pub path: &'static str,
    /// What the emitted code uses it for.
    pub role: &'static str,
    /// Whether it is a type (or trait) whose name a model must not take.
    pub type_name: bool,
    /// Where users find it (`crate::Nullable`, `crate::request::FilePart`): the target of the
    /// emitted docs' links and the path emitted tests (outside the crate) write. `None` for the
    /// wire machinery users never see.
    pub public: Option<&'static str>,
}

impl RuntimeItem {
    /// The path as emitted code inside okta-client writes it (`crate::rt::Nullable`), for
    /// `quote!`.
    pub fn path(&self) -> TokenStream {
        tokens(&quote!(crate), self.path)
    }

    /// The item's name in the facade (`Nullable`).
    pub fn name(&self) -> &'static str {
        last_segment(self.path)
    }

    /// Its public path from a crate that names okta-client `root`
    /// (`okta_client::request::FilePart`), for emitted tests and profile code.
    ///
    /// # Panics
    /// When the item has no public path: a contract error the emitter's tests catch.
    pub fn path_from(&self, root: &TokenStream) -> TokenStream {
        tokens(root, self.public_path())
    }

    /// Its public path from okta-client's root (`crate::Nullable`), for links in emitted docs.
    ///
    /// # Panics
    /// When the item has no public path: a contract error the emitter's tests catch.
    pub fn public_path(&self) -> &'static str {
        self.public
            .unwrap_or_else(|| panic!("{} has no public path in the contract", self.path))
    }

    /// A rustdoc link to the item, or to `member` of it (`Null` → ``[`Nullable::Null`](crate::Nullable::Null)``).
    pub fn doc_link(&self, member: Option<&str>) -> String {
        let (name, path) = (self.name(), self.public_path());
        match member {
            Some(m) => format!("[`{name}::{m}`]({path}::{m})"),
            None => format!("[`{name}`]({path})"),
        }
    }
}

/// `path` (written from `crate::`) with its first segment replaced by `root`.
fn tokens(root: &TokenStream, path: &str) -> TokenStream {
    let segments = path
        .split("::")
        .skip(1)
        .map(|s| Ident::new(s, Span::call_site()));
    quote!(#root #(:: #segments)*)
}

const fn item(path: &'static str, role: &'static str, public: &'static str) -> RuntimeItem {
    RuntimeItem {
        path,
        role,
        type_name: true,
        public: Some(public),
    }
}

/// An item emitted code outside okta-client names by its public path (profile code).
const fn public(path: &'static str, role: &'static str, type_name: bool) -> RuntimeItem {
    RuntimeItem {
        path,
        role,
        type_name,
        public: Some(path),
    }
}

const fn internal(path: &'static str, role: &'static str, type_name: bool) -> RuntimeItem {
    RuntimeItem {
        path,
        role,
        type_name,
        public: None,
    }
}

/// `Client`: held by every group API and request builder.
pub const CLIENT: RuntimeItem = item(
    "crate::rt::Client",
    "held by every group API and request builder",
    "crate::Client",
);

/// `Error`: the error of every `send`.
pub const ERROR: RuntimeItem = item(
    "crate::rt::Error",
    "the error of every `send`",
    "crate::Error",
);

/// `ApiResponse`: what `send` returns for one response.
pub const API_RESPONSE: RuntimeItem = item(
    "crate::rt::ApiResponse",
    "what `send` returns for one response",
    "crate::ApiResponse",
);

/// `Page`: what `send` returns for a paginated operation.
pub const PAGE: RuntimeItem = item(
    "crate::rt::Page",
    "what `send` returns for a paginated operation",
    "crate::Page",
);

/// `ItemStream`: what `into_stream` returns.
pub const ITEM_STREAM: RuntimeItem = item(
    "crate::rt::ItemStream",
    "what `into_stream` returns",
    "crate::ItemStream",
);

/// `Nullable`: fields documented nullable.
pub const NULLABLE: RuntimeItem = item(
    "crate::rt::Nullable",
    "fields documented nullable",
    "crate::Nullable",
);

/// `ExplicitNulls`: the `explicit_nulls` member of models.
pub const EXPLICIT_NULLS_TYPE: RuntimeItem = item(
    "crate::rt::ExplicitNulls",
    "the `explicit_nulls` member of models",
    "crate::ExplicitNulls",
);

/// `MismatchedFields`: the `mismatched_fields` member of models.
pub const MISMATCHED_FIELDS_TYPE: RuntimeItem = item(
    "crate::rt::MismatchedFields",
    "the `mismatched_fields` member of models",
    "crate::MismatchedFields",
);

/// `WireModel`: the trait every struct implements, from which the runtime's serde reads and
/// writes it (its items: [`WIRE_MODEL_ITEMS`]).
pub const WIRE_MODEL: RuntimeItem = internal(
    "crate::rt::WireModel",
    "the trait through which the runtime's serde reads and writes every struct",
    true,
);

/// `WireReader`: one described field's value, about to be read into its member.
pub const WIRE_READER: RuntimeItem = internal(
    "crate::rt::WireReader",
    "one described field's value, about to be read into its member",
    true,
);

/// `WireWriter`: writes one member as its JSON field.
pub const WIRE_WRITER: RuntimeItem = internal(
    "crate::rt::WireWriter",
    "writes one member as its JSON field",
    true,
);

/// `WireKept`: what decoding keeps besides the described fields (undescribed fields, explicit
/// nulls, mismatched fields).
pub const WIRE_KEPT: RuntimeItem = internal(
    "crate::rt::WireKept",
    "what decoding keeps besides the described fields",
    true,
);

/// `WireRest`: the same, borrowed for encoding.
pub const WIRE_REST: RuntimeItem = internal(
    "crate::rt::WireRest",
    "what encoding writes besides the described fields",
    true,
);

/// `placeholder()`: what a required member holds until decoding reads it.
pub const PLACEHOLDER: RuntimeItem = internal(
    "crate::rt::placeholder",
    "what a required member holds until decoding reads it (a function)",
    false,
);

/// `wire_serde!`: `Serialize` and `Deserialize` of every struct from its `WireModel` (a macro).
pub const WIRE_SERDE: RuntimeItem = internal(
    "crate::rt::wire_serde",
    "the serde impls of every struct, from its `WireModel` (a macro)",
    false,
);

/// `UnknownValue`: the `Unknown` variant of every enum.
pub const UNKNOWN_VALUE: RuntimeItem = item(
    "crate::rt::UnknownValue",
    "the `Unknown` variant of every enum",
    "crate::UnknownValue",
);

/// `unknown_value(value)`: the `Unknown` payload of an enum for a value the catalog does not
/// list (a function: `UnknownValue` has no public constructor).
pub const UNKNOWN_VALUE_FN: RuntimeItem = internal(
    "crate::rt::unknown_value",
    "makes the `Unknown` payload of an enum (a function)",
    false,
);

/// `Customize`: what `customize` returns.
pub const CUSTOMIZE: RuntimeItem = item(
    "crate::rt::Customize",
    "what `customize` returns",
    "crate::request::Customize",
);

/// `Json`: the response kind of a JSON operation.
pub const JSON: RuntimeItem = item(
    "crate::rt::Json",
    "the response kind of a JSON operation",
    "crate::request::Json",
);

/// `List`: the response kind of an operation answering a JSON array that is not paginated
/// (decoded item by item).
pub const LIST: RuntimeItem = item(
    "crate::rt::List",
    "the response kind of a non-paginated JSON array",
    "crate::request::List",
);

/// `Paged`: the response kind of a paginated operation.
pub const PAGED: RuntimeItem = item(
    "crate::rt::Paged",
    "the response kind of a paginated operation",
    "crate::request::Paged",
);

/// `Text`: the response kind of a text operation.
pub const TEXT: RuntimeItem = item(
    "crate::rt::Text",
    "the response kind of a text operation",
    "crate::request::Text",
);

/// `NoBody`: the response kind of an operation without a body.
pub const NO_BODY: RuntimeItem = item(
    "crate::rt::NoBody",
    "the response kind of an operation without a body",
    "crate::request::NoBody",
);

/// `FilePart`: the type of a binary multipart field.
pub const FILE_PART: RuntimeItem = item(
    "crate::rt::FilePart",
    "the type of a binary multipart field",
    "crate::request::FilePart",
);

/// `Request`: what `customize` builds: method, path, query, headers, body.
pub const REQUEST: RuntimeItem = internal(
    "crate::rt::Request",
    "what `customize` builds: method, path, query, headers, body",
    true,
);

/// `JsonBody`: an untyped JSON request body.
pub const JSON_BODY: RuntimeItem =
    internal("crate::rt::JsonBody", "an untyped JSON request body", true);

/// `IntoMultipart`: implemented by every multipart model.
pub const INTO_MULTIPART: RuntimeItem = internal(
    "crate::rt::IntoMultipart",
    "implemented by every multipart model",
    true,
);

/// `Multipart`: the form a multipart model becomes.
pub const MULTIPART: RuntimeItem = internal(
    "crate::rt::Multipart",
    "the form a multipart model becomes",
    true,
);

/// `string_enum!`: the serde and Display impls of every enum (a macro).
pub const STRING_ENUM: RuntimeItem = internal(
    "crate::rt::string_enum",
    "the serde and Display impls of every enum (a macro)",
    false,
);

/// Every runtime item the emitted code names: exactly the names `runtime/facade.rs` brings
/// in, in its order.
pub const RUNTIME: &[RuntimeItem] = &[
    CLIENT,
    CUSTOMIZE,
    JSON,
    LIST,
    NO_BODY,
    PAGED,
    TEXT,
    STRING_ENUM,
    UNKNOWN_VALUE_FN,
    UNKNOWN_VALUE,
    ERROR,
    MISMATCHED_FIELDS_TYPE,
    FILE_PART,
    INTO_MULTIPART,
    MULTIPART,
    EXPLICIT_NULLS_TYPE,
    NULLABLE,
    ITEM_STREAM,
    PAGE,
    JSON_BODY,
    REQUEST,
    API_RESPONSE,
    PLACEHOLDER,
    WIRE_SERDE,
    WIRE_KEPT,
    WIRE_MODEL,
    WIRE_READER,
    WIRE_REST,
    WIRE_WRITER,
];

/// `crate::models`: the emitted module of every model, which operations and tests name (it is
/// emitted code, not runtime; emitted code may name its items besides the facade).
pub const MODELS: RuntimeItem = RuntimeItem {
    path: "crate::models",
    role: "the module of every model, named from operations and tests",
    type_name: false,
    public: Some("crate::models"),
};

/// One method of a facade type that emitted code calls (with method syntax or as
/// `Type::method`), or one variant it constructs (`Nullable::Value`): the runtime must define it
/// in an `impl` of that type (or of a trait for it), or as a variant of that enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuntimeMethod {
    /// The facade type that has it.
    pub on: RuntimeItem,
    /// The method's name.
    pub name: &'static str,
}

impl RuntimeMethod {
    /// The method's identifier, for `quote!`.
    pub fn ident(&self) -> Ident {
        Ident::new(self.name, Span::call_site())
    }

    /// `Type::method` through the facade (`crate::rt::WireReader::option`), for `quote!`.
    pub fn path(&self) -> TokenStream {
        let (on, name) = (self.on.path(), self.ident());
        quote!(#on::#name)
    }

    /// `Type::method` by the type's public path from a crate that names okta-client `root`
    /// (`::okta_client::profile::Attribute::Set`), for profile code.
    pub fn path_from(&self, root: &TokenStream) -> TokenStream {
        let (on, name) = (self.on.path_from(root), self.ident());
        quote!(#on::#name)
    }
}

const fn method(on: RuntimeItem, name: &'static str) -> RuntimeMethod {
    RuntimeMethod { on, name }
}

/// `Request::new(operation, method, template, path values)`.
pub const REQUEST_NEW: RuntimeMethod = method(REQUEST, "new");
/// `request.query(name, value)`: one query parameter.
pub const REQUEST_QUERY: RuntimeMethod = method(REQUEST, "query");
/// `request.header(name, value)`: one header parameter.
pub const REQUEST_HEADER: RuntimeMethod = method(REQUEST, "header");
/// `request.json(&body)`: a typed JSON body.
pub const REQUEST_JSON: RuntimeMethod = method(REQUEST, "json");
/// `request.json_body(body)`: an untyped JSON body.
pub const REQUEST_JSON_BODY: RuntimeMethod = method(REQUEST, "json_body");
/// `request.multipart(form)`: a multipart body.
pub const REQUEST_MULTIPART: RuntimeMethod = method(REQUEST, "multipart");
/// `request.accept(media type)`: the media type of a text response.
pub const REQUEST_ACCEPT: RuntimeMethod = method(REQUEST, "accept");
/// `Customize::new(client, request)`: what every `customize()` returns.
pub const CUSTOMIZE_NEW: RuntimeMethod = method(CUSTOMIZE, "new");
/// `customize.send()`: what every builder's `send` calls.
pub const CUSTOMIZE_SEND: RuntimeMethod = method(CUSTOMIZE, "send");
/// `customize.into_stream()`: what a paginated builder's `into_stream` calls.
pub const CUSTOMIZE_INTO_STREAM: RuntimeMethod = method(CUSTOMIZE, "into_stream");
/// `JsonBody::new(value)`: an untyped JSON body from a `serde_json::Value`.
pub const JSON_BODY_NEW: RuntimeMethod = method(JSON_BODY, "new");
/// `r.slot()`: which described field `WireModel::read` is given.
pub const WIRE_READER_SLOT: RuntimeMethod = method(WIRE_READER, "slot");
/// `r.required(&mut member)`: a required member.
pub const WIRE_READER_REQUIRED: RuntimeMethod = method(WIRE_READER, "required");
/// `r.option(&mut member)`: an `Option` member (explicit nulls and misfits remembered).
pub const WIRE_READER_OPTION: RuntimeMethod = method(WIRE_READER, "option");
/// `r.nullable(&mut member)`: a `Nullable` member (misfits remembered).
pub const WIRE_READER_NULLABLE: RuntimeMethod = method(WIRE_READER, "nullable");
/// `r.skip()`: the value of a struct without described fields (never called).
pub const WIRE_READER_SKIP: RuntimeMethod = method(WIRE_READER, "skip");
/// `w.required(name, &member)`: a required member.
pub const WIRE_WRITER_REQUIRED: RuntimeMethod = method(WIRE_WRITER, "required");
/// `w.option(name, &member)`: an `Option` member (its raw value or `null` while unset).
pub const WIRE_WRITER_OPTION: RuntimeMethod = method(WIRE_WRITER, "option");
/// `w.nullable(name, &member)`: a `Nullable` member (its raw value while absent).
pub const WIRE_WRITER_NULLABLE: RuntimeMethod = method(WIRE_WRITER, "nullable");
/// `Nullable::Value(value)`: what a `Nullable` member's setter stores (a variant).
pub const NULLABLE_VALUE: RuntimeMethod = method(NULLABLE, "Value");
/// `unknown.as_str()`: its text.
pub const UNKNOWN_VALUE_AS_STR: RuntimeMethod = method(UNKNOWN_VALUE, "as_str");
/// `IntoMultipart::into_multipart`: a multipart model into its form.
pub const INTO_MULTIPART_CALL: RuntimeMethod = method(INTO_MULTIPART, "into_multipart");
/// `form.text(name, value)`: a text part.
pub const MULTIPART_TEXT: RuntimeMethod = method(MULTIPART, "text");
/// `form.file(name, part)`: a file part.
pub const MULTIPART_FILE: RuntimeMethod = method(MULTIPART, "file");

/// Every runtime method the emitted code calls. Std and serde trait methods (`clone`, `into`,
/// `default`, `to_string`) are not listed: [`STD_METHODS`] are.
pub const RUNTIME_METHODS: &[RuntimeMethod] = &[
    REQUEST_NEW,
    REQUEST_QUERY,
    REQUEST_HEADER,
    REQUEST_JSON,
    REQUEST_JSON_BODY,
    REQUEST_MULTIPART,
    REQUEST_ACCEPT,
    CUSTOMIZE_NEW,
    CUSTOMIZE_SEND,
    CUSTOMIZE_INTO_STREAM,
    JSON_BODY_NEW,
    WIRE_READER_SLOT,
    WIRE_READER_REQUIRED,
    WIRE_READER_OPTION,
    WIRE_READER_NULLABLE,
    WIRE_READER_SKIP,
    WIRE_WRITER_REQUIRED,
    WIRE_WRITER_OPTION,
    WIRE_WRITER_NULLABLE,
    NULLABLE_VALUE,
    UNKNOWN_VALUE_AS_STR,
    INTO_MULTIPART_CALL,
    MULTIPART_TEXT,
    MULTIPART_FILE,
];

/// Methods of the standard library's (and serde's) traits and types that emitted code calls.
/// (`Type::default` through the facade is one of them.)
pub const STD_METHODS: &[&str] = &["clone", "into", "to_string", "default"];

/// Names the runtime is about to gain: reserved before they exist, so that no model takes them
/// first. They move to [`RUNTIME`] when emitted code starts naming them (none at present).
pub const ANNOUNCED: &[RuntimeItem] = &[];

/// Type names the emitted modules use unqualified (the standard library's, serde_json's
/// `Value` and `Map`, and `Stream`, which users bring into scope beside the models).
pub const STD_TYPES: &[&str] = &[
    "Self", "Option", "Result", "String", "Vec", "Box", "Value", "Map", "Stream",
];

/// Crates the emitted code names by their own paths (`serde::Serialize`, `http::Method`); a
/// module of the same name beside them would make those paths ambiguous.
pub const EXTERNAL_CRATES: &[&str] = &["http", "serde", "serde_json", "std", "core", "alloc"];

/// The members every emitted model struct has besides its catalog fields: the JSON fields the
/// catalog does not describe, the optional fields that arrived as `null`, and the optional
/// fields that arrived in a shape their type does not accept.
pub const MODEL_FIELDS: &[&str] = &[ADDITIONAL_PROPERTIES, EXPLICIT_NULLS, MISMATCHED_FIELDS];

/// The member of every model struct that keeps the JSON fields the catalog does not describe.
pub const ADDITIONAL_PROPERTIES: &str = "additional_properties";

/// The member of a model struct with optional fields that remembers which arrived as `null`.
pub const EXPLICIT_NULLS: &str = "explicit_nulls";

/// The member of a model struct with optional fields that keeps the values of another shape.
pub const MISMATCHED_FIELDS: &str = "mismatched_fields";

/// The prefix of a model's setters (`with_name`); the only other method is `new`.
pub const SETTER_PREFIX: &str = "with_";

/// The members every request builder has besides one setter per optional parameter: its
/// client, its body, `send`, `customize`, `into_stream` (paginated operations), and names kept
/// free for the runtime's request (`new`, `into_parts`, `request`).
pub const BUILDER_MEMBERS: &[&str] = &[
    BUILDER_CLIENT,
    BUILDER_BODY,
    BUILDER_SEND,
    BUILDER_CUSTOMIZE,
    BUILDER_INTO_STREAM,
    "new",
    "into_parts",
    "request",
];

/// The member of every group API and request builder that holds the client.
pub const BUILDER_CLIENT: &str = "client";
/// The member (and optional setter) of a request builder that holds the request body.
pub const BUILDER_BODY: &str = "body";
/// The method of every request builder that sends it.
pub const BUILDER_SEND: &str = "send";
/// The method of every request builder that opens it to what the catalog does not know.
pub const BUILDER_CUSTOMIZE: &str = "customize";
/// The method of a paginated request builder that streams every item.
pub const BUILDER_INTO_STREAM: &str = "into_stream";

/// The methods `crate::Client` has itself (hand-written in `generated/src/runtime/`, and those
/// of the traits emitted code calls on it, `clone`): each group adds an accessor method to
/// `Client` (`client.event_hook()`), which must not be one of them.
pub const CLIENT_METHODS: &[&str] = &[
    "builder",
    "from_env",
    "from_vars",
    "org_url",
    "engine",
    "execute",
    "request",
    "send_page",
    "fetch_page",
    "log_tailer",
    "profiles",
    "rate_limit_snapshot",
    "stream_items",
    "clone",
    "clone_from",
    "fmt",
];

/// Whether a group's accessor on `Client` may not be called `name`.
pub fn is_client_method(name: &str) -> bool {
    CLIENT_METHODS.contains(&name)
}

/// The variant of every enum that keeps values the catalog does not list.
pub const UNKNOWN_VARIANT: &str = "Unknown";

/// The variant of the generated enum over an org's user types that keeps a user of a type the
/// code does not know, whole.
pub const USER_TYPES_OTHER: &str = "Other";

/// The method of every emitted enum that gives its JSON value.
pub const ENUM_AS_STR: &str = "as_str";

/// The constant of every emitted enum that lists the values it documents.
pub const ENUM_VALUES: &str = "VALUES";

/// The items of [`WIRE_MODEL`] every struct's `impl` defines, in the trait's order: the
/// model's Rust name, its fields' JSON names, the required ones, the value decoding starts
/// from, reading one field, writing them all, storing and lending what is kept besides.
pub const WIRE_MODEL_ITEMS: WireModelItems = WireModelItems {
    name: "NAME",
    fields: "FIELDS",
    required: "REQUIRED",
    empty: "empty",
    read: "read",
    write: "write",
    keep: "keep",
    rest: "rest",
};

/// The names of [`WIRE_MODEL`]'s items.
#[derive(Clone, Copy, Debug)]
pub struct WireModelItems {
    pub name: &'static str,
    pub fields: &'static str,
    pub required: &'static str,
    pub empty: &'static str,
    pub read: &'static str,
    pub write: &'static str,
    pub keep: &'static str,
    pub rest: &'static str,
}

impl WireModelItems {
    /// Every name, in the trait's order.
    pub fn all(&self) -> [&'static str; 8] {
        [
            self.name,
            self.fields,
            self.required,
            self.empty,
            self.read,
            self.write,
            self.keep,
            self.rest,
        ]
    }
}

/// The last segment of a path: the name it brings into scope.
pub fn last_segment(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path)
}

/// Whether a model (or request builder) may not be called `name`: a standard type the emitted
/// modules name unqualified, or a runtime type, present or announced.
pub fn is_reserved_type(name: &str) -> bool {
    STD_TYPES.contains(&name)
        || RUNTIME
            .iter()
            .chain(ANNOUNCED)
            .any(|i| i.type_name && last_segment(i.path) == name)
}

/// Whether a model field may not be called `name`.
pub fn is_model_member(name: &str) -> bool {
    MODEL_FIELDS.contains(&name)
}

/// Whether a request builder setter may not be called `name`.
pub fn is_builder_member(name: &str) -> bool {
    BUILDER_MEMBERS.contains(&name)
}

/// Whether a module beside the emitted code may not be called `name`.
pub fn is_external_crate(name: &str) -> bool {
    EXTERNAL_CRATES.contains(&name)
}

// ---- Profile output (issue 27) ----------------------------------------------------------
//
// The code generated from an org's profile schemas (`crate::profile`) lives in the user's
// crate and names okta-client by `::okta_client::…`: each item below, through
// `RuntimeItem::path_from(&profile_root())`, by its public path. `tests/tests/profile_schemas.rs` checks that this
// list and the emitted profile code agree, both ways.

/// How emitted profile code names okta-client: the extern crate, never a local of that name.
pub fn profile_root() -> TokenStream {
    quote!(::okta_client)
}

/// `crate::profile::WireModel`: the trait through which okta-client's serde reads and writes a
/// generated profile (the same one as its models', [`WIRE_MODEL`]).
pub const PROFILE_WIRE_MODEL: RuntimeItem = public(
    "crate::profile::WireModel",
    "the trait through which okta-client's serde reads and writes a profile",
    true,
);

/// `crate::profile::WireReader`: one attribute's value, about to be read ([`WIRE_READER`]).
pub const PROFILE_WIRE_READER: RuntimeItem = public(
    "crate::profile::WireReader",
    "one attribute's value, about to be read into its member",
    true,
);

/// `crate::profile::WireWriter`: writes one member as its attribute ([`WIRE_WRITER`]).
pub const PROFILE_WIRE_WRITER: RuntimeItem = public(
    "crate::profile::WireWriter",
    "writes one member as its attribute",
    true,
);

/// `crate::profile::WireKept`: what decoding keeps besides the described attributes.
pub const PROFILE_WIRE_KEPT: RuntimeItem = public(
    "crate::profile::WireKept",
    "what decoding keeps besides the described attributes",
    true,
);

/// `crate::profile::WireRest`: the same, borrowed for encoding.
pub const PROFILE_WIRE_REST: RuntimeItem = public(
    "crate::profile::WireRest",
    "what encoding writes besides the described attributes",
    true,
);

/// `crate::profile::wire_serde`: a profile's `Serialize` and `Deserialize`, from its
/// `WireModel` (the macro okta-client's models use, [`WIRE_SERDE`]).
pub const PROFILE_WIRE_SERDE: RuntimeItem = public(
    "crate::profile::wire_serde",
    "a profile's serde impls, driven by its `WireModel` (a macro)",
    false,
);

/// `crate::profile::Attribute`: the type of every profile attribute (unset, set, or a value
/// of another JSON kind kept as received).
pub const PROFILE_ATTRIBUTE: RuntimeItem = public(
    "crate::profile::Attribute",
    "the type of every profile attribute",
    true,
);

/// `Attribute::Set(value)`: what a profile's setters and `new()` store (a variant).
pub const PROFILE_ATTRIBUTE_SET: RuntimeMethod = method(PROFILE_ATTRIBUTE, "Set");
/// `attribute.get()`: the value of the schema's type, for `validate()`.
pub const PROFILE_ATTRIBUTE_GET: RuntimeMethod = method(PROFILE_ATTRIBUTE, "get");
/// `attribute.is_unset()`: whether a required attribute is missing, for `validate()`.
pub const PROFILE_ATTRIBUTE_IS_UNSET: RuntimeMethod = method(PROFILE_ATTRIBUTE, "is_unset");
/// `attribute.mismatched()`: a value of another JSON kind, for `validate()`.
pub const PROFILE_ATTRIBUTE_MISMATCHED: RuntimeMethod = method(PROFILE_ATTRIBUTE, "mismatched");
/// `r.attribute(&mut member)`: an `Attribute` member (its misfit kept in it).
pub const PROFILE_READER_ATTRIBUTE: RuntimeMethod = method(PROFILE_WIRE_READER, "attribute");
/// `w.attribute(name, &member)`: an `Attribute` member (its raw value while mismatched).
pub const PROFILE_WRITER_ATTRIBUTE: RuntimeMethod = method(PROFILE_WIRE_WRITER, "attribute");

/// `crate::profile::Profile`: the trait every generated profile implements.
pub const PROFILE_TRAIT: RuntimeItem = public(
    "crate::profile::Profile",
    "the trait every generated profile implements",
    true,
);

/// `crate::profile::Violations`: what `validate()` returns.
pub const PROFILE_VIOLATIONS: RuntimeItem = public(
    "crate::profile::Violations",
    "what a profile's `validate()` returns",
    true,
);

/// `crate::profile::serde`: serde, for the derives and impls of the user's crate.
pub const PROFILE_SERDE: RuntimeItem = RuntimeItem {
    path: "crate::profile::serde",
    role: "serde, re-exported for the derives and impls of the user's crate",
    type_name: false,
    public: Some("crate::profile::serde"),
};

/// `crate::profile::serde_json`: `Map` and `Value`, for `additional_properties`.
pub const PROFILE_SERDE_JSON: RuntimeItem = RuntimeItem {
    path: "crate::profile::serde_json",
    role: "serde_json, re-exported for `additional_properties` and object attributes",
    type_name: false,
    public: Some("crate::profile::serde_json"),
};

/// `crate::profile::unknown_value`: the `Unknown` payload of an open profile enum.
pub const PROFILE_UNKNOWN_VALUE: RuntimeItem = RuntimeItem {
    path: "crate::profile::unknown_value",
    role: "makes the `Unknown` payload of an open profile enum",
    type_name: false,
    public: Some("crate::profile::unknown_value"),
};

/// `crate::profile::string_enum`: `Display`, `FromStr`, `From<String>` and serde of a
/// profile enum, the macro okta-client's own enums use ([`STRING_ENUM`]).
pub const PROFILE_STRING_ENUM: RuntimeItem = RuntimeItem {
    path: "crate::profile::string_enum",
    role: "`Display`, `FromStr`, `From<String>` and serde of a profile enum (a macro)",
    type_name: false,
    public: Some("crate::profile::string_enum"),
};

/// `crate::profile::User`: a user with a generated profile, the payload of each variant of the
/// enum over the org's user types.
pub const PROFILE_USER: RuntimeItem = public(
    "crate::profile::User",
    "a user with a generated profile (each variant of the user-type enum)",
    true,
);

/// `crate::profile::UserTypes`: the trait the enum over the org's user types implements.
pub const PROFILE_USER_TYPES: RuntimeItem = public(
    "crate::profile::UserTypes",
    "the trait the enum over the org's user types implements",
    true,
);

/// `crate::profile::user_type_of`: splits a user object into its `type.id` and the object.
pub const PROFILE_USER_TYPE_OF: RuntimeItem = RuntimeItem {
    path: "crate::profile::user_type_of",
    role: "reads a user's `type.id` for the user-type enum",
    type_name: false,
    public: Some("crate::profile::user_type_of"),
};

/// `crate::profile::decode_user`: a user object as the `User` of one profile struct.
pub const PROFILE_DECODE_USER: RuntimeItem = RuntimeItem {
    path: "crate::profile::decode_user",
    role: "decodes a user with the struct of its type",
    type_name: false,
    public: Some("crate::profile::decode_user"),
};

/// The items of [`PROFILE_TRAIT`] every profile's `impl` defines: the attributes' JSON names,
/// the read-only ones, and the check of the schema's rules (also an inherent method).
pub const PROFILE_TRAIT_ITEMS: [&str; 3] = ["ATTRIBUTES", "READ_ONLY", "validate"];

/// The item of [`PROFILE_USER_TYPES`] the user-type enum's `impl` defines: the type ids.
pub const PROFILE_USER_TYPES_IDS: &str = "TYPE_IDS";

/// The method of a profile enum that gives a value's display name.
pub const PROFILE_ENUM_TITLE: &str = "title";

/// Every okta-client item emitted profile code names (besides these, it names
/// [`EXPLICIT_NULLS_TYPE`] and [`UNKNOWN_VALUE`], listed here too).
pub const PROFILE_RUNTIME: &[RuntimeItem] = &[
    PROFILE_WIRE_MODEL,
    PROFILE_WIRE_READER,
    PROFILE_WIRE_WRITER,
    PROFILE_WIRE_KEPT,
    PROFILE_WIRE_REST,
    PROFILE_WIRE_SERDE,
    PROFILE_ATTRIBUTE,
    PROFILE_TRAIT,
    PROFILE_VIOLATIONS,
    PROFILE_SERDE,
    PROFILE_SERDE_JSON,
    PROFILE_UNKNOWN_VALUE,
    PROFILE_STRING_ENUM,
    PROFILE_USER,
    PROFILE_USER_TYPES,
    PROFILE_USER_TYPE_OF,
    PROFILE_DECODE_USER,
    EXPLICIT_NULLS_TYPE,
    UNKNOWN_VALUE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_paths_are_rooted_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for i in RUNTIME.iter().chain(ANNOUNCED) {
            assert!(i.path.starts_with("crate::"), "{}", i.path);
            assert!(seen.insert(i.path), "{} is listed twice", i.path);
            assert!(!i.role.is_empty());
        }
    }

    #[test]
    fn runtime_paths_become_the_tokens_emitted_code_writes() {
        for i in RUNTIME {
            assert_eq!(i.path().to_string().replace(' ', ""), i.path);
            assert!(i.path.starts_with(&format!("{FACADE}::")), "{}", i.path);
        }
        assert_eq!(
            FILE_PART
                .path_from(&quote!(okta_client))
                .to_string()
                .replace(' ', ""),
            "okta_client::request::FilePart"
        );
        assert_eq!(
            NULLABLE.doc_link(Some("Null")),
            "[`Nullable::Null`](crate::Nullable::Null)"
        );
        assert_eq!(
            WIRE_READER_OPTION.path().to_string().replace(' ', ""),
            "crate::rt::WireReader::option"
        );
    }

    #[test]
    fn runtime_methods_are_on_facade_types_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for m in RUNTIME_METHODS {
            assert!(RUNTIME.contains(&m.on), "{}: not a facade item", m.name);
            assert!(seen.insert((m.on.path, m.name)), "{} twice", m.name);
        }
    }

    #[test]
    fn reserved_types_come_from_the_lists() {
        for t in [
            "Nullable",
            "ExplicitNulls",
            "MismatchedFields",
            "WireModel",
            "Request",
            "Option",
        ] {
            assert!(is_reserved_type(t), "{t}");
        }
        // A module and a macro are not type names.
        assert!(!is_reserved_type("models"));
        assert!(!is_reserved_type("string_enum"));
        assert!(!is_reserved_type("Widget"));
    }
}
