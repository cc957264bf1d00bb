//! Members every generated struct has, rendered once for the client's models and the profile
//! structs: the chained `with_…` setter.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// `pub fn with_x(mut self, value: impl Into<T>) -> Self`, which stores `stored` (an
/// expression of `value`: `Some(value.into())`, a boxed or `Nullable` value) in `field`.
pub(crate) fn setter(
    doc: TokenStream,
    setter: &Ident,
    field: &Ident,
    ty: &TokenStream,
    stored: TokenStream,
) -> TokenStream {
    quote! {
        #doc
        pub fn #setter(mut self, value: impl Into<#ty>) -> Self {
            self.#field = #stored;
            self
        }
    }
}
