//! Typed profiles from an org's own schemas: a saved profile schema (`GET
//! /api/v1/meta/schemas/user/default`, `/group/default`, `/apps/{appId}/default`) → Rust
//! structs in the user's crate, which use `okta_client::profile` at run time.
//!
//! Stages, as for the catalog: [`load`] (JSON → typed AST, every problem at once, located by
//! JSON path) → [`ir`] (names from [`crate::naming`], types) → [`emit`] (each struct lowered to
//! the shape description the client's models use, `crate::emit::shape`, with its `validate()`
//! statements from `checks` and its docs from `docs`; `quote!` → the one formatting step);
//! [`diff`] reports what changed between two versions of a schema, or of the user types.
//!
//! In a `build.rs`:
//!
//! ```no_run
//! okta_codegen::profile::Builder::new()
//!     .schema("schemas/user.json")
//!     .generate_to_out_dir()
//!     .unwrap_or_else(|e| panic!("{e}"));
//! ```
//!
//! and in the crate a module that includes it: `mod okta_profiles;` in `main.rs` or `lib.rs`,
//! and `include!(concat!(env!("OUT_DIR"), "/okta_profiles.rs"));` in `src/okta_profiles.rs`.

mod checks;
pub mod cli;
pub mod diff;
mod docs;
pub mod emit;
pub mod history;
pub mod ir;
pub mod load;
pub mod types;

use std::fmt;
use std::path::{Path, PathBuf};

/// The file [`Builder::generate_to_out_dir`] writes in `OUT_DIR`.
pub const OUT_FILE: &str = "okta_profiles.rs";

/// The report of what the latest run into a folder found changed, beside [`OUT_FILE`].
const CHANGES_FILE: &str = "okta_profiles.changes.md";

use crate::diagnostics::{Diagnostic, Location};

/// A problem of a schema at the JSON path of the value at fault
/// (`$.definitions.custom.properties.costCenter.type`).
pub(crate) fn problem(file: &str, json_path: &str, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(Location::json(file, json_path), message)
}

/// Every problem found (the generator's [`Diagnostic`], located by JSON path, or by line and
/// column for text that is not JSON), never empty when returned as an error.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problems(pub Vec<Diagnostic>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        write!(f, "\n{} problem(s) in the profile schema(s)", self.0.len())
    }
}

/// What can go wrong generating profiles. Nothing is written unless everything succeeded.
#[derive(Debug)]
pub enum Error {
    /// A schema is malformed (or a type name given for it is not one).
    Schema(Problems),
    /// Reading a schema or writing the output failed.
    Io {
        what: String,
        source: std::io::Error,
    },
    /// A bug in okta-codegen: the emitted code does not parse.
    Internal(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Schema(p) => write!(f, "{p}"),
            Error::Io { what, source } => write!(f, "{what}: {source}"),
            Error::Internal(m) => write!(f, "{m}\nthis is a bug in okta-codegen; please report it"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// One schema in memory: its file name (for messages and docs), its JSON text, and the type
/// name to give its struct (`None`: from the file name, `user.json` → `UserProfile`).
#[derive(Clone, Debug)]
pub struct Source {
    pub file: String,
    pub text: String,
    pub type_name: Option<String>,
}

/// Loads every source and resolves them together (names unique across all of them).
pub fn resolve(sources: &[Source]) -> Result<Vec<ir::Profile>, Error> {
    Ok(resolve_with_user_types(sources, None)?.0)
}

/// [`resolve`], and the enum over the org's user types when their saved list is given
/// (`user_types`: the JSON of `GET /api/v1/meta/types/user`, [`types`]).
pub fn resolve_with_user_types(
    sources: &[Source],
    user_types: Option<&Source>,
) -> Result<(Vec<ir::Profile>, Option<types::UserTypesIr>), Error> {
    let profiles = resolve_schemas(sources, user_types.is_some())?;
    let Some(t) = user_types else {
        return Ok((profiles, None));
    };
    let list = types::load(&t.file, &t.text).map_err(Error::Schema)?;
    let ir = types::resolve(&t.file, list, &profiles).map_err(Error::Schema)?;
    Ok((profiles, Some(ir)))
}

fn resolve_schemas(sources: &[Source], with_user_types: bool) -> Result<Vec<ir::Profile>, Error> {
    let mut problems = Vec::new();
    let mut schemas = Vec::new();
    for s in sources {
        if let Some(name) = &s.type_name {
            if crate::naming::type_name(name) != *name {
                problems.push(problem(
                    &s.file,
                    "$",
                    format!(
                        "`{name}` cannot be the type name: use an UpperCamelCase name that is not reserved, such as `{}`",
                        crate::naming::type_name(name)
                    ),
                ));
            }
        }
        match load::load(&s.file, &s.text) {
            Ok(schema) => schemas.push((schema, s.type_name.clone())),
            Err(p) => problems.extend(p.0),
        }
    }
    if problems.is_empty() {
        problems = name_collisions(sources);
    }
    if with_user_types {
        for s in sources {
            let name = s
                .type_name
                .clone()
                .unwrap_or_else(|| ir::default_type_name(&s.file));
            // The enum over the user types, and its catch-all variant, would clash with it.
            let taken = [
                (types::ENUM_NAME, "the name of the enum over the user types"),
                (
                    crate::contract::USER_TYPES_OTHER,
                    "the variant of the enum over the user types that keeps users of other types",
                ),
            ];
            for (_, what) in taken.iter().filter(|(n, _)| *n == name) {
                problems.push(problem(
                    &s.file,
                    "$",
                    format!("`{name}` is {what}: give this schema another name"),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Schema(Problems(problems)));
    }
    Ok(ir::resolve(schemas))
}

/// Two schemas whose structs would have the same name, whether given or from the file name:
/// a problem naming both sources. A name is never changed to make it unique, since code that
/// names the struct would silently get another one.
fn name_collisions(sources: &[Source]) -> Vec<Diagnostic> {
    let named = |s: &Source| match &s.type_name {
        Some(n) => (n.clone(), "the name given for it"),
        None => (ir::default_type_name(&s.file), "from its file name"),
    };
    let mut problems = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        let (name, why) = named(s);
        let Some(first) = sources[..i].iter().find(|f| named(f).0 == name) else {
            continue;
        };
        let first_why = named(first).1;
        problems.push(problem(
            &s.file,
            "$",
            format!(
                "two structs would be called `{name}`: {}'s ({first_why}) and {}'s ({why}); \
                 give one of them another name (`.schema_as(path, \"Name\")` in a build script, \
                 `path=Name` on the command line)",
                first.file, s.file
            ),
        ));
    }
    problems
}

/// The Rust file for `sources`, nothing written: the pipeline of every entry point.
pub fn generate(sources: &[Source]) -> Result<String, Error> {
    generate_with_user_types(sources, None)
}

/// [`generate`], with the enum over the org's user types when their saved list is given.
pub fn generate_with_user_types(
    sources: &[Source],
    user_types: Option<&Source>,
) -> Result<String, Error> {
    let (profiles, types) = resolve_with_user_types(sources, user_types)?;
    emit::emit(&profiles, types.as_ref()).map_err(Error::Internal)
}

/// Generates profile structs from saved schema files: for a `build.rs`
/// ([`generate_to_out_dir`](Self::generate_to_out_dir)) or a one-off file
/// ([`generate_to_file`](Self::generate_to_file)).
#[derive(Clone, Debug, Default)]
pub struct Builder {
    schemas: Vec<(PathBuf, Option<String>)>,
    user_types: Option<PathBuf>,
}

impl Builder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a saved schema; its struct is named after the file (`user.json` → `UserProfile`).
    pub fn schema(mut self, path: impl AsRef<Path>) -> Self {
        self.schemas.push((path.as_ref().to_path_buf(), None));
        self
    }

    /// Adds a saved schema whose struct is called `type_name`.
    pub fn schema_as(mut self, path: impl AsRef<Path>, type_name: impl Into<String>) -> Self {
        self.schemas
            .push((path.as_ref().to_path_buf(), Some(type_name.into())));
        self
    }

    /// Adds the org's user types, saved from `GET /api/v1/meta/types/user`: the code then has
    /// the enum `OrgUser`, a variant per user type with the struct of its schema (each type's
    /// schema, saved from its `_links.schema.href`, added with [`schema`](Self::schema)), for
    /// `client.profiles().list_typed_users::<OrgUser>()`.
    pub fn user_types(mut self, path: impl AsRef<Path>) -> Self {
        self.user_types = Some(path.as_ref().to_path_buf());
        self
    }

    /// The schema files given, in order.
    pub fn schema_paths(&self) -> impl Iterator<Item = &Path> {
        self.schemas.iter().map(|(p, _)| p.as_path())
    }

    fn user_types_source(&self) -> Result<Option<Source>, Error> {
        self.user_types
            .as_ref()
            .map(|path| read_source(path, None))
            .transpose()
    }

    fn sources(&self) -> Result<Vec<Source>, Error> {
        self.schemas
            .iter()
            .map(|(path, type_name)| read_source(path, type_name.clone()))
            .collect()
    }

    fn checked_sources(&self) -> Result<Vec<Source>, Error> {
        if self.schemas.is_empty() {
            return Err(Error::Schema(Problems(vec![problem(
                "(none)",
                "$",
                "no schema given: add one with `.schema(\"schemas/user.json\")`",
            )])));
        }
        self.sources()
    }

    /// The generated Rust code; nothing is written.
    pub fn generate(&self) -> Result<String, Error> {
        generate_with_user_types(&self.checked_sources()?, self.user_types_source()?.as_ref())
    }

    /// Writes the code to `path`, only when it changed (through a temporary file renamed into
    /// place, so that a reader never sees half a file); nothing is written on any error.
    pub fn generate_to_file(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let code = self.generate()?;
        write_if_changed(path.as_ref(), &code)
    }

    /// Writes `dir/okta_profiles.rs` (only when it changed) and returns what changed in each
    /// schema, and in the user types, since the previous run into `dir` ([`history`]: a copy of
    /// each is kept in `dir/okta_profiles.schemas/`). The report of this run is
    /// `dir/okta_profiles.changes.md`, rewritten by every run and removed by one that found no
    /// change, so it never describes an earlier run. Nothing is written on any error.
    pub fn generate_to_dir(&self, dir: impl AsRef<Path>) -> Result<Vec<diff::Report>, Error> {
        let dir = dir.as_ref();
        let sources = self.checked_sources()?;
        let user_types = self.user_types_source()?;
        let (profiles, types) = resolve_with_user_types(&sources, user_types.as_ref())?;
        let code = emit::emit(&profiles, types.as_ref()).map_err(Error::Internal)?;
        write_if_changed(&dir.join(OUT_FILE), &code)?;
        let mut reports = history::compare_and_keep(dir, &sources, &profiles)?;
        reports.extend(history::compare_and_keep_user_types(
            dir,
            types.as_ref(),
            &profiles,
        )?);
        let path = dir.join(CHANGES_FILE);
        let io = |what: String| move |e| Error::Io { what, source: e };
        if reports.is_empty() {
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(io(format!("cannot remove {}", path.display()))(e))
                }
                _ => {}
            }
        } else {
            let text: Vec<String> = reports.iter().map(diff::Report::to_markdown).collect();
            std::fs::write(&path, text.join("\n"))
                .map_err(io(format!("cannot write {}", path.display())))?;
        }
        Ok(reports)
    }

    /// For `build.rs`: writes `$OUT_DIR/okta_profiles.rs`, tells cargo to run the build
    /// script again when a schema or the user types change, and, when one did, shows what
    /// changed: a `cargo:warning` per breaking or behaviour-changing change, and the whole
    /// report in `$OUT_DIR/okta_profiles.changes.md` ([`generate_to_dir`](Self::generate_to_dir)).
    /// Returns the path of the code.
    ///
    /// When a change is reported: by the first run of the build script into an `OUT_DIR`
    /// after a schema file changed, compared with the copy that `OUT_DIR` kept from its
    /// previous run. Each `OUT_DIR` keeps its own copies: `cargo doc`, another profile
    /// (`--release`) or another target each report the same change again on their first run
    /// after it, and a new `OUT_DIR` (after `cargo clean`) has nothing to compare with and
    /// reports nothing. The next run (a schema saved again) replaces the report, or removes it
    /// when nothing changed.
    pub fn generate_to_out_dir(&self) -> Result<PathBuf, Error> {
        for p in self.schema_paths().chain(self.user_types.as_deref()) {
            println!("cargo:rerun-if-changed={}", p.display());
        }
        let out = std::env::var_os("OUT_DIR").ok_or_else(|| Error::Io {
            what: "OUT_DIR is not set (call generate_to_out_dir from a build script)".into(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        })?;
        let dir = Path::new(&out);
        let reports = self.generate_to_dir(dir)?;
        for r in &reports {
            for c in r
                .changes
                .iter()
                .filter(|c| c.impact >= diff::Impact::Behaviour)
            {
                let tag = if c.impact == diff::Impact::Breaking {
                    "breaking"
                } else {
                    "behaviour-changing"
                };
                let what = match r.subject {
                    diff::Subject::Schema => "profile",
                    diff::Subject::UserTypes => "user types",
                };
                println!(
                    "cargo:warning={what} `{}` changed ({tag}): {}",
                    r.type_name, c.text
                );
            }
        }
        Ok(dir.join(OUT_FILE))
    }
}

fn read_source(path: &Path, type_name: Option<String>) -> Result<Source, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        what: format!("cannot read {}", path.display()),
        source: e,
    })?;
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Ok(Source {
        file,
        text,
        type_name,
    })
}

fn write_if_changed(path: &Path, code: &str) -> Result<(), Error> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == code) {
        return Ok(());
    }
    let io = |what: String| move |e| Error::Io { what, source: e };
    let tmp = path.with_extension("rs.tmp");
    std::fs::write(&tmp, code).map_err(io(format!("cannot write {}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(io(format!("cannot write {}", path.display())))
}
