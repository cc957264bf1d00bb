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
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let diags = match codegen::generate(&dir, &repo_root().join("generated")) {
            Ok(_) => panic!("{name}: the bad catalog was accepted"),
            Err(codegen::Error::Catalog(d)) => d,
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
        settings.bind(|| insta::assert_snapshot!(format!("bad__{name}"), text));
    }
}
