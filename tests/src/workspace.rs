//! Where things are: the workspace root, the binaries, free ports; and waiting without fixed sleeps.

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

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

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

/// Polls `check` until it returns `Some`, for at most `timeout`; the tests wait on state, never on time.
pub fn wait_until<T>(timeout: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return Some(v);
        }
        if start.elapsed() > timeout {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
