//! What changed since the last generation into the same folder, so that regenerating shows it:
//! [`Builder::generate_to_dir`](super::Builder::generate_to_dir) keeps a copy of each schema it
//! generated from (`okta_profiles.schemas/<TypeName>.json`) and of the user types
//! (`okta_profiles.schemas/user_types.json`), and the next run compares the new ones with
//! those copies ([`super::diff`]).

use std::path::Path;

use serde_json::{json, Value};

use super::diff::TypeEntry;
use super::{diff, ir, load, types, Error, Source};

/// The folder of kept copies, beside the generated file.
pub const KEPT: &str = "okta_profiles.schemas";

/// The kept copy of the user types in [`KEPT`]: a name no struct has (struct names are
/// UpperCamelCase).
pub const KEPT_USER_TYPES: &str = "user_types.json";

/// The report of each profile whose kept copy in `dir` differs from its source (an empty
/// report is left out); then keeps the sources for the next run. A kept copy that does not
/// load any more (written by another version) is not compared.
pub fn compare_and_keep(
    dir: &Path,
    sources: &[Source],
    profiles: &[ir::Profile],
) -> Result<Vec<diff::Report>, Error> {
    let kept = dir.join(KEPT);
    let io = |what: String| move |e| Error::Io { what, source: e };
    std::fs::create_dir_all(&kept).map_err(io(format!("cannot create {}", kept.display())))?;
    let mut reports = Vec::new();
    for (source, profile) in sources.iter().zip(profiles) {
        let path = kept.join(format!("{}.json", profile.type_name));
        if let Ok(old_text) = std::fs::read_to_string(&path) {
            if old_text != source.text {
                if let Ok(old) = load::load(&source.file, &old_text) {
                    let old = ir::resolve(vec![(old, Some(profile.type_name.clone()))]);
                    let report = diff::diff(&old[0], profile);
                    if !report.changes.is_empty() {
                        reports.push(report);
                    }
                }
            }
        }
        std::fs::write(&path, &source.text)
            .map_err(io(format!("cannot write {}", path.display())))?;
    }
    Ok(reports)
}

/// The report of what changed in the user types since the previous run into `dir`, `None` when
/// nothing did or there is nothing to compare with (the first run with user types, or a kept
/// copy that does not load); then keeps them for the next run.
///
/// The copy kept is the list as the generator read it, each type with the struct its users
/// decode into (`"struct"`, which the list's loader ignores), so that a type that decodes into
/// another struct (its link changed, or the schema it links has another `id` or struct name) is
/// found without the previous run's schemas. A run without user types after one with them
/// reports the enum removed and removes the copy, so that it is reported once.
pub fn compare_and_keep_user_types(
    dir: &Path,
    user_types: Option<&types::UserTypesIr>,
    profiles: &[ir::Profile],
) -> Result<Option<diff::Report>, Error> {
    let kept = dir.join(KEPT);
    let path = kept.join(KEPT_USER_TYPES);
    let io = |what: String| move |e| Error::Io { what, source: e };
    let old = std::fs::read_to_string(&path).ok();
    let Some(ir) = user_types else {
        if old.is_none() {
            return Ok(None);
        }
        std::fs::remove_file(&path).map_err(io(format!("cannot remove {}", path.display())))?;
        return Ok(Some(diff::user_types_dropped()));
    };
    let new = TypeEntry::of(ir, profiles);
    let report = old
        .as_deref()
        .and_then(read_kept)
        .map(|old| diff::diff_user_types(&old, &new))
        .filter(|r| !r.changes.is_empty());
    std::fs::create_dir_all(&kept).map_err(io(format!("cannot create {}", kept.display())))?;
    std::fs::write(&path, kept_text(&new))
        .map_err(io(format!("cannot write {}", path.display())))?;
    Ok(report)
}

fn kept_text(entries: &[TypeEntry]) -> String {
    let list: Vec<Value> = entries
        .iter()
        .map(|e| {
            let t = &e.user_type;
            json!({
                "id": t.id,
                "name": t.name,
                "displayName": t.display_name,
                "default": t.default,
                "_links": {"schema": {"href": t.schema_href}},
                "struct": e.variant,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&Value::Array(list)).unwrap_or_default();
    text.push('\n');
    text
}

fn read_kept(text: &str) -> Option<Vec<TypeEntry>> {
    let list = types::load(KEPT_USER_TYPES, text).ok()?;
    let raw: Value = serde_json::from_str(text).ok()?;
    let raw = raw.as_array()?;
    let struct_of = |id: &str| {
        raw.iter()
            .find(|v| v["id"] == id)
            .and_then(|v| v["struct"].as_str())
            .map(str::to_string)
    };
    Some(
        list.into_iter()
            .map(|t| TypeEntry {
                variant: struct_of(&t.id),
                user_type: t,
            })
            .collect(),
    )
}
