//! The written contract between the emitted code and okta-client's hand-written runtime
//! (`generated/src/runtime/`, re-exported by `generated/src/lib.rs`).
//!
//! Two lists live here and nowhere else:
//!
//! * [`RUNTIME`]: every runtime item the emitted code names, by the path it uses (plus
//!   [`ANNOUNCED`], names the runtime is about to gain). A runtime change that moves or renames
//!   one of them is a contract change: it starts here.
//! * the member names the emitted code gives every model ([`MODEL_FIELDS`]) and every request
//!   builder ([`BUILDER_MEMBERS`]), the methods `Client` already has beside the group accessors
//!   the emitted code adds to it ([`CLIENT_METHODS`]), the wire structs' names ([`wire_name`])
//!   and the crates the emitted code names by their own paths ([`EXTERNAL_CRATES`]).
//!
//! [`crate::naming`] reserves every name here, so that no catalog name can collide with them (a
//! property `explicitNulls` becomes the field `explicit_nulls_`, a parameter `send` the setter
//! `send_`, a schema `Nullable` the type `NullableModel`); the validator refuses operation names
//! that would take a reserved type name and groups whose accessor would take a `Client` method;
//! the tests that mutate catalogs (`tests/tests/accepted_catalogs_compile.rs`,
//! `tests/tests/fuzz_catalog.rs`) draw their names from here. The operation, type and test emitters write runtime paths through
//! [`RuntimeItem::path`], and so does the model emitter for the struct machinery (`Nullable`,
//! `ExplicitNulls`, `MismatchedFields`, `runtime::Field` and the member names); its enum and
//! multipart code still spells `crate::UnknownValue`, `crate::runtime::string_enum` and the
//! multipart paths in its `quote!`s.
//! `tests/tests/contract.rs` checks the contract against the emitted code: every
//! `crate::…` path in an emitted file is listed in [`RUNTIME`], and every entry of [`RUNTIME`] is
//! used by some emitted file, so the list cannot silently go stale in either direction. That
//! every path exists in the runtime is checked by compiling the emitted crates.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// One item of the hand-written runtime that emitted code names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuntimeItem {
    /// The path as emitted code writes it, from okta-client's root (`crate::Nullable`).
    pub path: &'static str,
    /// What the emitted code uses it for.
    pub role: &'static str,
    /// Whether it is a type (or trait) whose name a model must not take.
    pub type_name: bool,
}

impl RuntimeItem {
    /// The path as emitted code inside okta-client writes it (`crate::Nullable`), for `quote!`.
    pub fn path(&self) -> TokenStream {
        self.path_from(&quote!(crate))
    }

    /// The path from a crate that names okta-client `root` (`okta_client::request::FilePart`).
    pub fn path_from(&self, root: &TokenStream) -> TokenStream {
        let segments = self
            .path
            .split("::")
            .skip(1)
            .map(|s| Ident::new(s, Span::call_site()));
        quote!(#root #(:: #segments)*)
    }
}

const fn item(path: &'static str, role: &'static str) -> RuntimeItem {
    RuntimeItem {
        path,
        role,
        type_name: true,
    }
}

/// `crate::Client`: held by every group API and request builder.
pub const CLIENT: RuntimeItem = item(
    "crate::Client",
    "held by every group API and request builder",
);

/// `crate::Error`: the error of every `send`.
pub const ERROR: RuntimeItem = item("crate::Error", "the error of every `send`");

/// `crate::ApiResponse`: what `send` returns for one response.
pub const API_RESPONSE: RuntimeItem =
    item("crate::ApiResponse", "what `send` returns for one response");

/// `crate::Page`: what `send` returns for a paginated operation.
pub const PAGE: RuntimeItem = item(
    "crate::Page",
    "what `send` returns for a paginated operation",
);

/// `crate::ItemStream`: what `into_stream` returns.
pub const ITEM_STREAM: RuntimeItem = item("crate::ItemStream", "what `into_stream` returns");

/// `crate::Nullable`: fields documented nullable; the wire structs' optional fields.
pub const NULLABLE: RuntimeItem = item(
    "crate::Nullable",
    "fields documented nullable; the wire structs' optional fields",
);

/// `crate::ExplicitNulls`: the `explicit_nulls` member of models.
pub const EXPLICIT_NULLS_TYPE: RuntimeItem = item(
    "crate::ExplicitNulls",
    "the `explicit_nulls` member of models",
);

/// `crate::MismatchedFields`: the `mismatched_fields` member of models.
pub const MISMATCHED_FIELDS_TYPE: RuntimeItem = item(
    "crate::MismatchedFields",
    "the `mismatched_fields` member of models",
);

/// `crate::runtime::Field`: the wire structs' optional fields (absent, `null`, a value, or a
/// value of another shape kept raw).
pub const FIELD: RuntimeItem = item(
    "crate::runtime::Field",
    "the wire structs' optional fields, which keep a value of another shape raw",
);

/// `crate::UnknownValue`: the `Unknown` variant of every enum.
pub const UNKNOWN_VALUE: RuntimeItem =
    item("crate::UnknownValue", "the `Unknown` variant of every enum");

/// `crate::request::Customize`: what `customize` returns.
pub const CUSTOMIZE: RuntimeItem = item("crate::request::Customize", "what `customize` returns");

/// `crate::request::Json`: the response kind of a JSON operation.
pub const JSON: RuntimeItem = item(
    "crate::request::Json",
    "the response kind of a JSON operation",
);

/// `crate::request::List`: the response kind of an operation answering a JSON array that is
/// not paginated (decoded item by item).
pub const LIST: RuntimeItem = item(
    "crate::request::List",
    "the response kind of a non-paginated JSON array",
);

/// `crate::request::Paged`: the response kind of a paginated operation.
pub const PAGED: RuntimeItem = item(
    "crate::request::Paged",
    "the response kind of a paginated operation",
);

/// `crate::request::Text`: the response kind of a text operation.
pub const TEXT: RuntimeItem = item(
    "crate::request::Text",
    "the response kind of a text operation",
);

/// `crate::request::NoBody`: the response kind of an operation without a body.
pub const NO_BODY: RuntimeItem = item(
    "crate::request::NoBody",
    "the response kind of an operation without a body",
);

/// `crate::request::FilePart`: the type of a binary multipart field.
pub const FILE_PART: RuntimeItem = item(
    "crate::request::FilePart",
    "the type of a binary multipart field",
);

/// `crate::runtime::Request`: what `customize` builds: method, path, query, headers, body.
pub const REQUEST: RuntimeItem = item(
    "crate::runtime::Request",
    "what `customize` builds: method, path, query, headers, body",
);

/// `crate::runtime::JsonBody`: an untyped JSON request body.
pub const JSON_BODY: RuntimeItem = item("crate::runtime::JsonBody", "an untyped JSON request body");

/// `crate::runtime::IntoMultipart`: implemented by every multipart model.
pub const INTO_MULTIPART: RuntimeItem = item(
    "crate::runtime::IntoMultipart",
    "implemented by every multipart model",
);

/// `crate::runtime::Multipart`: the form a multipart model becomes.
pub const MULTIPART: RuntimeItem = item(
    "crate::runtime::Multipart",
    "the form a multipart model becomes",
);

/// `crate::runtime::string_enum`: the serde and Display impls of every enum (a macro).
pub const STRING_ENUM: RuntimeItem = RuntimeItem {
    path: "crate::runtime::string_enum",
    role: "the serde and Display impls of every enum (a macro)",
    type_name: false,
};

/// `crate::models`: the module of every model, named from operations and tests.
pub const MODELS: RuntimeItem = RuntimeItem {
    path: "crate::models",
    role: "the module of every model, named from operations and tests",
    type_name: false,
};

/// Every runtime item the emitted code names.
pub const RUNTIME: &[RuntimeItem] = &[
    CLIENT,
    ERROR,
    API_RESPONSE,
    PAGE,
    ITEM_STREAM,
    NULLABLE,
    EXPLICIT_NULLS_TYPE,
    MISMATCHED_FIELDS_TYPE,
    FIELD,
    UNKNOWN_VALUE,
    CUSTOMIZE,
    JSON,
    LIST,
    PAGED,
    TEXT,
    NO_BODY,
    FILE_PART,
    REQUEST,
    JSON_BODY,
    INTO_MULTIPART,
    MULTIPART,
    STRING_ENUM,
    MODELS,
];

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
    "client",
    "body",
    "send",
    "customize",
    "into_stream",
    "new",
    "into_parts",
    "request",
];

/// The methods `crate::Client` has itself (hand-written in `generated/src/runtime/`, and those
/// of the traits emitted code calls on it, `clone`): each group adds an accessor method to
/// `Client` (`client.event_hook()`), which must not be one of them.
pub const CLIENT_METHODS: &[&str] = &[
    "builder",
    "from_env",
    "from_vars",
    "org_url",
    "max_pages",
    "execute",
    "run_call",
    "pace_attempt",
    "build_attempt",
    "send_attempt",
    "request",
    "send_page",
    "fetch_page",
    "log_tailer",
    "profiles",
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

/// The suffix of a model's private wire struct (`InlineHook__Wire`). Model names are
/// UpperCamelCase and never hold `__`, so no model can take a wire struct's name.
pub const WIRE_SUFFIX: &str = "__Wire";

/// The name of `model`'s private wire struct.
pub fn wire_name(model: &str) -> String {
    format!("{model}{WIRE_SUFFIX}")
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
// `RuntimeItem::path_from(&profile_root())`. `tests/tests/profile_schemas.rs` checks that this
// list and the emitted profile code agree, both ways.

/// How emitted profile code names okta-client: the extern crate, never a local of that name.
pub fn profile_root() -> TokenStream {
    quote!(::okta_client)
}

/// `crate::profile::Field`: the wire structs' attributes (absent, `null`, a value, or a value
/// of another JSON kind kept raw).
pub const PROFILE_FIELD: RuntimeItem = item(
    "crate::profile::Field",
    "the profile wire structs' attributes, which keep a value of another kind raw",
);

/// `crate::profile::Profile`: the trait every generated profile implements.
pub const PROFILE_TRAIT: RuntimeItem = item(
    "crate::profile::Profile",
    "the trait every generated profile implements",
);

/// `crate::profile::Violations`: what `validate()` returns.
pub const PROFILE_VIOLATIONS: RuntimeItem = item(
    "crate::profile::Violations",
    "what a profile's `validate()` returns",
);

/// `crate::profile::serde`: serde, for the derives and impls of the user's crate.
pub const PROFILE_SERDE: RuntimeItem = RuntimeItem {
    path: "crate::profile::serde",
    role: "serde, re-exported for the derives and impls of the user's crate",
    type_name: false,
};

/// `crate::profile::serde_json`: `Map` and `Value`, for `additional_properties`.
pub const PROFILE_SERDE_JSON: RuntimeItem = RuntimeItem {
    path: "crate::profile::serde_json",
    role: "serde_json, re-exported for `additional_properties` and object attributes",
    type_name: false,
};

/// `crate::profile::unknown_value`: the `Unknown` payload of an open profile enum.
pub const PROFILE_UNKNOWN_VALUE: RuntimeItem = RuntimeItem {
    path: "crate::profile::unknown_value",
    role: "makes the `Unknown` payload of an open profile enum",
    type_name: false,
};

/// `crate::profile::enum_from_json`: the `Deserialize` of an open profile enum.
pub const PROFILE_ENUM_FROM_JSON: RuntimeItem = RuntimeItem {
    path: "crate::profile::enum_from_json",
    role: "the `Deserialize` of an open profile enum",
    type_name: false,
};

/// Every okta-client item emitted profile code names (besides these, it names
/// [`EXPLICIT_NULLS_TYPE`], [`MISMATCHED_FIELDS_TYPE`] and [`UNKNOWN_VALUE`], listed here too).
pub const PROFILE_RUNTIME: &[RuntimeItem] = &[
    PROFILE_FIELD,
    PROFILE_TRAIT,
    PROFILE_VIOLATIONS,
    PROFILE_SERDE,
    PROFILE_SERDE_JSON,
    PROFILE_UNKNOWN_VALUE,
    PROFILE_ENUM_FROM_JSON,
    EXPLICIT_NULLS_TYPE,
    MISMATCHED_FIELDS_TYPE,
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
        }
        assert_eq!(
            FILE_PART
                .path_from(&quote!(okta_client))
                .to_string()
                .replace(' ', ""),
            "okta_client::request::FilePart"
        );
    }

    #[test]
    fn reserved_types_come_from_the_lists() {
        for t in [
            "Nullable",
            "ExplicitNulls",
            "MismatchedFields",
            "Field",
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

    #[test]
    fn wire_names_cannot_be_model_names() {
        assert_eq!(wire_name("InlineHook"), "InlineHook__Wire");
        assert!(WIRE_SUFFIX.contains("__"));
    }
}
