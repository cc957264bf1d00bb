//! Rust type tokens for IR types.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::contract;
use crate::ir::{Field, IntSize, TypeRef};

pub fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

/// Where emitted code stands, which decides how it names runtime types and models.
#[derive(Clone, Copy)]
enum Space<'a> {
    /// Inside okta-client: runtime types through the facade.
    Client,
    /// In another crate whose path to okta-client is the root given: runtime types by their
    /// public paths.
    Outside(&'a TokenStream),
    /// Profile code in a user's crate: its own types (the profile enums) by their bare names,
    /// serde_json through okta-client's re-export.
    Profile,
}

/// The type as emitted code inside okta-client names it: runtime types through the facade.
pub fn rust_type(t: &TypeRef) -> TokenStream {
    render(t, Space::Client)
}

/// [`rust_type`] as named from another crate whose path to okta-client is `root`: runtime types
/// by their public paths.
pub fn rust_type_at(t: &TypeRef, root: &TokenStream) -> TokenStream {
    render(t, Space::Outside(root))
}

/// [`rust_type`] as profile code in a user's crate names it: a [`TypeRef::Model`] is one of
/// the file's own types.
pub(crate) fn profile_type(t: &TypeRef) -> TokenStream {
    render(t, Space::Profile)
}

fn render(t: &TypeRef, space: Space) -> TokenStream {
    let named = |item: contract::RuntimeItem| match space {
        Space::Client => item.path(),
        Space::Outside(root) => item.path_from(root),
        Space::Profile => item.path_from(&contract::profile_root()),
    };
    let json = match space {
        Space::Profile => named(contract::PROFILE_SERDE_JSON),
        Space::Client | Space::Outside(_) => quote!(serde_json),
    };
    match t {
        TypeRef::String => quote!(String),
        TypeRef::Integer(IntSize::I32) => quote!(i32),
        TypeRef::Integer(IntSize::I64) => quote!(i64),
        TypeRef::Number => quote!(f64),
        TypeRef::Boolean => quote!(bool),
        TypeRef::Any => quote!(#json::Value),
        TypeRef::Object => quote!(#json::Map<String, #json::Value>),
        TypeRef::Binary => named(contract::FILE_PART),
        TypeRef::Array(inner) => {
            let inner = render(inner, space);
            quote!(Vec<#inner>)
        }
        TypeRef::Model(name) => {
            let name = ident(name);
            match space {
                Space::Profile => quote!(#name),
                Space::Client | Space::Outside(_) => {
                    let models = named(contract::MODELS);
                    quote!(#models::#name)
                }
            }
        }
    }
}

/// The declared type of a struct field: `T`, `Option<T>` or `Nullable<T>`.
pub fn field_type(f: &Field) -> TokenStream {
    let mut inner = rust_type(&f.ty);
    if f.boxed {
        inner = quote!(Box<#inner>);
    }
    if f.is_rust_nullable() {
        let nullable = contract::NULLABLE.path();
        quote!(#nullable<#inner>)
    } else if f.is_required() {
        inner
    } else {
        quote!(Option<#inner>)
    }
}
