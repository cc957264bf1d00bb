//! `cargo xtask generate [--check]` regenerates the emitted files of the `okta-client` crate from
//! the catalog in `spec/`; `cargo xtask diff <git-ref or directory> [--changelog]` reports how
//! the catalog's API changed, on standard output or in `CHANGELOG.md`; `cargo xtask profile
//! generate|diff …` generates typed profile structs from an org's saved profile schemas, or
//! reports what changed between two versions of one (`okta_codegen::profile::cli`).

mod diff;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use okta_codegen::write::sync;
use okta_codegen::Error;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  generate             rewrite the emitted files of generated/ from the catalog in spec/
  generate --check     write nothing; fail naming every stale, missing or extra emitted file
  diff <ref-or-dir>    print a Markdown report of the API changes between the catalog at a git
                       ref (or in a directory) and the one in spec/, with the semver bump
  diff <ref-or-dir> --changelog
                       write that report into CHANGELOG.md under Unreleased (replacing the
                       report a previous run wrote there)
  profile generate <schema.json>[=TypeName]... [--user-types <types.json>] [-o <file.rs>]
                       Rust structs from an org's saved profile schemas (see the README section on
                       typed profiles); nothing is written on any error
  profile diff <old.json> <new.json>
                       a Markdown report of what changed between two versions of a schema,
                       or of the saved list of user types, breaking changes marked
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = project_root();
    let result = match args.as_slice() {
        ["generate"] => generate(&root, false),
        ["generate", "--check"] => generate(&root, true),
        ["diff", base] => diff::run(&root, base, false),
        ["diff", base, "--changelog"] | ["diff", "--changelog", base] => {
            diff::run(&root, base, true)
        }
        ["profile", rest @ ..] => {
            let rest: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
            okta_codegen::profile::cli::run("cargo xtask profile", &rest).map(|out| print!("{out}"))
        }
        ["help" | "--help" | "-h"] => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::FAILURE
        }
    }
}

fn generate(root: &Path, check: bool) -> Result<(), String> {
    // Diagnostics name files as `spec/…`, relative to the repository root.
    std::env::set_current_dir(root).map_err(|e| format!("cannot enter {}: {e}", root.display()))?;
    match sync(
        Path::new("."),
        Path::new("spec"),
        &okta_codegen::Layout::repository(),
        check,
    ) {
        Ok(s) if check => {
            println!("generated files are up to date ({} files)", s.unchanged);
            Ok(())
        }
        Ok(s) => {
            println!("cargo xtask generate: {s}");
            Ok(())
        }
        Err(e @ Error::Catalog(_)) => Err(format!("{e}\nnothing was written")),
        Err(e) => Err(e.to_string()),
    }
}

/// The repository root: xtask always runs from a checkout.
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repository root")
        .to_path_buf()
}
