//! The one description of a generated struct and its one rendering.
//!
//! Both emitters lower to a [`StructShape`]: the client's models (`models.rs`, from the
//! catalog's IR) and the profiles generated into a user's crate (`crate::profile::emit`, from
//! an org's schemas). [`render`] writes what every struct has: the described fields and the
//! members besides them (`additional_properties`, and `explicit_nulls` and
//! `mismatched_fields` when a field needs them), `new()`, the chained setters, the `WireModel`
//! impl and the serde impls. Only [`Runtime`] (how the code names okta-client) and the docs
//! differ between the two.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::types::ident;
use super::{members, wire};
use crate::contract::{self, RuntimeItem, RuntimeMethod};

/// How a described field holds its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Repr {
    /// `T`: must be present.
    Required,
    /// `Option<T>`: explicit `null`s and values of another shape remembered in the struct.
    Option,
    /// `Nullable<T>`: absent, `null` or a value; values of another shape remembered.
    Nullable,
    /// `Attribute<T>` (profiles): unset, set, or a value of another shape kept in the field.
    Attribute,
}

/// One described field.
pub(crate) struct FieldShape<'a> {
    pub rust_name: &'a str,
    pub json_name: &'a str,
    /// The value's type, inside its `Option`, `Nullable`, `Attribute` or `Box`.
    pub ty: TokenStream,
    /// Whether the value is boxed (a recursive type).
    pub boxed: bool,
    pub repr: Repr,
    /// The field's doc attributes.
    pub doc: TokenStream,
    /// Whether `new()` takes it as an argument.
    pub in_new: bool,
    /// Its chained setter (name, doc attributes), if it has one.
    pub setter: Option<(Ident, TokenStream)>,
}

/// One struct.
pub(crate) struct StructShape<'a> {
    pub name: &'a Ident,
    /// The struct's doc attributes (and any `doc(cfg)`).
    pub doc: TokenStream,
    /// Whether the struct is `#[non_exhaustive]` (the client's, whose catalog grows).
    pub non_exhaustive: bool,
    pub fields: Vec<FieldShape<'a>>,
    pub docs: MemberDocs,
    /// Items of the struct's `impl` before `new()` (a profile's named constants).
    pub consts: TokenStream,
    /// Methods of the struct's `impl` after `new()` (a profile's `validate()`).
    pub methods: TokenStream,
}

/// The doc attributes of the members every struct has.
pub(crate) struct MemberDocs {
    pub additional_properties: TokenStream,
    pub explicit_nulls: TokenStream,
    pub mismatched_fields: TokenStream,
    pub new: TokenStream,
}

/// How emitted code names okta-client: inside it through the facade, or from a user's crate
/// by its public paths.
pub(crate) struct Runtime {
    /// serde_json (`serde_json`, or okta-client's re-export).
    pub json: TokenStream,
    pub nullable: TokenStream,
    pub nullable_value: TokenStream,
    pub attribute: TokenStream,
    pub attribute_set: TokenStream,
    pub explicit_nulls: TokenStream,
    pub mismatched_fields: TokenStream,
    pub placeholder: TokenStream,
    pub wire: wire::Paths,
    /// The `wire_serde!` macro.
    pub wire_serde: TokenStream,
}

impl Runtime {
    /// Inside okta-client: every runtime item through the facade.
    pub(crate) fn client() -> Self {
        Runtime {
            json: quote!(serde_json),
            nullable: contract::NULLABLE.path(),
            nullable_value: contract::NULLABLE_VALUE.path(),
            // Models hold no `Attribute`; named by its public path if one ever did.
            attribute: contract::PROFILE_ATTRIBUTE.path_from(&quote!(crate)),
            attribute_set: contract::PROFILE_ATTRIBUTE_SET.path_from(&quote!(crate)),
            explicit_nulls: contract::EXPLICIT_NULLS_TYPE.path(),
            mismatched_fields: contract::MISMATCHED_FIELDS_TYPE.path(),
            placeholder: contract::PLACEHOLDER.path(),
            wire: wire::Paths {
                wire_model: contract::WIRE_MODEL.path(),
                reader: contract::WIRE_READER.path(),
                writer: contract::WIRE_WRITER.path(),
                kept: contract::WIRE_KEPT.path(),
                rest: contract::WIRE_REST.path(),
                serde: quote!(serde),
            },
            wire_serde: contract::WIRE_SERDE.path(),
        }
    }

    /// In a user's crate: okta-client by the public paths of [`contract::profile_root`].
    pub(crate) fn profile() -> Self {
        let root = contract::profile_root();
        let item = |i: RuntimeItem| i.path_from(&root);
        let method = |m: RuntimeMethod| m.path_from(&root);
        Runtime {
            json: item(contract::PROFILE_SERDE_JSON),
            nullable: item(contract::NULLABLE),
            nullable_value: method(contract::NULLABLE_VALUE),
            attribute: item(contract::PROFILE_ATTRIBUTE),
            attribute_set: method(contract::PROFILE_ATTRIBUTE_SET),
            explicit_nulls: item(contract::EXPLICIT_NULLS_TYPE),
            mismatched_fields: item(contract::MISMATCHED_FIELDS_TYPE),
            // Profiles have no required member (Okta leaves attributes without a value out).
            placeholder: quote!(::core::default::Default::default),
            wire: wire::Paths {
                wire_model: item(contract::PROFILE_WIRE_MODEL),
                reader: item(contract::PROFILE_WIRE_READER),
                writer: item(contract::PROFILE_WIRE_WRITER),
                kept: item(contract::PROFILE_WIRE_KEPT),
                rest: item(contract::PROFILE_WIRE_REST),
                serde: item(contract::PROFILE_SERDE),
            },
            wire_serde: item(contract::PROFILE_WIRE_SERDE),
        }
    }
}

/// The field's declared type: `T`, `Box<T>`, `Option<T>`, `Nullable<T>` or `Attribute<T>`.
fn declared_type(f: &FieldShape, rt: &Runtime) -> TokenStream {
    let mut inner = f.ty.clone();
    if f.boxed {
        inner = quote!(Box<#inner>);
    }
    match f.repr {
        Repr::Required => inner,
        Repr::Option => quote!(Option<#inner>),
        Repr::Nullable => {
            let n = &rt.nullable;
            quote!(#n<#inner>)
        }
        Repr::Attribute => {
            let a = &rt.attribute;
            quote!(#a<#inner>)
        }
    }
}

/// `value` (an expression of the value's type) as the field stores it.
fn stored(f: &FieldShape, rt: &Runtime, value: TokenStream) -> TokenStream {
    let value = if f.boxed {
        quote!(Box::new(#value))
    } else {
        value
    };
    match f.repr {
        Repr::Required => value,
        Repr::Option => quote!(Some(#value)),
        Repr::Nullable => {
            let set = &rt.nullable_value;
            quote!(#set(#value))
        }
        Repr::Attribute => {
            let set = &rt.attribute_set;
            quote!(#set(#value))
        }
    }
}

/// The struct, its `impl` (`new()`, setters and the shape's own items), `WireModel` and serde.
pub(crate) fn render(s: &StructShape, rt: &Runtime) -> TokenStream {
    let name = s.name;
    // Optional fields are `Option<T>` or `Attribute<T>`; an explicit `null` in them is
    // remembered in `explicit_nulls`.
    let tracks_nulls = s
        .fields
        .iter()
        .any(|f| matches!(f.repr, Repr::Option | Repr::Attribute));
    // A value of another shape in an `Option` or `Nullable` field is kept raw in
    // `mismatched_fields` instead of failing the whole object (an `Attribute` keeps its own).
    let tracks_misfits = s
        .fields
        .iter()
        .any(|f| matches!(f.repr, Repr::Option | Repr::Nullable));
    let (explicit_nulls, mismatched_fields, additional_properties) = (
        ident(contract::EXPLICIT_NULLS),
        ident(contract::MISMATCHED_FIELDS),
        ident(contract::ADDITIONAL_PROPERTIES),
    );
    let defs = s.fields.iter().map(|f| {
        let (n, ty, doc) = (ident(f.rust_name), declared_type(f, rt), &f.doc);
        quote!(#doc pub #n: #ty,)
    });
    let has_required = s.fields.iter().any(|f| f.repr == Repr::Required);
    let derive_default = (!has_required).then(|| quote!(Default,));
    let non_exhaustive = s.non_exhaustive.then(|| quote!(#[non_exhaustive]));
    let in_new: Vec<&FieldShape> = s.fields.iter().filter(|f| f.in_new).collect();
    let args = in_new.iter().map(|f| {
        let (n, t) = (ident(f.rust_name), &f.ty);
        quote!(#n: impl Into<#t>)
    });
    let many_args = (in_new.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let rest = wire::Rest {
        additional_properties: &additional_properties,
        explicit_nulls: tracks_nulls.then_some(&explicit_nulls),
        mismatched_fields: tracks_misfits.then_some(&mismatched_fields),
    };
    let new_body = if in_new.is_empty() {
        quote!(Self::default())
    } else if !has_required {
        let inits = in_new.iter().map(|f| {
            let n = ident(f.rust_name);
            let v = stored(f, rt, quote!(#n.into()));
            quote!(#n: #v,)
        });
        quote!(Self { #(#inits)* ..Self::default() })
    } else {
        literal(
            s,
            rt,
            &rest,
            |f| f.in_new,
            |f| {
                let n = ident(f.rust_name);
                stored(f, rt, quote!(#n.into()))
            },
        )
    };
    // Chained setters keep construction forward compatible with `#[non_exhaustive]`.
    let setters = s.fields.iter().filter_map(|f| {
        let (setter, doc) = f.setter.as_ref()?;
        let value = stored(f, rt, quote!(value.into()));
        Some(members::setter(
            doc.clone(),
            setter,
            &ident(f.rust_name),
            &f.ty,
            value,
        ))
    });
    let docs = &s.docs;
    let nulls_field = tracks_nulls.then(|| {
        let (doc, ty) = (&docs.explicit_nulls, &rt.explicit_nulls);
        quote!(#doc pub #explicit_nulls: #ty,)
    });
    let misfits_field = tracks_misfits.then(|| {
        let (doc, ty) = (&docs.mismatched_fields, &rt.mismatched_fields);
        quote!(#doc pub #mismatched_fields: #ty,)
    });
    let (doc, additional_doc, new_doc) = (&s.doc, &docs.additional_properties, &docs.new);
    let (consts, methods) = (&s.consts, &s.methods);
    let json = &rt.json;
    let wire = wire_model(s, rt, &rest);
    quote! {
        #doc
        #[derive(Clone, Debug, #derive_default PartialEq)]
        #non_exhaustive
        pub struct #name {
            #(#defs)*
            #additional_doc
            pub #additional_properties: #json::Map<String, #json::Value>,
            #nulls_field
            #misfits_field
        }

        impl #name {
            #consts

            #new_doc
            #many_args
            #[inline]
            pub fn new(#(#args),*) -> Self {
                #new_body
            }

            #methods

            #(#setters)*
        }

        #wire
    }
}

/// `Self { … }` with each field `chosen` set to `value(field)` and everything else empty.
fn literal(
    s: &StructShape,
    rt: &Runtime,
    rest: &wire::Rest,
    chosen: impl Fn(&FieldShape) -> bool,
    value: impl Fn(&FieldShape) -> TokenStream,
) -> TokenStream {
    let inits = s.fields.iter().map(|f| {
        let n = ident(f.rust_name);
        if chosen(f) {
            let v = value(f);
            quote!(#n: #v)
        } else {
            quote!(#n: Default::default())
        }
    });
    let a = rest.additional_properties;
    let json = &rt.json;
    let extra = rest
        .explicit_nulls
        .iter()
        .chain(&rest.mismatched_fields)
        .map(|m| quote!(#m: Default::default(),));
    quote!(Self { #(#inits,)* #a: #json::Map::new(), #(#extra)* })
}

/// The struct's `WireModel` impl and the serde impls it drives.
fn wire_model(s: &StructShape, rt: &Runtime, rest: &wire::Rest) -> TokenStream {
    let described: Vec<wire::Member> = s
        .fields
        .iter()
        .map(|f| wire::Member {
            rust_name: f.rust_name,
            json_name: f.json_name,
            kind: match f.repr {
                Repr::Required => wire::Kind::Required,
                Repr::Option => wire::Kind::Option,
                Repr::Nullable => wire::Kind::Nullable,
                Repr::Attribute => wire::Kind::Attribute,
            },
        })
        .collect();
    // Decoding starts from every optional field unset and every required one a placeholder.
    let empty = if s.fields.iter().any(|f| f.repr == Repr::Required) {
        let placeholder = &rt.placeholder;
        literal(
            s,
            rt,
            rest,
            |f| f.repr == Repr::Required,
            |_| quote!(#placeholder()),
        )
    } else {
        quote!(Self::default())
    };
    let name = s.name;
    let wire_impl = wire::impl_wire_model(name, &described, rest, &rt.wire, empty);
    let wire_serde = &rt.wire_serde;
    quote! {
        #wire_impl

        #wire_serde!(#name);
    }
}
