//! The loader, validator, resolver and emitters never panic, whatever the catalog says: a
//! bounded property run over arbitrary text, mutations of the real catalog files, and
//! arbitrary catalog-shaped YAML documents, whose names include the contract's member and type
//! names (`codegen/src/contract.rs`). (`PROPTEST_CASES` raises the bound.)

use std::path::Path;

use okta_codegen::contract;
use proptest::prelude::*;
use serde_json::{json, Value};
use tests::repo_root;

/// The whole pipeline on one file's text; errors are fine, panics are not.
fn pipeline(text: &str) {
    let Ok(file) = okta_codegen::load::load_str(Path::new("fuzz.yaml"), text) else {
        return;
    };
    let files = vec![file];
    if okta_codegen::validate::validate(&files).is_ok() {
        let api = okta_codegen::ir::resolve(&files).expect("a validated catalog always resolves");
        okta_codegen::emit::emit(&api, &template(), &okta_codegen::Layout::repository())
            .expect("a valid catalog always emits parsable Rust");
    }
}

/// okta-client's hand-written manifest template.
fn template() -> String {
    std::fs::read_to_string(repo_root().join("generated/Cargo.toml.in")).unwrap()
}

fn real_files() -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(repo_root().join("spec"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    ReplaceToken(usize, String),
    Indent(usize, i8),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let token = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("- ".to_string()),
        Just(": ".to_string()),
        Just("ref: Nope".to_string()),
        Just("type: array".to_string()),
        Just("required: true".to_string()),
        Just("in: path".to_string()),
        Just("status: default".to_string()),
        Just("\"".to_string()),
        Just("&a *a".to_string()),
        "[ -~]{0,12}",
    ];
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<usize>(), token).prop_map(|(a, t)| Mutation::ReplaceToken(a, t)),
        (any::<usize>(), -4i8..4).prop_map(|(a, d)| Mutation::Indent(a, d)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(text: &str, muts: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for m in muts {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match m {
            Mutation::DeleteLine(i) => {
                lines.remove(i % n);
            }
            Mutation::DuplicateLine(i) => {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
            Mutation::SwapLines(a, b) => lines.swap(a % n, b % n),
            Mutation::ReplaceToken(i, t) => {
                let l = &mut lines[i % n];
                let cut = l.find(':').map(|c| c + 1).unwrap_or(l.len());
                l.truncate(cut);
                l.push(' ');
                l.push_str(t);
            }
            Mutation::Indent(i, d) => {
                let l = &mut lines[i % n];
                if *d > 0 {
                    l.insert_str(0, &" ".repeat(*d as usize));
                } else {
                    let k = l.len() - l.trim_start().len();
                    l.drain(..k.min(d.unsigned_abs() as usize));
                }
            }
            Mutation::Truncate(i) => lines.truncate(i % n),
        }
    }
    lines.join("\n")
}

/// A member name of the emitter-runtime contract (`codegen/src/contract.rs`), as written or in
/// the camelCase the documents would use.
fn contract_name() -> impl Strategy<Value = String> {
    let names: Vec<String> = contract::MODEL_FIELDS
        .iter()
        .chain(contract::BUILDER_MEMBERS)
        .flat_map(|m| {
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
            [m.to_string(), camel]
        })
        .collect();
    prop::sample::select(names)
}

/// A type name of the contract: a runtime type, present or announced, or a standard type.
fn contract_type_name() -> impl Strategy<Value = String> {
    let names: Vec<String> = contract::RUNTIME
        .iter()
        .chain(contract::ANNOUNCED)
        .filter(|i| i.type_name)
        .map(|i| contract::last_segment(i.path).to_string())
        .chain(contract::STD_TYPES.iter().map(|t| t.to_string()))
        .collect();
    prop::sample::select(names)
}

/// Catalog-shaped JSON (a subset of YAML): the right keys with arbitrary values.
fn catalog_value() -> impl Strategy<Value = Value> {
    let name = prop_oneof![
        Just("Thing".to_string()),
        Just("type".to_string()),
        Just("".to_string()),
        "[A-Za-z_{}/ ]{1,10}",
        contract_name(),
    ];
    let scalar = prop_oneof![
        name.clone().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        (0u32..1000).prop_map(Value::from),
        Just(Value::Null),
    ];
    let schema = scalar.clone().prop_recursive(4, 24, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            (
                prop_oneof![
                    Just("string"),
                    Just("object"),
                    Just("array"),
                    Just("any"),
                    Just("integer"),
                    Just("bogus")
                ],
                prop::option::of(inner.clone()),
                prop::option::of(prop::collection::btree_map(
                    prop_oneof!["[a-zA-Z_]{1,6}", contract_name()],
                    inner.clone(),
                    0..3
                )),
                prop::option::of(prop_oneof![Just("Thing"), Just("Other"), Just("Self")]),
                prop::option::of(prop::collection::vec("[A-Za-z_-]{0,5}", 0..4)),
                any::<bool>(),
            )
                .prop_map(|(ty, items, props, r, en, req)| {
                    let mut o = serde_json::Map::new();
                    o.insert("type".into(), json!(ty));
                    if let Some(i) = items {
                        o.insert("items".into(), i);
                    }
                    if let Some(p) = props {
                        o.insert("properties".into(), Value::Object(p.into_iter().collect()));
                    }
                    if let Some(r) = r {
                        o.insert("ref".into(), json!(r));
                    }
                    if let Some(e) = en {
                        o.insert("enum".into(), json!(e));
                    }
                    o.insert("required".into(), json!(req));
                    Value::Object(o)
                }),
        ]
    });
    let param = (
        name.clone(),
        prop_oneof![Just("path"), Just("query"), Just("header"), Just("cookie")],
        any::<bool>(),
        schema.clone(),
    )
        .prop_map(|(n, l, r, s)| json!({"name": n, "in": l, "required": r, "schema": s}));
    let op = (
        "[A-Z][a-zA-Z]{0,8}",
        prop_oneof![Just("GET"), Just("POST"), Just("DELETE"), Just("get"), Just("FETCH")],
        prop_oneof![Just("/a/{id}".to_string()), Just("/a".to_string()), Just("a/{}".to_string()), "/[a-z{}/]{0,12}"],
        prop::collection::vec(param, 0..3),
        prop::option::of(schema.clone()),
        prop::collection::vec((prop_oneof![Just(json!(200)), Just(json!(204)), Just(json!("default")), Just(json!(0))], prop::option::of(schema.clone())), 0..3),
        any::<bool>(),
    )
        .prop_map(|(name, method, path, params, body, responses, paginated)| {
            let responses: Vec<Value> = responses
                .into_iter()
                .map(|(s, sch)| match sch {
                    Some(sch) => json!({"status": s, "schema": sch}),
                    None => json!({"status": s}),
                })
                .collect();
            let mut o = json!({"name": name, "method": method, "path": path, "summary": "s", "sources": ["000_0000000000000000.txt"], "params": params, "responses": responses, "paginated": paginated});
            if let Some(b) = body {
                o["body"] = json!({"schema": b});
            }
            o
        });
    (
        prop_oneof![
            Just("Thing"),
            Just("Self"),
            Just("bad name"),
            // Groups whose accessor would be a method `Client` already has.
            Just("Request"),
            Just("Clone"),
        ],
        prop::collection::vec(op, 0..4),
        prop::collection::btree_map(
            prop_oneof![
                Just("Thing".to_string()),
                Just("Other".to_string()),
                "[A-Za-z]{1,6}",
                contract_type_name(),
            ],
            schema,
            0..3,
        ),
    )
        .prop_map(|(g, ops, schemas)| json!({"group": g, "operations": ops, "schemas": schemas}))
}

/// 256 per property in the test suite (and CI); `PROPTEST_CASES=10000` for a longer search.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "(?s).{0,400}") {
        pipeline(&text);
    }

    #[test]
    fn mutated_real_catalogs_never_panic(file in 0usize..64, muts in prop::collection::vec(mutation(), 1..6)) {
        let files = real_files();
        let text = &files[file % files.len()];
        pipeline(&apply(text, &muts));
    }

    #[test]
    fn arbitrary_catalog_structures_never_panic(doc in catalog_value()) {
        // JSON is YAML; both the flow form and serde_yaml's block form are tried.
        pipeline(&doc.to_string());
        pipeline(&serde_yaml::to_string(&doc).unwrap());
    }
}

/// Nesting far deeper than any catalog needs is refused with a located diagnostic, before
/// serde_yaml spends time quadratic in the depth on it (25 s at 100,000 levels before the fix;
/// this test would then take that long, which is what a reviewer would notice).
#[test]
fn deeply_nested_yaml_is_refused_with_a_position() {
    for depth in [100_000usize, 200] {
        let text = format!(
            "group: A\ndescription: {}{}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let diags =
            okta_codegen::load::load_str(Path::new("deep.yaml"), &text).expect_err("refused");
        let shown = diags.to_string();
        assert!(shown.contains("deep.yaml:2:"), "{shown}");
        assert!(shown.contains("nest"), "{shown}");
    }
}

/// A named schema and an inline object that would hoist to the same Rust name: the catalog's
/// name wins and the hoisted one is made unique, whatever the declaration order.
#[test]
fn named_schemas_and_hoisted_inline_objects_never_share_a_name() {
    for order in [["A", "AChannel"], ["AChannel", "A"]] {
        let schema = |n: &str| {
            if n == "A" {
                "  A:\n    type: object\n    properties:\n      channel: {type: object, properties: {uri: {type: string}}}\n".to_string()
            } else {
                "  AChannel:\n    type: object\n    properties:\n      kind: {type: string}\n"
                    .to_string()
            }
        };
        let text = format!(
            "group: Thing\noperations:\n  - name: GetA\n    method: GET\n    path: /a\n    summary: Get A\n    sources: [002_030ab8ae49809163.txt]\n    responses:\n      - {{status: 200, description: OK, schema: {{ref: A}}}}\n  - name: GetAChannel\n    method: GET\n    path: /c\n    summary: Get C\n    sources: [002_030ab8ae49809163.txt]\n    responses:\n      - {{status: 200, description: OK, schema: {{ref: AChannel}}}}\nschemas:\n{}{}",
            schema(order[0]),
            schema(order[1])
        );
        let file = okta_codegen::load::load_str(Path::new("thing.yaml"), &text).expect("loads");
        let files = vec![file];
        okta_codegen::validate::validate(&files).expect("valid");
        let api = okta_codegen::ir::resolve(&files).expect("resolves");
        let mut names: Vec<&str> = api.models.iter().map(|m| m.name.as_str()).collect();
        names.sort();
        assert_eq!(names, ["A", "AChannel", "AChannel2"], "{order:?}");
        let named = api.models.iter().find(|m| m.name == "AChannel").unwrap();
        assert!(named.named, "the catalog's own AChannel keeps its name");
        okta_codegen::emit::emit(&api, &template(), &okta_codegen::Layout::repository())
            .expect("emits");
    }
}
