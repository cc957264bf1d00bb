//! okta-codegen: reads the endpoint catalog in `spec/` and emits the `okta-client` crate.
//!
//! The pipeline has four stages, each in its own module:
//!
//! 1. [`load`]: `spec/*.yaml` → a typed AST (methods, locations, statuses, type names, path
//!    templates and schema shapes parsed once), every bad value of a file at once, with a
//!    source map for positions;
//! 2. [`validate`]: every problem of meaning at once, as [`Diagnostics`];
//! 3. [`ir`]: the typed intermediate representation (names final, inline types hoisted);
//! 4. [`emit`]: an output plan ([`emit::plan`]: files, modules, features, accessors) and IR →
//!    Rust token streams → `syn::File` → prettyplease, and `openapi.json`.
//!
//! All naming goes through [`naming`]. [`profile`] is a second, smaller pipeline: an org's own
//! profile schemas (saved JSON) → typed structs for the user's crate.

pub mod changelog;
pub mod contract;
pub mod diagnostics;
pub mod diff;
pub mod emit;
pub mod ir;
pub mod load;
pub mod naming;
mod parallel;
pub mod profile;
pub mod validate;
pub mod write;

use std::path::Path;

pub use diagnostics::{Diagnostic, Diagnostics, Location};
pub use emit::{EmittedFile, Layout};
pub use write::Summary;

/// Loads and validates the catalog in `spec_dir` and resolves it into the IR.
pub fn load_api(spec_dir: &Path) -> Result<ir::Api, Error> {
    let files = load::load_dir(spec_dir).map_err(Error::Catalog)?;
    validate::validate(&files).map_err(Error::Catalog)?;
    ir::resolve(&files).map_err(internal)
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::Internal {
        message: e.to_string(),
        source: None,
    }
}

/// [`load_api`] for an older catalog that may predate the naming convention (what
/// `cargo xtask diff` compares against).
pub fn load_older_api(spec_dir: &Path) -> Result<ir::Api, Error> {
    let files = load::load_dir(spec_dir).map_err(Error::Catalog)?;
    validate::validate_without_naming_convention(&files).map_err(Error::Catalog)?;
    ir::resolve(&files).map_err(internal)
}

/// What the pipeline produced: the resolved API (for counts and reports) and every emitted
/// file. Nothing is written; [`write::sync`] brings the disk in line with it.
pub struct Generated {
    pub api: ir::Api,
    pub files: Vec<EmittedFile>,
}

/// The one error of the pipeline and of writing its output.
#[derive(Debug)]
pub enum Error {
    /// The catalog is invalid; nothing was written.
    Catalog(Diagnostics),
    /// A bug in okta-codegen, not in the catalog (the generator produced code that does not
    /// parse, or resolved a catalog the validator should have refused); the error it wraps, if
    /// any, is the [`source`](std::error::Error::source).
    Internal {
        message: String,
        source: Option<emit::EmitError>,
    },
    /// `--check` found files that differ from what the catalog emits.
    Stale(write::Plan),
    /// Reading or writing a file failed: what was being done (`cannot write …/x.rs`) and the
    /// I/O error, which is also the error's [`source`](std::error::Error::source).
    Io {
        what: String,
        source: std::io::Error,
    },
}

impl Error {
    /// An I/O failure while doing `what` (`cannot read …`).
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            what: what.into(),
            source,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Catalog(d) => write!(f, "{d}"),
            Error::Internal { message, source } => {
                match source {
                    Some(e) => write!(f, "{e}")?,
                    None => write!(f, "{message}")?,
                }
                write!(
                    f,
                    "\nthis is a bug in okta-codegen, not in the catalog; please report it"
                )
            }
            Error::Io { what, source } => write!(f, "{what}: {source}"),
            Error::Stale(plan) => {
                writeln!(f, "generated files are out of date with spec/:")?;
                for p in &plan.stale {
                    writeln!(f, "  stale:   {p}")?;
                }
                for p in &plan.missing {
                    writeln!(f, "  missing: {p}")?;
                }
                for p in &plan.remove {
                    writeln!(f, "  extra:   {p}")?;
                }
                write!(f, "run `cargo xtask generate` and commit the result")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Internal {
                source: Some(e), ..
            } => Some(e),
            Error::Catalog(_) | Error::Internal { .. } | Error::Stale(_) => None,
        }
    }
}

/// The whole pipeline on the catalog in `spec_dir`: load → validate → resolve → emit. The one
/// entry point, used by `cargo xtask generate` (through [`write::sync`]), the tests and the
/// benchmarks.
///
/// The emitted paths are relative to `root`, placed by `layout` ([`emit::Layout::repository`]
/// for this repository); okta-client's hand-written `Cargo.toml.in` under `root` is the template
/// of the emitted manifest.
pub fn generate(spec_dir: &Path, root: &Path, layout: &emit::Layout) -> Result<Generated, Error> {
    let template_path = root.join(&layout.client).join("Cargo.toml.in");
    let template = std::fs::read_to_string(&template_path)
        .map_err(|e| Error::io(format!("cannot read {}", template_path.display()), e))?;
    let api = load_api(spec_dir)?;
    let files = emit::emit(&api, &template, layout).map_err(|e| Error::Internal {
        message: e.message.clone(),
        source: Some(e),
    })?;
    Ok(Generated { api, files })
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    /// An I/O failure keeps the I/O error as its source, for callers that walk the chain.
    #[test]
    fn io_errors_have_their_cause_as_source() {
        let missing = Path::new("/nonexistent/okta-codegen-test");
        let err = match generate(missing, missing, &Layout::repository()) {
            Err(e) => e,
            Ok(_) => panic!("generated from a folder that does not exist"),
        };
        assert!(matches!(err, Error::Io { .. }), "{err:?}");
        let source = err.source().expect("a source");
        let io = source
            .downcast_ref::<std::io::Error>()
            .expect("an io::Error");
        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
        assert!(err.to_string().starts_with("cannot read "), "{err}");
        assert!(internal("x").source().is_none());
    }
}
