//! Every catalog under `tests/fixtures/bad/` has exactly one deliberate problem; the generator
//! must refuse it with exactly one clear diagnostic (position, message, hint), pinned here.

use std::path::PathBuf;

use tests::repo_root;

#[test]
fn each_bad_catalog_gives_one_pinned_diagnostic() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("fixtures/bad")
        .expect("tests/fixtures/bad")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 30,
        "the corpus has at least 30 catalogs, found {}",
        dirs.len()
    );
    let mut pinned = Vec::new();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let diags =
            match okta_codegen::generate(&dir, &repo_root(), &okta_codegen::Layout::repository()) {
                Ok(_) => panic!("{name}: the bad catalog was accepted"),
                Err(okta_codegen::Error::Catalog(d)) => d,
                Err(e) => panic!("{name}: not a catalog diagnostic: {e}"),
            };
        let text = diags.to_string();
        assert_eq!(
            diags.len(),
            1,
            "{name}: expected exactly one diagnostic, got:\n{text}"
        );
        let d = &diags.0[0];
        assert!(d.location.line > 0, "{name}: no line in {text}");
        assert!(d.hint.is_some(), "{name}: no hint in {text}");
        pinned.push((format!("bad__{name}"), text));
    }
    tests::assert_snapshots!(pinned);
}

/// serde stops at the first value it cannot read; the loader still reports every bad value of
/// the file, each once, at its own line.
#[test]
fn every_bad_value_of_a_file_is_reported_at_once() {
    let text = "\
group: Widget
operations:
  - name: GetWidget
    method: FETCH
    path: /api/v1/widgets/{widgetId}
    summary: Get a widget
    sources: [000_7b3593a3132659d8.txt]
    params:
      - {name: widgetId, in: paht}
    responses:
      - {status: 2000, schema: {type: objekt}}
      - {status: 404, schema: {ref: Widget, type: object}}
schemas:
  Widget:
    type: object
    properties:
      tags: {type: array}
";
    let diags = okta_codegen::load::load_str(std::path::Path::new("widget.yaml"), text)
        .expect_err("refused");
    let found: Vec<(usize, &str)> = diags
        .0
        .iter()
        .map(|d| (d.location.line, d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (4, "invalid HTTP method `FETCH`"),
            (9, "invalid parameter location `paht`"),
            (11, "unknown type `objekt`"),
            (11, "`2000` is not an HTTP status code"),
            (12, "a type has both `ref` and `type`"),
            (17, "an array needs `items`"),
        ],
        "{diags}"
    );
}

/// Provenance stays out of the users' rustdoc: no emitted Rust file of the real catalog names a
/// seed document (the validator refuses such doc text; maintainers' `notes:` go to
/// `openapi.json` only), while `openapi.json` still carries them as `x-notes`.
#[test]
fn emitted_rust_names_no_seed_document() {
    let out = okta_codegen::generate(
        &repo_root().join("spec"),
        &repo_root(),
        &okta_codegen::Layout::repository(),
    )
    .expect("the real catalog");
    let mut rust = 0;
    for f in &out.files {
        if f.path.ends_with(".rs") {
            rust += 1;
            if let Some(seed) = okta_codegen::validate::seed_name_in(&f.contents) {
                panic!("{} names the seed document {seed}", f.path);
            }
        }
    }
    assert!(rust > 50, "only {rust} Rust files emitted");
    let openapi = out
        .files
        .iter()
        .find(|f| f.path.ends_with("openapi.json"))
        .expect("openapi.json");
    let notes: serde_json::Value = serde_json::from_str(&openapi.contents).unwrap();
    let channel = &notes["components"]["schemas"]["InlineHookChannel"]["x-notes"];
    assert!(
        channel
            .as_str()
            .is_some_and(|n| n.contains("shifted column")),
        "InlineHookChannel's notes are not in openapi.json: {channel}"
    );
}
