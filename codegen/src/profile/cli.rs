//! The command line of one-off generation, shared by `cargo xtask profile …` and the
//! `okta-profile-gen` binary:
//!
//! ```text
//! generate <schema.json>[=TypeName]... [--user-types <types.json>] [-o <file.rs>]
//! diff <old.json> <new.json>
//! ```
//!
//! `diff` compares two versions of one schema, or of the saved list of user types.

use std::path::Path;

use super::{diff, resolve, Builder, Source};

/// The usage text (`prog` is how the caller is invoked).
pub fn usage(prog: &str) -> String {
    format!(
        "\
usage: {prog} generate <schema.json>[=TypeName]... [--user-types <types.json>] [-o <file.rs>]
       {prog} diff <old.json> <new.json>

generate  Rust structs from saved Okta profile schemas (save one with
          curl -H \"Authorization: SSWS $TOKEN\" $ORG/api/v1/meta/schemas/user/default > user.json);
          the struct is named after the file (user.json → UserProfile) unless =TypeName is given;
          with --user-types (saved from $ORG/api/v1/meta/types/user, each type's schema given too)
          also the enum OrgUser, a variant per user type; without -o the code goes to standard
          output; nothing is written on any error
diff      a Markdown report of what changed between two versions of one schema, or of the
          saved list of user types (types added, removed or renamed, the schema each links,
          the default type), breaking changes marked
"
    )
}

/// Runs `args` (without the program name); `Ok` holds what to print on standard output.
pub fn run(prog: &str, args: &[String]) -> Result<String, String> {
    match args.first().map(String::as_str) {
        Some("generate") => generate(prog, &args[1..]),
        Some("diff") => match &args[1..] {
            [old, new] => diff_files(old, new),
            _ => Err(usage(prog)),
        },
        _ => Err(usage(prog)),
    }
}

fn generate(prog: &str, args: &[String]) -> Result<String, String> {
    let mut builder = Builder::new();
    let mut out: Option<&str> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-o" | "--output" => match it.next() {
                Some(path) => out = Some(path),
                None => return Err(usage(prog)),
            },
            "--user-types" => match it.next() {
                Some(path) => builder = builder.user_types(path),
                None => return Err(usage(prog)),
            },
            s if s.starts_with('-') => return Err(usage(prog)),
            s => {
                builder = match s.rsplit_once('=') {
                    Some((path, name)) if !s.ends_with(".json") => builder.schema_as(path, name),
                    _ => builder.schema(s),
                }
            }
        }
    }
    if builder.schema_paths().next().is_none() {
        return Err(usage(prog));
    }
    match out {
        Some(path) => {
            builder
                .generate_to_file(path)
                .map_err(|e| format!("{e}\nnothing was written"))?;
            Ok(format!("wrote {path}\n"))
        }
        None => builder.generate().map_err(|e| e.to_string()),
    }
}

fn source(path: &str) -> Result<Source, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let file = Path::new(path)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string());
    Ok(Source {
        file,
        text,
        type_name: None,
    })
}

fn diff_files(old: &str, new: &str) -> Result<String, String> {
    let (mut o, n) = (source(old)?, source(new)?);
    // A list of user types is a JSON array, a schema an object.
    let is_list = |s: &Source| s.text.trim_start().starts_with('[');
    match (is_list(&o), is_list(&n)) {
        (true, true) => return diff_user_type_files(&o, &n),
        (false, false) => {}
        _ => {
            return Err(format!(
                "{old} and {new}: compare two versions of one schema, or two lists of user types"
            ))
        }
    }
    // The new file's name names both structs, so that a renamed file is not a renamed type.
    o.type_name = Some(super::ir::default_type_name(&n.file));
    let old = resolve(&[o]).map_err(|e| e.to_string())?;
    let new = resolve(&[n]).map_err(|e| e.to_string())?;
    Ok(diff::diff(&old[0], &new[0]).to_markdown())
}

/// Two saved lists of user types, without their schemas: a type whose link changed is reported
/// by its link, not by the struct it decodes into.
fn diff_user_type_files(old: &Source, new: &Source) -> Result<String, String> {
    let load = |s: &Source| {
        super::types::load(&s.file, &s.text)
            .map(diff::TypeEntry::unresolved)
            .map_err(|e| e.to_string())
    };
    Ok(diff::diff_user_types(&load(old)?, &load(new)?).to_markdown())
}
