//! `cargo xtask generate [--check]`: regenerate the emitted files of the `okta-client` crate from
//! the catalog in `spec/`, or check that the committed ones are current.

mod generate;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  generate           rewrite the emitted files of generated/ from the catalog in spec/
  generate --check   write nothing; fail naming every stale, missing or extra emitted file
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["generate"] => generate::run(false),
        ["generate", "--check"] => generate::run(true),
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

/// The repository root: xtask always runs from a checkout.
pub fn project_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repository root")
        .to_path_buf()
}
