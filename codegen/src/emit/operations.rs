//! `generated/src/operations/`: one file per API group with its accessor on `Client`, the group
//! API struct, and one request builder per operation; plus `mod.rs`.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{clean, doc_attrs, doc_cfg, inner_doc_attrs, paragraphs};
use super::plan::{GroupPlan, Plan};
use super::types::{ident, rust_type};
use crate::contract;
use crate::ir::{BodyKind, Group, Operation, Output, Param, ParamIn, TypeRef};

/// `operations/mod.rs`: one module per group, behind the group's feature.
pub fn module(plan: &Plan) -> TokenStream {
    let mods = plan.groups.iter().map(|g| {
        let m = ident(&g.module);
        let f = &g.feature;
        let doc_cfg = doc_cfg([f.as_str()]);
        quote!(#[cfg(feature = #f)] #doc_cfg pub mod #m;)
    });
    let doc = inner_doc_attrs(&format!(
        "The operations of the Okta Management API, one module per API group.\n\nEach group is reached from {} (`client.event_hook()`); each\noperation returns a request builder whose required inputs were its arguments and whose\noptional inputs are setters, and which ends with `.send().await`. For what the catalog does\nnot know (parameters, bodies, response types), every builder has `customize()`: see\n{}.",
        contract::CLIENT.doc_link(None),
        contract::CUSTOMIZE.doc_link(None),
    ));
    quote!(#doc #(#mods)*)
}

/// One group's file.
pub fn group(g: &Group, gp: &GroupPlan) -> TokenStream {
    let api = ident(&gp.api_type);
    let accessor = ident(&gp.accessor);
    let gdoc = paragraphs([
        Some(format!("The {} API.", g.name)),
        g.description.as_deref().map(clean),
    ]);
    let file_doc = inner_doc_attrs(&gdoc);
    let api_doc = doc_attrs(&gdoc);
    let accessor_doc = doc_attrs(&format!("Operations of the {} API group.", g.name));
    let accessor_cfg = doc_cfg([gp.feature.as_str()]);
    let methods = g.operations.iter().map(constructor);
    let builders = g.operations.iter().map(|o| builder(gp, o));
    let client = contract::CLIENT.path();
    let [m_client, ..] = members();
    quote! {
        #file_doc

        impl #client {
            #accessor_doc
            #accessor_cfg
            pub fn #accessor(&self) -> #api {
                #api { #m_client: self.clone() }
            }
        }

        #api_doc
        #[derive(Clone, Debug)]
        pub struct #api {
            #m_client: #client,
        }

        impl #api {
            #(#methods)*
        }

        #(#builders)*
    }
}

/// The user's documentation of an operation: what it does, its endpoint and its answers.
/// Provenance (sources, catalog notes) is for maintainers and stays in the catalog and
/// `openapi.json` (`x-sources`, `x-notes`).
fn op_doc(o: &Operation) -> String {
    let endpoint = format!("`{} {}`", o.method.as_str(), o.path);
    let responses: Vec<String> = o
        .responses
        .iter()
        .filter_map(|r| {
            let description = r
                .description
                .as_deref()
                .filter(|d| d.trim() != UNDOCUMENTED)
                .map(clean);
            match r.status {
                // The catalog's `default` stands for a success whose status the documents do
                // not state; without a description it says nothing a user can use.
                None => description.map(|d| format!("- Success (status not stated): {d}")),
                Some(s) if (200..300).contains(&s) => {
                    Some(format!("- `{s}`: {}", description.unwrap_or_default()))
                }
                Some(s) => Some(format!(
                    "- `{s}`: {}{}returned as `Error::Api` with Okta's error body",
                    description.as_deref().unwrap_or_default(),
                    if description.is_some() { " — " } else { "" },
                )),
            }
        })
        .collect();
    let responses =
        (!responses.is_empty()).then(|| format!("# Responses\n{}", responses.join("\n")));
    paragraphs([
        Some(clean(&o.summary)),
        o.description.as_deref().map(clean),
        Some(endpoint),
        responses,
    ])
}

/// The description the catalog gives a response the documents do not describe
/// (spec/README.md); it is provenance, not something to tell a user.
const UNDOCUMENTED: &str = "Not documented by the source documents";

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
        let (arg, stored, _) = body_type(b);
        v.push((ident(contract::BUILDER_BODY), arg, stored, true));
    }
    v
}

/// Whether a body is JSON the catalog leaves untyped: it takes any `Serialize` value.
/// The members every request builder has, from the contract: client, body, send, customize,
/// into_stream.
fn members() -> [proc_macro2::Ident; 5] {
    [
        contract::BUILDER_CLIENT,
        contract::BUILDER_BODY,
        contract::BUILDER_SEND,
        contract::BUILDER_CUSTOMIZE,
        contract::BUILDER_INTO_STREAM,
    ]
    .map(ident)
}

fn untyped_json(b: &crate::ir::Body) -> bool {
    b.kind == BodyKind::Json && matches!(b.ty, TypeRef::Any | TypeRef::Object)
}

/// How a body is taken as an argument, how it is stored, and how a stored value is attached.
fn body_type(b: &crate::ir::Body) -> (TokenStream, TokenStream, TokenStream) {
    if untyped_json(b) {
        let json_body = contract::JSON_BODY.path();
        return (quote!(impl serde::Serialize), json_body, {
            let json_body = contract::REQUEST_JSON_BODY.ident();
            quote!(request.#json_body(value))
        });
    }
    let ty = rust_type(&b.ty);
    let attach = match b.kind {
        BodyKind::Json => {
            let json = contract::REQUEST_JSON.ident();
            quote!(request.#json(&value))
        }
        BodyKind::Multipart => {
            let multipart = contract::REQUEST_MULTIPART.ident();
            let into_multipart = contract::INTO_MULTIPART_CALL.path();
            quote!(request.#multipart(#into_multipart(value)))
        }
    };
    (quote!(impl Into<#ty>), ty, attach)
}

/// The expression that stores an argument taken as `arg_type`/`body_type`.
fn store(name: &proc_macro2::Ident, untyped_body: bool) -> TokenStream {
    if untyped_body {
        let json_body_new = contract::JSON_BODY_NEW.path();
        quote!(#json_body_new(&#name))
    } else {
        quote!(#name.into())
    }
}

fn constructor(o: &Operation) -> TokenStream {
    let f = ident(&o.fn_name);
    let b = ident(&o.name);
    let doc = doc_attrs(&op_doc(o));
    let req = required_inputs(o);
    let args = req.iter().map(|(n, arg, _, _)| quote!(#n: #arg));
    let untyped_body = o.body.as_ref().is_some_and(untyped_json);
    let mut inits: Vec<TokenStream> = req
        .iter()
        .map(|(n, _, _, into)| {
            if *n == contract::BUILDER_BODY {
                let v = store(n, untyped_body);
                quote!(#n: #v)
            } else if *into {
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
    let [m_client, m_body, ..] = members();
    if o.body.as_ref().is_some_and(|b| !b.required) {
        inits.push(quote!(#m_body: None));
    }
    quote! {
        #doc
        pub fn #f(&self, #(#args),*) -> #b {
            #b { #m_client: self.#m_client.clone(), #(#inits,)* }
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

fn builder(g: &GroupPlan, o: &Operation) -> TokenStream {
    let b = ident(&o.name);
    let doc = doc_attrs(&format!(
        "Request builder for [`{}::{}`]: {}",
        g.api_type,
        o.fn_name,
        clean(&o.summary)
    ));
    let op_name = &o.name;
    let method = ident(o.method.as_str());
    let template = &o.path;

    let (client, customize, request_new, customize_new) = (
        contract::CLIENT.path(),
        contract::CUSTOMIZE.path(),
        contract::REQUEST_NEW.path(),
        contract::CUSTOMIZE_NEW.path(),
    );
    let (send_it, stream_it) = (
        contract::CUSTOMIZE_SEND.ident(),
        contract::CUSTOMIZE_INTO_STREAM.ident(),
    );
    let (error, api_response) = (contract::ERROR.path(), contract::API_RESPONSE.path());
    let [m_client, m_body, m_send, m_customize, m_into_stream] = members();
    let mut fields = vec![quote!(#m_client: #client)];
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
        let (_, ty, _) = body_type(body);
        fields.push(if body.required {
            quote!(#m_body: #ty)
        } else {
            quote!(#m_body: Option<#ty>)
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
        let (arg, _, _) = body_type(body);
        let value = ident("value");
        let stored = store(&value, untyped_json(body));
        let d = doc_attrs(&paragraphs([
            body.description.as_deref().map(clean),
            Some("The optional request body.".into()),
        ]));
        quote! {
            #d
            pub fn #m_body(mut self, value: #arg) -> Self {
                self.#m_body = Some(#stored);
                self
            }
        }
    });

    // The runtime fills the template's placeholders in order: the values come in the IR's
    // segment order (`path_params`), never in the declaration order of `params`.
    let path_args: Vec<TokenStream> = o
        .path_params()
        .map(|p| {
            let n = ident(&p.rust_name);
            match &p.ty {
                TypeRef::String => quote!(&self.#n),
                TypeRef::Model(_) => quote!(self.#n.as_str()),
                _ => quote!(&self.#n.to_string()),
            }
        })
        .collect();
    let mut attach: Vec<TokenStream> = o
        .params
        .iter()
        .filter(|p| p.location != ParamIn::Path)
        .map(|p| {
            let n = ident(&p.rust_name);
            let w = &p.wire_name;
            let call = if p.location == ParamIn::Header {
                contract::REQUEST_HEADER.ident()
            } else {
                contract::REQUEST_QUERY.ident()
            };
            if p.required {
                quote!(request.#call(#w, &self.#n);)
            } else {
                quote!(if let Some(value) = &self.#n { request.#call(#w, value); })
            }
        })
        .collect();
    if let Some(body) = &o.body {
        let (_, _, add) = body_type(body);
        attach.push(if body.required {
            quote!({ let value = self.#m_body; #add; })
        } else {
            quote!(if let Some(value) = self.#m_body { #add; })
        });
    }

    let (kind, send) = match (&o.output, o.paginated) {
        (Output::Json(TypeRef::Array(item)), true) => {
            let item = rust_type(item);
            let (paged, page, stream) = (
                contract::PAGED.path(),
                contract::PAGE.path(),
                contract::ITEM_STREAM.path(),
            );
            let send_doc = doc_attrs(&format!(
                "Sends the request and returns the first page; follow `Link: rel=\"next\"` with {}, or use [`{s}`](Self::{s}) for every item.",
                contract::PAGE.doc_link(Some("next_page")),
                s = contract::BUILDER_INTO_STREAM,
            ));
            (
                quote!(#paged<#item>),
                quote! {
                    #send_doc
                    pub async fn #m_send(self) -> Result<#page<#item>, #error> {
                        self.#m_customize().#send_it().await
                    }

                    /// Every item of every page, fetched lazily one page at a time.
                    pub fn #m_into_stream(self) -> #stream<#item> {
                        self.#m_customize().#stream_it()
                    }
                },
            )
        }
        (Output::Json(TypeRef::Array(item)), false) => {
            let item = rust_type(item);
            let list = contract::LIST.path();
            let send_doc = doc_attrs(&format!(
                "Sends the request and decodes the array; items that do not decode are kept in {}.",
                contract::API_RESPONSE.doc_link(Some("undecoded"))
            ));
            (
                quote!(#list<#item>),
                quote! {
                    #send_doc
                    pub async fn #m_send(self) -> Result<#api_response<Vec<#item>>, #error> {
                        self.#m_customize().#send_it().await
                    }
                },
            )
        }
        (Output::Json(t), _) => {
            let t = rust_type(t);
            let json = contract::JSON.path();
            (
                quote!(#json<#t>),
                quote! {
                    /// Sends the request and decodes the response.
                    pub async fn #m_send(self) -> Result<#api_response<#t>, #error> {
                        self.#m_customize().#send_it().await
                    }
                },
            )
        }
        (Output::Text(media_type), _) => {
            let accept = contract::REQUEST_ACCEPT.ident();
            attach.push(quote!(request.#accept(#media_type);));
            (
                contract::TEXT.path(),
                quote! {
                    /// Sends the request and returns the body as text.
                    pub async fn #m_send(self) -> Result<#api_response<String>, #error> {
                        self.#m_customize().#send_it().await
                    }
                },
            )
        }
        (Output::Empty, _) => (
            contract::NO_BODY.path(),
            quote! {
                /// Sends the request; the response has no body.
                pub async fn #m_send(self) -> Result<#api_response<()>, #error> {
                    self.#m_customize().#send_it().await
                }
            },
        ),
    };

    let customize_doc = doc_attrs(&format!(
        "Opens the request to what the catalog does not know: see {}.",
        contract::CUSTOMIZE.doc_link(None)
    ));
    // `mut` only where something is added, so that no lint needs silencing.
    let binding = if attach.is_empty() {
        quote!(let request)
    } else {
        quote!(let mut request)
    };
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

            #customize_doc
            // Compiled where it is called (`send` is async, so it is too): an operation the
            // user's code never sends costs nothing to build.
            #[inline]
            pub fn #m_customize(self) -> #customize<#kind> {
                #binding = #request_new(
                    #op_name,
                    http::Method::#method,
                    #template,
                    &[#(#path_args),*],
                );
                #(#attach)*
                #customize_new(self.#m_client, request)
            }

            #send
        }
    }
}
