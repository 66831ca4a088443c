//! Installing the tools the build and tests need, each only when missing, saying what is done.
//!
//! Every `ensure_*` function checks first and does nothing when the tool is there. When it has to install, it
//! prints the command it runs; when it cannot (not root, no network, no npm), it stops with the exact command
//! for a human to run. Node tools go into the project-local `.tools/node/` (ignored by git), never globally.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The npm packages of the widget build: `wasm-opt` (binaryen 12x, far newer than Debian's 108) and terser.
pub const NODE_BUILD_PACKAGES: &[&str] = &["binaryen", "terser"];

/// The workspace root (the parent of `xtask/`), whatever the current directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The first `binary` on `PATH` (or in `~/.cargo/bin`), if any.
pub fn which(binary: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    dirs.into_iter().map(|d| d.join(binary)).find(|p| p.is_file())
}

/// Runs `cmd`, printing it first; fails with the command line when it does not succeed.
fn install(cmd: &mut Command) -> anyhow::Result<()> {
    let line = format!("{cmd:?}").replace('"', "");
    println!("    installing: $ {line}");
    let status = cmd.status().with_context(|| format!("could not start `{line}`"))?;
    anyhow::ensure!(status.success(), "`{line}` failed ({status}); run it yourself and retry");
    Ok(())
}

/// The trimmed standard output of `cmd`, or `None` if it cannot run or fails.
fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_some_and(|uid| uid == "0")
}

/// Whether a nightly toolchain with `rust-src` is installed (for the size-optimised `-Z build-std` build).
/// Adds `rust-src` when nightly is there without it; never installs nightly itself (that is a large download).
pub fn ensure_nightly() -> bool {
    let Some(toolchains) = output(Command::new("rustup").args(["toolchain", "list"])) else { return false };
    if !toolchains.lines().any(|l| l.starts_with("nightly")) {
        println!(
            "    no nightly toolchain: building with stable (bigger bundle); `rustup toolchain install nightly` to change that"
        );
        return false;
    }
    let components =
        output(Command::new("rustup").args(["component", "list", "--installed", "--toolchain", "nightly"]));
    if components.is_some_and(|c| c.lines().any(|l| l.starts_with("rust-src"))) {
        return true;
    }
    install(Command::new("rustup").args(["component", "add", "rust-src", "--toolchain", "nightly"])).is_ok()
}

/// Makes sure `toolchain` (`stable`, `nightly`…) can build for `wasm32-unknown-unknown`.
pub fn ensure_wasm_target(toolchain: &str) -> anyhow::Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed", "--toolchain", toolchain]))
        .unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    install(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown", "--toolchain", toolchain]))
}

/// The `wasm-bindgen` version pinned in `Cargo.lock` (the CLI must be exactly this version).
pub fn locked_wasm_bindgen_version() -> anyhow::Result<String> {
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    bail!("wasm-bindgen is not in Cargo.lock; run `cargo generate-lockfile`")
}

/// The `wasm-bindgen` CLI of the locked version, installed with `cargo install` when missing or different
/// (3–4 minutes here). `wasm-bindgen-test-runner` comes with it.
pub fn ensure_wasm_bindgen() -> anyhow::Result<PathBuf> {
    let version = locked_wasm_bindgen_version()?;
    if let Some(path) = which("wasm-bindgen") {
        let found = output(Command::new(&path).arg("--version")).unwrap_or_default();
        if found.split_whitespace().nth(1) == Some(version.as_str()) {
            return Ok(path);
        }
        println!("    {} is `{found}`, Cargo.lock wants {version}", path.display());
    }
    install(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &version]))
        .with_context(|| format!("the command is: cargo install wasm-bindgen-cli --version {version}"))?;
    which("wasm-bindgen").context("wasm-bindgen installed but not found on PATH or in ~/.cargo/bin")
}

/// The project-local Node folder, `.tools/node/`.
pub fn node_dir() -> PathBuf {
    workspace_root().join(".tools/node")
}

/// Installs the npm `packages` into `.tools/node/` unless each is already there; returns that folder.
pub fn ensure_npm_packages(packages: &[&str]) -> anyhow::Result<PathBuf> {
    let dir = node_dir();
    let missing: Vec<&str> =
        packages.iter().copied().filter(|p| !dir.join("node_modules").join(p).join("package.json").is_file()).collect();
    if missing.is_empty() {
        return Ok(dir);
    }
    let Some(npm) = which("npm") else {
        bail!(
            "npm is missing; install Node.js (e.g. `apt-get install -y nodejs npm`), then run `npm install --prefix .tools/node {}`",
            missing.join(" ")
        )
    };
    std::fs::create_dir_all(&dir)?;
    if !dir.join("package.json").is_file() {
        std::fs::write(
            dir.join("package.json"),
            "{\"private\": true, \"description\": \"build and benchmark tools\"}\n",
        )?;
    }
    install(
        Command::new(npm).arg("install").arg("--no-audit").arg("--no-fund").arg("--prefix").arg(&dir).args(&missing),
    )?;
    Ok(dir)
}

/// The npm tools of the widget build.
pub struct NodeTools {
    /// binaryen's `wasm-opt`.
    pub wasm_opt: PathBuf,
    /// `terser`, the JavaScript minifier.
    pub terser: PathBuf,
}

/// `wasm-opt` and `terser` from npm, in `.tools/node/`.
pub fn ensure_node_tools() -> anyhow::Result<NodeTools> {
    let bin = ensure_npm_packages(NODE_BUILD_PACKAGES)?.join("node_modules/.bin");
    Ok(NodeTools { wasm_opt: bin.join("wasm-opt"), terser: bin.join("terser") })
}

/// Installs the Debian `package` with apt-get (root only); `missing` says what was looked for.
fn apt_install(package: &str, missing: &str) -> anyhow::Result<()> {
    if !is_root() || which("apt-get").is_none() {
        bail!("{missing} is missing; run: sudo apt-get install -y {package}");
    }
    if install(Command::new("apt-get").args(["install", "-y", package])).is_err() {
        // A fresh machine often has no package lists yet.
        install(Command::new("apt-get").arg("update"))?;
        install(Command::new("apt-get").args(["install", "-y", package]))?;
    }
    Ok(())
}

/// The path of `binary`, installing the Debian `package` with apt-get when it is missing (root only).
pub fn ensure_apt(package: &str, binary: &str) -> anyhow::Result<PathBuf> {
    if let Some(path) = which(binary) {
        return Ok(path);
    }
    apt_install(package, &format!("`{binary}`"))?;
    which(binary).with_context(|| format!("{package} installed but `{binary}` is not on PATH"))
}

/// The newest PostgreSQL server's `bin/` folder (`/usr/lib/postgresql/VERSION/bin`, with `initdb` and `pg_ctl`).
fn postgresql_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// PostgreSQL's server programs (Debian's `postgresql`), for the collector's PostgreSQL tests, which start a
/// throwaway cluster of their own (the package may also start a system cluster; the tests do not use it).
pub fn ensure_postgresql() -> anyhow::Result<PathBuf> {
    if let Some(bin) = postgresql_bin() {
        return Ok(bin);
    }
    apt_install("postgresql", "PostgreSQL's server (initdb, pg_ctl under /usr/lib/postgresql/*/bin)")?;
    postgresql_bin().context("postgresql installed but no /usr/lib/postgresql/*/bin/initdb found")
}

/// Chromium and its chromedriver (Debian's `chromium` and `chromium-driver`), for the browser tests.
pub fn ensure_chromium() -> anyhow::Result<(PathBuf, PathBuf)> {
    let chromium = ensure_apt("chromium", "chromium")?;
    let chromedriver = ensure_apt("chromium-driver", "chromedriver")?;
    Ok((chromium, chromedriver))
}

/// The geckodriver release the Firefox tests are run with (a Rust crate: `cargo install` builds it from source;
/// the npm packages download a binary at install time, which fails offline).
pub const GECKODRIVER_VERSION: &str = "0.37.1";

/// Firefox ESR (Debian's `firefox-esr`) and geckodriver, for the browser tests in Firefox; geckodriver is built
/// with `cargo install` (a few minutes) only when none is on `PATH` or in `~/.cargo/bin`.
pub fn ensure_firefox() -> anyhow::Result<(PathBuf, PathBuf)> {
    let firefox = ensure_apt("firefox-esr", "firefox-esr")?;
    if let Some(geckodriver) = which("geckodriver") {
        return Ok((firefox, geckodriver));
    }
    println!("    geckodriver is missing: building it with cargo install (a few minutes)");
    install(Command::new("cargo").args(["install", "geckodriver", "--locked", "--version", GECKODRIVER_VERSION]))
        .with_context(|| {
            format!("the command is: cargo install geckodriver --locked --version {GECKODRIVER_VERSION}")
        })?;
    let geckodriver = which("geckodriver").context("geckodriver installed but not found on PATH or in ~/.cargo/bin")?;
    Ok((firefox, geckodriver))
}

/// Makes sure Python can import `module` (e.g. `aiosmtpd`), installing it with pip when missing.
pub fn ensure_pip(module: &str) -> anyhow::Result<()> {
    let importable = || {
        Command::new("python3")
            .args(["-c", &format!("import {module}")])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if importable() {
        return Ok(());
    }
    // Debian marks its Python as externally managed (PEP 668); a test tool may still go in with this flag.
    for extra in [&[][..], &["--break-system-packages"][..]] {
        let mut cmd = Command::new("python3");
        cmd.args(["-m", "pip", "install", "--quiet"]).args(extra).arg(module);
        if install(&mut cmd).is_ok() && importable() {
            return Ok(());
        }
    }
    bail!(
        "Python module `{module}` is missing; run: python3 -m pip install {module} (or apt-get install -y python3-{module})"
    )
}

/// What `xtask widget` needs: the wasm target, wasm-bindgen, wasm-opt and terser.
pub fn ensure_all_for_widget() -> anyhow::Result<()> {
    ensure_wasm_target("stable")?;
    if ensure_nightly() {
        ensure_wasm_target("nightly")?;
    }
    ensure_wasm_bindgen()?;
    ensure_node_tools()?;
    Ok(())
}

/// The browsers the tests drive.
pub struct Browser {
    /// The Chromium binary.
    pub chromium: PathBuf,
    /// Its chromedriver.
    pub chromedriver: PathBuf,
    /// The Firefox ESR binary.
    pub firefox: PathBuf,
    /// Its geckodriver.
    pub geckodriver: PathBuf,
}

/// What `xtask test` needs: the widget tools, axe-core, Chromium with chromedriver, Firefox ESR with geckodriver,
/// aiosmtpd, PostgreSQL, openssl (the PostgreSQL and SMTP relay TLS tests make their certificates with it), nginx
/// and sqlite3.
pub fn ensure_all_for_tests() -> anyhow::Result<Browser> {
    ensure_all_for_widget()?;
    ensure_npm_packages(&["axe-core"])?;
    let (chromium, chromedriver) = ensure_chromium()?;
    let (firefox, geckodriver) = ensure_firefox()?;
    ensure_pip("aiosmtpd")?;
    ensure_postgresql()?;
    ensure_apt("openssl", "openssl")?;
    // collector/tests/operating.rs runs docs/operating.md's nginx and SQLite backup blocks with the real programs.
    ensure_apt("nginx-light", "nginx")?;
    ensure_apt("sqlite3", "sqlite3")?;
    Ok(Browser { chromium, chromedriver, firefox, geckodriver })
}
