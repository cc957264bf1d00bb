//! Sample JSON values for catalog types, used by the emitted tests.

use serde_json::{json, Map, Value};

use crate::ir::{Api, ModelKind, TypeRef};

/// A value of type `t` with every field set (down to a depth bound, for recursive types).
pub fn sample(api: &Api, t: &TypeRef, depth: usize) -> Value {
    match t {
        TypeRef::String => json!("text"),
        TypeRef::Integer(_) => json!(7),
        TypeRef::Number => json!(1.5),
        TypeRef::Boolean => json!(true),
        TypeRef::Any => json!({"any": ["value", 1, null]}),
        TypeRef::Object => json!({"key": "value"}),
        TypeRef::Binary => json!("file-bytes"),
        TypeRef::Array(inner) => json!([sample(api, inner, depth + 1)]),
        TypeRef::Model(name) => match api.model(name).map(|m| &m.kind) {
            Some(ModelKind::Enum(variants)) => json!(variants
                .first()
                .map(|v| v.value.clone())
                .unwrap_or_default()),
            Some(ModelKind::Alias(inner)) => sample(api, inner, depth + 1),
            Some(ModelKind::Struct(fields)) | Some(ModelKind::Multipart(fields)) => {
                let mut o = Map::new();
                for f in fields {
                    if f.is_required() || depth < 6 {
                        o.insert(f.json_name.clone(), sample(api, &f.ty, depth + 1));
                    }
                }
                // A field the catalog does not know, which must survive the round trip.
                if matches!(api.model(name).map(|m| &m.kind), Some(ModelKind::Struct(_))) {
                    o.insert("fieldNotInCatalog".into(), json!({"kept": [1, "two"]}));
                }
                Value::Object(o)
            }
            None => Value::Null,
        },
    }
}

/// The value as a path or query parameter is written on the wire.
pub fn param_text(api: &Api, t: &TypeRef, name: &str) -> Vec<String> {
    match t {
        TypeRef::String => vec![format!("{name}-1")],
        TypeRef::Array(inner) => param_text(api, inner, name),
        other => match sample(api, other, 0) {
            Value::String(s) => vec![s],
            v => vec![v.to_string()],
        },
    }
}
