//! Pins every file the generator emits for the real catalog and for the fixture catalogs under
//! `tests/fixtures/catalogs/`. After a change, `cargo test -p tests --test snapshots` shows every
//! changed file of a run as a diff (and fails once, listing them all); `cargo insta review`
//! accepts them one by one, `INSTA_UPDATE=always` all at once.

use std::path::Path;

use tests::{repo_root, snapshot_name};

fn snapshot_catalog(prefix: &str, spec: &Path) {
    let files = okta_codegen::generate(spec, &repo_root(), &okta_codegen::Layout::repository())
        .unwrap_or_else(|d| panic!("{prefix}: catalog is invalid:\n{d}"))
        .files;
    // Every file is compared before the test fails, so a change to four files is four diffs
    // in one run, not one diff per run.
    tests::assert_snapshots!(files
        .into_iter()
        .map(|f| (snapshot_name(prefix, &f.path), f.contents)));
}

#[test]
fn real_catalog() {
    snapshot_catalog("real", &repo_root().join("spec"));
}

#[test]
fn fixture_features() {
    snapshot_catalog(
        "features",
        &repo_root().join("tests/fixtures/catalogs/features"),
    );
}

#[test]
fn fixture_names() {
    snapshot_catalog("names", &repo_root().join("tests/fixtures/catalogs/names"));
}

/// The profile structs generated from the fixture schemas of `tests/fixtures/profile/` (the
/// same set and names as `tests/profile_crate/build.rs`, whose tests use them).
#[test]
fn profile_fixtures() {
    let dir = repo_root().join("tests/fixtures/profile");
    let code = okta_codegen::profile::Builder::new()
        .schema(dir.join("user.json"))
        .schema(dir.join("group.json"))
        .schema_as(dir.join("app_user.json"), "ExampleAppUser")
        .schema(dir.join("contractor.json"))
        .user_types(dir.join("user_types.json"))
        .generate()
        .unwrap_or_else(|e| panic!("the fixture schemas are refused:\n{e}"));
    tests::assert_snapshots!([("profile__okta_profiles.rs".to_string(), code)]);
}

/// The generator is deterministic: two runs give byte-identical files.
#[test]
fn output_is_deterministic() {
    let spec = repo_root().join("spec");
    let a = okta_codegen::generate(&spec, &repo_root(), &okta_codegen::Layout::repository())
        .expect("valid catalog")
        .files;
    let b = okta_codegen::generate(&spec, &repo_root(), &okta_codegen::Layout::repository())
        .expect("valid catalog")
        .files;
    assert_eq!(a, b);
}

/// What the generator emits for the real catalog is what is committed under `generated/`
/// (the same check as `cargo xtask generate --check`, run by the test suite too).
#[test]
fn committed_output_is_current() {
    let root = repo_root();
    let files = okta_codegen::generate(
        &root.join("spec"),
        &repo_root(),
        &okta_codegen::Layout::repository(),
    )
    .expect("valid catalog")
    .files;
    let stale: Vec<&str> = files
        .iter()
        .filter(|f| {
            std::fs::read_to_string(root.join(&f.path)).ok().as_deref() != Some(f.contents.as_str())
        })
        .map(|f| f.path.as_str())
        .collect();
    assert!(
        stale.is_empty(),
        "run `cargo xtask generate`; stale: {stale:?}"
    );
}

/// Per-group features compile only what a group reaches: the event-hook feature gates the event
/// hook model, and the inline hook models are not compiled for it.
#[test]
fn model_files_are_gated_by_the_groups_that_reach_them() {
    let api = okta_codegen::load_api(&repo_root().join("spec")).expect("valid catalog");
    let groups_of = |model: &str| {
        api.model(model)
            .unwrap_or_else(|| panic!("{model}"))
            .groups
            .clone()
    };
    assert_eq!(
        groups_of("EventHook").into_iter().collect::<Vec<_>>(),
        ["EventHook"]
    );
    assert_eq!(
        groups_of("InlineHookChannelConfigAuthScheme")
            .into_iter()
            .collect::<Vec<_>>(),
        ["InlineHook"]
    );
    let mods = std::fs::read_to_string(repo_root().join("generated/src/models/mod.rs")).unwrap();
    assert!(
        mods.contains(
            "#[cfg(feature = \"inline-hook\")]\nmod inline_hook_channel_config_auth_scheme;"
        ),
        "{mods}"
    );
    let manifest = std::fs::read_to_string(repo_root().join("generated/Cargo.toml")).unwrap();
    for g in &api.groups {
        assert!(
            manifest.contains(&format!(
                "\n{} = [",
                okta_codegen::emit::plan::GroupPlan::of(g).feature
            )),
            "no feature for {}",
            g.name
        );
    }
}

/// Reference cycles through optional fields are broken by boxing, and reported.
#[test]
fn optional_cycles_are_boxed_and_reported() {
    let api = okta_codegen::load_api(&repo_root().join("tests/fixtures/catalogs/features"))
        .expect("valid");
    assert_eq!(api.boxed_fields(), ["TreeNode.parent"]);
    let real = okta_codegen::load_api(&repo_root().join("spec")).expect("valid");
    assert!(real.boxed_fields().is_empty());
}

/// One run reports every snapshot that differs, not only the first: two of three pinned values
/// change, and the failure names both (or, when the run accepts changes, both are rewritten).
#[test]
fn one_run_reports_every_changed_snapshot() {
    let dir = repo_root().join("target/snapshot-report-test");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, pinned) in [("first", "old 1"), ("second", "same"), ("third", "old 3")] {
        std::fs::write(
            dir.join(format!("{name}.snap")),
            format!("---\nsource: tests/tests/snapshots.rs\n---\n{pinned}\n"),
        )
        .unwrap();
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(&dir);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| {
            tests::assert_snapshots!([
                ("first".to_string(), "new 1".to_string()),
                ("second".to_string(), "same".to_string()),
                ("third".to_string(), "new 3".to_string()),
            ]);
        })
    }));
    let accepting = std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "always")
        || std::env::var("INSTA_FORCE_PASS").is_ok_and(|v| v != "0");
    if accepting {
        for (name, now) in [("first", "new 1"), ("third", "new 3")] {
            let text = std::fs::read_to_string(dir.join(format!("{name}.snap"))).unwrap();
            assert!(text.contains(now), "{name} was not rewritten: {text}");
        }
    } else {
        let err = outcome.expect_err("two snapshots differ");
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("2 of 3 snapshots differ"), "{msg}");
        assert!(msg.contains("first") && msg.contains("third"), "{msg}");
        assert!(!msg.contains("second"), "{msg}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The rustdoc JSON format the `public-api` crate (pinned in tests/Cargo.toml) reads is the one
/// this nightly writes; the two move together. `.ci/run` installs it, and so does the test when
/// it is missing.
const PUBLIC_API_NIGHTLY: &str = "nightly-2026-05-20";

/// Every public item of one crate for one feature set, one per line, as the `public-api` crate
/// lists it from rustdoc's JSON (`cargo +nightly rustdoc … --output-format json`).
fn public_api(package: &str, features: &[&str]) -> String {
    let root = repo_root();
    let toolchain_ok = || {
        std::process::Command::new("rustup")
            .args(["run", PUBLIC_API_NIGHTLY, "rustdoc", "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !toolchain_ok() {
        let installed = std::process::Command::new("rustup")
            .args([
                "toolchain",
                "install",
                PUBLIC_API_NIGHTLY,
                "--profile",
                "minimal",
            ])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            installed && toolchain_ok(),
            "the public-API snapshot needs `rustup toolchain install {PUBLIC_API_NIGHTLY} --profile minimal`"
        );
    }
    // A target directory of its own: nightly artefacts never mix with the stable build's.
    let target = root.join("target/public-api");
    let mut cmd = std::process::Command::new("rustup");
    cmd.args([
        "run",
        PUBLIC_API_NIGHTLY,
        "cargo",
        "rustdoc",
        "-q",
        "--lib",
        "-p",
        package,
    ])
    .arg("--target-dir")
    .arg(&target)
    .current_dir(&root);
    // The test runs under the stable cargo, whose settings must not leak into the nightly build.
    for var in [
        "RUSTC",
        "RUSTDOC",
        "RUSTC_WRAPPER",
        "RUSTFLAGS",
        "RUSTDOCFLAGS",
        "CARGO",
    ] {
        cmd.env_remove(var);
    }
    if features == ["all"] {
        cmd.arg("--all-features");
    } else if !features.is_empty() {
        cmd.arg("--no-default-features")
            .arg("--features")
            .arg(features.join(","));
    }
    cmd.args(["--", "-Z", "unstable-options", "--output-format", "json"]);
    let out = cmd.output().expect("run cargo rustdoc");
    assert!(
        out.status.success(),
        "cargo rustdoc -p {package} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = target.join(format!("doc/{}.json", package.replace('-', "_")));
    // Blanket impls (`impl<T> From<T> for T`, a dependency's extension traits) are not this
    // crate's API and change with the dependencies; auto traits (Send, Sync) are, and stay.
    let api = public_api::Builder::from_rustdoc_json(&json)
        .omit_blanket_impls(true)
        .omit_auto_derived_impls(true)
        .build()
        .unwrap_or_else(|e| panic!("{}: {e}", json.display()));
    let mut text = String::new();
    for item in api.items() {
        text.push_str(&item.to_string());
        text.push('\n');
    }
    text
}

/// The public API of okta-client with its default features and with all of them, and of
/// okta-client-core with all of its own, pinned like the emitted files: a change to what users
/// can name shows up as a diff in this review loop.
#[test]
fn public_api_surface() {
    tests::assert_snapshots!([
        (
            "public_api__okta_client__default.txt",
            public_api("okta-client", &[])
        ),
        (
            "public_api__okta_client__all_features.txt",
            public_api("okta-client", &["all"])
        ),
        (
            "public_api__okta_client_core__all_features.txt",
            public_api("okta-client-core", &["all"])
        ),
    ]
    .map(|(name, text)| (name.to_string(), text)));
}
