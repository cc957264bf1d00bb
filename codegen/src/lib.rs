//! okta-codegen: reads the endpoint catalog in `spec/` and emits the `okta-client` crate.
//!
//! The pipeline has four stages, each in its own module:
//!
//! 1. [`load`]: `spec/*.yaml` → serde types, with a source map for positions;
//! 2. [`validate`]: every semantic problem at once, as [`Diagnostics`];
//! 3. [`ir`]: the typed intermediate representation (names final, inline types hoisted);
//! 4. [`emit`]: IR → Rust token streams → `syn::File` → prettyplease, and `openapi.json`.
//!
//! All naming goes through [`naming`].

pub mod changelog;
pub mod diagnostics;
pub mod diff;
pub mod emit;
pub mod ir;
pub mod load;
pub mod naming;
pub mod validate;
pub mod write;

use std::path::Path;

pub use diagnostics::{Diagnostic, Diagnostics, Location};
pub use emit::EmittedFile;

/// Loads and validates the catalog in `spec_dir` and resolves it into the IR.
pub fn load_api(spec_dir: &Path) -> Result<ir::Api, Diagnostics> {
    let files = load::load_dir(spec_dir)?;
    validate::validate(&files)?;
    Ok(ir::resolve(&files))
}

/// [`load_api`] for an older catalog that may predate the naming convention (what
/// `cargo xtask diff` compares against).
pub fn load_older_api(spec_dir: &Path) -> Result<ir::Api, Diagnostics> {
    let files = load::load_dir(spec_dir)?;
    validate::validate_without_naming_convention(&files)?;
    Ok(ir::resolve(&files))
}

/// Runs the whole pipeline on the catalog in `spec_dir` and returns every emitted file.
/// Nothing is written: the caller decides what to do with the files.
pub fn generate(spec_dir: &Path) -> Result<Vec<EmittedFile>, Diagnostics> {
    let api = load_api(spec_dir)?;
    emit::emit(&api).map_err(|e| {
        Diagnostics(vec![Diagnostic::new(Location::new(spec_dir, 0, 0), e)
            .with_hint(
                "this is a bug in okta-codegen, not in the catalog; please report it",
            )])
    })
}
