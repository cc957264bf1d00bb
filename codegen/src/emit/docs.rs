//! Rustdoc text from catalog descriptions.

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc = "…"]` attributes, one per line, so prettyplease renders them as `///` comments.
pub fn doc_attrs(text: &str) -> TokenStream {
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!(" {l}")
            }
        })
        .collect();
    quote!(#(#[doc = #lines])*)
}

/// `#![doc = "…"]` attributes documenting the enclosing module.
pub fn inner_doc_attrs(text: &str) -> TokenStream {
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!(" {l}")
            }
        })
        .collect();
    quote!(#(#![doc = #lines])*)
}

/// Escapes text that rustdoc would read as markup it cannot resolve (`[x]` links, `<tags>`,
/// bare URLs).
pub fn clean(text: &str) -> String {
    let t = text.trim();
    let t = t
        .split(' ')
        .map(|w| {
            if w.contains("://") && !w.contains('`') {
                format!("`{w}`")
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = String::with_capacity(t.len());
    let mut in_code = false;
    for c in t.chars() {
        if c == '`' {
            in_code = !in_code;
        }
        if in_code {
            out.push(c);
            continue;
        }
        match c {
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// Joins optional paragraphs with blank lines.
pub fn paragraphs<I: IntoIterator<Item = Option<String>>>(parts: I) -> String {
    parts
        .into_iter()
        .flatten()
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// `#[cfg_attr(docsrs, doc(cfg(…)))]` for an item compiled only with one of `features`, so that
/// docs.rs (built with `--cfg docsrs`, see `generated/Cargo.toml.in`) shows which feature to
/// turn on; nothing for an item every build has.
pub fn doc_cfg<'a>(features: impl IntoIterator<Item = &'a str>) -> TokenStream {
    let features: Vec<&str> = features.into_iter().collect();
    match features.as_slice() {
        [] => quote!(),
        [f] => quote!(#[cfg_attr(docsrs, doc(cfg(feature = #f)))]),
        fs => quote!(#[cfg_attr(docsrs, doc(cfg(any(#(feature = #fs),*))))]),
    }
}
