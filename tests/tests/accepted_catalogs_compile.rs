//! Every catalog the generator accepts compiles. Random mutations of the `features` fixture
//! catalog (tricky names, keywords, reserved type names, colliding hoisted names, references
//! between schemas, odd enum values, new parameters and operations, path parameters declared
//! out of order) are either refused with located diagnostics, or emitted into a crate that
//! `cargo check` accepts without warnings. The names include every name of the emitter-runtime
//! contract (`codegen/src/contract.rs`), and one mutant that uses all of them at once must be
//! accepted and compile.
//! All accepted mutants are checked by one `cargo check` of a scratch workspace, so that their
//! dependencies are shared and the run stays within a minute or so.
//! (`MUTANT_CASES` raises the number of mutants; the seed is fixed so that CI is repeatable.)

use std::path::Path;
use std::process::Command;
use std::sync::LazyLock;

use okta_codegen::contract;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_yaml::{Mapping, Value};
use tests::repo_root;

/// Property and parameter names; [`FIELD_NAMES`] adds every member name of the contract.
const FIXED_FIELD_NAMES: &[&str] = &[
    "type",
    "self",
    "Self",
    "crate",
    "super",
    "async",
    "r#type",
    "1st",
    "_links",
    "__x",
    "x-y",
    "additionalProperties",
    "additional_properties",
    "send",
    "customize",
    "new",
    "client",
    "body",
    "request",
    "value",
    "Value",
    "Option",
    "Error",
    "ümlaut",
    "camelCase",
    "snake_case",
    "UPPER",
    "a",
    "A",
    "id",
    "Id",
    "ID",
    "name",
    "parts",
];

/// Schema and operation names; [`TYPE_NAMES`] adds every type name of the contract.
const FIXED_TYPE_NAMES: &[&str] = &[
    "Self",
    "Error",
    "Option",
    "Result",
    "Client",
    "Request",
    "Widget2",
    "WidgetChannel",
    "WidgetDimensions",
    "WidgetLabelsItem",
    "ListWidgetsStatus",
    "CreateWidgetRequest",
    "TouchWidgetRequest",
    "Thing",
    "Abc",
    "Type",
    "Crate",
    "WidgetApi",
    "Customize",
    "Value",
    "Map",
    "Vec",
    "Box",
    "Page",
    "Nullable",
    "HttpThing",
    "Send",
    "Json",
    "Paged",
    "NoBody",
];

/// Group names: a few ordinary ones and every method `Client` already has, in PascalCase
/// (`Request` would add a second `client.request()`; the validator refuses those).
static GROUP_NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut v: Vec<String> = ["Gadget", "Widgets", "Thing"]
        .iter()
        .map(|n| n.to_string())
        .collect();
    for method in contract::CLIENT_METHODS {
        let c = camel(method);
        let mut chars = c.chars();
        if let Some(f) = chars.next() {
            v.push(f.to_uppercase().chain(chars).collect());
        }
    }
    v
});

/// `explicit_nulls` → `explicitNulls`: how the documents would spell a member name.
fn camel(snake: &str) -> String {
    let mut out = String::new();
    for (i, w) in snake.split('_').enumerate() {
        let mut c = w.chars();
        match c.next() {
            Some(f) if i > 0 => out.extend(f.to_uppercase().chain(c)),
            Some(f) => out.extend(std::iter::once(f).chain(c)),
            None => {}
        }
    }
    out
}

/// The fixed names plus every member name the generated code gives models and builders
/// (codegen/src/contract.rs), in snake_case and camelCase: a catalog may use any of them.
static FIELD_NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut v: Vec<String> = FIXED_FIELD_NAMES.iter().map(|n| n.to_string()).collect();
    for member in contract::MODEL_FIELDS
        .iter()
        .chain(contract::BUILDER_MEMBERS)
    {
        v.push(member.to_string());
        v.push(camel(member));
    }
    v.sort();
    v.dedup();
    v
});

/// The fixed names plus every type name of the contract (runtime types, present and
/// announced, the standard types the emitted code names) and the crates it names, as schemas.
static TYPE_NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut v: Vec<String> = FIXED_TYPE_NAMES.iter().map(|n| n.to_string()).collect();
    for item in contract::RUNTIME.iter().chain(contract::ANNOUNCED) {
        if item.type_name {
            v.push(contract::last_segment(item.path).to_string());
        }
    }
    v.extend(contract::STD_TYPES.iter().map(|t| t.to_string()));
    for krate in contract::EXTERNAL_CRATES {
        let c = camel(krate);
        let mut chars = c.chars();
        if let Some(f) = chars.next() {
            v.push(f.to_uppercase().chain(chars).collect());
        }
    }
    v.sort();
    v.dedup();
    v
});

const ENUM_VALUES: &[&str] = &[
    "",
    "Unknown",
    "unknown",
    "1",
    "self",
    "Self",
    "a-b",
    "a b",
    "ACTIVE",
    "active",
    "ümlaut",
    "com.okta.x",
    "com_okta_x",
    "type",
];

#[derive(Clone, Debug)]
enum Kind {
    Scalar(&'static str),
    Any,
    OpenObject,
    ArrayOf(&'static str),
    Ref(usize),
    Inline(usize),
    Enum(Vec<usize>),
}

#[derive(Clone, Debug)]
enum Mutation {
    AddProperty {
        schema: usize,
        name: usize,
        kind: Kind,
        required: bool,
        nullable: bool,
    },
    AddSchema {
        name: usize,
        kind: Kind,
    },
    AddParam {
        op: usize,
        name: usize,
        header: bool,
        kind: Kind,
        required: bool,
    },
    RenameOperation {
        op: usize,
        name: usize,
    },
    AddOperation {
        name: usize,
        segment: usize,
        param: usize,
        response: Kind,
    },
    AddEnumValue {
        value: usize,
    },
    /// The group renamed (to a name whose accessor may be a method `Client` already has).
    RenameGroup {
        name: usize,
    },
    /// An operation with two path parameters declared in the reverse of their template order.
    AddNestedOperation {
        name: usize,
        outer: usize,
        inner: usize,
    },
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        prop::sample::select(vec!["string", "integer", "number", "boolean"]).prop_map(Kind::Scalar),
        Just(Kind::Any),
        Just(Kind::OpenObject),
        prop::sample::select(vec!["string", "integer", "boolean"]).prop_map(Kind::ArrayOf),
        (0usize..16).prop_map(Kind::Ref),
        (0..FIELD_NAMES.len()).prop_map(Kind::Inline),
        prop::collection::vec(0..ENUM_VALUES.len(), 1..4).prop_map(Kind::Enum),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (0usize..16, 0..FIELD_NAMES.len(), kind(), any::<bool>(), any::<bool>()).prop_map(
            |(schema, name, kind, required, nullable)| Mutation::AddProperty { schema, name, kind, required, nullable }
        ),
        2 => (0..TYPE_NAMES.len(), kind()).prop_map(|(name, kind)| Mutation::AddSchema { name, kind }),
        2 => (0usize..16, 0..FIELD_NAMES.len(), any::<bool>(), kind(), any::<bool>()).prop_map(
            |(op, name, header, kind, required)| Mutation::AddParam { op, name, header, kind, required }
        ),
        1 => (0usize..16, 0..TYPE_NAMES.len()).prop_map(|(op, name)| Mutation::RenameOperation { op, name }),
        1 => (0..TYPE_NAMES.len(), 0..FIELD_NAMES.len(), 0..FIELD_NAMES.len(), kind()).prop_map(
            |(name, segment, param, response)| Mutation::AddOperation { name, segment, param, response }
        ),
        1 => (0..ENUM_VALUES.len()).prop_map(|value| Mutation::AddEnumValue { value }),
        1 => (0..GROUP_NAMES.len()).prop_map(|name| Mutation::RenameGroup { name }),
        1 => (0..TYPE_NAMES.len(), 0..FIELD_NAMES.len(), 0..FIELD_NAMES.len()).prop_map(
            |(name, outer, inner)| Mutation::AddNestedOperation { name, outer, inner }
        ),
    ]
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn map(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Mapping::new();
    for (k, v) in pairs {
        m.insert(s(k), v);
    }
    Value::Mapping(m)
}

fn schema_names(doc: &Value) -> Vec<String> {
    doc["schemas"]
        .as_mapping()
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn type_of(doc: &Value, k: &Kind) -> Value {
    match k {
        Kind::Scalar(t) => map(vec![("type", s(t))]),
        Kind::Any => map(vec![("type", s("any"))]),
        Kind::OpenObject => map(vec![("type", s("object"))]),
        Kind::ArrayOf(t) => map(vec![
            ("type", s("array")),
            ("items", map(vec![("type", s(t))])),
        ]),
        Kind::Ref(i) => {
            let names = schema_names(doc);
            map(vec![("ref", s(&names[i % names.len()]))])
        }
        Kind::Inline(f) => map(vec![
            ("type", s("object")),
            (
                "properties",
                map(vec![(
                    FIELD_NAMES[*f].as_str(),
                    map(vec![("type", s("string"))]),
                )]),
            ),
        ]),
        Kind::Enum(vs) => map(vec![
            ("type", s("string")),
            (
                "enum",
                Value::Sequence(vs.iter().map(|v| s(ENUM_VALUES[*v])).collect()),
            ),
        ]),
    }
}

fn apply(doc: &mut Value, m: &Mutation) {
    match m {
        Mutation::AddProperty {
            schema,
            name,
            kind,
            required,
            nullable,
        } => {
            let names = schema_names(doc);
            let target = names[schema % names.len()].clone();
            let mut t = type_of(doc, kind);
            if *required {
                t["required"] = Value::Bool(true);
            }
            if *nullable {
                t["nullable"] = Value::Bool(true);
            }
            let entry = &mut doc["schemas"][target.as_str()];
            if entry.get("properties").is_some() {
                entry["properties"][FIELD_NAMES[*name].as_str()] = t;
            }
        }
        Mutation::AddSchema { name, kind } => {
            let mut t = type_of(doc, kind);
            if let Kind::Ref(_) = kind {
                // A new alias of an existing schema; the validator refuses loops.
                t = type_of(doc, kind);
            }
            doc["schemas"][TYPE_NAMES[*name].as_str()] = t;
        }
        Mutation::AddParam {
            op,
            name,
            header,
            kind,
            required,
        } => {
            let ops = doc["operations"].as_sequence_mut().unwrap();
            let n = ops.len();
            let o = &mut ops[op % n];
            let mut p = map(vec![
                ("name", s(FIELD_NAMES[*name].as_str())),
                ("in", s(if *header { "header" } else { "query" })),
            ]);
            p["required"] = Value::Bool(*required);
            let t = match kind {
                Kind::Ref(_) | Kind::Inline(_) | Kind::OpenObject | Kind::Any => {
                    map(vec![("type", s("string"))])
                }
                other => type_of(&Value::Null, other),
            };
            p["schema"] = t;
            if o.get("params").is_none() {
                o["params"] = Value::Sequence(vec![]);
            }
            o["params"].as_sequence_mut().unwrap().push(p);
        }
        Mutation::RenameOperation { op, name } => {
            let ops = doc["operations"].as_sequence_mut().unwrap();
            let n = ops.len();
            ops[op % n]["name"] = s(TYPE_NAMES[*name].as_str());
        }
        Mutation::AddOperation {
            name,
            segment,
            param,
            response,
        } => {
            let seg: String = FIELD_NAMES[*segment]
                .as_str()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect();
            let pname = FIELD_NAMES[*param].as_str();
            let resp = type_of(doc, response);
            let op = map(vec![
                ("name", s(&format!("Get{}", TYPE_NAMES[*name].as_str()))),
                ("method", s("GET")),
                ("path", s(&format!("/api/v1/m/{seg}x/{{{pname}}}"))),
                ("summary", s("A mutant")),
                (
                    "sources",
                    Value::Sequence(vec![s("000_0000000000000000.txt")]),
                ),
                (
                    "params",
                    Value::Sequence(vec![map(vec![("name", s(pname)), ("in", s("path"))])]),
                ),
                (
                    "responses",
                    Value::Sequence(vec![map(vec![
                        ("status", Value::Number(200.into())),
                        ("description", s("OK")),
                        ("schema", resp),
                    ])]),
                ),
            ]);
            doc["operations"].as_sequence_mut().unwrap().push(op);
        }
        Mutation::AddNestedOperation { name, outer, inner } => {
            let (outer, inner) = (FIELD_NAMES[*outer].as_str(), FIELD_NAMES[*inner].as_str());
            let param = |n: &str| map(vec![("name", s(n)), ("in", s("path"))]);
            let op = map(vec![
                (
                    "name",
                    s(&format!("GetNested{}", TYPE_NAMES[*name].as_str())),
                ),
                ("method", s("GET")),
                (
                    "path",
                    s(&format!("/api/v1/nested/{{{outer}}}/items/{{{inner}}}")),
                ),
                ("summary", s("A mutant")),
                (
                    "sources",
                    Value::Sequence(vec![s("000_0000000000000000.txt")]),
                ),
                ("params", Value::Sequence(vec![param(inner), param(outer)])),
                (
                    "responses",
                    Value::Sequence(vec![map(vec![
                        ("status", Value::Number(204.into())),
                        ("description", s("No content")),
                    ])]),
                ),
            ]);
            doc["operations"].as_sequence_mut().unwrap().push(op);
        }
        Mutation::RenameGroup { name } => {
            doc["group"] = s(&GROUP_NAMES[*name]);
        }
        Mutation::AddEnumValue { value } => {
            if let Some(vs) = doc["schemas"]["WidgetStatus"]["enum"].as_sequence_mut() {
                vs.push(s(ENUM_VALUES[*value]));
            }
        }
    }
}

/// One mutant that uses every name of the contract at once: member names as properties (snake
/// case on `Widget`, camelCase on `TreeNode`, so the two spellings of one name never meet in one
/// schema) and as query parameters (of `ListWidgets`, which is paginated, and `TouchWidget`),
/// runtime and standard type names as schemas, and path parameters declared out of order. The
/// contract says each is renamed, so the generator must accept it and the crate must compile.
fn contract_mutations() -> Vec<Mutation> {
    let index = |names: &[String], n: &str| names.iter().position(|x| x == n).unwrap();
    let mut v = Vec::new();
    for member in contract::MODEL_FIELDS
        .iter()
        .chain(contract::BUILDER_MEMBERS)
    {
        let spellings = [(0, 0, member.to_string()), (5, 2, camel(member))];
        for (schema, op, name) in spellings {
            if schema == 5 && name == *member {
                continue;
            }
            let name = index(&FIELD_NAMES, &name);
            let kind = Kind::Scalar("string");
            v.push(Mutation::AddProperty {
                schema,
                name,
                kind: kind.clone(),
                required: false,
                nullable: false,
            });
            v.push(Mutation::AddParam {
                op,
                name,
                header: false,
                kind,
                required: false,
            });
        }
    }
    let mut types: Vec<&str> = contract::RUNTIME
        .iter()
        .chain(contract::ANNOUNCED)
        .filter(|i| i.type_name)
        .map(|i| contract::last_segment(i.path))
        .collect();
    // `Self` is a keyword, refused as a schema name; the others are renamed.
    types.extend(contract::STD_TYPES.iter().filter(|t| **t != "Self"));
    types.extend(["Serde", "SerdeJson", "Http", "Std", "Core", "Alloc"]);
    for t in types {
        let name = index(&TYPE_NAMES, t);
        v.push(Mutation::AddSchema {
            name,
            kind: Kind::Inline(index(&FIELD_NAMES, "explicitNulls")),
        });
    }
    v.push(Mutation::AddNestedOperation {
        name: index(&TYPE_NAMES, "Thing"),
        outer: index(&FIELD_NAMES, "id"),
        inner: index(&FIELD_NAMES, "name"),
    });
    v
}

fn cases() -> usize {
    std::env::var("MUTANT_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

/// The core crate every mutant depends on, one copy for the whole workspace of mutants.
const CORE: &str = "generated/core";

/// Copies okta-client as git tracks it into `dir/generated` (without its core crate, of which
/// the workspace has one copy); generating there replaces the emitted files and removes those
/// the mutant does not produce.
fn handwritten_client(dir: &Path) {
    copy_tracked("generated", |rel| !rel.starts_with(CORE), dir);
}

/// Copies the files git tracks under `under` (those `keep` accepts) into `dir`, paths kept.
fn copy_tracked(under: &str, keep: impl Fn(&Path) -> bool, dir: &Path) {
    let root = repo_root();
    let listing = Command::new("git")
        .current_dir(&root)
        .args(["ls-files", "-z", under])
        .output()
        .expect("git ls-files");
    for rel in listing.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let rel = Path::new(std::str::from_utf8(rel).unwrap());
        if !keep(rel) {
            continue;
        }
        let (from, to) = (root.join(rel), dir.join(rel));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
    }
}

#[test]
fn every_accepted_mutant_of_a_fixture_catalog_compiles() {
    let root = repo_root();
    let base_text =
        std::fs::read_to_string(root.join("tests/fixtures/catalogs/features/widgets.yaml"))
            .unwrap();
    let base: Value = serde_yaml::from_str(&base_text).unwrap();
    let work = root.join("target/mutant-crates");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();

    let mut runner = TestRunner::deterministic();
    let strategy = prop::collection::vec(mutation(), 1..6);
    copy_tracked(CORE, |_| true, &work);
    let mut members = vec![CORE.to_string()];
    let mut refused = 0;
    for case in 0..=cases() {
        // Case 0 uses every name of the contract; the others are random.
        let muts = if case == 0 {
            contract_mutations()
        } else {
            strategy.new_tree(&mut runner).unwrap().current()
        };
        let mut doc = base.clone();
        for m in &muts {
            apply(&mut doc, m);
        }
        let text = serde_yaml::to_string(&doc).unwrap();
        let dir = work.join(format!("m{case}"));
        let spec = dir.join("spec");
        std::fs::create_dir_all(&spec).unwrap();
        std::fs::write(spec.join("widgets.yaml"), &text).unwrap();
        handwritten_client(&dir);
        match okta_codegen::write::sync(
            &dir,
            &spec,
            &okta_codegen::Layout::client_only("generated"),
            false,
        ) {
            Ok(_) => {
                // One workspace of mutants: each package needs its own name.
                let manifest = dir.join("generated/Cargo.toml");
                let m = std::fs::read_to_string(&manifest).unwrap();
                std::fs::write(
                    &manifest,
                    m.replacen(
                        "name = \"okta-client\"",
                        &format!("name = \"mutant-{case}\""),
                        1,
                    )
                    .replacen(
                        "path = \"core\"",
                        "path = \"../../generated/core\"",
                        1,
                    ),
                )
                .unwrap();
                members.push(format!("m{case}/generated"));
            }
            Err(okta_codegen::Error::Catalog(d)) if case == 0 => {
                panic!("the catalog using every contract name was refused:\n{d}\n{text}")
            }
            Err(okta_codegen::Error::Catalog(d)) => {
                refused += 1;
                for diag in &d.0 {
                    assert!(
                        diag.location.line > 0,
                        "mutant {case} ({muts:?}): an unlocated diagnostic: {diag}"
                    );
                }
            }
            Err(e) => panic!("mutant {case} ({muts:?}) broke the generator: {e}\n{text}"),
        }
    }
    eprintln!(
        "{} mutants accepted, {refused} refused with located diagnostics",
        members.len() - 1
    );
    assert!(
        members.len() >= 4,
        "too few mutants were accepted to test anything ({refused} refused)"
    );

    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let start = workspace.find("members = [").unwrap();
    let end = start + workspace[start..].find(']').unwrap() + 1;
    let list: Vec<String> = members.iter().map(|m| format!("\"{m}\"")).collect();
    let workspace = format!(
        "{}members = [{}]{}",
        &workspace[..start],
        list.join(", "),
        &workspace[end..]
    );
    std::fs::write(work.join("Cargo.toml"), workspace).unwrap();
    std::fs::copy(root.join("Cargo.lock"), work.join("Cargo.lock")).unwrap();
    tests::cargo_in_scratch(
        &work,
        &["check", "--workspace"],
        "an accepted mutant does not compile",
    );
    let _ = std::fs::remove_dir_all(&work);
}
