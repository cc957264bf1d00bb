//! What changed between two versions of an org's profile schema, or of its list of user types,
//! for the code generated from it: in the style of `cargo xtask diff` ([`crate::diff`]), each
//! change marked **breaking** (code using the struct or the enum may stop compiling, or decode
//! differently), **behaviour-changing** or non-breaking, with the same [`Impact`] scale.

use std::fmt::Write as _;

use super::ir::{FieldIr, Profile};
use super::load::{Attribute, Kind, Scalar};
use super::types::{UserType, UserTypesIr};
/// One change; its `section` is `Attributes`, `User types`, `Enum values`, `Rules` or
/// `Documentation`.
pub use crate::diff::Change;
pub use crate::diff::Impact;
use crate::diff::{count, write_sections};

#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The struct compared (the new one's name), or for the user types the enum over them.
    pub type_name: String,
    /// What was compared: a schema, or the list of user types.
    pub subject: Subject,
    pub changes: Vec<Change>,
}

/// What a [`Report`] compares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Subject {
    /// Two versions of a profile schema, and the struct generated from it.
    #[default]
    Schema,
    /// Two versions of the org's list of user types ([`super::types`]), and the enum over them
    /// ([`super::types::ENUM_NAME`]).
    UserTypes,
}

const SECTIONS: [&str; 5] = [
    "Attributes",
    "User types",
    "Enum values",
    "Rules",
    "Documentation",
];

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
        let (heading, nothing) = match self.subject {
            Subject::Schema => ("Profile schema changes", "No changes to the profile."),
            Subject::UserTypes => ("User type changes", "No changes to the user types."),
        };
        let mut out = format!("# {heading}: `{}`\n\n", self.type_name);
        if self.changes.is_empty() {
            out.push_str(nothing);
            out.push('\n');
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
        subject: Subject::Schema,
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

/// One user type as the enum over them was generated: the type, and the struct its users decode
/// into (the enum's variant); `None` when that is not known, for two saved lists compared
/// without their schemas (`okta-profile-gen diff`).
#[derive(Clone, Debug, PartialEq)]
pub struct TypeEntry {
    pub user_type: UserType,
    pub variant: Option<String>,
}

impl TypeEntry {
    /// Every type of `ir`, each with its struct among `profiles` (those `ir` was resolved with).
    pub fn of(ir: &UserTypesIr, profiles: &[Profile]) -> Vec<TypeEntry> {
        ir.variants
            .iter()
            .flat_map(|(pi, list)| {
                let variant = profiles.get(*pi).map(|p| p.type_name.clone());
                list.iter().map(move |t| TypeEntry {
                    user_type: t.clone(),
                    variant: variant.clone(),
                })
            })
            .collect()
    }

    /// Every type of a list, its struct not known.
    pub fn unresolved(list: Vec<UserType>) -> Vec<TypeEntry> {
        list.into_iter()
            .map(|user_type| TypeEntry {
                user_type,
                variant: None,
            })
            .collect()
    }
}

/// `` `contractor` (`oty2…`) ``, or the id alone for a type without a name.
fn type_label(t: &UserType) -> String {
    match &t.name {
        Some(n) => format!("`{n}` (`{}`)", t.id),
        None => format!("`{}`", t.id),
    }
}

fn or_none(v: &Option<String>) -> String {
    match v {
        Some(v) => format!("`{v}`"),
        None => "none".into(),
    }
}

/// Compares the enum over the user types generated from `old` with the one from `new` (keyed
/// by the types' `id`): variants added or removed (**breaking**: a `match` without a wildcard
/// arm, or code naming the variant, stops compiling), types added or removed and types whose
/// users decode into another struct (**behaviour-changing**: their users decode differently),
/// and names, display names and the default type (documentation). Without the structs (a
/// [`TypeEntry`] whose `variant` is `None`), a type whose `_links.schema.href` changed is
/// reported instead of its struct.
pub fn diff_user_types(old: &[TypeEntry], new: &[TypeEntry]) -> Report {
    let enum_name = super::types::ENUM_NAME;
    let mut r = Report {
        type_name: enum_name.to_string(),
        subject: Subject::UserTypes,
        changes: Vec::new(),
    };
    let section = "User types";
    let variants = |list: &[TypeEntry]| {
        let mut v: Vec<String> = Vec::new();
        for name in list.iter().filter_map(|e| e.variant.clone()) {
            if !v.contains(&name) {
                v.push(name);
            }
        }
        v
    };
    let (ov, nv) = (variants(old), variants(new));
    for v in ov.iter().filter(|v| !nv.contains(v)) {
        r.push(
            Impact::Breaking,
            section,
            format!("`{enum_name}::{v}` removed: no user type decodes with `{v}` any more"),
        );
    }
    for v in nv.iter().filter(|v| !ov.contains(v)) {
        let types: Vec<String> = new
            .iter()
            .filter(|e| e.variant.as_ref() == Some(v))
            .map(|e| type_label(&e.user_type))
            .collect();
        r.push(
            Impact::Breaking,
            section,
            format!(
                "`{enum_name}::{v}` added (the users of {}): a `match` without a wildcard arm must handle it",
                types.join(", ")
            ),
        );
    }
    let find = |list: &'_ [TypeEntry], id: &str| -> Option<TypeEntry> {
        list.iter().find(|e| e.user_type.id == id).cloned()
    };
    let decodes = |e: &TypeEntry| match &e.variant {
        Some(v) => format!("`{enum_name}::{v}`"),
        None => format!("the struct of the schema `{}`", e.user_type.schema_href),
    };
    for o in old {
        if find(new, &o.user_type.id).is_none() {
            r.push(
                Impact::Behaviour,
                section,
                format!(
                    "the user type {} removed: its users arrive as `{enum_name}::Other` (they decoded as {})",
                    type_label(&o.user_type),
                    decodes(o)
                ),
            );
        }
    }
    for n in new {
        let t = &n.user_type;
        let Some(o) = find(old, &t.id) else {
            r.push(
                Impact::Behaviour,
                section,
                format!(
                    "the user type {} added: its users decode as {} (they arrived as `{enum_name}::Other`)",
                    type_label(t),
                    decodes(n)
                ),
            );
            continue;
        };
        let ot = &o.user_type;
        let moved = match (&o.variant, &n.variant) {
            (Some(a), Some(b)) => a != b,
            _ => ot.schema_href != t.schema_href,
        };
        if moved {
            r.push(
                Impact::Behaviour,
                section,
                format!(
                    "the users of the type {} now decode as {} (they decoded as {})",
                    type_label(t),
                    decodes(n),
                    decodes(&o)
                ),
            );
        }
        if ot.name != t.name {
            r.push(
                Impact::Docs,
                "Documentation",
                format!(
                    "the user type `{}` is now named {} (was {})",
                    t.id,
                    or_none(&t.name),
                    or_none(&ot.name)
                ),
            );
        }
        if ot.display_name != t.display_name {
            r.push(
                Impact::Docs,
                "Documentation",
                format!(
                    "the user type {}: display name {} (was {})",
                    type_label(t),
                    or_none(&t.display_name),
                    or_none(&ot.display_name)
                ),
            );
        }
    }
    let default = |list: &[TypeEntry]| {
        list.iter()
            .find(|e| e.user_type.default)
            .map(|e| e.user_type.clone())
    };
    let (od, nd) = (default(old), default(new));
    if od.as_ref().map(|t| &t.id) != nd.as_ref().map(|t| &t.id) {
        let label = |t: &Option<UserType>| match t {
            Some(t) => type_label(t),
            None => "none".into(),
        };
        r.push(
            Impact::Docs,
            "Documentation",
            format!(
                "the default user type is now {} (was {})",
                label(&nd),
                label(&od)
            ),
        );
    }
    r
}

/// The report of a run without the user types after one with them: the enum is gone.
pub fn user_types_dropped() -> Report {
    let enum_name = super::types::ENUM_NAME;
    let mut r = Report {
        type_name: enum_name.to_string(),
        subject: Subject::UserTypes,
        changes: Vec::new(),
    };
    r.push(
        Impact::Breaking,
        "User types",
        format!("`{enum_name}` removed: the user types are no longer given"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, name: Option<&str>, default: bool, variant: Option<&str>) -> TypeEntry {
        TypeEntry {
            user_type: UserType {
                id: id.into(),
                name: name.map(Into::into),
                display_name: name.map(|n| n.to_uppercase()),
                default,
                schema_href: format!("https://x.okta.com/api/v1/meta/schemas/user/osc{id}"),
                href_path: "$[0]._links.schema.href".into(),
            },
            variant: variant.map(Into::into),
        }
    }

    fn changes(r: &Report) -> Vec<(Impact, &str)> {
        r.changes
            .iter()
            .map(|c| (c.impact, c.text.as_str()))
            .collect()
    }

    #[test]
    fn user_type_changes_are_marked() {
        let old = [
            entry("oty1", Some("user"), true, Some("UserProfile")),
            entry("oty2", Some("contractor"), false, Some("ContractorProfile")),
            entry("oty3", None, false, Some("UserProfile")),
        ];
        assert!(diff_user_types(&old, &old).changes.is_empty());
        let mut renamed = old[1].clone();
        renamed.user_type.name = Some("agency".into());
        renamed.user_type.display_name = None;
        renamed.user_type.default = true;
        renamed.variant = Some("UserProfile".into());
        let mut not_default = old[0].clone();
        not_default.user_type.default = false;
        let new = [
            not_default,
            renamed,
            entry("oty4", Some("intern"), false, Some("InternProfile")),
        ];
        let r = diff_user_types(&old, &new);
        assert_eq!(r.type_name, "OrgUser");
        assert_eq!(r.subject, Subject::UserTypes);
        assert_eq!(
            changes(&r),
            [
                (
                    Impact::Breaking,
                    "`OrgUser::ContractorProfile` removed: no user type decodes with `ContractorProfile` any more"
                ),
                (
                    Impact::Breaking,
                    "`OrgUser::InternProfile` added (the users of `intern` (`oty4`)): a `match` without a wildcard arm must handle it"
                ),
                (
                    Impact::Behaviour,
                    "the user type `oty3` removed: its users arrive as `OrgUser::Other` (they decoded as `OrgUser::UserProfile`)"
                ),
                (
                    Impact::Behaviour,
                    "the users of the type `agency` (`oty2`) now decode as `OrgUser::UserProfile` (they decoded as `OrgUser::ContractorProfile`)"
                ),
                (
                    Impact::Docs,
                    "the user type `oty2` is now named `agency` (was `contractor`)"
                ),
                (
                    Impact::Docs,
                    "the user type `agency` (`oty2`): display name none (was `CONTRACTOR`)"
                ),
                (
                    Impact::Behaviour,
                    "the user type `intern` (`oty4`) added: its users decode as `OrgUser::InternProfile` (they arrived as `OrgUser::Other`)"
                ),
                (
                    Impact::Docs,
                    "the default user type is now `agency` (`oty2`) (was `user` (`oty1`))"
                ),
            ]
        );
        assert_eq!(r.impact(), Some(Impact::Breaking));
        let md = r.to_markdown();
        assert!(md.starts_with("# User type changes: `OrgUser`\n\n## User types\n\n- **breaking**: `OrgUser::ContractorProfile` removed"), "{md}");
        assert!(
            md.contains("## Documentation\n\n- docs: the user type `oty2` is now named"),
            "{md}"
        );
        assert!(
            md.contains(
                "2 breaking, 3 behaviour-changing, 0 non-breaking, 3 documentation-only change(s)."
            ),
            "{md}"
        );
    }

    /// Two lists compared without their schemas: a type whose link changed is reported by its
    /// link; a link that did not change is no change, whatever else the entries hold.
    #[test]
    fn user_types_without_structs_compare_links() {
        let old = [entry("oty1", Some("user"), true, None)];
        let mut new = old.clone();
        assert!(diff_user_types(&old, &new).changes.is_empty());
        new[0].user_type.href_path = "$[3]._links.schema.href".into();
        assert!(diff_user_types(&old, &new).changes.is_empty());
        new[0].user_type.schema_href = "https://x.okta.com/api/v1/meta/schemas/user/osc9".into();
        assert_eq!(
            changes(&diff_user_types(&old, &new)),
            [(
                Impact::Behaviour,
                "the users of the type `user` (`oty1`) now decode as the struct of the schema `https://x.okta.com/api/v1/meta/schemas/user/osc9` (they decoded as the struct of the schema `https://x.okta.com/api/v1/meta/schemas/user/oscoty1`)"
            )]
        );
        // No default any more.
        new[0].user_type.default = false;
        let r = diff_user_types(&old, &new);
        assert_eq!(
            r.changes.last().map(|c| c.text.as_str()),
            Some("the default user type is now none (was `user` (`oty1`))")
        );
    }

    #[test]
    fn empty_and_dropped_reports_name_the_user_types() {
        let none = Report {
            type_name: "OrgUser".into(),
            subject: Subject::UserTypes,
            changes: Vec::new(),
        };
        assert_eq!(
            none.to_markdown(),
            "# User type changes: `OrgUser`\n\nNo changes to the user types.\n"
        );
        let gone = user_types_dropped();
        assert_eq!(
            changes(&gone),
            [(
                Impact::Breaking,
                "`OrgUser` removed: the user types are no longer given"
            )]
        );
        assert_eq!(
            Report::default().to_markdown(),
            "# Profile schema changes: ``\n\nNo changes to the profile.\n"
        );
    }
}
