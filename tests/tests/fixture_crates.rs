//! The emitted code of each fixture catalog (keywords, colliding names, recursion, multipart,
//! nullable and open types) compiles without warnings: each fixture is generated, client only
//! (`Layout::client_only`), into a scratch workspace that holds nothing but okta-client's
//! hand-written files, which is then checked with `cargo check`.

use std::path::{Path, PathBuf};
use std::process::Command;

use tests::repo_root;

/// okta-client's hand-written files as git tracks them, in a fresh one-member workspace.
fn scratch_workspace(name: &str) -> PathBuf {
    let root = repo_root();
    let dir = root.join("target/fixture-crates").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let listing = Command::new("git")
        .current_dir(&root)
        .args(["ls-files", "-z", "generated"])
        .output()
        .expect("git ls-files");
    assert!(listing.status.success());
    for rel in listing.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let rel = Path::new(std::str::from_utf8(rel).unwrap());
        let (from, to) = (root.join(rel), dir.join(rel));
        if from.is_file() {
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&from, &to).unwrap();
        }
    }
    // The workspace manifest holds the shared dependency versions; only its member changes.
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let start = workspace.find("members = [").unwrap();
    let end = start + workspace[start..].find(']').unwrap() + 1;
    let workspace = format!(
        "{}members = [\"generated\"]{}",
        &workspace[..start],
        &workspace[end..]
    );
    std::fs::write(dir.join("Cargo.toml"), workspace).unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

fn check_fixture(name: &str) {
    let dir = scratch_workspace(name);
    let spec = repo_root().join("tests/fixtures/catalogs").join(name);
    let summary = okta_codegen::write::sync(
        &dir,
        &spec,
        &okta_codegen::Layout::client_only("generated"),
        false,
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(summary.written > 0, "{name}: nothing emitted");
    tests::cargo_in_scratch(
        &dir,
        &["check", "-p", "okta-client"],
        &format!("{name}: the emitted crate does not compile"),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_features_fixture_compiles() {
    check_fixture("features");
}

#[test]
fn the_names_fixture_compiles() {
    check_fixture("names");
}
