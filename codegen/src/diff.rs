//! An API change report between two catalogs, classified by what it does to the generated
//! crate's users: **breaking** changes can stop code that uses the crate from compiling, or
//! from decoding responses it decoded before; the others add to the API or only change docs.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::ir::{Api, Body, Field, Model, ModelKind, Operation, Output, Param, TypeRef};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// Only documentation changed.
    Docs,
    /// Additions that existing code keeps compiling against.
    Additive,
    /// Code keeps compiling but may behave differently: an added enum value that used to
    /// arrive as an unknown value now decodes as its own variant.
    Behaviour,
    /// Existing code may stop compiling.
    Breaking,
}

impl Impact {
    /// How a report marks a change of this impact.
    fn tag(self) -> &'static str {
        match self {
            Impact::Breaking => "**breaking**",
            Impact::Behaviour => "**behaviour-changing**",
            Impact::Additive => "non-breaking",
            Impact::Docs => "docs",
        }
    }
}

/// Writes `changes` under a heading per section, in the order of `sections`, leaving out
/// sections without changes: the body of both change reports (catalog and profile schema).
pub(crate) fn write_sections(out: &mut String, changes: &[Change], sections: &[&str]) {
    for section in sections {
        let mut in_section = changes.iter().filter(|c| c.section == *section).peekable();
        if in_section.peek().is_none() {
            continue;
        }
        let _ = writeln!(out, "## {section}\n");
        for c in in_section {
            let _ = writeln!(out, "- {}: {}", c.impact.tag(), c.text);
        }
        out.push('\n');
    }
}

/// How many of `changes` have `impact`.
pub(crate) fn count(changes: &[Change], impact: Impact) -> usize {
    changes.iter().filter(|c| c.impact == impact).count()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub impact: Impact,
    /// `Operations`, `Parameters`, `Request and response types`, `Models`, `Enum values`, `Documentation`.
    pub section: &'static str,
    pub text: String,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub changes: Vec<Change>,
}

fn type_name(t: &TypeRef) -> String {
    match t {
        TypeRef::String => "string".into(),
        TypeRef::Integer(crate::ir::IntSize::I32) => "int32".into(),
        TypeRef::Integer(_) => "integer".into(),
        TypeRef::Number => "number".into(),
        TypeRef::Boolean => "boolean".into(),
        TypeRef::Any => "untyped JSON".into(),
        TypeRef::Object => "JSON object".into(),
        TypeRef::Binary => "file".into(),
        TypeRef::Array(i) => format!("array of {}", type_name(i)),
        TypeRef::Model(n) => format!("`{n}`"),
    }
}

fn output_name(o: &Output) -> String {
    match o {
        Output::Empty => "no body".into(),
        Output::Json(t) => type_name(t),
        Output::Text(ct) => format!("text ({ct})"),
    }
}

fn route(o: &Operation) -> String {
    let norm: Vec<&str> = o
        .path
        .split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect();
    format!("{} {}", o.method.as_str(), norm.join("/"))
}

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
        let mut out = String::from("# API changes\n\n");
        if self.changes.is_empty() {
            out.push_str("No changes to the API.\n");
            return out;
        }
        let sections = [
            "Operations",
            "Parameters",
            "Request and response types",
            "Models",
            "Enum values",
            "Documentation",
        ];
        write_sections(&mut out, &self.changes, &sections);
        let breaking = count(&self.changes, Impact::Breaking);
        let behaviour = count(&self.changes, Impact::Behaviour);
        let additive = count(&self.changes, Impact::Additive);
        let docs = count(&self.changes, Impact::Docs);
        let _ = writeln!(out, "## Version\n");
        let _ = writeln!(
            out,
            "{breaking} breaking, {behaviour} behaviour-changing, {additive} non-breaking, {docs} documentation-only change(s).\n"
        );
        let bump = match self.impact() {
            Some(Impact::Breaking) => "**major** (for a 0.x version: the minor number)",
            Some(Impact::Behaviour) => {
                "**minor** (for a 0.x version: the patch number), and say in the changelog which values now decode as variants"
            }
            Some(Impact::Additive) => "**minor** (for a 0.x version: the patch number)",
            _ => "**patch**",
        };
        let _ = writeln!(out, "Implied version bump of `okta-client`: {bump}.");
        out
    }
}

/// Compares the catalog `old` with `new`.
pub fn diff(old: &Api, new: &Api) -> Report {
    let mut r = Report::default();
    operations(&mut r, old, new);
    models(&mut r, old, new);
    r
}

fn operations(r: &mut Report, old: &Api, new: &Api) {
    let old_ops: Vec<&Operation> = old.operations().map(|(_, o)| o).collect();
    let mut unpaired: Vec<&Operation> = new.operations().map(|(_, o)| o).collect();
    // An operation is its route: the same method and path under another name is a rename,
    // even when names were swapped (`UpdateUser` → `ReplaceUser`, `PartialUpdateUser` →
    // `UpdateUser`). Only then are names matched, for routes that changed.
    let mut pairs: Vec<(&Operation, &Operation)> = Vec::new();
    let mut gone: Vec<&Operation> = Vec::new();
    for o in &old_ops {
        match unpaired.iter().position(|n| route(n) == route(o)) {
            Some(i) => pairs.push((o, unpaired.remove(i))),
            None => gone.push(o),
        }
    }
    let mut removed: Vec<&Operation> = Vec::new();
    for o in gone {
        match unpaired.iter().position(|n| n.name == o.name) {
            Some(i) => pairs.push((o, unpaired.remove(i))),
            None => removed.push(o),
        }
    }
    pairs.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    removed.sort_by(|a, b| a.name.cmp(&b.name));
    unpaired.sort_by(|a, b| a.name.cmp(&b.name));
    for (o, n) in &pairs {
        if o.name != n.name {
            r.push(
                Impact::Breaking,
                "Operations",
                format!(
                    "`{}` renamed to `{}` (`{}` → `{}`)",
                    o.name, n.name, o.fn_name, n.fn_name
                ),
            );
        }
    }
    for o in removed {
        r.push(
            Impact::Breaking,
            "Operations",
            format!("`{}` removed (`{} {}`)", o.name, o.method.as_str(), o.path),
        );
    }
    for a in unpaired {
        r.push(
            Impact::Additive,
            "Operations",
            format!("`{}` added (`{} {}`)", a.name, a.method.as_str(), a.path),
        );
    }
    for (o, n) in pairs {
        operation(r, o, n);
    }
}

fn operation(r: &mut Report, o: &Operation, n: &Operation) {
    let name = &n.name;
    if o.method != n.method || o.path != n.path {
        // The same method of the client now sends another request.
        r.push(
            Impact::Behaviour,
            "Operations",
            format!(
                "`{name}` now calls `{} {}` (was `{} {}`)",
                n.method.as_str(),
                n.path,
                o.method.as_str(),
                o.path
            ),
        );
    }
    if o.paginated != n.paginated {
        r.push(
            Impact::Breaking,
            "Operations",
            format!(
                "`{name}` {} paginated",
                if n.paginated {
                    "is now"
                } else {
                    "is no longer"
                }
            ),
        );
    }
    params(r, name, &o.params, &n.params);
    body(r, name, o.body.as_ref(), n.body.as_ref());
    if o.output != n.output {
        r.push(
            Impact::Breaking,
            "Request and response types",
            format!(
                "`{name}` returns {} (was {})",
                output_name(&n.output),
                output_name(&o.output)
            ),
        );
    }
    if o.summary != n.summary || o.description != n.description || o.notes != n.notes {
        r.push(
            Impact::Docs,
            "Documentation",
            format!("`{name}`: summary, description or notes changed"),
        );
    }
}

fn params(r: &mut Report, op: &str, old: &[Param], new: &[Param]) {
    let key = |p: &Param| (p.location.as_str(), p.wire_name.clone());
    for p in old {
        match new.iter().find(|n| key(n) == key(p)) {
            None => r.push(
                Impact::Breaking,
                "Parameters",
                format!(
                    "`{op}`: {} parameter `{}` removed",
                    p.location.as_str(),
                    p.wire_name
                ),
            ),
            Some(n) => {
                if n.ty != p.ty {
                    r.push(
                        Impact::Breaking,
                        "Parameters",
                        format!(
                            "`{op}`: parameter `{}` is now {} (was {})",
                            p.wire_name,
                            type_name(&n.ty),
                            type_name(&p.ty)
                        ),
                    );
                }
                if n.required != p.required {
                    r.push(
                        Impact::Breaking,
                        "Parameters",
                        format!(
                            "`{op}`: parameter `{}` is now {}",
                            p.wire_name,
                            if n.required {
                                "required (an argument)"
                            } else {
                                "optional (a setter)"
                            }
                        ),
                    );
                }
            }
        }
    }
    for n in new.iter().filter(|n| !old.iter().any(|p| key(p) == key(n))) {
        let (impact, what) = if n.required {
            (Impact::Breaking, "required (a new argument)")
        } else {
            (Impact::Additive, "optional (a new setter)")
        };
        r.push(
            impact,
            "Parameters",
            format!(
                "`{op}`: {} parameter `{}` added, {what}",
                n.location.as_str(),
                n.wire_name
            ),
        );
    }
}

fn body(r: &mut Report, op: &str, old: Option<&Body>, new: Option<&Body>) {
    const S: &str = "Request and response types";
    match (old, new) {
        (None, None) => {}
        (Some(_), None) => r.push(Impact::Breaking, S, format!("`{op}`: request body removed")),
        (None, Some(b)) => {
            let impact = if b.required {
                Impact::Breaking
            } else {
                Impact::Additive
            };
            r.push(
                impact,
                S,
                format!(
                    "`{op}`: {} request body added ({})",
                    if b.required { "required" } else { "optional" },
                    type_name(&b.ty)
                ),
            );
        }
        (Some(o), Some(n)) => {
            if o.ty != n.ty || o.kind != n.kind {
                r.push(
                    Impact::Breaking,
                    S,
                    format!(
                        "`{op}`: request body is now {} (was {})",
                        type_name(&n.ty),
                        type_name(&o.ty)
                    ),
                );
            }
            if o.required != n.required {
                r.push(
                    Impact::Breaking,
                    S,
                    format!(
                        "`{op}`: request body is now {}",
                        if n.required { "required" } else { "optional" }
                    ),
                );
            }
        }
    }
}

fn fields(m: &Model) -> Option<&[Field]> {
    match &m.kind {
        ModelKind::Struct(f) | ModelKind::Multipart(f) => Some(f),
        _ => None,
    }
}

fn field_type(f: &Field) -> String {
    let mut t = type_name(&f.ty);
    if f.is_rust_nullable() {
        t = format!("nullable {t}");
    } else if !f.is_required() {
        t = format!("optional {t}");
    }
    t
}

fn models(r: &mut Report, old: &Api, new: &Api) {
    let old_m: BTreeMap<&str, &Model> = old.models.iter().map(|m| (m.name.as_str(), m)).collect();
    let new_m: BTreeMap<&str, &Model> = new.models.iter().map(|m| (m.name.as_str(), m)).collect();
    for (name, m) in &old_m {
        let Some(n) = new_m.get(name) else {
            r.push(Impact::Breaking, "Models", format!("`{name}` removed"));
            continue;
        };
        match (&m.kind, &n.kind) {
            (ModelKind::Enum(ov), ModelKind::Enum(nv)) => {
                let ov: BTreeSet<&str> = ov.iter().map(|v| v.value.as_str()).collect();
                let nv: BTreeSet<&str> = nv.iter().map(|v| v.value.as_str()).collect();
                for v in ov.difference(&nv) {
                    r.push(
                        Impact::Breaking,
                        "Enum values",
                        format!("`{name}`: value `{v}` removed"),
                    );
                }
                for v in nv.difference(&ov) {
                    r.push(
                        Impact::Behaviour,
                        "Enum values",
                        format!("`{name}`: value `{v}` added (it no longer arrives as an unknown value; check code that inspects unknown values)"),
                    );
                }
            }
            (ModelKind::Alias(a), ModelKind::Alias(b)) if a != b => {
                r.push(
                    Impact::Breaking,
                    "Models",
                    format!("`{name}` is now {} (was {})", type_name(b), type_name(a)),
                );
            }
            _ => match (fields(m), fields(n)) {
                (Some(of), Some(nf)) => model_fields(r, name, of, nf),
                (None, None) => {}
                _ => r.push(Impact::Breaking, "Models", format!("`{name}` changed kind")),
            },
        }
        if m.description != n.description || m.notes != n.notes {
            r.push(
                Impact::Docs,
                "Documentation",
                format!("`{name}`: description or notes changed"),
            );
        }
    }
    for name in new_m.keys().filter(|n| !old_m.contains_key(*n)) {
        r.push(Impact::Additive, "Models", format!("`{name}` added"));
    }
}

fn model_fields(r: &mut Report, model: &str, old: &[Field], new: &[Field]) {
    for f in old {
        match new.iter().find(|n| n.json_name == f.json_name) {
            None => r.push(
                Impact::Breaking,
                "Models",
                format!("`{model}.{}` removed", f.json_name),
            ),
            Some(n) => {
                let (a, b) = (field_type(f), field_type(n));
                if a != b {
                    r.push(
                        Impact::Breaking,
                        "Models",
                        format!("`{model}.{}` is now {b} (was {a})", f.json_name),
                    );
                }
                if f.description != n.description
                    || f.validation != n.validation
                    || f.notes != n.notes
                {
                    r.push(
                        Impact::Docs,
                        "Documentation",
                        format!("`{model}.{}`: description or notes changed", f.json_name),
                    );
                }
            }
        }
    }
    for n in new
        .iter()
        .filter(|n| !old.iter().any(|f| f.json_name == n.json_name))
    {
        if n.is_required() && !n.is_rust_nullable() {
            r.push(
                Impact::Breaking,
                "Models",
                format!(
                    "`{model}.{}` added as a required {} (a new argument of `new`)",
                    n.json_name,
                    type_name(&n.ty)
                ),
            );
        } else {
            r.push(
                Impact::Additive,
                "Models",
                format!("`{model}.{}` added ({})", n.json_name, field_type(n)),
            );
        }
    }
}
