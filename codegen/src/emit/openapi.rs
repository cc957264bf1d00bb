//! `generated/openapi.json`: an OpenAPI 3.0.3 rendering of the catalog, for validators, the seed
//! coverage check and other tools.

use serde_json::{json, Map, Value};

use crate::ir::{Api, BodyKind, Field, IntSize, Model, ModelKind, Operation, Param, TypeRef};

pub fn emit(api: &Api) -> String {
    let mut paths: Map<String, Value> = Map::new();
    for (g, o) in api.operations() {
        let item = paths.entry(o.path.clone()).or_insert_with(|| json!({}));
        item[o.method.as_str().to_ascii_lowercase()] = operation(&g.name, o);
    }
    let schemas: Map<String, Value> = api
        .models
        .iter()
        .map(|m| (m.name.clone(), model(m)))
        .collect();
    let tags: Vec<Value> = api
        .groups
        .iter()
        .map(|g| {
            let mut t = json!({"name": g.name});
            if let Some(d) = &g.description {
                t["description"] = json!(d);
            }
            t
        })
        .collect();
    let doc = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Okta Management API",
            "version": "okta-codegen catalog",
            "description": "Rendered by `cargo xtask generate` from the okta-codegen catalog in spec/, which is taken from the seed documents named in each operation's `x-sources`."
        },
        "servers": [{
            "url": "https://{yourOktaDomain}",
            "variables": {"yourOktaDomain": {"default": "subdomain.okta.com"}}
        }],
        "security": [{"apiToken": []}, {"oauth2": []}],
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "apiToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`SSWS {api_token}`"
                },
                "oauth2": {"type": "http", "scheme": "bearer", "description": "An OAuth 2.0 access token."}
            }
        }
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON values always serialise");
    s.push('\n');
    s
}

fn operation(group: &str, o: &Operation) -> Value {
    let mut op = json!({
        "operationId": o.name,
        "summary": o.summary,
        "tags": [group],
    });
    if let Some(d) = &o.description {
        op["description"] = json!(d);
    }
    if !o.params.is_empty() {
        op["parameters"] = Value::Array(o.params.iter().map(param).collect());
    }
    if let Some(b) = &o.body {
        let schema = match b.kind {
            BodyKind::Json => type_schema(&b.ty),
            BodyKind::Multipart => type_schema(&b.ty),
        };
        let mut body = json!({
            "required": b.required,
            "content": {b.content_type.clone(): {"schema": schema}},
        });
        if let Some(d) = &b.description {
            body["description"] = json!(d);
        }
        op["requestBody"] = body;
    }
    let mut responses = Map::new();
    for r in &o.responses {
        let key = r
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "default".into());
        let mut v = json!({"description": r.description.clone().unwrap_or_default()});
        if let Some(t) = &r.ty {
            v["content"] = json!({r.content_type.clone(): {"schema": type_schema(t)}});
        }
        responses.insert(key, v);
    }
    op["responses"] = Value::Object(responses);
    op["x-sources"] = json!(o.sources);
    if o.paginated {
        op["x-paginated"] = json!(true);
    }
    if let Some(n) = &o.notes {
        op["x-notes"] = json!(n);
    }
    op
}

fn param(p: &Param) -> Value {
    let mut v = json!({
        "name": p.wire_name,
        "in": p.location.as_str(),
        "required": p.required,
        "schema": type_schema(&p.ty),
    });
    if let Some(d) = &p.description {
        v["description"] = json!(d);
    }
    v
}

fn type_schema(t: &TypeRef) -> Value {
    match t {
        TypeRef::String => json!({"type": "string"}),
        TypeRef::Integer(IntSize::I32) => json!({"type": "integer", "format": "int32"}),
        TypeRef::Integer(IntSize::I64) => json!({"type": "integer", "format": "int64"}),
        TypeRef::Number => json!({"type": "number"}),
        TypeRef::Boolean => json!({"type": "boolean"}),
        TypeRef::Any => json!({}),
        TypeRef::Object => json!({"type": "object", "additionalProperties": true}),
        TypeRef::Binary => json!({"type": "string", "format": "binary"}),
        TypeRef::Array(inner) => json!({"type": "array", "items": type_schema(inner)}),
        TypeRef::Model(n) => json!({"$ref": format!("#/components/schemas/{n}")}),
    }
}

fn field(f: &Field) -> Value {
    let base = type_schema(&f.ty);
    // OpenAPI 3.0 ignores siblings of `$ref`; wrap it so the property's own facts survive.
    let mut v = if base.get("$ref").is_some() {
        json!({"allOf": [base]})
    } else {
        base
    };
    if let Some(fmt) = &f.format {
        if v.get("type") == Some(&json!("string")) {
            v["format"] = json!(fmt);
        }
    }
    if let Some(d) = &f.description {
        v["description"] = json!(d);
    }
    if f.nullable {
        v["nullable"] = json!(true);
    }
    if f.read_only {
        v["readOnly"] = json!(true);
    }
    if f.write_only {
        v["writeOnly"] = json!(true);
    }
    if let Some(n) = f.min_length {
        v["minLength"] = json!(n);
    }
    if let Some(n) = f.max_length {
        v["maxLength"] = json!(n);
    }
    if let Some(val) = &f.validation {
        v["x-validation"] = json!(val);
    }
    if f.unique {
        v["x-unique"] = json!(true);
    }
    v
}

fn model(m: &Model) -> Value {
    let mut v = match &m.kind {
        ModelKind::Struct(fields) | ModelKind::Multipart(fields) => {
            let props: Map<String, Value> = fields
                .iter()
                .map(|f| (f.json_name.clone(), field(f)))
                .collect();
            let required: Vec<&str> = fields
                .iter()
                .filter(|f| f.required)
                .map(|f| f.json_name.as_str())
                .collect();
            let mut o =
                json!({"type": "object", "properties": props, "additionalProperties": true});
            if !required.is_empty() {
                o["required"] = json!(required);
            }
            o
        }
        ModelKind::Enum(variants) => {
            json!({"type": "string", "enum": variants.iter().map(|v| v.value.clone()).collect::<Vec<_>>()})
        }
        ModelKind::Alias(t) => type_schema(t),
    };
    if let Some(d) = &m.description {
        if let Some(obj) = v.as_object_mut() {
            obj.insert("description".into(), json!(d));
        }
    }
    v
}
