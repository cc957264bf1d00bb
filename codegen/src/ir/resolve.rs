//! AST → IR. Assumes the catalog has passed [`crate::validate`]: references resolve and path
//! parameters match their templates. Everything else it reads is already typed by `load`, so
//! there is nothing to re-parse and no value to fall back on.

use std::collections::{BTreeSet, HashMap};

use super::*;
use crate::load::ast::{self, BodyEncoding, PathPart, Shape};
use crate::load::LoadedFile;
use crate::naming;

/// The IR of a validated catalog. The error is a bug: a problem `validate` should have refused.
pub fn resolve(files: &[LoadedFile]) -> Result<Api, String> {
    // Every named schema's Rust name is taken before any inline type is hoisted, so that an
    // inline `A.channel` never becomes a second `AChannel` beside a schema of that name: names
    // the catalog gives win, hoisted names are made unique around them (`AChannel2`).
    let mut r = Resolver {
        models: Vec::new(),
        reserved: files
            .iter()
            .flat_map(|f| f.group.schemas.keys())
            .map(|n| naming::type_name(n))
            .collect(),
    };
    // Named schemas first, so references from operations find them whatever the file order.
    for f in files {
        for (name, schema) in &f.group.schemas {
            r.named_schema(name, schema);
        }
    }
    let groups = files
        .iter()
        .map(|f| r.group(&f.group))
        .collect::<Result<Vec<_>, _>>()?;
    let mut api = Api {
        groups,
        models: r.models,
    };
    mark_reachability(&mut api);
    box_cycles(&mut api);
    Ok(api)
}

#[derive(Default)]
struct Resolver {
    models: Vec<Model>,
    /// The Rust names of the named schemas.
    reserved: std::collections::HashSet<String>,
}

impl Resolver {
    fn named_schema(&mut self, name: &str, s: &ast::Schema) {
        let rust = naming::type_name(name);
        let home = rust.clone();
        self.define(rust, name.to_string(), true, s, &home);
    }

    /// Defines a model for `s` under `rust` and returns nothing; inline children get hoisted.
    fn define(
        &mut self,
        rust: String,
        source_name: String,
        named: bool,
        s: &ast::Schema,
        home: &str,
    ) {
        // Reserve the slot first so that models appear parent-before-child.
        let index = self.models.len();
        self.models.push(Model {
            name: rust.clone(),
            source_name: source_name.clone(),
            named,
            description: s.description.clone(),
            notes: s.notes.clone(),
            kind: ModelKind::Alias(TypeRef::Any),
            home: home.to_string(),
            groups: BTreeSet::new(),
        });
        let kind = if let Some(values) = &s.enum_values {
            let mut names: Vec<String> = values
                .iter()
                .map(|v| naming::variant_name(v.value()))
                .collect();
            naming::dedupe(&mut names);
            ModelKind::Enum(
                values
                    .iter()
                    .zip(names)
                    .map(|(v, rust_name)| Variant {
                        value: v.value().to_string(),
                        rust_name,
                        description: v.description().map(str::to_string),
                    })
                    .collect(),
            )
        } else if let Shape::Object(properties) = &s.shape {
            let props = properties.clone().unwrap_or_default();
            let mut rust_names: Vec<String> = props.keys().map(|k| naming::field_name(k)).collect();
            naming::dedupe(&mut rust_names);
            let mut fields = Vec::new();
            for ((json_name, p), rust_name) in props.iter().zip(rust_names) {
                let child = format!("{rust}{}", naming::type_name(json_name));
                let ty = self.type_of(p, &child, &format!("{source_name}.{json_name}"), home);
                fields.push(Field {
                    json_name: json_name.clone(),
                    rust_name,
                    ty,
                    presence: Presence::of(p.required, p.nullable),
                    read_only: p.read_only,
                    immutable: p.immutable,
                    write_only: p.write_only,
                    unique: p.unique,
                    description: p.description.clone(),
                    notes: p.notes.clone(),
                    format: p.format.clone(),
                    validation: p.validation.clone(),
                    min_length: p.min_length,
                    max_length: p.max_length,
                    boxed: false,
                });
            }
            if fields.iter().any(|f| f.ty == TypeRef::Binary) {
                ModelKind::Multipart(fields)
            } else {
                ModelKind::Struct(fields)
            }
        } else {
            // A named schema that is a reference, array or scalar: an alias of that type.
            let ty = self.type_of_inner(s, &format!("{rust}Item"), &source_name, home);
            ModelKind::Alias(ty)
        };
        self.models[index].kind = kind;
    }

    /// The Rust type of `s`, hoisting inline objects and enums into models named `context`.
    /// `origin` says where the type is written in the catalog (`InlineHook.channel`), for docs.
    fn type_of(&mut self, s: &ast::Schema, context: &str, origin: &str, home: &str) -> TypeRef {
        if s.enum_values.is_some() || matches!(s.shape, Shape::Object(Some(_))) {
            let name = self.unique_name(context);
            self.define(name.clone(), origin.to_string(), false, s, home);
            return TypeRef::Model(name);
        }
        self.type_of_inner(s, context, origin, home)
    }

    fn type_of_inner(
        &mut self,
        s: &ast::Schema,
        context: &str,
        origin: &str,
        home: &str,
    ) -> TypeRef {
        let binary = s.format.as_deref() == Some("binary");
        match &s.shape {
            Shape::Ref(r) => TypeRef::Model(naming::type_name(r)),
            Shape::String if binary => TypeRef::Binary,
            Shape::String => TypeRef::String,
            Shape::Integer if s.format.as_deref() == Some("int32") => {
                TypeRef::Integer(IntSize::I32)
            }
            Shape::Integer => TypeRef::Integer(IntSize::I64),
            Shape::Number => TypeRef::Number,
            Shape::Boolean => TypeRef::Boolean,
            Shape::Any => TypeRef::Any,
            Shape::Object(Some(_)) => self.type_of(s, context, origin, home),
            Shape::Object(None) => TypeRef::Object,
            Shape::Array(items) => {
                let item_ctx = format!("{context}Item");
                TypeRef::Array(Box::new(self.type_of(
                    items,
                    &item_ctx,
                    &format!("{origin}[]"),
                    home,
                )))
            }
        }
    }

    fn unique_name(&self, wanted: &str) -> String {
        let base = naming::type_name(wanted);
        let mut name = base.clone();
        let mut n = 2;
        while self.reserved.contains(&name) || self.models.iter().any(|m| m.name == name) {
            name = format!("{base}{n}");
            n += 1;
        }
        name
    }

    fn group(&mut self, g: &ast::GroupFile) -> Result<Group, String> {
        let mut fn_names: Vec<String> = g
            .operations
            .iter()
            .map(|o| naming::snake(&o.name))
            .collect();
        naming::dedupe(&mut fn_names);
        let operations = g
            .operations
            .iter()
            .zip(fn_names)
            .map(|(o, f)| self.operation(o, f))
            .collect::<Result<_, _>>()?;
        Ok(Group {
            name: g.group.clone(),
            description: g.description.clone(),
            operations,
        })
    }

    fn operation(&mut self, o: &ast::Operation, fn_name: String) -> Result<Operation, String> {
        let op_type = naming::type_name(&o.name);
        let op_home = op_type.clone();
        let mut rust_names: Vec<String> = o
            .params
            .iter()
            .map(|p| naming::param_name(&p.name))
            .collect();
        // `body` is the builder's name for the request body.
        if o.body.is_some() {
            rust_names.insert(0, "body".into());
        }
        naming::dedupe(&mut rust_names);
        if o.body.is_some() {
            rust_names.remove(0);
        }
        let params: Vec<Param> = o
            .params
            .iter()
            .zip(rust_names)
            .map(|(p, rust_name)| {
                let location = p.location;
                // A parameter written without a schema is a string (spec/README.md).
                let schema = p.schema.clone().unwrap_or_else(ast::Schema::string);
                let ctx = format!("{op_type}{}", naming::type_name(&p.name));
                Param {
                    wire_name: p.name.clone(),
                    rust_name,
                    location,
                    required: location == ParamIn::Path || p.required.unwrap_or(false),
                    description: p.description.clone(),
                    ty: self.type_of(
                        &schema,
                        &ctx,
                        &format!("{}.params.{}", o.name, p.name),
                        &op_home,
                    ),
                }
            })
            .collect();
        let by_name: HashMap<&str, usize> = params
            .iter()
            .enumerate()
            .filter(|(_, p)| p.location == ParamIn::Path)
            .map(|(i, p)| (p.wire_name.as_str(), i))
            .collect();
        let segments = o
            .path
            .parts()
            .iter()
            .map(|s| match s {
                PathPart::Literal(l) => Ok(Segment::Literal(l.clone())),
                PathPart::Param(n) => by_name
                    .get(n.as_str())
                    .map(|&i| Segment::Param(i))
                    .ok_or_else(|| format!("`{{{n}}}` of `{}` has no declared parameter", o.name)),
            })
            .collect::<Result<_, String>>()?;
        let body = o.body.as_ref().map(|b| {
            Body {
                kind: match b.content_type {
                    BodyEncoding::Json => BodyKind::Json,
                    BodyEncoding::Multipart => BodyKind::Multipart,
                },
                ty: self.type_of(
                    &b.schema,
                    &format!("{op_type}Request"),
                    &format!("{}.body", o.name),
                    &op_home,
                ),
                content_type: b.content_type.as_str().to_string(),
                // A documented body is required unless the catalog says otherwise.
                required: b.required.unwrap_or(true),
                description: b.description.clone(),
            }
        });
        let responses: Vec<Response> = o
            .responses
            .iter()
            .map(|r| Response {
                status: r.status.code(),
                description: r.description.clone(),
                ty: r.schema.as_ref().map(|s| {
                    self.type_of(
                        s,
                        &format!("{op_type}Response"),
                        &format!("{}.responses.{}", o.name, r.status),
                        &op_home,
                    )
                }),
                content_type: r.content_type.clone(),
            })
            .collect();
        let success = |r: &&Response| r.status.is_some_and(|s| (200..300).contains(&s));
        let is_json = |ct: &str| ct == "application/json" || ct.ends_with("+json");
        let body_response = responses
            .iter()
            .filter(success)
            .find(|r| r.ty.is_some())
            .or_else(|| {
                // Only when no 2xx is documented does `default` describe the success body.
                if responses.iter().any(|r| success(&r)) {
                    None
                } else {
                    responses
                        .iter()
                        .filter(|r| r.status.is_none())
                        .find(|r| r.ty.is_some())
                }
            });
        let output = match body_response {
            Some(r) if !is_json(&r.content_type) => Output::Text(r.content_type.clone()),
            Some(r) => r.ty.clone().map(Output::Json).unwrap_or(Output::Empty),
            None => Output::Empty,
        };
        Ok(Operation {
            name: o.name.clone(),
            fn_name,
            method: o.method,
            path: o.path.as_str().to_string(),
            segments,
            summary: o.summary.clone(),
            description: o.description.clone(),
            notes: o.notes.clone(),
            sources: o.sources.clone(),
            params,
            body,
            responses,
            output,
            paginated: o.paginated,
        })
    }
}

/// Records, for every model, which groups' operations reach it (directly or through other
/// models), so that per-group cargo features compile only what they need.
fn mark_reachability(api: &mut Api) {
    let index = model_index(api);
    let mut reach: Vec<BTreeSet<String>> = vec![BTreeSet::new(); api.models.len()];
    for g in &api.groups {
        let mut stack: Vec<usize> = Vec::new();
        for o in &g.operations {
            let mut tys: Vec<&TypeRef> = o.params.iter().map(|p| &p.ty).collect();
            tys.extend(o.body.iter().map(|b| &b.ty));
            tys.extend(o.responses.iter().filter_map(|r| r.ty.as_ref()));
            for t in tys {
                collect_models(t, &index, &mut stack);
            }
        }
        while let Some(i) = stack.pop() {
            if !reach[i].insert(g.name.clone()) {
                continue;
            }
            let children: Vec<&TypeRef> = match &api.models[i].kind {
                ModelKind::Struct(f) | ModelKind::Multipart(f) => f.iter().map(|f| &f.ty).collect(),
                ModelKind::Alias(t) => vec![t],
                ModelKind::Enum(_) => vec![],
            };
            for t in children {
                collect_models(t, &index, &mut stack);
            }
        }
    }
    for (m, r) in api.models.iter_mut().zip(reach) {
        m.groups = r;
    }
}

/// Each model's position in `api.models`, by name.
fn model_index(api: &Api) -> HashMap<String, usize> {
    api.models
        .iter()
        .enumerate()
        .map(|(i, m)| (m.name.clone(), i))
        .collect()
}

fn collect_models(t: &TypeRef, index: &HashMap<String, usize>, out: &mut Vec<usize>) {
    match t {
        TypeRef::Model(n) => out.extend(index.get(n)),
        TypeRef::Array(inner) => collect_models(inner, index, out),
        _ => {}
    }
}

/// Boxes every optional field that closes a reference cycle (through structs, not through
/// arrays, which already have a finite size). Cycles of required fields are rejected by
/// validation, so every cycle has an optional field to box.
fn box_cycles(api: &mut Api) {
    let index = model_index(api);
    let direct = |t: &TypeRef| match t {
        TypeRef::Model(n) => index.get(n).copied(),
        _ => None,
    };
    let edges: Vec<Vec<usize>> = api
        .models
        .iter()
        .map(|m| match &m.kind {
            ModelKind::Struct(fields) => fields.iter().filter_map(|f| direct(&f.ty)).collect(),
            ModelKind::Alias(t) => direct(t).into_iter().collect(),
            _ => Vec::new(),
        })
        .collect();
    let reaches = |from: usize, to: usize| {
        let mut seen = vec![false; edges.len()];
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if !std::mem::replace(&mut seen[n], true) {
                stack.extend(edges[n].iter().copied());
            }
        }
        false
    };
    let mut to_box = Vec::new();
    for (mi, m) in api.models.iter().enumerate() {
        if let ModelKind::Struct(fields) = &m.kind {
            for (fi, f) in fields.iter().enumerate() {
                if let Some(target) = direct(&f.ty) {
                    if !f.is_required() && reaches(target, mi) {
                        to_box.push((mi, fi));
                    }
                }
            }
        }
    }
    for (mi, fi) in to_box {
        if let ModelKind::Struct(fields) = &mut api.models[mi].kind {
            fields[fi].boxed = true;
        }
    }
}
