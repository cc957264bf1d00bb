//! Stage 2: every semantic problem of the catalog at once, each with `file:line`, what is
//! wrong and a hint. What a value *is* (a method, a status, one shape per type) the loader has
//! already settled; this stage checks what the values *mean* together. Reference cycles live in `cycles`, the operation naming convention in
//! `convention`.

mod convention;
mod cycles;

use std::collections::{HashMap, HashSet};

use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics, Location};
use crate::load::ast::{self, BodyEncoding, Method, ParamIn, Shape, Status};
use crate::load::LoadedFile;
use crate::naming;

/// Every check, the naming convention included: what `cargo xtask generate` applies.
pub fn validate(files: &[LoadedFile]) -> Result<(), Diagnostics> {
    validate_with(files, true)
}

/// Every check except the naming convention and the seed names in doc text: for reading an
/// older catalog (`cargo xtask diff`), whose names and docs may predate those rules and are
/// exactly what the report must compare.
pub fn validate_without_naming_convention(files: &[LoadedFile]) -> Result<(), Diagnostics> {
    validate_with(files, false)
}

fn validate_with(files: &[LoadedFile], current: bool) -> Result<(), Diagnostics> {
    let mut v = Validator {
        diags: Diagnostics::default(),
        schemas: HashMap::new(),
        naming_convention: current,
        doc_provenance: current,
    };
    for f in files {
        for name in f.group.schemas.keys() {
            v.schemas
                .entry(name.clone())
                .or_insert_with(|| Site::new(f, &["schemas", name]));
        }
    }
    v.catalog(files);
    v.required_cycles(files);
    v.alias_cycles(files);
    if v.diags.is_empty() {
        Ok(())
    } else {
        Err(v.diags.sorted())
    }
}

/// A place in a catalog file, turned into a line and column only when a diagnostic needs it:
/// positions come from a second parse of the file, which a valid catalog never pays for.
#[derive(Clone)]
struct Site<'a> {
    file: &'a LoadedFile,
    path: Vec<String>,
}

impl<'a> Site<'a> {
    fn new(file: &'a LoadedFile, path: &[&str]) -> Self {
        let path = path.iter().map(|s| s.to_string()).collect();
        Site { file, path }
    }

    fn at(&self) -> Location {
        let path: Vec<&str> = self.path.iter().map(String::as_str).collect();
        self.file.location(&path)
    }
}

impl From<Site<'_>> for Location {
    fn from(site: Site<'_>) -> Location {
        site.at()
    }
}

impl std::fmt::Display for Site<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.at().fmt(f)
    }
}

struct Validator<'a> {
    diags: Diagnostics,
    /// Whether operation names must follow spec/README.md's convention.
    naming_convention: bool,
    /// Whether doc text may not name a seed document ([`Validator::user_doc`]).
    doc_provenance: bool,
    /// Every named schema and where it is defined.
    schemas: HashMap<String, Site<'a>>,
}

fn is_pascal(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

impl<'a> Validator<'a> {
    fn error(&mut self, at: impl Into<Location>, msg: impl Into<String>, hint: impl Into<String>) {
        self.diags
            .push(Diagnostic::new(at.into(), msg).with_hint(hint));
    }

    fn catalog(&mut self, files: &'a [LoadedFile]) {
        let mut groups: HashMap<String, Site> = HashMap::new();
        let mut op_names: HashMap<String, Site> = HashMap::new();
        let mut op_fns: HashMap<String, (String, Site)> = HashMap::new();
        let mut routes: HashMap<(Method, String), (String, Site)> = HashMap::new();
        let mut rust_models: HashMap<String, (String, Site)> = HashMap::new();

        for f in files {
            let g = &f.group;
            let at = Site::new(f, &["group"]);
            if naming::is_keyword(&g.group) {
                self.error(
                    at.clone(),
                    format!("group name `{}` is a Rust keyword", g.group),
                    format!("choose another name, e.g. `{}Api`", g.group),
                );
            }
            if !is_pascal(&g.group) {
                self.error(
                    at.clone(),
                    format!("group name `{}` is not PascalCase", g.group),
                    "write it like `EventHook`",
                );
            }
            let accessor = naming::module_name(&g.group);
            if crate::contract::is_client_method(&accessor) {
                self.error(
                    at.clone(),
                    format!(
                        "group `{}` would add `client.{accessor}()`, a method okta-client's `Client` already has",
                        g.group
                    ),
                    format!("name the group after its resource, e.g. `{}Resource`", g.group),
                );
            }
            if let Some(first) = groups.insert(g.group.clone(), at.clone()) {
                self.error(
                    at.clone(),
                    format!("group `{}` is defined twice (first at {first})", g.group),
                    "merge the two files",
                );
            }
            if let Some(d) = &g.description {
                self.user_doc(f, &["description"], d);
            }
            if g.operations.is_empty() {
                self.error(
                    at,
                    format!("group `{}` has no operations", g.group),
                    "add its operations or delete the file",
                );
            }
            for (name, _) in &g.schemas {
                let at = Site::new(f, &["schemas", name]);
                if !is_pascal(name) {
                    self.error(
                        at.clone(),
                        format!("schema name `{name}` is not PascalCase"),
                        "write it like `InlineHook`",
                    );
                }
                if naming::is_keyword(name) {
                    self.error(
                        at.clone(),
                        format!("schema name `{name}` is a Rust keyword"),
                        "choose a descriptive name instead, e.g. `SelfLink`",
                    );
                }
                let rust = naming::type_name(name);
                if let Some((other, first)) =
                    rust_models.insert(rust.clone(), (name.clone(), at.clone()))
                {
                    self.error(
                        at,
                        format!("schema `{name}` and schema `{other}` (at {first}) both become the Rust type `{rust}`"),
                        "rename one of them",
                    );
                }
            }
            for (i, op) in g.operations.iter().enumerate() {
                let idx = i.to_string();
                let loc = |k: &str| Site::new(f, &["operations", &idx, k]);
                if !is_pascal(&op.name) {
                    self.error(
                        loc("name"),
                        format!("operation name `{}` is not PascalCase", op.name),
                        "write it like `GetEventHook`",
                    );
                }
                if let Some(problem) =
                    convention::naming_convention(op).filter(|_| self.naming_convention)
                {
                    self.error(loc("name"), problem.0, problem.1);
                }
                let api_type = format!("{}Api", naming::type_name(&g.group));
                if naming::is_keyword(&op.name)
                    || naming::is_reserved_type(&op.name)
                    || op.name == api_type
                {
                    self.error(
                        loc("name"),
                        format!(
                            "operation name `{}` cannot name its request builder: Rust or the generated code already uses it",
                            op.name
                        ),
                        format!("use a verb and a noun, e.g. `Get{}`", op.name),
                    );
                }
                if let Some(first) = op_names.insert(op.name.clone(), loc("name")) {
                    self.error(
                        loc("name"),
                        format!(
                            "operation `{}` is defined twice (first at {first})",
                            op.name
                        ),
                        "operation names must be unique in the whole catalog",
                    );
                } else {
                    let fname = naming::snake(&op.name);
                    if let Some((other, first)) =
                        op_fns.insert(fname.clone(), (op.name.clone(), loc("name")))
                    {
                        self.error(loc("name"), format!("operations `{}` and `{other}` (at {first}) both become the Rust method `{fname}`", op.name), "rename one of them");
                    }
                }
                let key = (op.method, op.path.route());
                if let Some((other, first)) = routes.insert(key, (op.name.clone(), loc("path"))) {
                    self.error(
                        loc("path"),
                        format!(
                            "`{} {}` is already the route of operation `{other}` (at {first})",
                            op.method.as_str(),
                            op.path
                        ),
                        "each method + path belongs to exactly one operation",
                    );
                }
                if op.sources.is_empty() {
                    self.error(loc("name"), format!("operation `{}` has no `sources`", op.name), "name the seed document(s) it is taken from, e.g. `sources: [003_48d077f24f042294.txt]`");
                }
                for (si, s) in op.sources.iter().enumerate() {
                    if !is_seed_name(s) {
                        self.error(
                            f.location(&["operations", &idx, "sources", &si.to_string()]),
                            format!("`{s}` is not a seed document name"),
                            "sources are file names like `000_7b3593a3132659d8.txt`",
                        );
                    }
                }
                self.operation(f, &idx, op);
            }
            for (name, s) in &g.schemas {
                self.schema(f, &["schemas", name], s, true);
            }
        }
    }

    fn operation(&mut self, f: &LoadedFile, idx: &str, op: &ast::Operation) {
        let loc = |k: &[&str]| {
            let mut p = vec!["operations", idx];
            p.extend_from_slice(k);
            f.location(&p)
        };
        self.user_doc(f, &["operations", idx, "summary"], &op.summary);
        if let Some(d) = &op.description {
            self.user_doc(f, &["operations", idx, "description"], d);
        }
        let template: Vec<&str> = op.path.params().collect();
        let declared: Vec<&ast::Param> = op
            .params
            .iter()
            .filter(|p| p.location == ParamIn::Path)
            .collect();
        // A misspelt name is one problem, not "undeclared" plus "not in the path".
        let mut explained: HashSet<String> = HashSet::new();
        for t in &template {
            if !declared.iter().any(|p| p.name == *t) {
                let unmatched = declared
                    .iter()
                    .map(|p| p.name.as_str())
                    .filter(|n| !template.contains(n));
                match did_you_mean(t, unmatched) {
                    Some(close) => {
                        let pi = op
                            .params
                            .iter()
                            .position(|p| p.name == close && p.location == ParamIn::Path)
                            .unwrap_or(0);
                        explained.insert(close.to_string());
                        self.error(
                            loc(&["params", &pi.to_string(), "name"]),
                            format!("path parameter `{close}` does not match `{{{t}}}` in the path `{}`", op.path),
                            format!("use the same spelling in both places: `{t}`"),
                        );
                    }
                    None => self.error(
                        loc(&["path"]),
                        format!(
                            "path parameter `{{{t}}}` of `{}` is not declared in `params`",
                            op.name
                        ),
                        format!("add `- {{name: {t}, in: path}}` to `params`"),
                    ),
                }
            }
        }
        let mut seen: HashMap<(ParamIn, String), usize> = HashMap::new();
        let mut rust_names: HashMap<String, String> = HashMap::new();
        for (pi, p) in op.params.iter().enumerate() {
            let pidx = pi.to_string();
            if !naming::has_words(&p.name) {
                self.error(
                    loc(&["params", &pidx, "name"]),
                    format!(
                        "parameter name {:?} has no letters or digits to make a Rust name of",
                        p.name
                    ),
                    "write the name exactly as the documents give it, e.g. `limit`",
                );
            }
            if p.location == ParamIn::Path {
                if !template.contains(&p.name.as_str()) && !explained.contains(&p.name) {
                    self.error(
                        loc(&["params", &pidx, "name"]),
                        format!(
                            "path parameter `{}` does not appear in the path `{}`",
                            p.name, op.path
                        ),
                        format!("remove it, or add `{{{}}}` to the path", p.name),
                    );
                }
                if p.required == Some(false) {
                    self.error(
                        loc(&["params", &pidx, "required"]),
                        format!("path parameter `{}` cannot be optional", p.name),
                        "remove `required: false`",
                    );
                }
            }
            if seen.insert((p.location, p.name.clone()), pi).is_some() {
                self.error(
                    loc(&["params", &pidx, "name"]),
                    format!("parameter `{}` is declared twice", p.name),
                    "remove the duplicate",
                );
            }
            let rust = naming::param_name(&p.name);
            if let Some(other) = rust_names.insert(rust.clone(), p.name.clone()) {
                if other != p.name {
                    self.error(
                        loc(&["params", &pidx, "name"]),
                        format!(
                            "parameters `{}` and `{other}` both become the Rust name `{rust}`",
                            p.name
                        ),
                        "the documents rarely do this; check for a typo",
                    );
                }
            }
            if let Some(d) = &p.description {
                self.user_doc(f, &["operations", idx, "params", &pidx, "description"], d);
            }
            if let Some(s) = &p.schema {
                let path = ["operations", idx, "params", &pidx, "schema"];
                self.schema(f, &path, s, false);
                if matches!(s.shape, Shape::Object(_) | Shape::Any) {
                    self.error(
                        loc(&["params", &pidx, "schema"]),
                        format!(
                            "parameter `{}` cannot be a JSON {}",
                            p.name,
                            s.shape.type_name()
                        ),
                        "parameters are strings, numbers, booleans, enums or arrays of those",
                    );
                }
            }
        }
        if let Some(b) = &op.body {
            if let Some(d) = &b.description {
                self.user_doc(f, &["operations", idx, "body", "description"], d);
            }
            self.schema(f, &["operations", idx, "body", "schema"], &b.schema, false);
            if b.content_type == BodyEncoding::Multipart && !self.is_object_schema(&b.schema) {
                self.error(loc(&["body", "schema"]), "a multipart body must be an object whose properties are the form's parts", "use `{type: object, properties: {file: {type: string, format: binary}}}` or a named schema like it");
            }
            if matches!(op.method, Method::Get | Method::Head) {
                self.error(
                    loc(&["body"]),
                    format!("a {} request cannot have a body", op.method.as_str()),
                    "remove `body`",
                );
            }
        }
        if op.responses.is_empty() {
            self.error(loc(&["name"]), format!("operation `{}` has no responses", op.name), "add the documented responses, or `- {status: default, description: Not documented by the source documents, schema: {type: any}}`");
        }
        let mut statuses = HashSet::new();
        for (ri, r) in op.responses.iter().enumerate() {
            let ridx = ri.to_string();
            let key = r.status;
            if !statuses.insert(key) {
                self.error(
                    loc(&["responses", &ridx, "status"]),
                    format!("response `{key}` is listed twice"),
                    "merge the two entries",
                );
            }
            if let Some(d) = &r.description {
                self.user_doc(
                    f,
                    &["operations", idx, "responses", &ridx, "description"],
                    d,
                );
            }
            if let Some(s) = &r.schema {
                self.schema(
                    f,
                    &["operations", idx, "responses", &ridx, "schema"],
                    s,
                    false,
                );
            }
        }
        if op.paginated {
            let array = op.responses.iter().any(|r| {
                let ok_status = match r.status {
                    Status::Code(c) => (200..300).contains(&c),
                    Status::Default => true,
                };
                ok_status && r.schema.as_ref().is_some_and(|s| self.is_array_schema(s))
            });
            if !array {
                self.error(
                    loc(&["paginated"]),
                    format!("list operation `{}` has no array response", op.name),
                    "a paginated operation's success response must be `{type: array, items: …}`",
                );
            }
        }
    }

    /// Text that becomes rustdoc (summaries, descriptions, validation rules) must not name the
    /// seed documents: where a fact comes from, and guesses about a document's layout, are for
    /// maintainers and go in `notes:` (kept in `openapi.json` as `x-notes`). Checking every
    /// such text here keeps provenance out of the users' docs whatever the emitters do.
    fn user_doc(&mut self, f: &LoadedFile, path: &[&str], text: &str) {
        if let Some(seed) = seed_name_in(text).filter(|_| self.doc_provenance) {
            self.error(
                f.location(path),
                format!("documentation text names the seed document `{seed}`; it would appear in the users' rustdoc"),
                "move this to `notes:` (maintainer notes, kept in openapi.json as `x-notes`) and keep only what the API does here",
            );
        }
    }

    fn is_array_schema(&self, s: &ast::Schema) -> bool {
        matches!(s.shape, Shape::Array(_))
    }

    fn is_object_schema(&self, s: &ast::Schema) -> bool {
        matches!(s.shape, Shape::Object(_) | Shape::Ref(_))
    }

    fn schema(&mut self, f: &LoadedFile, path: &[&str], s: &ast::Schema, top: bool) {
        let at = |k: Option<&str>| {
            let mut p = path.to_vec();
            if let Some(k) = k {
                p.push(k);
            }
            f.location(&p)
        };
        for (key, text) in [
            ("description", &s.description),
            ("validation", &s.validation),
        ] {
            if let Some(text) = text {
                self.user_doc(f, &[path, &[key]].concat(), text);
            }
        }
        if let Shape::Ref(r) = &s.shape {
            if !self.schemas.contains_key(r) {
                let names: Vec<&str> = self.schemas.keys().map(String::as_str).collect();
                let hint = match did_you_mean(r, names) {
                    Some(n) => format!("did you mean `{n}`?"),
                    None => "define it under `schemas:` in one of the group files".into(),
                };
                self.error(at(Some("ref")), format!("unknown schema `{r}`"), hint);
            }
        }
        if let Some(values) = &s.enum_values {
            if !matches!(s.shape, Shape::String) {
                self.error(
                    at(Some("enum")),
                    "`enum` values must be strings",
                    "set `type: string`",
                );
            }
            if values.is_empty() {
                self.error(
                    at(Some("enum")),
                    "an enum needs at least one value",
                    "list the documented values",
                );
            }
            let mut variants: HashMap<String, String> = HashMap::new();
            for (vi, v) in values.iter().enumerate() {
                if let Some(d) = v.description() {
                    let vi = vi.to_string();
                    self.user_doc(f, &[path, &["enum", &vi, "description"]].concat(), d);
                }
                let rust = naming::variant_name(v.value());
                if let Some(other) = variants.insert(rust.clone(), v.value().to_string()) {
                    self.error(f.location(&[path, &["enum", &vi.to_string()]].concat()), format!("enum values `{}` and `{other}` both become the Rust variant `{rust}`", v.value()), "enum values are wire values and keep their spelling; check whether the documents really list both");
                }
            }
        }
        if let Shape::Array(items) = &s.shape {
            let p = [path, &["items"]].concat();
            self.schema(f, &p, items, false);
        }
        if let Shape::Object(Some(props)) = &s.shape {
            let mut rust: HashMap<String, String> = HashMap::new();
            for (name, p) in props {
                let pp = [path, &["properties", name.as_str()]].concat();
                if !naming::has_words(name) {
                    self.error(
                        f.location(&pp),
                        format!("property name {name:?} has no letters or digits to make a Rust name of"),
                        "write the JSON name exactly as the documents give it",
                    );
                }
                let field = naming::field_name(name);
                if let Some(other) = rust.insert(field.clone(), name.clone()) {
                    self.error(f.location(&pp), format!("properties `{name}` and `{other}` both become the Rust field `{field}`"), "rename one of them; JSON names are kept on the wire either way");
                }
                self.schema(f, &pp, p, false);
            }
        }
        if top && (s.required || s.read_only || s.write_only) {
            self.error(
                at(None),
                "`required`, `read_only` and `write_only` describe properties, not whole schemas",
                "move them to the property that uses this schema",
            );
        }
    }
}

/// The first seed document name in `text` (`004_d07c176bc5472207`, with or without `.txt`).
pub fn seed_name_in(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(19)).find_map(|i| {
        let starts = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let stem = &b[i..i + 20];
        let ends = b.get(i + 20).is_none_or(|c| !c.is_ascii_alphanumeric());
        let is_seed = stem[..3].iter().all(u8::is_ascii_digit)
            && stem[3] == b'_'
            && stem[4..].iter().all(u8::is_ascii_hexdigit);
        (starts && ends && is_seed).then(|| {
            let txt = text[i + 20..].starts_with(".txt");
            &text[i..i + 20 + if txt { 4 } else { 0 }]
        })
    })
}

fn is_seed_name(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 24
        && b[..3].iter().all(u8::is_ascii_digit)
        && b[3] == b'_'
        && b[4..20].iter().all(|c| c.is_ascii_hexdigit())
        && s.ends_with(".txt")
}

#[cfg(test)]
mod tests {
    use super::seed_name_in;

    #[test]
    fn seed_names_are_found_anywhere_in_a_text() {
        assert_eq!(
            seed_name_in("(request schema of 004_d07c176bc5472207.txt)."),
            Some("004_d07c176bc5472207.txt")
        );
        assert_eq!(
            seed_name_in("002_030ab8ae49809163's table"),
            Some("002_030ab8ae49809163")
        );
        assert_eq!(
            seed_name_in("x 000_7b3593a3132659d8"),
            Some("000_7b3593a3132659d8")
        );
        // Not a name: too short, not hex, or part of a longer word.
        assert_eq!(seed_name_in("004_d07c176bc547220"), None);
        assert_eq!(seed_name_in("004_d07c176bc547220z.txt"), None);
        assert_eq!(seed_name_in("a004_d07c176bc5472207"), None);
        assert_eq!(seed_name_in("004_d07c176bc5472207a"), None);
        assert_eq!(seed_name_in("An event hook."), None);
        assert_eq!(seed_name_in(""), None);
    }
}
