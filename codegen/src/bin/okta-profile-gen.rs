//! `okta-profile-gen`: Rust structs from an Okta org's saved profile schemas, for a one-off
//! file (`cargo install --path codegen`, then `okta-profile-gen generate user.json -o src/okta_profiles.rs`).
//! The same commands as `cargo xtask profile …`; see `okta_codegen::profile::cli`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if matches!(
        args.first().map(String::as_str),
        Some("help" | "--help" | "-h")
    ) {
        print!("{}", okta_codegen::profile::cli::usage("okta-profile-gen"));
        return ExitCode::SUCCESS;
    }
    match okta_codegen::profile::cli::run("okta-profile-gen", &args) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::FAILURE
        }
    }
}
