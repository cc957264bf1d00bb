//! The open string enum, rendered once for both emitters: the client's models and the
//! profile structs generated into a user's crate. Each describes its enum as an [`OpenEnum`]
//! (its names, docs and the paths by which it reaches okta-client) and this renders it: a
//! variant per documented value, the catch-all [`contract::UNKNOWN_VARIANT`] that keeps any
//! other value, `VALUES`, `as_str`, `From<&str>` and the runtime's `string_enum!` for the rest.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::types::ident;
use crate::contract;

/// One open enum, as an emitter describes it.
pub(crate) struct OpenEnum<'a> {
    pub name: &'a Ident,
    /// The enum's doc attributes.
    pub doc: TokenStream,
    /// Whether the enum is `#[non_exhaustive]` (the client's, whose catalog grows).
    pub non_exhaustive: bool,
    /// (variant, JSON value, the variant's doc attributes), in the documented order.
    pub variants: Vec<(Ident, &'a str, TokenStream)>,
    /// The catch-all variant's doc attributes.
    pub catch_all_doc: TokenStream,
    /// `VALUES`' doc attributes.
    pub values_doc: TokenStream,
    /// The catch-all's payload type, as this code names it.
    pub unknown_value: TokenStream,
    /// The function that makes that payload from a `&str`.
    pub unknown_new: TokenStream,
    /// The runtime's `string_enum!` macro.
    pub string_enum: TokenStream,
    /// More methods of the enum (after `as_str`), or nothing.
    pub methods: TokenStream,
}

pub(crate) fn open_enum(e: OpenEnum) -> TokenStream {
    let OpenEnum {
        name,
        doc,
        non_exhaustive,
        variants,
        catch_all_doc,
        values_doc,
        unknown_value,
        unknown_new,
        string_enum,
        methods,
    } = e;
    let defs = variants.iter().map(|(n, _, d)| quote!(#d #n,));
    let to_str = variants.iter().map(|(n, s, _)| quote!(Self::#n => #s,));
    let from_str = variants.iter().map(|(n, s, _)| quote!(#s => Self::#n,));
    let values = variants.iter().map(|(_, s, _)| s);
    let non_exhaustive = non_exhaustive.then(|| quote!(#[non_exhaustive]));
    let unknown = ident(contract::UNKNOWN_VARIANT);
    let as_str = contract::UNKNOWN_VALUE_AS_STR.ident();
    let (own_as_str, values_const) = (ident(contract::ENUM_AS_STR), ident(contract::ENUM_VALUES));
    quote! {
        #doc
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #non_exhaustive
        pub enum #name {
            #(#defs)*
            #catch_all_doc
            #unknown(#unknown_value),
        }

        impl #name {
            #values_doc
            pub const #values_const: &'static [&'static str] = &[#(#values),*];

            /// The value as it appears in JSON.
            pub fn #own_as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    Self::#unknown(other) => other.#as_str(),
                }
            }

            #methods
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_str)*
                    other => Self::#unknown(#unknown_new(other)),
                }
            }
        }

        #string_enum!(#name);
    }
}
