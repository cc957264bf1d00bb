//! Writes only what changed, removes emitted files that nothing produces any more, never touches
//! a file without the `@generated` marker, and writes nothing when the catalog is invalid.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use codegen::emit::{EmittedFile, MARKER, OWNED_DIRS, OWNED_FILES};

#[derive(Default)]
struct Plan {
    write: Vec<EmittedFile>,
    missing: Vec<String>,
    stale: Vec<String>,
    remove: Vec<String>,
    unchanged: usize,
}

pub fn run(check: bool) -> Result<(), String> {
    let root = crate::project_root();
    std::env::set_current_dir(&root)
        .map_err(|e| format!("cannot enter {}: {e}", root.display()))?;
    let files = codegen::generate(Path::new("spec")).map_err(|d| d.to_string())?;
    let plan = plan(&root, &files)?;
    let ops = count_ops(&files);

    if check {
        if plan.missing.is_empty() && plan.stale.is_empty() && plan.remove.is_empty() {
            println!("generated files are up to date ({} files)", plan.unchanged);
            return Ok(());
        }
        let mut msg = String::from("generated files are out of date with spec/:\n");
        for p in &plan.stale {
            msg.push_str(&format!("  stale:   {p}\n"));
        }
        for p in &plan.missing {
            msg.push_str(&format!("  missing: {p}\n"));
        }
        for p in &plan.remove {
            msg.push_str(&format!("  extra:   {p}\n"));
        }
        msg.push_str("run `cargo xtask generate` and commit the result");
        return Err(msg);
    }

    apply(&root, &plan)?;
    println!(
        "cargo xtask generate: {} written, {} unchanged, {} removed ({} operations, {} model files)",
        plan.write.len(),
        plan.unchanged,
        plan.remove.len(),
        ops,
        files.iter().filter(|f| f.path.starts_with("generated/src/models/") && !f.path.ends_with("/mod.rs")).count(),
    );
    Ok(())
}

fn count_ops(files: &[EmittedFile]) -> usize {
    files
        .iter()
        .find(|f| f.path == "generated/openapi.json")
        .map(|f| f.contents.matches("\"operationId\"").count())
        .unwrap_or(0)
}

fn plan(root: &Path, files: &[EmittedFile]) -> Result<Plan, String> {
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
    for existing in owned_files(root)? {
        if !wanted.contains(existing.as_str()) {
            plan.remove.push(existing);
        }
    }
    Ok(plan)
}

/// Every file under the generator's directories that carries the `@generated` marker.
fn owned_files(root: &Path) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut candidates: Vec<PathBuf> = OWNED_FILES.iter().map(|f| root.join(f)).collect();
    for dir in OWNED_DIRS {
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
        let first = text.lines().next().unwrap_or("");
        let is_emitted = first.contains(MARKER)
            || (p.extension().is_some_and(|e| e == "json")
                && text.contains("cargo xtask generate"));
        if is_emitted {
            let rel = p.strip_prefix(root).map_err(|e| e.to_string())?;
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    out.sort();
    Ok(out)
}

/// Writes every new file to a temporary sibling first and renames them only once all were
/// written, so that a failure part-way leaves the crate as it was.
fn apply(root: &Path, plan: &Plan) -> Result<(), String> {
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
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let tmp = dest.with_extension("xtask-tmp");
        if let Err(e) = fs::write(&tmp, &f.contents) {
            cleanup(&staged);
            return Err(format!("cannot write {}: {e}", tmp.display()));
        }
        staged.push((tmp, dest));
    }
    for (tmp, dest) in &staged {
        fs::rename(tmp, dest).map_err(|e| format!("cannot replace {}: {e}", dest.display()))?;
    }
    for p in &plan.remove {
        fs::remove_file(root.join(p)).map_err(|e| format!("cannot remove {p}: {e}"))?;
    }
    Ok(())
}
