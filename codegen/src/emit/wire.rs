//! A struct's `WireModel` impl: its JSON field names as data and one line per field each way,
//! which the runtime's one `Serialize`/`Deserialize` (`generated/core/src/wire.rs`) is driven by.
//!
//! Shared by the models of okta-client, which name the runtime through its facade
//! (`crate::rt::…`), and the profiles generated into a user's crate, which name its public
//! paths (`::okta_client::profile::…`): only [`Paths`] differs.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::types::ident;
use crate::contract::{self, RuntimeMethod};

/// How a member is read and written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Must be present; decoding fails without it.
    Required,
    /// An `Option`: explicit `null`s and values of another kind are remembered.
    Option,
    /// A `Nullable`: absent, `null` or a value; values of another kind are remembered.
    Nullable,
    /// An `Attribute` (profiles): explicit `null`s remembered, values of another kind kept in
    /// the member.
    Attribute,
}

/// One described field.
pub struct Member<'a> {
    pub rust_name: &'a str,
    pub json_name: &'a str,
    pub kind: Kind,
}

/// The members every struct has besides its described fields (`None`: this struct has not).
pub struct Rest<'a> {
    pub additional_properties: &'a Ident,
    pub explicit_nulls: Option<&'a Ident>,
    pub mismatched_fields: Option<&'a Ident>,
}

/// The runtime items the impl names, by the paths of the crate it is emitted into.
pub struct Paths {
    pub wire_model: TokenStream,
    pub reader: TokenStream,
    pub writer: TokenStream,
    pub kept: TokenStream,
    pub rest: TokenStream,
    /// The serde crate (`serde`, or okta-client's re-export in a user's crate).
    pub serde: TokenStream,
}

/// `impl WireModel for #name`. `empty` is the body of `empty()`: the value decoding starts
/// from.
pub fn impl_wire_model(
    name: &Ident,
    members: &[Member],
    rest: &Rest,
    paths: &Paths,
    empty: TokenStream,
) -> TokenStream {
    let items = contract::WIRE_MODEL_ITEMS;
    let [name_item, fields_item, required_item, empty_item, read, write, keep, rest_item] =
        items.all().map(ident);
    let Paths {
        wire_model,
        reader,
        writer,
        kept,
        rest: rest_type,
        serde,
    } = paths;
    let model = name.to_string();
    let json_names = members.iter().map(|m| m.json_name);
    let required: Vec<&str> = members
        .iter()
        .filter(|m| m.kind == Kind::Required)
        .map(|m| m.json_name)
        .collect();
    let required_const = (!required.is_empty())
        .then(|| quote!(const #required_item: &'static [&'static str] = &[#(#required),*];));
    let slot = contract::WIRE_READER_SLOT.ident();
    // The runtime method for the member's kind.
    let method =
        |m: &Member, [required, option, nullable, attribute]: [RuntimeMethod; 4]| match m.kind {
            Kind::Required => required.ident(),
            Kind::Option => option.ident(),
            Kind::Nullable => nullable.ident(),
            Kind::Attribute => attribute.ident(),
        };
    let reads: Vec<TokenStream> = members
        .iter()
        .map(|m| {
            let n = ident(m.rust_name);
            let call = method(
                m,
                [
                    contract::WIRE_READER_REQUIRED,
                    contract::WIRE_READER_OPTION,
                    contract::WIRE_READER_NULLABLE,
                    contract::PROFILE_READER_ATTRIBUTE,
                ],
            );
            quote!(r.#call(&mut self.#n))
        })
        .collect();
    // The runtime gives only slots of `FIELDS`: the last field takes the rest.
    let read_body = match reads.split_last() {
        None => {
            let skip = contract::WIRE_READER_SKIP.ident();
            quote!(r.#skip())
        }
        Some((last, [])) => quote!(#last),
        Some((last, others)) => {
            let slots = (0..others.len()).map(Literal::usize_unsuffixed);
            quote!(match r.#slot() { #(#slots => #others,)* _ => #last, })
        }
    };
    let writes: Vec<TokenStream> = members
        .iter()
        .map(|m| {
            let (n, j) = (ident(m.rust_name), m.json_name);
            let call = method(
                m,
                [
                    contract::WIRE_WRITER_REQUIRED,
                    contract::WIRE_WRITER_OPTION,
                    contract::WIRE_WRITER_NULLABLE,
                    contract::PROFILE_WRITER_ATTRIBUTE,
                ],
            );
            quote!(w.#call(#j, &self.#n))
        })
        .collect();
    let write_body = match writes.split_last() {
        None => quote!(let _ = w; Ok(())),
        Some((last, others)) => quote!(#(#others?;)* #last),
    };
    let additional = rest.additional_properties;
    let pattern = |m: Option<&Ident>| match m {
        Some(m) => quote!(#m),
        None => quote!(_),
    };
    let (nulls_pat, misfits_pat) = (
        pattern(rest.explicit_nulls),
        pattern(rest.mismatched_fields),
    );
    let assign = [
        Some(additional),
        rest.explicit_nulls,
        rest.mismatched_fields,
    ]
    .into_iter()
    .flatten()
    .map(|m| quote!(self.#m = #m;));
    let lend = |m: Option<&Ident>| match m {
        Some(m) => quote!(Some(&self.#m)),
        None => quote!(None),
    };
    let (nulls_ref, misfits_ref) = (lend(rest.explicit_nulls), lend(rest.mismatched_fields));
    quote! {
        impl #wire_model for #name {
            const #name_item: &'static str = #model;
            const #fields_item: &'static [&'static str] = &[#(#json_names),*];
            #required_const

            // The non-generic items are `#[inline]`, like the generic ones they are compiled
            // where a struct is decoded or encoded, not for every struct of the crate.
            #[inline]
            fn #empty_item() -> Self {
                #empty
            }

            fn #read<'de, A: #serde::de::MapAccess<'de>>(
                &mut self,
                r: #reader<'_, 'de, A>,
            ) -> Result<(), A::Error> {
                #read_body
            }

            fn #write<S: #serde::ser::SerializeMap>(&self, w: &mut #writer<'_, S>) -> Result<(), S::Error> {
                #write_body
            }

            #[inline]
            fn #keep(&mut self, (#additional, #nulls_pat, #misfits_pat): #kept) {
                #(#assign)*
            }

            #[inline]
            fn #rest_item(&self) -> #rest_type<'_> {
                (&self.#additional, #nulls_ref, #misfits_ref)
            }
        }
    }
}
