//! What changed between two versions of an org's profile schema, for the code generated from
//! it: in the style of `cargo xtask diff` ([`crate::diff`]), each change marked **breaking**
//! (code using the struct may stop compiling, or decode differently), **behaviour-changing**
//! or non-breaking, with the same [`Impact`] scale.

use std::fmt::Write as _;

use super::ir::{FieldIr, Profile};
use super::load::{Attribute, Kind, Scalar};
/// One change; its `section` is `Attributes`, `Enum values`, `Rules` or `Documentation`.
pub use crate::diff::Change;
pub use crate::diff::Impact;
use crate::diff::{count, write_sections};

#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The struct compared (the new one's name).
    pub type_name: String,
    pub changes: Vec<Change>,
}

const SECTIONS: [&str; 4] = ["Attributes", "Enum values", "Rules", "Documentation"];

impl Report {
    fn push(&mut self, impact: Impact, section: &'static str, text: String) {
        self.changes.push(Change {
            impact,
            section,
            text,
        });
    }

    /// The largest impact of any change.
    pub fn impact(&self) -> Option<Impact> {
        self.changes.iter().map(|c| c.impact).max()
    }

    pub fn to_markdown(&self) -> String {
        let mut out = format!("# Profile schema changes: `{}`\n\n", self.type_name);
        if self.changes.is_empty() {
            out.push_str("No changes to the profile.\n");
            return out;
        }
        write_sections(&mut out, &self.changes, &SECTIONS);
        let count = |i: Impact| count(&self.changes, i);
        let _ = writeln!(out, "## Summary\n");
        let _ = writeln!(
            out,
            "{} breaking, {} behaviour-changing, {} non-breaking, {} documentation-only change(s).",
            count(Impact::Breaking),
            count(Impact::Behaviour),
            count(Impact::Additive),
            count(Impact::Docs)
        );
        if self.impact() == Some(Impact::Breaking) {
            out.push_str(
                "\nCode that uses the breaking items above must change after regenerating.\n",
            );
        }
        out
    }
}

/// `string`, `array of integer`, `string enum`, `object`: what decides the Rust type.
fn type_text(f: &FieldIr) -> String {
    let a = &f.attribute;
    let scalar = |s: Scalar| {
        if s == Scalar::String && !a.choices.is_empty() {
            "string enum".to_string()
        } else {
            s.as_str().to_string()
        }
    };
    match a.kind {
        Kind::Scalar(s) => scalar(s),
        Kind::Array(s) => format!("array of {}", scalar(s)),
        Kind::Object => "object".into(),
    }
}

fn values(a: &Attribute) -> Vec<String> {
    a.choices.iter().map(|c| c.value.to_string()).collect()
}

/// Compares the struct generated from `old` with the one from `new`.
pub fn diff(old: &Profile, new: &Profile) -> Report {
    let mut r = Report {
        type_name: new.type_name.clone(),
        changes: Vec::new(),
    };
    if old.type_name != new.type_name {
        r.push(
            Impact::Breaking,
            "Attributes",
            format!(
                "the struct is now `{}` (was `{}`)",
                new.type_name, old.type_name
            ),
        );
    }
    for o in &old.fields {
        if !new
            .fields
            .iter()
            .any(|n| n.attribute.name == o.attribute.name)
        {
            r.push(
                Impact::Breaking,
                "Attributes",
                format!(
                    "`{}` removed (field `{}`); it now arrives in `additional_properties`",
                    o.attribute.name, o.rust_name
                ),
            );
        }
    }
    for n in &new.fields {
        match old
            .fields
            .iter()
            .find(|o| o.attribute.name == n.attribute.name)
        {
            None => {
                let (impact, why) = if n.attribute.required {
                    (Impact::Breaking, ", required: a new argument of `new()`")
                } else {
                    (Impact::Additive, "")
                };
                r.push(
                    impact,
                    "Attributes",
                    format!(
                        "`{}` added ({}, field `{}`){why}",
                        n.attribute.name,
                        type_text(n),
                        n.rust_name
                    ),
                );
            }
            Some(o) => attribute(&mut r, o, n),
        }
    }
    if old.schema.title != new.schema.title || old.schema.description != new.schema.description {
        r.push(
            Impact::Docs,
            "Documentation",
            "the schema's title or description changed".into(),
        );
    }
    r
}

fn attribute(r: &mut Report, o: &FieldIr, n: &FieldIr) {
    let name = &n.attribute.name;
    let (oa, na) = (&o.attribute, &n.attribute);
    let (ot, nt) = (type_text(o), type_text(n));
    if ot != nt {
        r.push(
            Impact::Breaking,
            "Attributes",
            format!("`{name}` is now {nt} (was {ot})"),
        );
    } else if !na.choices.is_empty() || !oa.choices.is_empty() {
        let (ov, nv) = (values(oa), values(na));
        for v in nv.iter().filter(|v| !ov.contains(v)) {
            r.push(
                Impact::Behaviour,
                "Enum values",
                format!("`{name}`: {v} added (it decoded as `Unknown` before)"),
            );
        }
        for v in ov.iter().filter(|v| !nv.contains(v)) {
            r.push(
                Impact::Breaking,
                "Enum values",
                format!("`{name}`: {v} removed"),
            );
        }
        let titles = |a: &Attribute| {
            a.choices
                .iter()
                .map(|c| c.title.clone())
                .collect::<Vec<_>>()
        };
        if ov == nv && titles(oa) != titles(na) {
            r.push(
                Impact::Docs,
                "Documentation",
                format!("`{name}`: display names of values changed"),
            );
        }
    }
    if o.rust_name != n.rust_name {
        r.push(
            Impact::Breaking,
            "Attributes",
            format!(
                "`{name}` is now the field `{}` (was `{}`)",
                n.rust_name, o.rust_name
            ),
        );
    }
    if oa.required != na.required {
        let now = if na.required {
            "now required"
        } else {
            "no longer required"
        };
        r.push(
            Impact::Breaking,
            "Attributes",
            format!("`{name}` is {now}: `new()` changes"),
        );
    }
    if oa.read_only() != na.read_only() {
        let text = if na.read_only() {
            "is now read-only: never sent in updates any more"
        } else {
            "is no longer read-only: sent in updates when changed"
        };
        r.push(Impact::Behaviour, "Attributes", format!("`{name}` {text}"));
    }
    if oa.rules != na.rules {
        r.push(
            Impact::Behaviour,
            "Rules",
            format!("`{name}`: length, range, pattern or format changed: `validate()` checks the new rules"),
        );
    }
    if oa.permissions != na.permissions
        || oa.mutability != na.mutability
        || oa.scope != na.scope
        || oa.master != na.master
        || oa.master_priority != na.master_priority
    {
        r.push(
            Impact::Docs,
            "Documentation",
            format!("`{name}`: permissions, mutability, scope or master changed"),
        );
    }
    if oa.default != na.default || oa.union != na.union {
        r.push(
            Impact::Docs,
            "Documentation",
            format!("`{name}`: default or union changed"),
        );
    }
    if oa.title != na.title || oa.description != na.description {
        r.push(
            Impact::Docs,
            "Documentation",
            format!("`{name}`: title or description changed"),
        );
    }
}
