//! The contract between emitted code and okta-client's runtime (`codegen/src/contract.rs`)
//! is what the emitted code really uses, and names the catalog can choose never collide with it.

use std::collections::BTreeSet;
use std::path::Path;

use codegen::contract::{self, RUNTIME};
use tests::repo_root;

fn emitted(catalog: &Path) -> Vec<codegen::EmittedFile> {
    codegen::generate(catalog, &repo_root(), &codegen::Layout::repository())
        .unwrap_or_else(|e| panic!("{}: {e}", catalog.display()))
        .files
}

fn catalogs() -> Vec<std::path::PathBuf> {
    let root = repo_root();
    vec![
        root.join("spec"),
        root.join("tests/fixtures/catalogs/features"),
        root.join("tests/fixtures/catalogs/names"),
    ]
}

/// Every `crate::a::b` (or, in the emitted tests, `okta_client::a::b`) path in `text`, written
/// from okta-client's root.
fn crate_paths(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for root in ["crate::", "okta_client::"] {
        let mut rest = text;
        while let Some(at) = rest.find(root) {
            let before = rest[..at].chars().next_back();
            let tail = &rest[at + root.len()..];
            let len = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            let path = tail[..len].trim_end_matches(':');
            // `okta_client::` inside a longer identifier is not a path.
            if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') && !path.is_empty() {
                out.insert(format!("crate::{path}"));
            }
            rest = &tail[len..];
        }
    }
    out
}

fn listed(path: &str) -> Option<&'static str> {
    RUNTIME
        .iter()
        .map(|i| i.path)
        .find(|p| path == *p || path.starts_with(&format!("{p}::")))
}

#[test]
fn every_runtime_path_the_emitted_code_uses_is_in_the_contract_and_back() {
    let mut unlisted = BTreeSet::new();
    let mut used = BTreeSet::new();
    for catalog in catalogs() {
        for f in emitted(&catalog) {
            if !f.path.ends_with(".rs") {
                continue;
            }
            for path in crate_paths(&f.contents) {
                match listed(&path) {
                    Some(item) => {
                        used.insert(item);
                    }
                    None => {
                        unlisted.insert(format!("{path} (in {})", f.path));
                    }
                }
            }
        }
    }
    assert!(
        unlisted.is_empty(),
        "emitted code names runtime items codegen/src/contract.rs does not list:\n{}",
        unlisted.into_iter().collect::<Vec<_>>().join("\n")
    );
    let unused: Vec<&str> = RUNTIME
        .iter()
        .map(|i| i.path)
        .filter(|p| !used.contains(p))
        .collect();
    assert!(
        unused.is_empty(),
        "codegen/src/contract.rs lists runtime items no emitted file uses: {unused:?}"
    );
}

#[test]
fn the_path_scanner_finds_paths_and_nothing_else() {
    let found = crate_paths(
        "x: crate::Nullable<T>, [`a`](crate::request::Customize), my_okta_client::Nope, okta_client::models::Widget::new(), crate::runtime::string_enum!(W);",
    );
    let found: Vec<&str> = found.iter().map(String::as_str).collect();
    assert_eq!(
        found,
        [
            "crate::Nullable",
            "crate::models::Widget::new",
            "crate::request::Customize",
            "crate::runtime::string_enum",
        ]
    );
    assert_eq!(listed("crate::Nullable::Null"), Some("crate::Nullable"));
    assert_eq!(listed("crate::NullableX"), None);
}

/// The names fixture gives properties, parameters and schemas the names of generated members
/// and runtime types; each is renamed, once, and the members keep their own names.
#[test]
fn catalog_names_never_take_a_contract_name() {
    let files = emitted(&repo_root().join("tests/fixtures/catalogs/names"));
    let file = |end: &str| {
        files
            .iter()
            .find(|f| f.path.ends_with(end))
            .unwrap_or_else(|| panic!("no {end}"))
            .contents
            .as_str()
    };
    let text = file("models/error_model.rs");
    let start = text.find("pub struct ErrorModel {").expect("ErrorModel");
    let error = &text[start..start + text[start..].find("\n}").expect("its end")];
    for member in contract::MODEL_FIELDS
        .iter()
        .filter(|m| **m != "mismatched_fields")
    {
        assert_eq!(
            error.matches(&format!("pub {member}:")).count(),
            1,
            "{member}: {error}"
        );
    }
    for field in [
        "explicit_nulls_",
        "mismatched_fields_",
        "additional_properties_",
    ] {
        assert!(error.contains(&format!("pub {field}:")), "{field}: {error}");
    }
    let api = codegen::load_api(&repo_root().join("tests/fixtures/catalogs/names")).unwrap();
    let names: BTreeSet<&str> = api.models.iter().map(|m| m.name.as_str()).collect();
    for taken in ["ExplicitNullsModel", "FieldModel", "ErrorModel", "Serde"] {
        assert!(names.contains(taken), "{taken} missing from {names:?}");
    }
    assert!(
        files.iter().any(|f| f.path.ends_with("models/serde_.rs")),
        "the Serde model's module is not `serde_`"
    );
    let ops = file("operations/keywords.rs");
    for setter in ["customize_", "into_stream_", "send_", "body_"] {
        assert!(ops.contains(&format!("pub fn {setter}(")), "{setter}");
    }
}

/// Path parameters are sent in the order of the template, whatever order `params` declares
/// them in: `GetCsrForApp` declares `csrId` before `appId`.
#[test]
fn path_parameters_fill_the_template_in_its_order() {
    let api = codegen::load_api(&repo_root().join("tests/fixtures/catalogs/names")).unwrap();
    let (_, op) = api
        .operations()
        .find(|(_, o)| o.name == "GetCsrForApp")
        .expect("GetCsrForApp");
    let declared: Vec<&str> = op.params.iter().map(|p| p.wire_name.as_str()).collect();
    assert_eq!(declared, ["csrId", "appId"]);
    let in_path: Vec<&str> = op.path_params().map(|p| p.wire_name.as_str()).collect();
    assert_eq!(in_path, ["appId", "csrId"]);

    let files = emitted(&repo_root().join("tests/fixtures/catalogs/names"));
    let ops = &files
        .iter()
        .find(|f| f.path.ends_with("operations/keywords.rs"))
        .expect("keywords.rs")
        .contents;
    let start = ops
        .find("\"GetCsrForApp\"")
        .expect("GetCsrForApp's request");
    let call: String = ops[start..]
        .chars()
        .take_while(|c| *c != ';')
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(
        call.contains(
            "\"/api/v1/apps/{appId}/credentials/csrs/{csrId}\",&[&self.app_id,&self.csr_id]"
        ),
        "{call}"
    );
}

/// `CLIENT_METHODS` is exactly the methods the hand-written runtime gives `Client` in its
/// `impl Client` blocks, plus the trait methods emitted code calls on it.
#[test]
fn the_client_methods_of_the_contract_are_the_runtimes() {
    // Every `.rs` file of the runtime, in subfolders too (`runtime/governor/…`).
    let mut files = Vec::new();
    let mut dirs = vec![repo_root().join("generated/src/runtime")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 10, "the runtime's files: {files:?}");
    let mut found = BTreeSet::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut inside = false;
        for line in text.lines() {
            if line == "impl Client {" {
                inside = true;
            } else if inside && line == "}" {
                inside = false;
            } else if inside {
                let l = line.trim_start();
                let at_item_depth = line.len() - l.len() == 4;
                if let Some(rest) = l
                    .split_once("fn ")
                    .filter(|(before, _)| at_item_depth && !before.contains("//"))
                    .map(|(_, rest)| rest)
                {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    found.insert(name);
                }
            }
        }
    }
    let traits = ["clone", "clone_from", "fmt"];
    let listed: BTreeSet<String> = contract::CLIENT_METHODS
        .iter()
        .filter(|m| !traits.contains(m))
        .map(|m| m.to_string())
        .collect();
    assert_eq!(
        found, listed,
        "update CLIENT_METHODS in codegen/src/contract.rs"
    );
}
