//! Tests emitted from the catalog (`tests/tests/generated/`), so that every operation and every
//! model is covered without anyone writing a test by hand:
//!
//! * `operations.rs`: one test per operation against a local HTTP server, checking the method,
//!   path, query, headers and body the client sends, and what the response becomes: for a struct
//!   model, that every field of the sample decodes into its typed field (only the sample's
//!   unknown field is left in `additional_properties`) and encodes back unchanged; for untyped
//!   JSON, text or no body, only that it arrives unchanged (each test's doc says which), through
//!   the helpers of the hand-written `tests/tests/operations.rs`;
//! * `models.rs`: the list of every serde model, for the property tests in `tests/tests/models.rs`.

use proc_macro2::TokenStream;
use quote::quote;

use super::plan::{GroupPlan, Plan};
use super::samples::{param_text, sample};
use super::types::ident;
use crate::contract;
use crate::ir::{Api, BodyKind, ModelKind, Operation, Output, ParamIn, Segment, TypeRef};

pub fn operations(api: &Api, plan: &Plan) -> TokenStream {
    let tests = api
        .groups
        .iter()
        .zip(&plan.groups)
        .flat_map(|(g, gp)| g.operations.iter().map(move |o| operation_test(api, gp, o)));
    quote! {
        //! One test per catalog operation (emitted by `cargo xtask generate`).
        use wiremock::matchers::{body_string_contains, header, header_regex, method, path, query_param};
        use wiremock::{Mock, ResponseTemplate};
        #(#tests)*
    }
}

/// A Rust expression for a required argument or setter value of type `t`.
fn value_expr(api: &Api, t: &TypeRef, name: &str) -> TokenStream {
    match t {
        TypeRef::String => {
            let s = format!("{name}-1");
            quote!(#s)
        }
        TypeRef::Integer(_) => quote!(7),
        TypeRef::Number => quote!(1.5),
        TypeRef::Boolean => quote!(true),
        TypeRef::Model(_) => {
            let s = param_text(api, t, name).remove(0);
            quote!(#s)
        }
        other => {
            let json = sample(api, other, 0).to_string();
            quote!(super::from_json(#json))
        }
    }
}

fn operation_test(api: &Api, g: &GroupPlan, o: &Operation) -> TokenStream {
    let test_name = ident(&format!(
        "{}__{}",
        g.module.trim_end_matches('_'),
        o.fn_name.trim_end_matches('_')
    ));
    let accessor = ident(&g.accessor);
    let f = ident(&o.fn_name);
    let m = o.method.as_str();

    let mut expected_path = String::new();
    for seg in &o.segments {
        expected_path.push('/');
        match seg {
            Segment::Literal(l) => expected_path.push_str(l),
            Segment::Param(i) => {
                let p = &o.params[*i];
                expected_path.push_str(&param_text(api, &p.ty, &p.wire_name).remove(0));
            }
        }
    }
    // The helpers named here (`serve`, `json_body`, `json`, `assert_json`, `client`,
    // `from_json`) live in the hand-written tests/tests/operations.rs, so that each emitted test
    // is only what differs between operations.
    let mut matchers = vec![quote!(.and(path(#expected_path)))];
    for p in o.params.iter().filter(|p| p.location != ParamIn::Path) {
        let w = &p.wire_name;
        for v in param_text(api, &p.ty, &p.wire_name) {
            matchers.push(match p.location {
                ParamIn::Header => quote!(.and(header(#w, #v))),
                _ => quote!(.and(query_param(#w, #v))),
            });
        }
    }

    let mut args = Vec::new();
    for p in o.params.iter().filter(|p| p.required) {
        args.push(value_expr(api, &p.ty, &p.wire_name));
    }
    let mut setters = Vec::new();
    for p in o.params.iter().filter(|p| !p.required) {
        let n = ident(&p.rust_name);
        let v = value_expr(api, &p.ty, &p.wire_name);
        setters.push(quote!(.#n(#v)));
    }
    if let Some(b) = &o.body {
        let value = match b.kind {
            BodyKind::Json => {
                let json = sample(api, &b.ty, 0).to_string();
                matchers.push(quote!(.and(super::json_body(#json))));
                // Bodies take `impl Into<Model>` or `impl Serialize`: name the type.
                let ty = super::types::rust_type_at(&b.ty, &quote!(okta_client));
                quote!(super::from_json::<#ty>(#json))
            }
            BodyKind::Multipart => {
                matchers.push(
                    quote!(.and(header_regex("content-type", "^multipart/form-data; boundary="))),
                );
                matchers.push(quote!(.and(body_string_contains("file-bytes"))));
                multipart_value(api, &b.ty)
            }
        };
        if b.required {
            args.push(value);
        } else {
            setters.push(quote!(.body(#value)));
        }
    }

    let success = o
        .responses
        .iter()
        .find_map(|r| r.status.filter(|s| (200..300).contains(s)))
        .unwrap_or(200);
    let request = "the request the client sends (method, path, query, headers, body, API token)";
    let (respond, check, what) = match (&o.output, o.paginated) {
        (Output::Json(t), paginated) => {
            let json = sample(api, t, 0).to_string();
            let got = if paginated {
                quote!(response.items)
            } else {
                quote!(response.body)
            };
            // The round trip alone cannot see a field decoded under the wrong name: it lands in
            // `additional_properties` and is written back unchanged. For a struct, check that
            // only the sample's unknown field is there.
            let (typed, what) = match typed_struct(api, t) {
                Some(first_item) => {
                    let first = if first_item {
                        quote!(#got[0])
                    } else {
                        got.clone()
                    };
                    let member = ident(contract::ADDITIONAL_PROPERTIES);
                    (
                        Some(quote!(super::assert_typed(&#first.#member);)),
                        format!("Checks {request}, and that the documented response decodes into its typed fields and encodes back without loss."),
                    )
                }
                None => (
                    None,
                    format!("Checks {request}, and that the response body arrives unchanged; the catalog types it as untyped JSON, so there is no typed decoding to check."),
                ),
            };
            (
                quote!(super::json(#success, #json)),
                quote!(super::assert_json(&#got, #json); #typed),
                what,
            )
        }
        (Output::Text(media_type), _) => {
            matchers.push(quote!(.and(header("accept", #media_type))));
            (
                quote!(ResponseTemplate::new(#success).set_body_raw("<sample/>", #media_type)),
                quote!(assert_eq!(response.body, "<sample/>");),
                format!("Checks {request}, and that the text response arrives unchanged."),
            )
        }
        (Output::Empty, _) => (
            quote!(ResponseTemplate::new(#success)),
            quote!(assert_eq!(response.status.as_u16(), #success);),
            format!("Checks {request}, and the status of its response, which has no body."),
        ),
    };
    let name = &o.name;
    let doc = format!("`{name}`: {what}");
    let send = ident(contract::BUILDER_SEND);
    quote! {
        #[doc = #doc]
        #[tokio::test]
        async fn #test_name() {
            let server = super::serve(Mock::given(method(#m)) #(#matchers)*, #respond).await;
            let response = super::client(&server)
                .#accessor()
                .#f(#(#args),*)
                #(#setters)*
                .#send()
                .await
                .expect(#name);
            #check
        }
    }
}

/// Whether a response of type `t` decodes into a struct model (`Some(false)`) or an array of
/// them (`Some(true)`), through aliases; `None` for anything else.
fn typed_struct(api: &Api, t: &TypeRef) -> Option<bool> {
    let resolve = |t: &TypeRef| {
        let mut t = t.clone();
        // Alias chains are acyclic (the validator refuses loops); the bound is only a guard.
        for _ in 0..16 {
            match &t {
                TypeRef::Model(n) => match api.model(n).map(|m| &m.kind) {
                    Some(ModelKind::Alias(inner)) => t = inner.clone(),
                    _ => break,
                },
                _ => break,
            }
        }
        t
    };
    let is_struct = |t: &TypeRef| match t {
        TypeRef::Model(n) => matches!(api.model(n).map(|m| &m.kind), Some(ModelKind::Struct(_))),
        _ => false,
    };
    match resolve(t) {
        TypeRef::Array(inner) => is_struct(&resolve(&inner)).then_some(true),
        other => is_struct(&other).then_some(false),
    }
}

/// `Model::new(required parts…)` with sample parts, for a multipart body.
fn multipart_value(api: &Api, t: &TypeRef) -> TokenStream {
    let TypeRef::Model(name) = t else {
        return quote!(compile_error!("multipart body is not a model"));
    };
    let Some(ModelKind::Multipart(fields)) = api.model(name).map(|m| &m.kind) else {
        return quote!(compile_error!("multipart body is not a multipart model"));
    };
    let ty = ident(name);
    let args = fields
        .iter()
        .filter(|f| f.is_required())
        .map(|f| match &f.ty {
            TypeRef::Binary => {
                let file_part = contract::FILE_PART.path_from(&quote!(okta_client));
                quote!(#file_part::new(&b"file-bytes"[..]))
            }
            other => value_expr(api, other, &f.json_name),
        });
    let models = contract::MODELS.path_from(&quote!(okta_client));
    quote!(#models::#ty::new(#(#args),*))
}

pub fn models(api: &Api) -> TokenStream {
    let entries = api.models.iter().filter_map(|m| match m.kind {
        ModelKind::Struct(_) | ModelKind::Enum(_) => {
            let name = &m.name;
            let ty = ident(&m.name);
            let models = contract::MODELS.path_from(&quote!(okta_client));
            Some(quote!((#name, super::roundtrip::<#models::#ty> as super::Roundtrip),))
        }
        _ => None,
    });
    quote! {
        //! Every serde model of the catalog (emitted by `cargo xtask generate`).
        /// Each model's name (as in `generated/openapi.json`) and its decode → encode function.
        pub fn all() -> Vec<(&'static str, super::Roundtrip)> {
            vec![#(#entries)*]
        }
    }
}
