//! A saved profile schema (JSON, as `GET /api/v1/meta/schemas/…` returns it) → a typed AST.
//!
//! Every problem of a schema is reported at once, each located by the JSON path of the value
//! at fault (`$.definitions.custom.properties.costCenter.maxLength`); nothing here panics on
//! any input. Keys this loader does not know are ignored (Okta adds some now and then), and a
//! `null` where an optional keyword stands reads as its absence.

use std::cmp::Ordering;
use std::fmt;

use serde_json::{Map, Number, Value};

use super::{problem, Problems};
use crate::diagnostics::{Diagnostic, Location};

/// One schema file.
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    /// The file name the problems and docs name (`user.json`).
    pub file: String,
    /// The schema's own `id` (`https://{org}/meta/schemas/user/osc1…`), which a user type's
    /// `_links.schema.href` names.
    pub id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// Base attributes first, then custom ones, each in the schema's order.
    pub attributes: Vec<Attribute>,
}

/// Where an attribute is defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Base,
    Custom,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Base => "base",
            Origin::Custom => "custom",
        }
    }
}

/// A JSON scalar type of the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    String,
    Boolean,
    Integer,
    Number,
}

impl Scalar {
    pub fn as_str(self) -> &'static str {
        match self {
            Scalar::String => "string",
            Scalar::Boolean => "boolean",
            Scalar::Integer => "integer",
            Scalar::Number => "number",
        }
    }

    /// `a string`, `an integer`: for messages.
    pub fn with_article(self) -> &'static str {
        match self {
            Scalar::String => "a string",
            Scalar::Boolean => "a boolean",
            Scalar::Integer => "an integer",
            Scalar::Number => "a number",
        }
    }

    fn parse(s: &str) -> Option<Scalar> {
        Some(match s {
            "string" => Scalar::String,
            "boolean" => Scalar::Boolean,
            "integer" => Scalar::Integer,
            "number" => Scalar::Number,
            _ => return None,
        })
    }
}

/// An attribute's type: a scalar, an array of scalars, or a JSON object kept as a map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Scalar(Scalar),
    Array(Scalar),
    Object,
}

impl Kind {
    /// The scalar that constraints and enum values apply to (an array's items).
    pub fn scalar(self) -> Option<Scalar> {
        match self {
            Kind::Scalar(s) | Kind::Array(s) => Some(s),
            Kind::Object => None,
        }
    }
}

/// One value an enum lists, with its display name from `oneOf`.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// A string, a number or a boolean, of the attribute's (item) type.
    pub value: Value,
    pub title: Option<String>,
}

/// A `minimum` or `maximum` as the schema writes it, never rounded. The workspace's serde_json
/// has no `arbitrary_precision`: it reads every integer of the `i64` and `u64` ranges exactly,
/// and anything else (a fraction, an exponent, an integer beyond `u64`) as the nearest `f64`.
/// So `9007199254740993` stays that integer, and `1` stays apart from `1.0`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    /// Written as an integer that serde_json holds exactly (any `i64` or `u64`).
    Integer(i128),
    /// Written with a fraction or an exponent (`1.5`, `1.0`, `1e3`), or an integer beyond
    /// `u64`: the nearest `f64`, always finite.
    Decimal(f64),
}

impl Bound {
    fn from_number(n: &Number) -> Option<Bound> {
        if let Some(i) = n.as_i64() {
            Some(Bound::Integer(i128::from(i)))
        } else if let Some(u) = n.as_u64() {
            Some(Bound::Integer(i128::from(u)))
        } else {
            n.as_f64().filter(|d| d.is_finite()).map(Bound::Decimal)
        }
    }

    /// `self` against `other` exactly: integers as integers, an integer against a decimal by
    /// the decimal's exact value (`2^53 + 1` is more than `9007199254740992.0`, `1` equals
    /// `1.0`). `None` only for NaN, which JSON cannot write.
    pub fn cmp_exact(self, other: Bound) -> Option<Ordering> {
        match (self, other) {
            (Bound::Integer(a), Bound::Integer(b)) => Some(a.cmp(&b)),
            (Bound::Decimal(a), Bound::Decimal(b)) => a.partial_cmp(&b),
            (Bound::Integer(i), Bound::Decimal(d)) => cmp_integer_decimal(i, d),
            (Bound::Decimal(d), Bound::Integer(i)) => {
                cmp_integer_decimal(i, d).map(Ordering::reverse)
            }
        }
    }
}

/// As written: an integer's digits (`9007199254740993`), a decimal as the shortest text that
/// reads back as the same `f64`, with a fraction or an exponent (`1.0`, `1.5`, `-1e19`).
impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::Integer(i) => write!(f, "{i}"),
            // `{:?}` of an f64 is its shortest round-trip text, never without `.` or `e`.
            Bound::Decimal(d) => write!(f, "{d:?}"),
        }
    }
}

/// `i` against `d`, exactly: no rounding of `i` to `f64`; `None` for NaN. The same comparison
/// as okta-client's `changes::cmp_integer_decimal`, which the emitted `validate()` uses.
fn cmp_integer_decimal(i: i128, d: f64) -> Option<Ordering> {
    // 2^100 is far outside every integer a `Bound` holds, and exact as an f64.
    const FAR: f64 = 1_267_650_600_228_229_401_496_703_205_376.0;
    if d.is_nan() {
        return None;
    }
    if d >= FAR {
        return Some(Ordering::Less);
    }
    if d <= -FAR {
        return Some(Ordering::Greater);
    }
    // `whole` is an integer below 2^100 in size, so `as i128` is exact; `d - whole` is exact too.
    let whole = d.trunc();
    match i.cmp(&(whole as i128)) {
        Ordering::Equal => (0.0).partial_cmp(&(d - whole)),
        other => Some(other),
    }
}

/// Length, range, pattern and format of an attribute (or of an array's items).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Rules {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<Bound>,
    pub maximum: Option<Bound>,
    pub pattern: Option<String>,
    pub format: Option<String>,
}

/// One attribute (a property of `definitions.base` or `definitions.custom`).
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// The JSON name (`costCenter`).
    pub name: String,
    pub origin: Origin,
    /// The JSON path of its definition, for messages.
    pub path: String,
    pub kind: Kind,
    pub required: bool,
    pub title: Option<String>,
    pub description: Option<String>,
    /// Length, range, pattern and format, for the attribute or (arrays) its items.
    pub rules: Rules,
    /// The values an `enum` lists (for arrays: the items'), in order; empty without one.
    pub choices: Vec<Choice>,
    /// `permissions`: (principal, action) pairs, such as (`SELF`, `READ_ONLY`).
    pub permissions: Vec<(String, String)>,
    pub mutability: Option<String>,
    pub scope: Option<String>,
    /// `master.type`: `PROFILE_MASTER`, `OKTA`, `OVERRIDE`.
    pub master: Option<String>,
    /// `master.priority` of an `OVERRIDE` master: (`type`, `value`) in order, such as
    /// (`APP`, `0oa1…`) then (`OKTA`, none).
    pub master_priority: Vec<(String, Option<String>)>,
    /// `default`: the value Okta gives the attribute when none is set.
    pub default: Option<Value>,
    /// `union` (arrays): `ENABLE` merges the values of every source, `DISABLE` keeps one.
    pub union: Option<String>,
    pub unique: Option<String>,
    pub external_name: Option<String>,
    pub external_namespace: Option<String>,
}

impl Attribute {
    /// Okta does not let the API change it: decoded, never sent.
    pub fn read_only(&self) -> bool {
        self.mutability.as_deref() == Some("READ_ONLY")
    }

    /// Hidden from the user themselves (`permissions` of `SELF` is `HIDE`).
    pub fn hidden(&self) -> bool {
        self.permissions
            .iter()
            .any(|(p, a)| p == "SELF" && a == "HIDE")
    }
}

/// `$.a.b` for identifier-like keys, `$.a["b c"]` for others.
pub fn key_path(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", Value::String(key.to_string()))
    }
}

pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Collects the problems of one file.
pub(crate) struct Reader<'a> {
    pub(crate) file: &'a str,
    pub(crate) problems: Vec<Diagnostic>,
}

impl Reader<'_> {
    pub(crate) fn problem(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(problem(self.file, path, message));
    }

    /// Text that does not parse as JSON, located by line and column.
    pub(crate) fn not_json(&mut self, e: &serde_json::Error) {
        self.problems.push(Diagnostic::new(
            Location::new(std::path::Path::new(self.file), e.line(), e.column().max(1)),
            format!("not JSON: {e}"),
        ));
    }

    /// `obj[key]`, `None` when absent or `null`.
    pub(crate) fn get<'v>(&self, obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
        obj.get(key).filter(|v| !v.is_null())
    }

    pub(crate) fn string(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Option<String> {
        match self.get(obj, key)? {
            Value::String(s) => Some(s.clone()),
            other => {
                let found = kind_of(other);
                self.problem(
                    &key_path(path, key),
                    format!("`{key}` must be a string, not {found}"),
                );
                None
            }
        }
    }

    pub(crate) fn object<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Option<&'v Map<String, Value>> {
        match self.get(obj, key)? {
            Value::Object(m) => Some(m),
            other => {
                let found = kind_of(other);
                self.problem(
                    &key_path(path, key),
                    format!("`{key}` must be an object, not {found}"),
                );
                None
            }
        }
    }

    pub(crate) fn array<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Option<&'v [Value]> {
        match self.get(obj, key)? {
            Value::Array(a) => Some(a),
            other => {
                let found = kind_of(other);
                self.problem(
                    &key_path(path, key),
                    format!("`{key}` must be an array, not {found}"),
                );
                None
            }
        }
    }

    fn count(&mut self, obj: &Map<String, Value>, key: &str, path: &str) -> Option<u64> {
        let v = self.get(obj, key)?;
        match v.as_u64() {
            Some(n) => Some(n),
            None => {
                let found = kind_of(v);
                self.problem(
                    &key_path(path, key),
                    format!("`{key}` must be a whole number of characters (0 or more), not {found} `{v}`"),
                );
                None
            }
        }
    }

    fn bound(&mut self, obj: &Map<String, Value>, key: &str, path: &str) -> Option<Bound> {
        let v = self.get(obj, key)?;
        let bound = match v {
            Value::Number(n) => Bound::from_number(n),
            _ => None,
        };
        match bound {
            Some(b) => Some(b),
            None => {
                let found = kind_of(v);
                self.problem(
                    &key_path(path, key),
                    format!("`{key}` must be a number, not {found}"),
                );
                None
            }
        }
    }
}

/// Parses and loads the schema `text`, named `file` in problems.
pub fn load(file: &str, text: &str) -> Result<Schema, Problems> {
    let mut r = Reader {
        file,
        problems: Vec::new(),
    };
    let root: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            r.not_json(&e);
            return Err(Problems(r.problems));
        }
    };
    let schema = schema(&mut r, &root);
    match schema {
        Some(s) if r.problems.is_empty() => Ok(s),
        _ => Err(Problems(r.problems)),
    }
}

fn schema(r: &mut Reader, root: &Value) -> Option<Schema> {
    let Value::Object(root) = root else {
        let found = kind_of(root);
        r.problem(
            "$",
            format!("a profile schema is a JSON object, not {found}"),
        );
        return None;
    };
    let id = r.string(root, "id", "$");
    let title = r.string(root, "title", "$");
    let description = r.string(root, "description", "$");
    let Some(defs) = r.object(root, "definitions", "$") else {
        if r.get(root, "definitions").is_none() {
            r.problem("$", "no `definitions`: save the schema as `GET /api/v1/meta/schemas/user/default` returns it");
        }
        return None;
    };
    let mut attributes: Vec<Attribute> = Vec::new();
    let parts = profile_parts(r, root, defs)?;
    for (name, def, path) in parts {
        let origin = if name == "base" {
            Origin::Base
        } else {
            Origin::Custom
        };
        for a in definition(r, def, origin, &path) {
            if let Some(first) = attributes.iter().find(|x| x.name == a.name) {
                let other = first.origin.as_str();
                r.problem(
                    &a.path,
                    format!("`{}` is defined twice (also in {other})", a.name),
                );
                continue;
            }
            attributes.push(a);
        }
    }
    Some(Schema {
        file: r.file.to_string(),
        id,
        title,
        description,
        attributes,
    })
}

/// A definition of the profile: its name, its object, the JSON path of the object.
type Part<'v> = (String, &'v Map<String, Value>, String);

/// The definitions the profile is made of, `base` first, each with the JSON path of its
/// definition: those `properties.profile.allOf` references (`{"$ref": "#/definitions/custom"}`),
/// as Okta composes a profile; for a schema without `properties.profile.allOf` (written by
/// hand, or by an older tool), `definitions.base` and `definitions.custom`. A reference that
/// resolves to nothing is a problem located at the reference; `None` when there is none to
/// load.
fn profile_parts<'v>(
    r: &mut Reader,
    root: &'v Map<String, Value>,
    defs: &'v Map<String, Value>,
) -> Option<Vec<Part<'v>>> {
    let all_of = r
        .object(root, "properties", "$")
        .and_then(|p| r.object(p, "profile", "$.properties"))
        .and_then(|p| r.array(p, "allOf", "$.properties.profile"));
    let mut names: Vec<String> = Vec::new();
    match all_of {
        None => {
            for name in ["base", "custom"] {
                if r.get(defs, name).is_some() {
                    names.push(name.to_string());
                }
            }
            if names.is_empty() && r.problems.is_empty() {
                r.problem("$.definitions", "neither `base` nor `custom` is defined");
                return None;
            }
        }
        Some(list) => {
            let list_path = "$.properties.profile.allOf";
            if list.is_empty() {
                r.problem(
                    list_path,
                    "`allOf` references no definition: the profile has no attributes",
                );
                return None;
            }
            let available: Vec<String> = defs.keys().map(|k| format!("`{k}`")).collect();
            for (i, entry) in list.iter().enumerate() {
                let at = format!("{list_path}[{i}]");
                let reference = match entry {
                    Value::Object(m) => r.string(m, "$ref", &at),
                    _ => None,
                };
                let Some(reference) = reference else {
                    if entry.get("$ref").is_none() {
                        r.problem(
                            &at,
                            format!(
                                "an `allOf` entry is {{\"$ref\": \"#/definitions/…\"}}, not {}",
                                if entry.is_object() {
                                    "an object without `$ref`"
                                } else {
                                    kind_of(entry)
                                }
                            ),
                        );
                    }
                    continue;
                };
                let ref_path = key_path(&at, "$ref");
                let Some(name) = definition_name(&reference) else {
                    r.problem(
                        &ref_path,
                        format!("`{reference}` is not a reference into this file's `definitions` (`#/definitions/<name>`)"),
                    );
                    continue;
                };
                if names.contains(&name) {
                    r.problem(&ref_path, format!("`{reference}` is referenced twice"));
                    continue;
                }
                match r.get(defs, &name) {
                    Some(_) => names.push(name),
                    None => {
                        let has = if available.is_empty() {
                            "`definitions` is empty".to_string()
                        } else {
                            format!("`definitions` has {}", available.join(", "))
                        };
                        r.problem(
                            &ref_path,
                            format!("`{reference}` resolves to nothing: {has}"),
                        );
                    }
                }
            }
        }
    }
    // Base attributes first, then the others in the order referenced.
    names.sort_by_key(|n| n != "base");
    let mut out = Vec::new();
    for name in names {
        let path = key_path("$.definitions", &name);
        if let Some(def) = r.object(defs, &name, "$.definitions") {
            out.push((name, def, path));
        }
    }
    Some(out)
}

/// `#/definitions/custom` → `custom` (a JSON pointer of two tokens, `~1` and `~0` unescaped).
fn definition_name(reference: &str) -> Option<String> {
    let name = reference.strip_prefix("#/definitions/")?;
    if name.is_empty() || name.contains('/') {
        return None;
    }
    Some(name.replace("~1", "/").replace("~0", "~"))
}

fn definition(
    r: &mut Reader,
    def: &Map<String, Value>,
    origin: Origin,
    path: &str,
) -> Vec<Attribute> {
    let mut out = Vec::new();
    let props = r.object(def, "properties", path);
    if let Some(props) = props {
        let props_path = key_path(path, "properties");
        for (name, value) in props {
            let p = key_path(&props_path, name);
            match value {
                Value::Object(obj) => {
                    if let Some(a) = attribute(r, name, obj, origin, &p) {
                        out.push(a);
                    }
                }
                other => {
                    let found = kind_of(other);
                    r.problem(
                        &p,
                        format!("attribute `{name}` must be an object, not {found}"),
                    );
                }
            }
        }
    }
    if let Some(required) = r.array(def, "required", path) {
        let req_path = key_path(path, "required");
        for (i, v) in required.iter().enumerate() {
            let p = format!("{req_path}[{i}]");
            let Some(name) = v.as_str() else {
                r.problem(
                    &p,
                    format!(
                        "a required attribute is named by a string, not {}",
                        kind_of(v)
                    ),
                );
                continue;
            };
            match out.iter_mut().find(|a| a.name == name) {
                Some(a) => a.required = true,
                // An attribute that failed to load is already reported.
                None if props.is_some_and(|m| m.contains_key(name)) => {}
                None => r.problem(
                    &p,
                    format!(
                        "`{name}` is required, but {} has no such property",
                        origin.as_str()
                    ),
                ),
            }
        }
    }
    out
}

fn attribute(
    r: &mut Reader,
    name: &str,
    obj: &Map<String, Value>,
    origin: Origin,
    path: &str,
) -> Option<Attribute> {
    let before = r.problems.len();
    let kind = kind(r, obj, path);
    let required = match r.get(obj, "required") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            let found = kind_of(other);
            r.problem(
                &key_path(path, "required"),
                format!("`required` on an attribute must be a boolean, not {found}"),
            );
            false
        }
    };
    // Rules and enums of an array describe its items.
    let items = match kind {
        Some(Kind::Array(_)) => r
            .object(obj, "items", path)
            .map(|m| (m, key_path(path, "items"))),
        _ => None,
    };
    let mut rules = rules(r, obj, path, kind);
    if let Some((items, items_path)) = &items {
        let item_rules = self::rules(r, items, items_path, kind);
        rules = merge(rules, item_rules);
    }
    let mut choices = choices(r, obj, path, kind);
    if let Some((items, items_path)) = &items {
        let item_choices = self::choices(r, items, items_path, kind);
        if choices.is_empty() {
            choices = item_choices;
        }
    }
    let permissions = permissions(r, obj, path);
    let (master, master_priority) = match r.object(obj, "master", path) {
        Some(m) => {
            let at = key_path(path, "master");
            let kind = r.string(m, "type", &at);
            let mut priority = Vec::new();
            if let Some(list) = r.array(m, "priority", &at) {
                let list_at = key_path(&at, "priority");
                for (i, p) in list.iter().enumerate() {
                    let p_at = format!("{list_at}[{i}]");
                    let Value::Object(p) = p else {
                        r.problem(
                            &p_at,
                            format!(
                                "a master priority is an object with `type` and `value`, not {}",
                                kind_of(p)
                            ),
                        );
                        continue;
                    };
                    let value = r.string(p, "value", &p_at);
                    match r.string(p, "type", &p_at) {
                        Some(t) => priority.push((t, value)),
                        None if r.get(p, "type").is_none() => {
                            r.problem(&p_at, "a master priority needs a `type` (`APP`, `OKTA`)")
                        }
                        None => {}
                    }
                }
            }
            (kind, priority)
        }
        None => (None, Vec::new()),
    };
    let unique = match r.get(obj, "unique") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        Some(other) => {
            let found = kind_of(other);
            r.problem(
                &key_path(path, "unique"),
                format!("`unique` must be a string or a boolean, not {found}"),
            );
            None
        }
    };
    let attribute = Attribute {
        name: name.to_string(),
        origin,
        path: path.to_string(),
        kind: kind?,
        required,
        title: r.string(obj, "title", path),
        description: r.string(obj, "description", path),
        rules,
        choices,
        permissions,
        mutability: r.string(obj, "mutability", path),
        scope: r.string(obj, "scope", path),
        master,
        master_priority,
        default: r.get(obj, "default").cloned(),
        union: r.string(obj, "union", path),
        unique,
        external_name: r.string(obj, "externalName", path),
        external_namespace: r.string(obj, "externalNamespace", path),
    };
    (r.problems.len() == before).then_some(attribute)
}

const TYPES: &str = "string, boolean, integer, number, array or object";

fn kind(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<Kind> {
    let Some(t) = r.string(obj, "type", path) else {
        if r.get(obj, "type").is_none() {
            r.problem(path, format!("no `type` (one of {TYPES})"));
        }
        return None;
    };
    if let Some(s) = Scalar::parse(&t) {
        return Some(Kind::Scalar(s));
    }
    match t.as_str() {
        "object" => Some(Kind::Object),
        "array" => {
            let items_path = key_path(path, "items");
            let Some(items) = r.object(obj, "items", path) else {
                if r.get(obj, "items").is_none() {
                    r.problem(path, "an array needs `items` with the type of its items");
                }
                return None;
            };
            let Some(item) = r.string(items, "type", &items_path) else {
                if r.get(items, "type").is_none() {
                    r.problem(
                        &items_path,
                        "`items` needs a `type`: string, boolean, integer or number",
                    );
                }
                return None;
            };
            match Scalar::parse(&item) {
                Some(s) => Some(Kind::Array(s)),
                None => {
                    r.problem(
                        &key_path(&items_path, "type"),
                        format!("`{item}` is not an item type: string, boolean, integer or number"),
                    );
                    None
                }
            }
        }
        _ => {
            r.problem(
                &key_path(path, "type"),
                format!("`{t}` is not a type: {TYPES}"),
            );
            None
        }
    }
}

fn merge(a: Rules, b: Rules) -> Rules {
    Rules {
        min_length: a.min_length.or(b.min_length),
        max_length: a.max_length.or(b.max_length),
        minimum: a.minimum.or(b.minimum),
        maximum: a.maximum.or(b.maximum),
        pattern: a.pattern.or(b.pattern),
        format: a.format.or(b.format),
    }
}

fn rules(r: &mut Reader, obj: &Map<String, Value>, path: &str, kind: Option<Kind>) -> Rules {
    let scalar = kind.and_then(Kind::scalar);
    let rules = Rules {
        min_length: r.count(obj, "minLength", path),
        max_length: r.count(obj, "maxLength", path),
        minimum: r.bound(obj, "minimum", path),
        maximum: r.bound(obj, "maximum", path),
        pattern: r.string(obj, "pattern", path),
        format: r.string(obj, "format", path),
    };
    let Some(scalar) = scalar else { return rules };
    let (is_text, is_number) = (
        scalar == Scalar::String,
        matches!(scalar, Scalar::Integer | Scalar::Number),
    );
    for (key, set, fits, what) in [
        ("minLength", rules.min_length.is_some(), is_text, "strings"),
        ("maxLength", rules.max_length.is_some(), is_text, "strings"),
        ("minimum", rules.minimum.is_some(), is_number, "numbers"),
        ("maximum", rules.maximum.is_some(), is_number, "numbers"),
    ] {
        if set && !fits {
            let t = scalar.with_article();
            r.problem(
                &key_path(path, key),
                format!("`{key}` applies to {what}, and this is {t}"),
            );
        }
    }
    if let (Some(a), Some(b)) = (rules.min_length, rules.max_length) {
        if a > b {
            r.problem(
                &key_path(path, "minLength"),
                format!("`minLength` {a} is more than `maxLength` {b}"),
            );
        }
    }
    if let (Some(a), Some(b)) = (rules.minimum, rules.maximum) {
        if a.cmp_exact(b) == Some(Ordering::Greater) {
            r.problem(
                &key_path(path, "minimum"),
                format!("`minimum` {a} is more than `maximum` {b}"),
            );
        }
    }
    if scalar == Scalar::Integer {
        integer_bounds(r, &rules, path);
    }
    rules
}

/// An integer attribute's field is an `i64`. A bound beyond the `i64` range that every value
/// is within (a `maximum` above it, a `minimum` below it) checks nothing, and the emitted check
/// clamps it to the range; one that no `i64` meets (a `minimum` above it, a `maximum` below it)
/// would make `validate()` refuse every value the field can hold, so it is a problem here.
fn integer_bounds(r: &mut Reader, rules: &Rules, path: &str) {
    let (lo, hi) = (i64::MIN, i64::MAX);
    let beyond = |b: Option<Bound>, edge: i64, side: Ordering| {
        b.filter(|b| b.cmp_exact(Bound::Integer(edge.into())) == Some(side))
    };
    if let Some(b) = beyond(rules.minimum, hi, Ordering::Greater) {
        r.problem(
            &key_path(path, "minimum"),
            format!("`minimum` {b} is more than any value of an integer attribute, whose field is an `i64` (at most {hi}): no value could be valid"),
        );
    }
    if let Some(b) = beyond(rules.maximum, lo, Ordering::Less) {
        r.problem(
            &key_path(path, "maximum"),
            format!("`maximum` {b} is less than any value of an integer attribute, whose field is an `i64` (at least {lo}): no value could be valid"),
        );
    }
}

fn fits(v: &Value, scalar: Scalar) -> bool {
    match scalar {
        Scalar::String => v.is_string(),
        Scalar::Boolean => v.is_boolean(),
        Scalar::Integer => v.is_i64() || v.is_u64(),
        Scalar::Number => v.is_number(),
    }
}

fn choices(
    r: &mut Reader,
    obj: &Map<String, Value>,
    path: &str,
    kind: Option<Kind>,
) -> Vec<Choice> {
    let values = r.array(obj, "enum", path);
    let one_of = r.array(obj, "oneOf", path);
    if values.is_none() && one_of.is_none() {
        return Vec::new();
    }
    let Some(scalar) = kind.and_then(Kind::scalar) else {
        if kind == Some(Kind::Object) {
            r.problem(
                &key_path(path, "enum"),
                "an object attribute cannot have `enum`",
            );
        }
        return Vec::new();
    };
    let mut out: Vec<Choice> = Vec::new();
    let enum_path = key_path(path, "enum");
    for (i, v) in values.unwrap_or_default().iter().enumerate() {
        let p = format!("{enum_path}[{i}]");
        if !fits(v, scalar) {
            r.problem(
                &p,
                format!("enum value {v} is not {}", scalar.with_article()),
            );
        } else if out.iter().any(|c| c.value == *v) {
            r.problem(&p, format!("enum value {v} is listed twice"));
        } else {
            out.push(Choice {
                value: v.clone(),
                title: None,
            });
        }
    }
    let listed = values.is_some();
    let one_of_path = key_path(path, "oneOf");
    for (i, entry) in one_of.unwrap_or_default().iter().enumerate() {
        let p = format!("{one_of_path}[{i}]");
        let Value::Object(entry) = entry else {
            r.problem(
                &p,
                format!(
                    "a `oneOf` entry is an object with `const` and `title`, not {}",
                    kind_of(entry)
                ),
            );
            continue;
        };
        let title = r.string(entry, "title", &p);
        let Some(value) = r.get(entry, "const") else {
            r.problem(&p, "a `oneOf` entry needs `const`");
            continue;
        };
        if !fits(value, scalar) {
            r.problem(
                &key_path(&p, "const"),
                format!("`const` {value} is not {}", scalar.with_article()),
            );
            continue;
        }
        match out.iter_mut().find(|c| c.value == *value) {
            Some(c) if c.title.is_some() && listed => {
                r.problem(
                    &key_path(&p, "const"),
                    format!("`const` {value} has a second `oneOf` entry"),
                );
            }
            Some(c) => c.title = title,
            None if listed => {
                r.problem(
                    &key_path(&p, "const"),
                    format!("`const` {value} is not in `enum`"),
                );
            }
            None => out.push(Choice {
                value: value.clone(),
                title,
            }),
        }
    }
    if values.is_some_and(<[Value]>::is_empty) {
        r.problem(&enum_path, "`enum` lists no value");
    }
    out
}

fn permissions(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Vec<(String, String)> {
    let Some(list) = r.array(obj, "permissions", path) else {
        return Vec::new();
    };
    let base = key_path(path, "permissions");
    let mut out = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let at = format!("{base}[{i}]");
        let Value::Object(p) = p else {
            r.problem(
                &at,
                format!(
                    "a permission is an object with `principal` and `action`, not {}",
                    kind_of(p)
                ),
            );
            continue;
        };
        if let (Some(who), Some(action)) =
            (r.string(p, "principal", &at), r.string(p, "action", &at))
        {
            out.push((who, action));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_quote_keys_that_are_not_identifiers() {
        assert_eq!(key_path("$", "definitions"), "$.definitions");
        assert_eq!(key_path("$.p", "cost center"), "$.p[\"cost center\"]");
        assert_eq!(key_path("$.p", "1st"), "$.p[\"1st\"]");
        assert_eq!(key_path("$.p", ""), "$.p[\"\"]");
        assert_eq!(key_path("$.p", "a\"b"), "$.p[\"a\\\"b\"]");
    }

    #[test]
    fn null_keywords_read_as_absent_and_unknown_keys_are_ignored() {
        let text = r#"{"definitions": {"custom": {"properties": {"a": {
            "type": "string", "minLength": null, "master": null, "x-new-okta-key": [1]
        }}, "required": null}}}"#;
        let s = load("u.json", text).unwrap();
        assert_eq!(s.attributes.len(), 1);
        assert_eq!(s.attributes[0].rules, Rules::default());
        assert!(!s.attributes[0].required);
    }

    #[test]
    fn one_of_alone_gives_the_values_and_titles() {
        let text = r#"{"definitions": {"custom": {"properties": {"t": {"type": "string",
            "oneOf": [{"const": "a", "title": "A"}, {"const": "b"}]}}}}}"#;
        let s = load("u.json", text).unwrap();
        let c = &s.attributes[0].choices;
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].title.as_deref(), Some("A"));
        assert_eq!(c[1].title, None);
    }

    fn bounds(attribute: &str) -> Result<(Option<Bound>, Option<Bound>), Problems> {
        let text =
            format!(r#"{{"definitions": {{"custom": {{"properties": {{"a": {attribute}}}}}}}}}"#);
        let s = load("u.json", &text)?;
        let r = &s.attributes[0].rules;
        Ok((r.minimum, r.maximum))
    }

    /// `minimum` and `maximum` are kept as written: integers of the `i64` and `u64` ranges
    /// exactly (2^53 ± 1, the ends of both), `1` apart from `1.0`.
    #[test]
    fn bounds_are_read_exactly() {
        let p: i128 = 1 << 53;
        for (text, bound) in [
            ("9007199254740993", Bound::Integer(p + 1)),
            ("9007199254740991", Bound::Integer(p - 1)),
            ("-9007199254740993", Bound::Integer(-p - 1)),
            ("-9223372036854775808", Bound::Integer(i64::MIN.into())),
            ("9223372036854775807", Bound::Integer(i64::MAX.into())),
            ("18446744073709551615", Bound::Integer(u64::MAX.into())),
            ("1", Bound::Integer(1)),
            ("1.0", Bound::Decimal(1.0)),
            ("1.5", Bound::Decimal(1.5)),
            ("1e3", Bound::Decimal(1000.0)),
        ] {
            let (min, _) = bounds(&format!(r#"{{"type": "number", "minimum": {text}}}"#)).unwrap();
            assert_eq!(min, Some(bound), "{text}");
            // Docs print it as written (a decimal as the shortest text of its f64).
            let shown = if text == "1e3" { "1000.0" } else { text };
            assert_eq!(bound.to_string(), shown);
        }
        let (min, max) =
            bounds(r#"{"type": "integer", "minimum": 1, "maximum": 9007199254740993}"#).unwrap();
        assert_eq!(
            (min, max),
            (Some(Bound::Integer(1)), Some(Bound::Integer(p + 1)))
        );
    }

    #[test]
    fn bounds_compare_exactly() {
        use std::cmp::Ordering::{Equal, Greater, Less};
        let p: i128 = 1 << 53;
        let (i, d) = (Bound::Integer, Bound::Decimal);
        assert_eq!(i(p + 1).cmp_exact(d(9007199254740992.0)), Some(Greater));
        assert_eq!(d(9007199254740992.0).cmp_exact(i(p + 1)), Some(Less));
        assert_eq!(i(p + 1).cmp_exact(i(p)), Some(Greater));
        assert_eq!(i(1).cmp_exact(d(1.0)), Some(Equal));
        assert_eq!(i(1).cmp_exact(d(1.5)), Some(Less));
        assert_eq!(d(1.5).cmp_exact(i(1)), Some(Greater));
        assert_eq!(
            i(i64::MAX.into()).cmp_exact(d(9223372036854775808.0)),
            Some(Less)
        );
        assert_eq!(
            i(i64::MIN.into()).cmp_exact(d(-9223372036854775808.0)),
            Some(Equal)
        );
        assert_eq!(i(u64::MAX.into()).cmp_exact(d(1e300)), Some(Less));
    }

    /// `minimum` above `maximum` is found exactly: 2^53 + 1 against 2^53, which an `f64` cannot
    /// tell apart; equal bounds, and `1` against `1.0`, are not a problem.
    #[test]
    fn minimum_above_maximum_is_found_exactly() {
        let p = bounds(
            r#"{"type": "integer", "minimum": 9007199254740993, "maximum": 9007199254740992}"#,
        )
        .unwrap_err();
        assert_eq!(p.0.len(), 1, "{p}");
        assert_eq!(
            p.0[0].message,
            "`minimum` 9007199254740993 is more than `maximum` 9007199254740992"
        );
        let p = bounds(r#"{"type": "integer", "minimum": 2, "maximum": 1.5}"#).unwrap_err();
        assert_eq!(p.0[0].message, "`minimum` 2 is more than `maximum` 1.5");
        for ok in [
            r#"{"type": "integer", "minimum": 9007199254740993, "maximum": 9007199254740993}"#,
            r#"{"type": "number", "minimum": 1, "maximum": 1.0}"#,
            r#"{"type": "number", "minimum": 1.0, "maximum": 1}"#,
        ] {
            bounds(ok).unwrap_or_else(|p| panic!("{ok}: {p}"));
        }
    }

    /// An integer attribute is an `i64`: a bound beyond that range that no value meets is a
    /// problem at the bound; one that every value meets is accepted.
    #[test]
    fn integer_bounds_no_i64_meets_are_problems() {
        for (attribute, path, message) in [
            (
                r#"{"type": "integer", "minimum": 9223372036854775808}"#,
                "$.definitions.custom.properties.a.minimum",
                "`minimum` 9223372036854775808 is more than any value of an integer attribute, whose field is an `i64` (at most 9223372036854775807): no value could be valid",
            ),
            (
                r#"{"type": "array", "items": {"type": "integer", "maximum": -1e19}}"#,
                "$.definitions.custom.properties.a.items.maximum",
                "`maximum` -1e19 is less than any value of an integer attribute, whose field is an `i64` (at least -9223372036854775808): no value could be valid",
            ),
        ] {
            let p = bounds(attribute).unwrap_err();
            assert_eq!(p.0.len(), 1, "{p}");
            assert_eq!(p.0[0].location.json_path.as_deref(), Some(path));
            assert_eq!(p.0[0].message, message);
        }
        for ok in [
            r#"{"type": "integer", "minimum": 9223372036854775807, "maximum": 18446744073709551615}"#,
            r#"{"type": "integer", "minimum": -1e19, "maximum": 1e19}"#,
            r#"{"type": "integer", "minimum": -9223372036854775808}"#,
            r#"{"type": "number", "minimum": 18446744073709551615}"#,
        ] {
            bounds(ok).unwrap_or_else(|p| panic!("{ok}: {p}"));
        }
    }
}
