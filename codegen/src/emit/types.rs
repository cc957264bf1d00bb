//! Rust type tokens for IR types.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::contract;
use crate::ir::{Field, IntSize, TypeRef};

pub fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

/// The type as emitted code inside okta-client names it: runtime types through the facade.
pub fn rust_type(t: &TypeRef) -> TokenStream {
    render(t, None)
}

/// [`rust_type`] as named from another crate whose path to okta-client is `root`: runtime types
/// by their public paths.
pub fn rust_type_at(t: &TypeRef, root: &TokenStream) -> TokenStream {
    render(t, Some(root))
}

fn render(t: &TypeRef, outside: Option<&TokenStream>) -> TokenStream {
    let named = |item: contract::RuntimeItem| match outside {
        Some(root) => item.path_from(root),
        None => item.path(),
    };
    match t {
        TypeRef::String => quote!(String),
        TypeRef::Integer(IntSize::I32) => quote!(i32),
        TypeRef::Integer(IntSize::I64) => quote!(i64),
        TypeRef::Number => quote!(f64),
        TypeRef::Boolean => quote!(bool),
        TypeRef::Any => quote!(serde_json::Value),
        TypeRef::Object => quote!(serde_json::Map<String, serde_json::Value>),
        TypeRef::Binary => named(contract::FILE_PART),
        TypeRef::Array(inner) => {
            let inner = render(inner, outside);
            quote!(Vec<#inner>)
        }
        TypeRef::Model(name) => {
            let models = named(contract::MODELS);
            let name = ident(name);
            quote!(#models::#name)
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
