//! `generated/src/models/`: one file per named schema (with the inline types hoisted from it)
//! and per operation that declares inline types, plus `mod.rs`.

use indexmap::IndexMap;
use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{clean, doc_attrs, doc_cfg, inner_doc_attrs, paragraphs};
use super::plan;
use super::types::{field_type, ident, rust_type};
use super::{enums, members, wire};
use crate::contract;
use crate::ir::{Field, Model, ModelKind, TypeRef, Variant};

/// One model file.
pub fn file(models: &[&Model]) -> TokenStream {
    let body = models.iter().map(|m| model(m));
    quote!(#(#body)*)
}

/// `models/mod.rs`: every file, gated by the features of the groups that reach its models.
pub fn module(files: &IndexMap<String, Vec<&Model>>) -> TokenStream {
    let mods = files.iter().map(|(file, models)| {
        let m = ident(file);
        let groups: std::collections::BTreeSet<String> = models
            .iter()
            .flat_map(|m| &m.groups)
            .map(|g| plan::feature(g))
            .collect();
        let cfg = if groups.is_empty() {
            quote!()
        } else if groups.len() == 1 {
            let f = groups.iter().next().map(|g| g.as_str());
            quote!(#[cfg(feature = #f)])
        } else {
            let fs = groups.iter().map(|g| g.as_str());
            quote!(#[cfg(any(#(feature = #fs),*))])
        };
        quote!(#cfg mod #m; #cfg pub use #m::*;)
    });
    let doc = inner_doc_attrs(&format!(
        "The request and response types of the Okta Management API, generated from the catalog.\n\n\
         Every struct keeps the JSON fields it does not describe in `{}` and\n\
         writes them back unchanged; every enum keeps values it does not know in `{}` (an opaque\n{}); fields\n\
         documented as nullable are {} so that absent and `null` differ.",
        contract::ADDITIONAL_PROPERTIES,
        contract::UNKNOWN_VARIANT,
        contract::UNKNOWN_VALUE.doc_link(None),
        contract::NULLABLE.doc_link(None),
    ));
    quote!(#doc #(#mods)*)
}

fn model(m: &Model) -> TokenStream {
    let name = ident(&m.name);
    let mut doc = m.description.as_deref().map(clean).unwrap_or_else(|| {
        if m.named {
            format!("The `{}` schema.", m.source_name)
        } else {
            format!("The type of `{}`.", m.source_name)
        }
    });
    if !m.named {
        doc = paragraphs([
            Some(doc),
            Some(format!(
                "Defined inline in the catalog at `{}`.",
                m.source_name
            )),
        ]);
    }
    let features: Vec<String> = m.groups.iter().map(|g| plan::feature(g)).collect();
    let doc_cfg = doc_cfg(features.iter().map(String::as_str));
    let doc = doc_attrs(&doc);
    let doc = quote!(#doc #doc_cfg);
    match &m.kind {
        ModelKind::Struct(fields) => structure(&name, doc, fields),
        ModelKind::Multipart(fields) => multipart(&name, doc, fields),
        ModelKind::Enum(variants) => enumeration(&name, doc, variants),
        ModelKind::Alias(t) => {
            let t = rust_type(t);
            quote!(#doc pub type #name = #t;)
        }
    }
}

fn field_doc(f: &Field) -> TokenStream {
    let mut notes = Vec::new();
    if f.is_required() {
        notes.push("Required.".to_string());
    }
    if f.read_only {
        notes.push("Read-only: set by Okta.".to_string());
    }
    if f.immutable {
        notes.push("Set when creating; cannot be changed afterwards.".to_string());
    }
    if f.write_only {
        notes.push("Write-only: sent to Okta, never returned.".to_string());
    }
    if f.is_nullable() {
        notes.push(format!(
            "Nullable: {} when Okta sends `null`.",
            contract::NULLABLE.doc_link(Some("Null"))
        ));
    }
    if f.unique {
        notes.push("Unique.".to_string());
    }
    if let Some(fmt) = &f.format {
        if fmt == "date-time" || fmt == "date" {
            notes.push(format!("Format: `{fmt}`, kept as the exact text received."));
        } else {
            notes.push(format!("Format: `{fmt}`."));
        }
    }
    match (f.min_length, f.max_length) {
        (Some(a), Some(b)) => notes.push(format!("Length: {a} to {b} characters.")),
        (None, Some(b)) => notes.push(format!("Length: at most {b} characters.")),
        (Some(a), None) => notes.push(format!("Length: at least {a} characters.")),
        (None, None) => {}
    }
    if let Some(v) = &f.validation {
        notes.push(format!("Validation: {}", clean(v)));
    }
    let wire = format!("JSON: `{}`.", f.json_name);
    let text = paragraphs([
        f.description.as_deref().map(clean),
        Some(wire),
        Some(notes.join(" ")),
    ]);
    doc_attrs(&text)
}

fn structure(name: &proc_macro2::Ident, doc: TokenStream, fields: &[Field]) -> TokenStream {
    // Optional fields the documents do not call nullable are `Option<T>`; an explicit `null`
    // in them is remembered in `explicit_nulls`.
    let tracks_nulls = fields
        .iter()
        .any(|f| !f.is_required() && !f.is_rust_nullable());
    // A value of another shape in a field that may be missing is kept raw instead of failing
    // the whole object (`mismatched_fields`).
    let tracks_misfits = fields.iter().any(|f| !f.is_plain_required());
    let (explicit_nulls, mismatched_fields) = (
        ident(contract::EXPLICIT_NULLS),
        ident(contract::MISMATCHED_FIELDS),
    );
    let explicit_nulls_type = contract::EXPLICIT_NULLS_TYPE.path();
    let mismatched_fields_type = contract::MISMATCHED_FIELDS_TYPE.path();
    let additional_properties = ident(contract::ADDITIONAL_PROPERTIES);
    let defs = fields.iter().map(|f| {
        let fname = ident(&f.rust_name);
        let ty = field_type(f);
        let fdoc = field_doc(f);
        quote!(#fdoc pub #fname: #ty,)
    });
    let required: Vec<&Field> = fields.iter().filter(|f| f.is_plain_required()).collect();
    let derive_default = required.is_empty().then(|| quote!(Default,));
    let args = required.iter().map(|f| {
        let n = ident(&f.rust_name);
        let t = rust_type(&f.ty);
        quote!(#n: impl Into<#t>)
    });
    let members = wire::Rest {
        additional_properties: &additional_properties,
        explicit_nulls: tracks_nulls.then_some(&explicit_nulls),
        mismatched_fields: tracks_misfits.then_some(&mismatched_fields),
    };
    let new_body = if required.is_empty() {
        quote!(Self::default())
    } else {
        literal(&members, fields, |f| {
            let n = ident(&f.rust_name);
            if f.boxed {
                quote!(Box::new(#n.into()))
            } else {
                quote!(#n.into())
            }
        })
    };
    let new_doc = doc_attrs(&if required.is_empty() {
        format!(
            "An empty value: every field unset. Set fields with the `{}…` methods.",
            contract::SETTER_PREFIX
        )
    } else {
        format!(
            "A value with its required fields set and every other field unset. Set the others with the `{}…` methods.",
            contract::SETTER_PREFIX
        )
    });
    // Chained setters keep construction forward compatible with `#[non_exhaustive]`.
    let setters = fields.iter().filter(|f| !f.is_plain_required()).map(|f| {
        let n = ident(&f.rust_name);
        let setter = ident(&crate::naming::setter_name(&f.rust_name));
        let t = rust_type(&f.ty);
        let mut value = quote!(value.into());
        if f.boxed {
            value = quote!(Box::new(#value));
        }
        let (wrapped, what) = if f.is_rust_nullable() {
            (
                {
                    let set = contract::NULLABLE_VALUE.path();
                    quote!(#set(#value))
                },
                "to a value (not `null`)",
            )
        } else {
            (quote!(Some(#value)), "")
        };
        let d = doc_attrs(
            &format!("Sets `{}` {what}.", f.json_name)
                .replace("  ", " ")
                .replace(" .", "."),
        );
        members::setter(d, &setter, &n, &t, wrapped)
    });
    let nulls_field = tracks_nulls.then(|| {
        let doc = doc_attrs(&format!(
            "The optional fields that arrived as an explicit `null`; while unset they are written back as `null` (see {}).",
            contract::EXPLICIT_NULLS_TYPE.doc_link(None)
        ));
        quote! {
            #doc
            pub #explicit_nulls: #explicit_nulls_type,
        }
    });
    let misfits_field = tracks_misfits.then(|| {
        let doc = doc_attrs(&format!(
            "The optional fields whose values did not fit their documented types, kept as received; while unset they are written back unchanged (see {}).",
            contract::MISMATCHED_FIELDS_TYPE.doc_link(None)
        ));
        quote! {
            #doc
            pub #mismatched_fields: #mismatched_fields_type,
        }
    });
    let wire = wire_model(name, fields, &members);
    quote! {
        #doc
        #[derive(Clone, Debug, #derive_default PartialEq)]
        #[non_exhaustive]
        pub struct #name {
            #(#defs)*
            /// Fields the catalog does not describe, kept as received (in order) and sent back
            /// unchanged.
            pub #additional_properties: serde_json::Map<String, serde_json::Value>,
            #nulls_field
            #misfits_field
        }

        impl #name {
            #new_doc
            #[inline]
            pub fn new(#(#args),*) -> Self {
                #new_body
            }

            #(#setters)*
        }

        #wire
    }
}

/// `Self { … }` with each plain required field set to `required(field)` and everything else
/// empty (`members`: the struct's members besides its described fields).
fn literal(
    members: &wire::Rest,
    fields: &[Field],
    required: impl Fn(&Field) -> TokenStream,
) -> TokenStream {
    let inits = fields.iter().map(|f| {
        let n = ident(&f.rust_name);
        if f.is_plain_required() {
            let v = required(f);
            quote!(#n: #v)
        } else {
            quote!(#n: Default::default())
        }
    });
    let a = members.additional_properties;
    let extra = members
        .explicit_nulls
        .iter()
        .chain(&members.mismatched_fields)
        .map(|m| quote!(#m: Default::default(),));
    quote!(Self { #(#inits,)* #a: serde_json::Map::new(), #(#extra)* })
}

/// The struct's `WireModel` impl and the serde impls it drives.
fn wire_model(name: &proc_macro2::Ident, fields: &[Field], members: &wire::Rest) -> TokenStream {
    let described: Vec<wire::Member> = fields
        .iter()
        .map(|f| wire::Member {
            rust_name: &f.rust_name,
            json_name: &f.json_name,
            kind: if f.is_plain_required() {
                wire::Kind::Required
            } else if f.is_rust_nullable() {
                wire::Kind::Nullable
            } else {
                wire::Kind::Option
            },
        })
        .collect();
    let empty = if fields.iter().any(Field::is_plain_required) {
        let placeholder = contract::PLACEHOLDER.path();
        literal(members, fields, |_| quote!(#placeholder()))
    } else {
        quote!(Self::default())
    };
    let paths = wire::Paths {
        wire_model: contract::WIRE_MODEL.path(),
        reader: contract::WIRE_READER.path(),
        writer: contract::WIRE_WRITER.path(),
        kept: contract::WIRE_KEPT.path(),
        rest: contract::WIRE_REST.path(),
        serde: quote!(serde),
    };
    let wire_impl = wire::impl_wire_model(name, &described, members, &paths, empty);
    let wire_serde = contract::WIRE_SERDE.path();
    quote! {
        #wire_impl

        #wire_serde!(#name);
    }
}

fn multipart(name: &proc_macro2::Ident, doc: TokenStream, fields: &[Field]) -> TokenStream {
    let defs = fields.iter().map(|f| {
        let fname = ident(&f.rust_name);
        let ty = field_type(f);
        let fdoc = field_doc(f);
        quote!(#fdoc pub #fname: #ty,)
    });
    let required: Vec<&Field> = fields.iter().filter(|f| f.is_required()).collect();
    let args = required.iter().map(|f| {
        let n = ident(&f.rust_name);
        let t = rust_type(&f.ty);
        quote!(#n: #t)
    });
    let inits = fields.iter().map(|f| {
        let n = ident(&f.rust_name);
        if f.is_required() {
            quote!(#n)
        } else {
            quote!(#n: None)
        }
    });
    let (text, file) = (
        contract::MULTIPART_TEXT.ident(),
        contract::MULTIPART_FILE.ident(),
    );
    let parts = fields.iter().map(|f| {
        let n = ident(&f.rust_name);
        let j = &f.json_name;
        let add = match &f.ty {
            TypeRef::Binary => quote!(form.#file(#j, v)),
            TypeRef::String => quote!(form.#text(#j, v)),
            _ => quote!(form.#text(#j, v.to_string())),
        };
        if f.is_required() {
            quote!({ let v = self.#n; #add; })
        } else {
            quote!(if let Some(v) = self.#n { #add; })
        }
    });
    let (into_multipart, multipart) = (contract::INTO_MULTIPART.path(), contract::MULTIPART.path());
    let into_multipart_fn = contract::INTO_MULTIPART_CALL.ident();
    quote! {
        #doc
        #[derive(Clone, Debug)]
        #[non_exhaustive]
        pub struct #name {
            #(#defs)*
        }

        impl #name {
            /// A form with its required parts set.
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits,)* }
            }
        }

        impl #into_multipart for #name {
            fn #into_multipart_fn(self) -> #multipart {
                let mut form = #multipart::default();
                #(#parts)*
                form
            }
        }
    }
}

fn enumeration(name: &proc_macro2::Ident, doc: TokenStream, variants: &[Variant]) -> TokenStream {
    let variants = variants
        .iter()
        .map(|v| {
            let wire = if v.value.is_empty() {
                "JSON: the empty string.".to_string()
            } else {
                format!("JSON: `{}`.", v.value)
            };
            let text = paragraphs([v.description.as_deref().map(clean), Some(wire)]);
            (ident(&v.rust_name), v.value.as_str(), doc_attrs(&text))
        })
        .collect();
    enums::open_enum(enums::OpenEnum {
        name,
        doc,
        non_exhaustive: true,
        variants,
        catch_all_doc: quote! {
            /// A value this version of the crate does not know, kept exactly as received. Its
            /// contents are opaque on purpose: a later version may make the value a variant of its
            /// own, and a `match` on the raw string would then silently stop matching. Read it
            /// with [`as_str`](Self::as_str).
        },
        values_doc: quote! {
            /// Every value the catalog documents, in its order.
        },
        unknown_value: contract::UNKNOWN_VALUE.path(),
        unknown_new: contract::UNKNOWN_VALUE_FN.path(),
        string_enum: contract::STRING_ENUM.path(),
        methods: TokenStream::new(),
    })
}
