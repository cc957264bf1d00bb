//! Shared helpers for the workspace's integration tests (snapshots of the generator's output,
//! client tests against a local HTTP server).

use std::path::PathBuf;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the repository root")
        .to_path_buf()
}

/// A snapshot name for an emitted file path: `generated/src/models/mod.rs` → `generated__src__models__mod.rs`.
pub fn snapshot_name(prefix: &str, path: &str) -> String {
    format!("{prefix}__{}", path.replace('/', "__"))
}

/// The README's Rust example, compiled as a doctest so that it always matches the crate.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
