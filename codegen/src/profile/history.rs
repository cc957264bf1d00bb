//! What changed since the last generation into the same folder, so that regenerating shows it:
//! [`Builder::generate_to_dir`](super::Builder::generate_to_dir) keeps a copy of each schema it
//! generated from (`okta_profiles.schemas/<TypeName>.json`), and the next run compares the
//! new schema with that copy ([`super::diff`]).

use std::path::Path;

use super::{diff, ir, load, Error, Source};

/// The folder of kept copies, beside the generated file.
pub const KEPT: &str = "okta_profiles.schemas";

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
