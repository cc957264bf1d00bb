//! The docs of a generated profile: the struct's (its schema and attribute counts) and each
//! field's (constraints, mutability, permissions, master, `default`, `union`, …).

use super::emit::enum_of;
use super::ir::{FieldIr, Profile};
use super::load::{Attribute, Kind};
use crate::contract;
use crate::emit::docs::{clean, paragraphs};

/// An enum value in the docs: in backticks, and the empty string as `""` (the empty string),
/// since empty backticks render as nothing.
pub(super) fn shown(value: &str) -> String {
    if value.is_empty() {
        "`\"\"` (the empty string)".into()
    } else {
        format!("`{}`", value.replace('`', "'"))
    }
}

pub(super) fn struct_doc(p: &Profile) -> String {
    let s = &p.schema;
    let count =
        |o: super::load::Origin| p.fields.iter().filter(|f| f.attribute.origin == o).count();
    paragraphs([
        s.title.as_deref().map(clean),
        s.description.as_deref().map(clean),
        Some(format!(
            "Generated from the profile schema `{}`: {} base and {} custom attributes. Every attribute is an [`Attribute`]({}) (unset, set, or a value of another JSON kind kept as received), because Okta leaves attributes without a value out of its answers; the required ones are the arguments of [`new`](Self::new) and are checked by [`validate`](Self::validate).",
            s.file,
            count(super::load::Origin::Base),
            count(super::load::Origin::Custom),
            contract::PROFILE_ATTRIBUTE.public_path().replacen("crate", "okta_client", 1),
        )),
    ])
}

/// Text inside backticks in the docs: a backtick in it would end the code span.
pub(super) fn tick(s: &str) -> String {
    s.replace('`', "'")
}

pub(super) fn field_doc(owner: &str, f: &FieldIr) -> String {
    let a: &Attribute = &f.attribute;
    let mut notes = vec![format!(
        "JSON: `{}` ({} attribute).",
        a.name,
        a.origin.as_str()
    )];
    if a.required {
        notes.push("Required.".into());
    }
    if a.read_only() {
        notes.push(format!("Read-only (`mutability: READ_ONLY`): set by Okta, decoded, never sent as edited (a replace sends back the value received); so it has no `{}…` setter and is not an argument of `new()`.", contract::SETTER_PREFIX));
    } else if let Some(m) = &a.mutability {
        notes.push(format!("Mutability: `{m}`."));
    }
    let r = &a.rules;
    let (items, length, range) = if matches!(a.kind, Kind::Array(_)) {
        ("Each item: ", "length", "")
    } else {
        ("", "Length", "Range: ")
    };
    match (r.min_length, r.max_length) {
        (Some(x), Some(y)) => notes.push(format!("{items}{length} {x} to {y} characters.")),
        (Some(x), None) => notes.push(format!("{items}{length} at least {x} characters.")),
        (None, Some(y)) => notes.push(format!("{items}{length} at most {y} characters.")),
        (None, None) => {}
    }
    match (r.minimum, r.maximum) {
        (Some(x), Some(y)) => notes.push(format!("{items}{range}from {x} to {y}.")),
        (Some(x), None) => notes.push(format!("{items}{range}at least {x}.")),
        (None, Some(y)) => notes.push(format!("{items}{range}at most {y}.")),
        (None, None) => {}
    }
    if let Some(fmt) = &r.format {
        notes.push(format!("Format: `{}`.", fmt.replace('`', "'")));
    }
    if let Some(pat) = &r.pattern {
        notes.push(format!(
            "Pattern: `{}` (not checked by `validate()`).",
            pat.replace('`', "'")
        ));
    }
    if enum_of(&f.ty).is_none() && !a.choices.is_empty() {
        let values: Vec<String> = a
            .choices
            .iter()
            .map(|c| match &c.title {
                Some(t) => format!("`{}` ({})", c.value, clean(t)),
                None => format!("`{}`", c.value),
            })
            .collect();
        notes.push(format!("Values: {}.", values.join(", ")));
    }
    if !f.constants.is_empty() {
        let names: Vec<String> = f
            .constants
            .iter()
            .map(|(n, _)| format!("[`{owner}::{n}`]"))
            .collect();
        notes.push(format!("Named constants: {}.", names.join(", ")));
    }
    if let Some(d) = &a.default {
        let d = match d {
            serde_json::Value::String(s) => shown(s),
            other => format!("`{}`", tick(&other.to_string())),
        };
        notes.push(format!("Default: {d} (Okta's, when no value is set)."));
    }
    if let Some(u) = &a.union {
        let meaning = match u.as_str() {
            "ENABLE" => " (the values of every source are merged)",
            "DISABLE" => " (the value of one source is kept)",
            _ => "",
        };
        notes.push(format!("Union: `{}`{meaning}.", tick(u)));
    }
    if let Some(u) = &a.unique {
        notes.push(format!("Unique: `{u}`."));
    }
    // Who may see and change it, and where it comes from: one paragraph.
    let mut access = Vec::new();
    if !a.permissions.is_empty() {
        let perms: Vec<String> = a
            .permissions
            .iter()
            .map(|(p, x)| format!("`{p}`: `{x}`"))
            .collect();
        access.push(format!("Permissions: {}.", perms.join(", ")));
        if a.hidden() {
            access.push(
                "Hidden from the user themselves (end-user dashboard); the API still returns it to admins."
                    .into(),
            );
        }
    }
    if let Some(s) = &a.scope {
        access.push(format!("Scope: `{s}`."));
    }
    if let Some(m) = &a.master {
        let priority: Vec<String> = a
            .master_priority
            .iter()
            .map(|(t, v)| match v {
                Some(v) => format!("`{}` `{}`", tick(t), tick(v)),
                None => format!("`{}`", tick(t)),
            })
            .collect();
        if priority.is_empty() {
            access.push(format!("Master: `{}`.", tick(m)));
        } else {
            access.push(format!(
                "Master: `{}`, by priority: {}.",
                tick(m),
                priority.join(", then ")
            ));
        }
    }
    if let Some(x) = &a.external_name {
        match &a.external_namespace {
            Some(ns) => access.push(format!("External name: `{x}` (`{ns}`).")),
            None => access.push(format!("External name: `{x}`.")),
        }
    }
    let lines = [notes.join(" "), access.join(" ")];
    let heading = a.title.as_deref().map(clean);
    let description = a
        .description
        .as_deref()
        .map(clean)
        .filter(|d| Some(d) != heading.as_ref());
    paragraphs([heading, description, Some(lines.join("\n\n"))])
}
