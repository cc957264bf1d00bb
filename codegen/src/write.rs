//! Bringing the files on disk in line with what the catalog emits: write only what changed
//! (through temporary files renamed into place once all are written), remove emitted files that
//! nothing produces any more, never touch a file without the `@generated` marker, and write
//! nothing at all when the catalog is invalid.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::emit::{EmittedFile, Layout, MARKER};
use crate::Error;

/// What a sync did (or, under `--check`, found nothing to do).
#[derive(Debug)]
pub struct Summary {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
    pub operations: usize,
    pub models: usize,
    /// Fields boxed to break reference cycles (`Model.field`).
    pub boxed: Vec<String>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} written, {} unchanged, {} removed ({} operations, {} models)",
            self.written, self.unchanged, self.removed, self.operations, self.models
        )?;
        for b in &self.boxed {
            write!(f, "\nnote: `{b}` is boxed: it closes a reference cycle")?;
        }
        Ok(())
    }
}

/// Generates from the catalog in `spec` and brings the emitted files under `root`, placed by
/// `layout`, up to date; with `check`, writes nothing and fails if anything differs.
pub fn sync(root: &Path, spec: &Path, layout: &Layout, check: bool) -> Result<Summary, Error> {
    let crate::Generated { api, files } = crate::generate(spec, root, layout)?;
    let plan = plan(root, layout, &files)?;
    let summary = Summary {
        written: plan.write.len(),
        unchanged: plan.unchanged,
        removed: plan.remove.len(),
        operations: api.operations().count(),
        models: api.models.len(),
        boxed: api.boxed_fields(),
    };
    if check {
        if plan.write.is_empty() && plan.remove.is_empty() {
            return Ok(summary);
        }
        return Err(Error::Stale(plan));
    }
    apply(root, &plan)?;
    Ok(summary)
}

/// The differences between the files on disk and the emitted ones.
#[derive(Debug, Default)]
pub struct Plan {
    write: Vec<EmittedFile>,
    pub missing: Vec<String>,
    pub stale: Vec<String>,
    pub remove: Vec<String>,
    pub unchanged: usize,
}

fn plan(root: &Path, layout: &Layout, files: &[EmittedFile]) -> Result<Plan, Error> {
    let mut plan = Plan::default();
    let wanted: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for f in files {
        match fs::read_to_string(root.join(&f.path)) {
            Ok(old) if old == f.contents => plan.unchanged += 1,
            Ok(_) => {
                plan.stale.push(f.path.clone());
                plan.write.push(f.clone());
            }
            Err(_) => {
                plan.missing.push(f.path.clone());
                plan.write.push(f.clone());
            }
        }
    }
    for existing in owned_files(root, layout)? {
        if !wanted.contains(existing.as_str()) {
            plan.remove.push(existing);
        }
    }
    Ok(plan)
}

/// Every file under the generator's directories that carries the `@generated` marker.
fn owned_files(root: &Path, layout: &Layout) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    let mut candidates: Vec<PathBuf> = layout.owned_files().iter().map(|f| root.join(f)).collect();
    for dir in layout.owned_dirs() {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            let Ok(rd) = fs::read_dir(&d) else { continue };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    candidates.push(p);
                }
            }
        }
    }
    for p in candidates {
        let Ok(text) = fs::read_to_string(&p) else {
            continue;
        };
        // The marker is on the first line (the second in JSON, after `{`).
        let is_emitted = text.lines().take(2).any(|l| l.contains(MARKER));
        if is_emitted {
            let rel = p.strip_prefix(root).map_err(|e| {
                crate::internal(format!(
                    "{} is not under {}: {e}",
                    p.display(),
                    root.display()
                ))
            })?;
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    out.sort();
    Ok(out)
}

/// Writes every new file to a temporary sibling first and renames them only once all were
/// written, so that a failure part-way leaves the crate as it was.
fn apply(root: &Path, plan: &Plan) -> Result<(), Error> {
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let cleanup = |staged: &[(PathBuf, PathBuf)]| {
        for (tmp, _) in staged {
            let _ = fs::remove_file(tmp);
        }
    };
    for f in &plan.write {
        let dest = root.join(&f.path);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
        }
        let tmp = dest.with_extension("xtask-tmp");
        if let Err(e) = fs::write(&tmp, &f.contents) {
            cleanup(&staged);
            return Err(Error::io(format!("cannot write {}", tmp.display()), e));
        }
        staged.push((tmp, dest));
    }
    for (tmp, dest) in &staged {
        fs::rename(tmp, dest)
            .map_err(|e| Error::io(format!("cannot replace {}", dest.display()), e))?;
    }
    for p in &plan.remove {
        fs::remove_file(root.join(p)).map_err(|e| Error::io(format!("cannot remove {p}"), e))?;
    }
    Ok(())
}
