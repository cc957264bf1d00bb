//! The statements of a generated profile's `validate()`: one attribute's rules (required, lengths,
//! ranges compared exactly, listed values) as calls of the runtime's `Violations` helpers.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::emit::enum_of;
use super::ir::FieldIr;
use super::load::{Bound, Kind, Scalar};
use crate::contract;
use crate::emit::types::ident;

fn bound_u64(v: Option<u64>) -> TokenStream {
    match v {
        Some(n) => {
            let l = Literal::u64_suffixed(n);
            quote!(Some(#l))
        }
        None => quote!(None),
    }
}

fn bound_f64(v: Option<f64>) -> TokenStream {
    match v.filter(|n| n.is_finite()) {
        Some(n) => {
            let l = Literal::f64_suffixed(n);
            quote!(Some(#l))
        }
        None => quote!(None),
    }
}

/// An integer attribute's integer bound, as the `i64` its field is. A bound beyond the `i64`
/// range is clamped to it, which changes no outcome: every `i64` is within a `maximum` above
/// `i64::MAX` (an integer bound is never below `i64::MIN`: serde_json reads one as a decimal),
/// and the loader refuses a `minimum` above it, which no `i64` meets ([`super::load`]).
fn bound_i64(v: Option<i128>) -> TokenStream {
    match v {
        Some(n) => {
            let n = n.clamp(i64::MIN.into(), i64::MAX.into()) as i64;
            let l = Literal::i64_suffixed(n);
            quote!(Some(#l))
        }
        None => quote!(None),
    }
}

fn bound_i128(v: Option<i128>) -> TokenStream {
    match v {
        Some(n) => {
            let l = Literal::i128_suffixed(n);
            quote!(Some(#l))
        }
        None => quote!(None),
    }
}

/// The `validate()` range checks of one value `x` of an integer or number attribute (or of its
/// items), every bound compared exactly: one call per kind of bound the attribute has. An
/// integer is compared with an integer bound as an `i64` (`range_integer`), with a decimal
/// bound by the decimal's exact value (`range_integer_decimal`). A number (an `f64`) is compared
/// as an `f64` with a decimal bound and with an integer bound an `f64` holds exactly (`range`),
/// and with a larger integer bound by the integer's exact value (`range_number_integer`).
fn range_checks(
    j: &str,
    scalar: Scalar,
    min: Option<Bound>,
    max: Option<Bound>,
) -> Vec<TokenStream> {
    let integer = |b: Option<Bound>| match b {
        Some(Bound::Integer(i)) => Some(i),
        _ => None,
    };
    let decimal = |b: Option<Bound>| match b {
        Some(Bound::Decimal(d)) => Some(d),
        _ => None,
    };
    let mut out = Vec::new();
    match scalar {
        Scalar::Integer => {
            let (lo, hi) = (integer(min), integer(max));
            if lo.is_some() || hi.is_some() {
                let (lo, hi) = (bound_i64(lo), bound_i64(hi));
                out.push(quote!(v.range_integer(#j, x.copied(), #lo, #hi);));
            }
            let (lo, hi) = (decimal(min), decimal(max));
            if lo.is_some() || hi.is_some() {
                let (lo, hi) = (bound_f64(lo), bound_f64(hi));
                out.push(quote!(v.range_integer_decimal(#j, x.copied(), #lo, #hi);));
            }
        }
        Scalar::Number => {
            // `as f64` then `as i128` gives the integer back exactly when an f64 holds it.
            let held = |i: i128| (i as f64) as i128 == i;
            let as_f64 = |b: Option<Bound>| match b {
                Some(Bound::Integer(i)) if held(i) => Some(i as f64),
                other => decimal(other),
            };
            let large = |b: Option<Bound>| integer(b).filter(|i| !held(*i));
            let (lo, hi) = (as_f64(min), as_f64(max));
            if lo.is_some() || hi.is_some() {
                let (lo, hi) = (bound_f64(lo), bound_f64(hi));
                out.push(quote!(v.range(#j, x.copied(), #lo, #hi);));
            }
            let (lo, hi) = (large(min), large(max));
            if lo.is_some() || hi.is_some() {
                let (lo, hi) = (bound_i128(lo), bound_i128(hi));
                out.push(quote!(v.range_number_integer(#j, x.copied(), #lo, #hi);));
            }
        }
        Scalar::String | Scalar::Boolean => {}
    }
    out
}

/// What the schema says an attribute's JSON is, for a message: `an integer`, `an array of
/// strings`, `an object`.
pub(super) fn expected_kind(kind: Kind) -> String {
    match kind {
        Kind::Scalar(s) => s.with_article().to_string(),
        Kind::Array(s) => format!("an array of {}s", s.as_str()),
        Kind::Object => "an object".to_string(),
    }
}

/// The `validate()` statements of one attribute (`get`, `is_unset`: the `Attribute` methods
/// they read it with).
pub(super) fn checks(f: &FieldIr, get: &Ident, is_unset: &Ident) -> Vec<TokenStream> {
    let a = &f.attribute;
    let (n, j) = (ident(&f.rust_name), &a.name);
    let mut out = Vec::new();
    // A value of another kind counts as set: it is reported once, as that.
    if a.required && !a.read_only() {
        out.push(quote!(v.required(#j, !self.#n.#is_unset());));
    }
    let each = matches!(a.kind, Kind::Array(_));
    // Each check is written for one value `x: Option<&T>` (or a number as f64).
    let mut one: Vec<TokenStream> = Vec::new();
    let r = &a.rules;
    match a.kind.scalar() {
        Some(Scalar::String) => {
            if r.min_length.is_some() || r.max_length.is_some() {
                let (lo, hi) = (bound_u64(r.min_length), bound_u64(r.max_length));
                one.push(quote!(v.length(#j, x.map(|s| s.as_str()), #lo, #hi);));
            }
            if let Some(e) = enum_of(&f.ty) {
                let (t, as_str, values) = (
                    ident(&e.name),
                    ident(contract::ENUM_AS_STR),
                    ident(contract::ENUM_VALUES),
                );
                one.push(quote!(v.listed(#j, x.map(|e| e.#as_str()), #t::#values);));
            }
        }
        Some(Scalar::Integer) => {
            one.extend(range_checks(j, Scalar::Integer, r.minimum, r.maximum));
            if !a.choices.is_empty() {
                let allowed = a
                    .choices
                    .iter()
                    .filter_map(|c| c.value.as_i64())
                    .map(Literal::i64_suffixed);
                one.push(quote!(v.listed_integer(#j, x.copied(), &[#(#allowed),*]);));
            }
        }
        Some(Scalar::Number) => {
            one.extend(range_checks(j, Scalar::Number, r.minimum, r.maximum));
            if !a.choices.is_empty() {
                let allowed = a
                    .choices
                    .iter()
                    .filter_map(|c| c.value.as_f64())
                    .map(Literal::f64_suffixed);
                one.push(quote!(v.listed_number(#j, x.copied(), &[#(#allowed),*]);));
            }
        }
        _ => {}
    }
    if one.is_empty() {
        return out;
    }
    if each {
        out.push(quote! {
            for item in self.#n.#get().into_iter().flatten() {
                let x = Some(item);
                #(#one)*
            }
        });
    } else {
        out.push(quote! {
            {
                let x = self.#n.#get();
                #(#one)*
            }
        });
    }
    out
}
