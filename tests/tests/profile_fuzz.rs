//! Mutated profile schemas never make the generator panic, and every schema it accepts
//! compiles. Random mutations of the group fixture schema (attributes with tricky names —
//! keywords, the members every profile has, names that collide after case conversion, odd
//! characters —, keys set to values of every JSON kind, keys removed, required names, cut-off
//! text, file names that make reserved type names) are either refused with located problems
//! or emitted; all accepted ones, and one schema holding every tricky name at once, are
//! compiled by one `cargo clippy` of a scratch crate that depends on okta-client without
//! default features (so the profile runtime needs none), with warnings as errors.
//! `PROFILE_MUTANT_CASES` raises the number of cases; the seed is fixed so that CI repeats.

use std::path::Path;

use okta_codegen::contract;
use okta_codegen::profile::{self, Error, Source};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{json, Map, Value};
use tests::repo_root;

const FIXED_NAMES: &[&str] = &[
    "type",
    "self",
    "Self",
    "crate",
    "super",
    "async",
    "fn",
    "r#type",
    "1st",
    "_links",
    "__x",
    "x-y",
    "x.y",
    "a b",
    "",
    "-",
    "ümlaut",
    "Übername",
    "costCenter",
    "cost_center",
    "CostCenter",
    "COST_CENTER",
    "okta_client",
    "serde",
    "std",
    "Option",
    "Some",
    "None",
    "Default",
    "String",
    "Vec",
    "Result",
    "v",
    "x",
    "item",
    "w",
    "m",
    "misfits",
    "new",
    "validate",
    "with_x",
    "withX",
    "x_",
    "Unknown",
    "value",
    "from",
    "into",
    "ATTRIBUTES",
    "READ_ONLY",
    "name",
    "id",
    "profile",
];

const KEYS: &[&str] = &[
    "type",
    "items",
    "enum",
    "oneOf",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "permissions",
    "mutability",
    "title",
    "description",
    "required",
    "master",
    "unique",
    "format",
    "pattern",
    "externalName",
    "scope",
];

const FILES: &[&str] = &[
    "group.json",
    "user.json",
    "self.json",
    "option.json",
    "1.json",
    "default.json",
    "okta_client.json",
    "string.json",
    "value.json",
    "user profile.json",
    "ÿ.json",
];

fn names() -> Vec<String> {
    let mut v: Vec<String> = FIXED_NAMES.iter().map(|s| s.to_string()).collect();
    for m in contract::MODEL_FIELDS {
        v.push(m.to_string());
        let camel: String = m
            .split('_')
            .enumerate()
            .map(|(i, w)| {
                let mut c = w.chars();
                match c.next() {
                    Some(f) if i > 0 => f.to_uppercase().chain(c).collect(),
                    _ => w.to_string(),
                }
            })
            .collect();
        v.push(camel);
    }
    v
}

/// Values of every JSON kind, valid and not, including text that would break out of a doc
/// comment or a string literal if it were pasted instead of quoted.
fn values() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(3),
        json!(1.5),
        json!(1e300),
        json!(u64::MAX),
        json!(""),
        json!("string"),
        json!("boolean"),
        json!("integer"),
        json!("number"),
        json!("array"),
        json!("object"),
        json!("strng"),
        json!("READ_ONLY"),
        json!([]),
        json!(["a", "b"]),
        json!(["a", "a"]),
        json!([1, 2]),
        json!([{"const": "a", "title": "A"}]),
        json!([{"const": "a"}, {"const": "b", "title": null}]),
        json!({}),
        json!({"type": "string"}),
        json!({"type": "integer", "enum": [1, 2]}),
        json!({"type": "object"}),
        json!({"type": "string", "enum": ["Unknown", "unknown", "", "a b", "self"]}),
        json!([{"principal": "SELF", "action": "HIDE"}]),
        json!("\u{0}`*/ \"# \\ \r\n"),
        json!("`code` [link] <tag> */ //! inner"),
        json!("#[doc = \"x\"] } fn main() {"),
    ]
}

/// Valid attribute definitions of every kind.
fn templates() -> Vec<Value> {
    vec![
        json!({"type": "string", "title": "A string", "minLength": 1, "maxLength": 20}),
        json!({"type": "string", "enum": ["A", "a", "Unknown", "", "1", "self", "a-b", "A_B",
               "None", "Some", "Ok", "Err", "String", "Ä", "Übername", "日本", "-", "+", "UnknownValue"],
               "oneOf": [{"const": "A", "title": "Upper"}, {"const": "a", "title": "*/ lower"}]}),
        json!({"type": "integer", "minimum": -5, "maximum": 1e20}),
        json!({"type": "number", "minimum": 0.5}),
        // Bounds kept exactly: beyond 2^53, at i64's edge, a decimal on an integer, an integer
        // beyond f64's precision on a number.
        serde_json::from_str(
            r#"{"type": "integer", "minimum": 9007199254740993, "maximum": 9223372036854775807}"#,
        )
        .unwrap(),
        json!({"type": "integer", "minimum": -9_223_372_036_854_775_808_i64, "maximum": 37.5}),
        serde_json::from_str(
            r#"{"type": "number", "minimum": 9007199254740993, "maximum": 1e300}"#,
        )
        .unwrap(),
        json!({"type": "boolean", "mutability": "READ_ONLY"}),
        json!({"type": "array", "items": {"type": "string"}, "maxLength": 3}),
        json!({"type": "array", "items": {"type": "string", "enum": ["x", "X", "y"]}}),
        json!({"type": "array", "items": {"type": "integer"}, "minimum": 1}),
        json!({"type": "array", "items": {"type": "boolean"}}),
        json!({"type": "array", "items": {"type": "number", "enum": [1.5, 2]}}),
        json!({"type": "object", "description": "`raw` [x] <y>"}),
        json!({"type": "integer", "enum": [1, 2, 3], "oneOf": [{"const": 2, "title": "Two"}]}),
        json!({"type": "number", "enum": [0.1], "permissions": [{"principal": "SELF", "action": "HIDE"}]}),
    ]
}

#[derive(Clone, Debug)]
enum Mutation {
    AddAttribute {
        custom: bool,
        name: usize,
        template: usize,
        required: bool,
    },
    SetKey {
        attribute: usize,
        key: usize,
        value: usize,
    },
    RemoveKey {
        attribute: usize,
        key: usize,
    },
    Require {
        custom: bool,
        name: usize,
    },
    SetRoot {
        key: usize,
        value: usize,
    },
    FileName(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<bool>(), 0..200usize, 0..100usize, any::<bool>()).prop_map(|(custom, name, template, required)| {
            Mutation::AddAttribute { custom, name, template, required }
        }),
        3 => (0..100usize, 0..KEYS.len(), 0..100usize)
            .prop_map(|(attribute, key, value)| Mutation::SetKey { attribute, key, value }),
        1 => (0..100usize, 0..KEYS.len()).prop_map(|(attribute, key)| Mutation::RemoveKey { attribute, key }),
        1 => (any::<bool>(), 0..200usize).prop_map(|(custom, name)| Mutation::Require { custom, name }),
        1 => (0..3usize, 0..100usize).prop_map(|(key, value)| Mutation::SetRoot { key, value }),
        1 => (0..FILES.len()).prop_map(Mutation::FileName),
        1 => (0..10_000usize).prop_map(Mutation::Truncate),
    ]
}

fn def(doc: &mut Value, custom: bool) -> &mut Map<String, Value> {
    let which = if custom { "custom" } else { "base" };
    if !doc["definitions"].is_object() {
        doc["definitions"] = json!({});
    }
    let d = &mut doc["definitions"][which];
    if !d.is_object() {
        *d = json!({"properties": {}, "required": []});
    }
    if !d["properties"].is_object() {
        d["properties"] = json!({});
    }
    d.as_object_mut().unwrap()
}

/// Every attribute of the document, as (definition, name).
fn attributes(doc: &Value) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    for (custom, which) in [(false, "base"), (true, "custom")] {
        if let Some(props) = doc["definitions"][which]["properties"].as_object() {
            out.extend(props.keys().map(|k| (custom, k.clone())));
        }
    }
    out
}

/// Applies `m`; returns a new file name or a cut, which act on the text.
fn apply(
    doc: &mut Value,
    m: &Mutation,
    names: &[String],
    file: &mut String,
    cut: &mut Option<usize>,
) {
    let vals = values();
    match m {
        Mutation::AddAttribute {
            custom,
            name,
            template,
            required,
        } => {
            let name = &names[name % names.len()];
            let t = templates()[template % templates().len()].clone();
            let d = def(doc, *custom);
            d["properties"][name.as_str()] = t;
            if *required {
                if let Some(r) = d.get_mut("required").and_then(Value::as_array_mut) {
                    r.push(json!(name));
                }
            }
        }
        Mutation::SetKey {
            attribute,
            key,
            value,
        } => {
            let attrs = attributes(doc);
            if let Some((custom, name)) = attrs.get(attribute % attrs.len().max(1)) {
                let which = if *custom { "custom" } else { "base" };
                let a = &mut doc["definitions"][which]["properties"][name.as_str()];
                if a.is_object() {
                    a[KEYS[*key]] = vals[value % vals.len()].clone();
                }
            }
        }
        Mutation::RemoveKey { attribute, key } => {
            let attrs = attributes(doc);
            if let Some((custom, name)) = attrs.get(attribute % attrs.len().max(1)) {
                let which = if *custom { "custom" } else { "base" };
                if let Some(a) =
                    doc["definitions"][which]["properties"][name.as_str()].as_object_mut()
                {
                    a.remove(KEYS[*key]);
                }
            }
        }
        Mutation::Require { custom, name } => {
            let name = names[name % names.len()].clone();
            let d = def(doc, *custom);
            match d.get_mut("required").and_then(Value::as_array_mut) {
                Some(r) => r.push(json!(name)),
                None => {
                    d.insert("required".into(), json!([name]));
                }
            }
        }
        Mutation::SetRoot { key, value } => {
            let k = ["definitions", "title", "description"][*key];
            doc[k] = vals[value % vals.len()].clone();
        }
        Mutation::FileName(i) => *file = FILES[*i].to_string(),
        Mutation::Truncate(n) => *cut = Some(*n),
    }
}

/// Every tricky name as a custom attribute (besides the base ones), of every kind in turn,
/// half of them required.
fn every_name(base: &Value, names: &[String]) -> Value {
    let mut doc = base.clone();
    let templates = templates();
    let in_base: Vec<String> = attributes(base).into_iter().map(|(_, n)| n).collect();
    for (i, name) in names.iter().filter(|n| !in_base.contains(n)).enumerate() {
        let d = def(&mut doc, true);
        d["properties"][name.as_str()] = templates[i % templates.len()].clone();
        if i % 2 == 0 {
            d["required"].as_array_mut().unwrap().push(json!(name));
        }
    }
    doc
}

fn cases() -> usize {
    std::env::var("PROFILE_MUTANT_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(160)
}

#[test]
fn mutated_schemas_never_panic_and_every_accepted_one_compiles() {
    let root = repo_root();
    let base_text =
        std::fs::read_to_string(root.join("tests/fixtures/profile/group.json")).unwrap();
    let base: Value = serde_json::from_str(&base_text).unwrap();
    let names = names();
    let work = root.join("target/profile-mutants");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(work.join("src")).unwrap();

    let mut runner = TestRunner::deterministic();
    let strategy = prop::collection::vec(mutation(), 1..8);
    let mut modules = Vec::new();
    let mut refused = 0;
    for case in 0..=cases() {
        let (doc, muts, file, cut) = if case == 0 {
            (
                every_name(&base, &names),
                Vec::new(),
                "user.json".to_string(),
                None,
            )
        } else {
            let muts = strategy.new_tree(&mut runner).unwrap().current();
            let (mut doc, mut file, mut cut) = (base.clone(), "group.json".to_string(), None);
            for m in &muts {
                apply(&mut doc, m, &names, &mut file, &mut cut);
            }
            (doc, muts, file, cut)
        };
        let mut text = serde_json::to_string_pretty(&doc).unwrap();
        if let Some(n) = cut {
            let mut at = n % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.truncate(at);
        }
        let source = Source {
            file,
            text: text.clone(),
            type_name: None,
        };
        let result = std::panic::catch_unwind(|| profile::generate(std::slice::from_ref(&source)));
        match result {
            Err(_) => panic!("case {case} ({muts:?}) panicked on:\n{text}"),
            Ok(Ok(code)) => {
                std::fs::write(work.join(format!("src/m{case}.rs")), code).unwrap();
                modules.push(case);
            }
            Ok(Err(Error::Schema(p))) if case == 0 => {
                panic!("the schema with every tricky name was refused:\n{p}\n{text}")
            }
            Ok(Err(Error::Schema(p))) => {
                refused += 1;
                assert!(!p.0.is_empty(), "case {case}: refused without a problem");
            }
            Ok(Err(e)) => panic!("case {case} ({muts:?}) broke the generator: {e}\n{text}"),
        }
    }
    eprintln!(
        "{} schemas accepted, {refused} refused with located problems",
        modules.len()
    );
    assert!(
        modules.len() >= 10 && refused >= 10,
        "{} accepted, {refused} refused",
        modules.len()
    );
    compile(&root, &work, &modules);
    let _ = std::fs::remove_dir_all(&work);
}

/// One crate holding every accepted schema's code in a module of its own: `cargo clippy` with
/// warnings as errors, offline, sharing the fixture crates' target folder.
fn compile(root: &Path, work: &Path, modules: &[usize]) {
    let lib: String = modules
        .iter()
        .map(|m| format!("pub mod m{m} {{\n    include!(\"m{m}.rs\");\n}}\n"))
        .collect();
    std::fs::write(work.join("src/lib.rs"), lib).unwrap();
    let manifest = format!(
        "[package]\nname = \"profile-mutants\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nokta-client = {{ path = {:?}, default-features = false }}\n\n[workspace]\n",
        root.join("generated").display().to_string()
    );
    std::fs::write(work.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(root.join("Cargo.lock"), work.join("Cargo.lock")).unwrap();
    tests::cargo_in_scratch(
        work,
        &["clippy", "--", "-D", "warnings"],
        "an accepted schema does not compile",
    );
}

/// Text an org could use as an attribute name or an enum value: anything printable, and the
/// names that are traps (keywords, prelude names, the members every profile has, non-ASCII).
fn any_text() -> impl Strategy<Value = String> {
    let fixed: Vec<String> = FIXED_NAMES
        .iter()
        .map(|s| s.to_string())
        .chain(
            [
                "Ok",
                "Err",
                "Box",
                "Ä",
                "Ö",
                "ß",
                "日本",
                "+",
                "userProfile",
                "UserProfile",
            ]
            .map(String::from),
        )
        .collect();
    prop_oneof![
        2 => prop::sample::select(fixed),
        2 => "\\PC{0,10}",
        1 => "[a-zA-Z_ -]{0,8}",
    ]
}

/// Names that would shadow a prelude name under a glob import of an enum's variants.
const PRELUDE: &[&str] = &[
    "None", "Some", "Ok", "Err", "Option", "Result", "String", "Vec", "Box",
];

fn is_ident(s: &str) -> bool {
    syn::parse_str::<syn::Ident>(s).is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever an org names its attributes and enum values, every generated name is a valid
    /// identifier, unique where it must be, never a prelude name or the catch-all `Unknown`,
    /// and predictable: the same input gives the same names, a variant is the value's
    /// `profile_variant_name` (a number appended only to tell equal names apart), and a value
    /// of plain ASCII words is those words in UpperCamelCase.
    #[test]
    fn generated_names_are_valid_unique_and_predictable(
        attrs in prop::collection::vec((any_text(), prop::collection::vec(any_text(), 1..6)), 1..8)
    ) {
        let mut props = Map::new();
        for (name, values) in &attrs {
            let mut unique: Vec<&String> = Vec::new();
            for v in values {
                if !unique.contains(&v) {
                    unique.push(v);
                }
            }
            props.insert(name.clone(), json!({"type": "string", "enum": unique}));
        }
        let doc = json!({
            "definitions": {"custom": {"properties": props}},
            "properties": {"profile": {"allOf": [{"$ref": "#/definitions/custom"}]}}
        });
        let source = Source { file: "user.json".into(), text: doc.to_string(), type_name: None };
        let profiles = profile::resolve(std::slice::from_ref(&source)).unwrap();
        let again = profile::resolve(std::slice::from_ref(&source)).unwrap();
        let p = &profiles[0];
        let mut types = vec![p.type_name.clone()];
        let (mut fields, mut setters) = (Vec::new(), Vec::new());
        for (i, f) in p.fields.iter().enumerate() {
            prop_assert!(is_ident(&f.rust_name), "field {:?}", f.rust_name);
            prop_assert!(is_ident(&f.setter), "setter {:?}", f.setter);
            prop_assert!(!contract::MODEL_FIELDS.contains(&f.rust_name.as_str()), "{}", f.rust_name);
            prop_assert_eq!(&f.rust_name, &again[0].fields[i].rust_name);
            fields.push(f.rust_name.clone());
            setters.push(f.setter.clone());
            let profile::ir::RustType::Enum(e) = &f.ty else {
                panic!("{} is not an enum", f.attribute.name)
            };
            prop_assert!(is_ident(&e.name), "enum {:?}", e.name);
            prop_assert!(!e.name.contains(&format!("{0}{0}", p.type_name)), "stutter {}", e.name);
            types.push(e.name.clone());
            let mut variants = Vec::new();
            for (variant, value, _) in &e.variants {
                prop_assert!(is_ident(variant), "variant {:?} of {:?}", variant, value);
                prop_assert!(variant != "Unknown" && !PRELUDE.contains(&variant.as_str()), "{}", variant);
                let rule = okta_codegen::naming::profile_variant_name(value);
                let suffix = variant.strip_prefix(rule.as_str());
                prop_assert!(
                    suffix.is_some_and(|n| n.is_empty() || n.parse::<u32>().is_ok_and(|n| n >= 2)),
                    "{:?} → {} (the rule says {})", value, variant, rule
                );
                let plain = !value.is_empty()
                    && value.chars().all(|c| c.is_ascii_lowercase())
                    && !PRELUDE.iter().any(|p| p.eq_ignore_ascii_case(value))
                    && value != "unknown";
                if plain && variant.len() == value.len() {
                    let mut expected = value[..1].to_ascii_uppercase();
                    expected.push_str(&value[1..]);
                    prop_assert_eq!(variant, &expected);
                }
                variants.push(variant.clone());
            }
            let n = variants.len();
            variants.sort();
            variants.dedup();
            prop_assert_eq!(variants.len(), n, "variants of {} repeat", e.name);
        }
        for names in [&mut fields, &mut setters, &mut types] {
            let n = names.len();
            names.sort();
            names.dedup();
            prop_assert_eq!(names.len(), n, "a name repeats: {:?}", names);
        }
    }
}
