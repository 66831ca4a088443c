//! Where things are: the workspace root, the binaries, free ports; and waiting without fixed sleeps.

use std::path::PathBuf;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().map(PathBuf::from).unwrap_or_default()
}

/// A workspace binary, from `$ALUMNI_BIN_DIR` or `target/debug`.
pub fn bin(name: &str) -> PathBuf {
    let dir = std::env::var_os("ALUMNI_BIN_DIR").map(PathBuf::from).unwrap_or_else(|| {
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target")).join("debug")
    });
    let path = dir.join(name);
    assert!(path.exists(), "{} is missing: run `cargo build -p {name}` (cargo xtask test does)", path.display());
    path
}

pub use test_kit::{free_port, wait_until};
