//! `cargo xtask diff <git-ref or directory>`: the catalog there against the one in `spec/`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Prints the report, or with `changelog` writes it into `CHANGELOG.md` under "Unreleased".
pub fn run(root: &Path, base: &str, changelog: bool) -> Result<(), String> {
    let old_dir = resolve_base(root, base)?;
    let old = okta_codegen::load_older_api(&old_dir)
        .map_err(|d| format!("the catalog at {base} is invalid:\n{d}"))?;
    let new = okta_codegen::load_api(&root.join("spec"))
        .map_err(|d| format!("the catalog in spec/ is invalid:\n{d}"))?;
    let report = okta_codegen::diff::diff(&old, &new).to_markdown();
    if !changelog {
        print!("{report}");
        return Ok(());
    }
    let path = root.join("CHANGELOG.md");
    let current = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let updated = okta_codegen::changelog::with_report(&current, &report, base);
    std::fs::write(&path, updated).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("CHANGELOG.md: the API changes since `{base}` are under \"Unreleased\"");
    Ok(())
}

/// A directory holding a catalog (`*.yaml`, or a `spec/` inside), or a git ref whose `spec/` is
/// extracted into `target/xtask-diff/`.
fn resolve_base(root: &Path, base: &str) -> Result<PathBuf, String> {
    let as_dir = Path::new(base);
    if as_dir.is_dir() {
        let spec = as_dir.join("spec");
        return Ok(if spec.is_dir() {
            spec
        } else {
            as_dir.to_path_buf()
        });
    }
    let git = |args: &[&str]| -> Result<Vec<u8>, String> {
        let out = Command::new("git")
            .current_dir(root)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "`git {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(out.stdout)
    };
    let listing = git(&["ls-tree", "--name-only", &format!("{base}:spec")]).map_err(|e| {
        format!("{base:?} is neither a directory nor a git ref with a spec/ folder: {e}")
    })?;
    let safe: String = base
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let dir = root.join("target/xtask-diff").join(safe);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for name in String::from_utf8_lossy(&listing)
        .lines()
        .filter(|n| n.ends_with(".yaml"))
    {
        let text = git(&["show", &format!("{base}:spec/{name}")])?;
        std::fs::write(dir.join(name), text).map_err(|e| format!("cannot write {name}: {e}"))?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::resolve_base;

    #[test]
    fn a_git_ref_or_a_directory_gives_a_catalog() {
        let root = crate::project_root();
        let from_git = resolve_base(&root, "HEAD").expect("HEAD has a spec/ folder");
        let old = okta_codegen::load_older_api(&from_git).expect("the committed catalog is valid");
        assert!(old.operations().count() > 300);
        let spec = root.join("spec");
        assert_eq!(resolve_base(&root, spec.to_str().unwrap()).unwrap(), spec);
        assert_eq!(
            resolve_base(&root, root.to_str().unwrap()).unwrap(),
            spec,
            "a checkout's spec/ is found"
        );
        let e = resolve_base(&root, "no-such-ref-or-dir").unwrap_err();
        assert!(e.contains("neither a directory nor a git ref"), "{e}");
    }
}
