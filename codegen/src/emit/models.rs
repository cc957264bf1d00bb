//! `generated/src/models/`: one file per named schema (with the inline types hoisted from it)
//! and per operation that declares inline types, plus `mod.rs`.

use indexmap::IndexMap;
use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{clean, doc_attrs, doc_cfg, inner_doc_attrs, paragraphs};
use super::enums;
use super::plan;
use super::shape::{self, FieldShape, MemberDocs, Repr, Runtime, StructShape};
use super::types::{field_type, ident, rust_type};
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
    let fields = fields
        .iter()
        .map(|f| {
            let repr = if f.is_plain_required() {
                Repr::Required
            } else if f.is_rust_nullable() {
                Repr::Nullable
            } else {
                Repr::Option
            };
            let setter = (repr != Repr::Required).then(|| {
                let what = if repr == Repr::Nullable {
                    "to a value (not `null`)"
                } else {
                    ""
                };
                let doc = doc_attrs(
                    &format!("Sets `{}` {what}.", f.json_name)
                        .replace("  ", " ")
                        .replace(" .", "."),
                );
                (ident(&crate::naming::setter_name(&f.rust_name)), doc)
            });
            FieldShape {
                rust_name: &f.rust_name,
                json_name: &f.json_name,
                ty: rust_type(&f.ty),
                boxed: f.boxed,
                repr,
                doc: field_doc(f),
                in_new: repr == Repr::Required,
                setter,
            }
        })
        .collect::<Vec<_>>();
    let new = doc_attrs(&if fields.iter().any(|f| f.in_new) {
        format!(
            "A value with its required fields set and every other field unset. Set the others with the `{}…` methods.",
            contract::SETTER_PREFIX
        )
    } else {
        format!(
            "An empty value: every field unset. Set fields with the `{}…` methods.",
            contract::SETTER_PREFIX
        )
    });
    let docs = MemberDocs {
        additional_properties: quote! {
            /// Fields the catalog does not describe, kept as received (in order) and sent back
            /// unchanged.
        },
        explicit_nulls: doc_attrs(&format!(
            "The optional fields that arrived as an explicit `null`; while unset they are written back as `null` (see {}).",
            contract::EXPLICIT_NULLS_TYPE.doc_link(None)
        )),
        mismatched_fields: doc_attrs(&format!(
            "The optional fields whose values did not fit their documented types, kept as received; while unset they are written back unchanged (see {}).",
            contract::MISMATCHED_FIELDS_TYPE.doc_link(None)
        )),
        new,
    };
    shape::render(
        &StructShape {
            name,
            doc,
            non_exhaustive: true,
            fields,
            docs,
            consts: TokenStream::new(),
            methods: TokenStream::new(),
        },
        &Runtime::client(),
    )
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
