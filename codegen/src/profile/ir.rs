//! Loaded schemas → what the emitter writes: every Rust name final (all from
//! [`crate::naming`]), the Rust type of every attribute, one open enum per string attribute
//! (or string array) with an `enum`.

use super::load::{Attribute, Choice, Kind, Scalar, Schema};
use crate::naming;

/// One generated struct.
#[derive(Clone, Debug)]
pub struct Profile {
    pub type_name: String,
    pub schema: Schema,
    pub fields: Vec<FieldIr>,
}

/// One attribute as a struct field.
#[derive(Clone, Debug)]
pub struct FieldIr {
    pub attribute: Attribute,
    /// The field (and `new()` argument) name.
    pub rust_name: String,
    /// `with_…`.
    pub setter: String,
    pub ty: RustType,
    /// The struct's named constants for the values a number (or integer) enum lists:
    /// (`CLEARANCE_LEVEL_PUBLIC`, the value), in the schema's order; empty for other attributes.
    pub constants: Vec<(String, Choice)>,
}

/// The Rust type inside a field's `Option`.
#[derive(Clone, Debug, PartialEq)]
pub enum RustType {
    String,
    Bool,
    I64,
    F64,
    /// A JSON object attribute.
    Map,
    /// The open enum of that name.
    Enum(EnumIr),
    Vec(Box<RustType>),
}

impl RustType {
    /// The type in the generator's one type vocabulary ([`crate::ir::TypeRef`]), rendered by
    /// the same code as the models' (an enum is a model of the profile file's own).
    pub fn type_ref(&self) -> crate::ir::TypeRef {
        use crate::ir::{IntSize, TypeRef};
        match self {
            RustType::String => TypeRef::String,
            RustType::Bool => TypeRef::Boolean,
            RustType::I64 => TypeRef::Integer(IntSize::I64),
            RustType::F64 => TypeRef::Number,
            RustType::Map => TypeRef::Object,
            RustType::Enum(e) => TypeRef::Model(e.name.clone()),
            RustType::Vec(inner) => TypeRef::Array(Box::new(inner.type_ref())),
        }
    }
}

/// An open string enum.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumIr {
    pub name: String,
    /// (variant, JSON value, display name)
    pub variants: Vec<(String, String, Option<String>)>,
}

/// Every schema of one output file, with names unique across all of them. `names[i]` is the
/// type name chosen for `schemas[i]`, or `None` for one from its file name; the struct names
/// are unique already ([`super::resolve`] refuses two of one name), and the enums named after
/// them give way (`…2`) when they would take a struct's name.
pub fn resolve(schemas: Vec<(Schema, Option<String>)>) -> Vec<Profile> {
    let mut type_names: Vec<String> = schemas
        .iter()
        .map(|(s, name)| match name {
            Some(n) => naming::type_name(n),
            None => default_type_name(&s.file),
        })
        .collect();
    let struct_count = type_names.len();
    let mut enum_owner: Vec<(usize, usize)> = Vec::new();
    for (si, (s, _)) in schemas.iter().enumerate() {
        for (ai, a) in s.attributes.iter().enumerate() {
            if is_string_enum(a) {
                let owner = &type_names[si];
                type_names.push(naming::profile_enum_name(owner, &a.name));
                enum_owner.push((si, ai));
            }
        }
    }
    naming::dedupe_camel(&mut type_names);
    let mut profiles: Vec<Profile> = Vec::with_capacity(struct_count);
    for (si, (schema, _)) in schemas.into_iter().enumerate() {
        let mut rust_names: Vec<String> = schema
            .attributes
            .iter()
            .map(|a| naming::field_name(&a.name))
            .collect();
        naming::dedupe(&mut rust_names);
        let mut setters: Vec<String> = rust_names.iter().map(|n| naming::setter_name(n)).collect();
        naming::dedupe(&mut setters);
        // Number enums: one constant per listed value, unique within the struct.
        let mut constant_names: Vec<String> = Vec::new();
        let mut constant_owner: Vec<usize> = Vec::new();
        for (ai, a) in schema.attributes.iter().enumerate() {
            if is_number_enum(a) {
                for c in &a.choices {
                    constant_names.push(naming::constant_name(
                        &a.name,
                        c.title.as_deref(),
                        &c.value,
                    ));
                    constant_owner.push(ai);
                }
            }
        }
        naming::dedupe(&mut constant_names);
        let mut constants_of: Vec<Vec<(String, Choice)>> =
            vec![Vec::new(); schema.attributes.len()];
        let mut next_choice: Vec<usize> = vec![0; schema.attributes.len()];
        for (name, ai) in constant_names.into_iter().zip(constant_owner) {
            let choice = schema.attributes[ai].choices[next_choice[ai]].clone();
            next_choice[ai] += 1;
            constants_of[ai].push((name, choice));
        }
        let fields = schema
            .attributes
            .iter()
            .enumerate()
            .zip(rust_names.into_iter().zip(setters))
            .map(|((ai, a), (rust_name, setter))| {
                let enum_name = enum_owner
                    .iter()
                    .position(|o| *o == (si, ai))
                    .map(|i| type_names[struct_count + i].clone());
                FieldIr {
                    attribute: a.clone(),
                    rust_name,
                    setter,
                    ty: rust_type(a, enum_name),
                    constants: std::mem::take(&mut constants_of[ai]),
                }
            })
            .collect();
        profiles.push(Profile {
            type_name: type_names[si].clone(),
            schema,
            fields,
        });
    }
    profiles
}

/// `user.json` → `UserProfile`, `app_user_profile.json` → `AppUserProfile`.
pub fn default_type_name(file: &str) -> String {
    let stem = std::path::Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(file);
    let base = naming::type_name(stem);
    if base.ends_with("Profile") {
        base
    } else {
        naming::type_name(&format!("{stem} profile"))
    }
}

fn is_number_enum(a: &Attribute) -> bool {
    !a.choices.is_empty() && matches!(a.kind.scalar(), Some(Scalar::Integer | Scalar::Number))
}

fn is_string_enum(a: &Attribute) -> bool {
    !a.choices.is_empty() && a.kind.scalar() == Some(Scalar::String)
}

fn scalar_type(s: Scalar) -> RustType {
    match s {
        Scalar::String => RustType::String,
        Scalar::Boolean => RustType::Bool,
        Scalar::Integer => RustType::I64,
        Scalar::Number => RustType::F64,
    }
}

fn rust_type(a: &Attribute, enum_name: Option<String>) -> RustType {
    let item = match (enum_name, a.kind.scalar()) {
        (Some(name), _) => RustType::Enum(enum_ir(name, &a.choices)),
        (None, Some(s)) => scalar_type(s),
        (None, None) => RustType::Map,
    };
    match a.kind {
        Kind::Array(_) => RustType::Vec(Box::new(item)),
        Kind::Scalar(_) | Kind::Object => item,
    }
}

fn enum_ir(name: String, choices: &[Choice]) -> EnumIr {
    let values: Vec<String> = choices
        .iter()
        .map(|c| c.value.as_str().unwrap_or_default().to_string())
        .collect();
    let mut variants: Vec<String> = values
        .iter()
        .map(|v| naming::profile_variant_name(v))
        .collect();
    naming::dedupe_camel(&mut variants);
    EnumIr {
        name,
        variants: variants
            .into_iter()
            .zip(values)
            .zip(choices)
            .map(|((n, v), c)| (n, v, c.title.clone()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_names_come_from_file_names() {
        assert_eq!(default_type_name("user.json"), "UserProfile");
        assert_eq!(default_type_name("app_user_profile.json"), "AppUserProfile");
        assert_eq!(default_type_name("option.json"), "OptionProfile");
        assert_eq!(default_type_name("1.json"), "V1Profile");
    }
}
