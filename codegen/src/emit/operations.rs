//! `generated/src/operations/`: one file per API group with its accessor on `Client`, the group
//! API struct, and one request builder per operation; plus `mod.rs`.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{clean, doc_attrs, inner_doc_attrs, paragraphs};
use super::types::{ident, rust_type};
use crate::ir::{Api, BodyKind, Group, Operation, Output, Param, ParamIn, TypeRef};

/// `operations/mod.rs`: one module per group, behind the group's feature.
pub fn module(api: &Api) -> TokenStream {
    let mods = api.groups.iter().map(|g| {
        let m = ident(&g.module);
        let f = &g.feature;
        quote!(#[cfg(feature = #f)] mod #m; #[cfg(feature = #f)] pub use #m::*;)
    });
    let doc = inner_doc_attrs(
        "The operations of the Okta Management API, one module per API group.\n\nEach group is reached from [`Client`](crate::Client) (`client.event_hook()`); each\noperation returns a request builder whose required inputs were its arguments and whose\noptional inputs are setters, and which ends with `.send().await`.",
    );
    quote!(#doc #(#mods)*)
}

/// One group's file.
pub fn group(g: &Group) -> TokenStream {
    let api = ident(&g.api_type);
    let accessor = ident(&g.accessor);
    let gdoc = paragraphs([
        Some(format!("The {} API.", g.name)),
        g.description.as_deref().map(clean),
    ]);
    let file_doc = inner_doc_attrs(&gdoc);
    let api_doc = doc_attrs(&gdoc);
    let accessor_doc = doc_attrs(&format!("Operations of the {} API group.", g.name));
    let methods = g.operations.iter().map(constructor);
    let builders = g.operations.iter().map(|o| builder(g, o));
    quote! {
        #file_doc

        impl crate::Client {
            #accessor_doc
            pub fn #accessor(&self) -> #api {
                #api { client: self.clone() }
            }
        }

        #api_doc
        #[derive(Clone, Debug)]
        pub struct #api {
            client: crate::Client,
        }

        impl #api {
            #(#methods)*
        }

        #(#builders)*
    }
}

fn op_doc(o: &Operation) -> String {
    let endpoint = format!("`{} {}`", o.method.as_str(), o.path);
    let responses = o
        .responses
        .iter()
        .map(|r| {
            let status = r
                .status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "default".into());
            let body = match &r.ty {
                Some(_) => "",
                None => " (no body)",
            };
            format!(
                "- `{status}`{body}: {}",
                r.description.as_deref().map(clean).unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    paragraphs([
        Some(clean(&o.summary)),
        o.description.as_deref().map(clean),
        Some(endpoint),
        o.notes
            .as_deref()
            .map(|n| format!("Catalog note: {}", clean(n))),
        Some(format!("# Responses\n{responses}")),
        Some(format!(
            "Source: {}.",
            o.sources
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    ])
}

/// How a required input is taken as an argument: its type and how it is stored.
fn arg_type(t: &TypeRef) -> (TokenStream, TokenStream, bool) {
    match t {
        TypeRef::String => (quote!(impl Into<String>), quote!(String), true),
        TypeRef::Model(_) => {
            let ty = rust_type(t);
            (quote!(impl Into<#ty>), ty, true)
        }
        other => {
            let ty = rust_type(other);
            (ty.clone(), ty, false)
        }
    }
}

fn required_inputs(o: &Operation) -> Vec<(proc_macro2::Ident, TokenStream, TokenStream, bool)> {
    let mut v = Vec::new();
    for p in o.params.iter().filter(|p| p.required) {
        let (arg, stored, into) = arg_type(&p.ty);
        v.push((ident(&p.rust_name), arg, stored, into));
    }
    if let Some(b) = o.body.as_ref().filter(|b| b.required) {
        let ty = rust_type(&b.ty);
        v.push((ident("body"), ty.clone(), ty, false));
    }
    v
}

fn constructor(o: &Operation) -> TokenStream {
    let f = ident(&o.fn_name);
    let b = ident(&o.name);
    let doc = doc_attrs(&op_doc(o));
    let req = required_inputs(o);
    let args = req.iter().map(|(n, arg, _, _)| quote!(#n: #arg));
    let mut inits: Vec<TokenStream> = req
        .iter()
        .map(|(n, _, _, into)| {
            if *into {
                quote!(#n: #n.into())
            } else {
                quote!(#n)
            }
        })
        .collect();
    for p in o.params.iter().filter(|p| !p.required) {
        let n = ident(&p.rust_name);
        inits.push(quote!(#n: None));
    }
    if o.body.as_ref().is_some_and(|b| !b.required) {
        inits.push(quote!(body: None));
    }
    quote! {
        #doc
        pub fn #f(&self, #(#args),*) -> #b {
            #b { client: self.client.clone(), #(#inits,)* }
        }
    }
}

fn param_doc(p: &Param) -> String {
    paragraphs([
        p.description.as_deref().map(clean),
        Some(format!(
            "Sent as the {} parameter `{}`.",
            p.location.as_str(),
            p.wire_name
        )),
    ])
}

fn builder(g: &Group, o: &Operation) -> TokenStream {
    let b = ident(&o.name);
    let api = ident(&g.api_type);
    let f = ident(&o.fn_name);
    let doc = format!(
        "Request builder for [`{}::{}`]: {}",
        g.api_type,
        o.fn_name,
        clean(&o.summary)
    );
    let _ = (&api, &f);
    let doc = doc_attrs(&doc);
    let op_name = &o.name;
    let method = ident(o.method.as_str());
    let template = &o.path;

    let mut fields = vec![quote!(client: crate::Client)];
    for p in &o.params {
        let n = ident(&p.rust_name);
        let ty = rust_type(&p.ty);
        fields.push(if p.required {
            quote!(#n: #ty)
        } else {
            quote!(#n: Option<#ty>)
        });
    }
    if let Some(body) = &o.body {
        let ty = rust_type(&body.ty);
        fields.push(if body.required {
            quote!(body: #ty)
        } else {
            quote!(body: Option<#ty>)
        });
    }

    let setters = o.params.iter().filter(|p| !p.required).map(|p| {
        let n = ident(&p.rust_name);
        let d = doc_attrs(&param_doc(p));
        let (arg, _, into) = arg_type(&p.ty);
        let value = if into {
            quote!(value.into())
        } else {
            quote!(value)
        };
        quote! {
            #d
            pub fn #n(mut self, value: #arg) -> Self {
                self.#n = Some(#value);
                self
            }
        }
    });
    let body_setter = o.body.as_ref().filter(|b| !b.required).map(|body| {
        let ty = rust_type(&body.ty);
        let d = doc_attrs(&paragraphs([
            body.description.as_deref().map(clean),
            Some("The optional request body.".into()),
        ]));
        quote! {
            #d
            pub fn body(mut self, value: #ty) -> Self {
                self.body = Some(value);
                self
            }
        }
    });

    let path_args = o.path_params().map(|p| {
        let n = ident(&p.rust_name);
        match &p.ty {
            TypeRef::String => quote!(&self.#n),
            TypeRef::Model(_) => quote!(self.#n.as_str()),
            _ => quote!(&self.#n.to_string()),
        }
    });
    let others = o
        .params
        .iter()
        .filter(|p| p.location != ParamIn::Path)
        .map(|p| {
            let n = ident(&p.rust_name);
            let w = &p.wire_name;
            let call = if p.location == ParamIn::Header {
                quote!(header)
            } else {
                quote!(query)
            };
            if p.required {
                quote!(request.#call(#w, &self.#n);)
            } else {
                quote!(if let Some(value) = &self.#n { request.#call(#w, value); })
            }
        });
    let body = o.body.as_ref().map(|body| {
        let attach = match body.kind {
            BodyKind::Json => quote!(request.json(&value)),
            BodyKind::Multipart => {
                quote!(request.multipart(crate::runtime::IntoMultipart::into_multipart(value)))
            }
        };
        if body.required {
            quote!({ let value = self.body; #attach; })
        } else {
            quote!(if let Some(value) = self.body { #attach; })
        }
    });

    let send = match (&o.output, o.paginated) {
        (Output::Json(TypeRef::Array(item)), true) => {
            let item = rust_type(item);
            quote! {
                /// Sends the request and returns the first page; follow `Link: rel="next"` with
                /// [`Page::next_page`](crate::Page::next_page), or use
                /// [`into_stream`](Self::into_stream) for every item.
                pub async fn send(self) -> Result<crate::Page<#item>, crate::Error> {
                    let (client, request) = self.into_parts();
                    client.send_page(request).await
                }

                /// Every item of every page, fetched lazily one page at a time.
                pub fn into_stream(self) -> crate::ItemStream<#item> {
                    let (client, request) = self.into_parts();
                    client.stream_items(request)
                }
            }
        }
        (Output::Json(t), _) => {
            let t = rust_type(t);
            quote! {
                /// Sends the request and decodes the response.
                pub async fn send(self) -> Result<crate::ApiResponse<#t>, crate::Error> {
                    let (client, request) = self.into_parts();
                    client.send_json(request).await
                }
            }
        }
        (Output::Empty, _) => quote! {
            /// Sends the request; the response has no body.
            pub async fn send(self) -> Result<crate::ApiResponse<()>, crate::Error> {
                let (client, request) = self.into_parts();
                client.send_empty(request).await
            }
        },
    };

    let path_args: Vec<TokenStream> = path_args.collect();
    quote! {
        #doc
        #[derive(Clone, Debug)]
        #[must_use = "a request builder does nothing until `.send().await`"]
        pub struct #b {
            #(#fields,)*
        }

        impl #b {
            #(#setters)*
            #body_setter

            fn into_parts(self) -> (crate::Client, crate::runtime::Request) {
                #[allow(unused_mut)]
                let mut request = crate::runtime::Request::new(
                    #op_name,
                    reqwest::Method::#method,
                    #template,
                    &[#(#path_args),*],
                );
                #(#others)*
                #body
                (self.client, request)
            }

            #send
        }
    }
}
