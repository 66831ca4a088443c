//! `cargo xtask widget`: the widget bundle in `dist/widget/` — `alumni-consent.js` (the ES module a page loads,
//! minified by terser) and `alumni-consent_bg.wasm` (optimised by `wasm-opt -Oz`, twice). The CSS is inside the
//! wasm and applied in each shadow root, so there is no third file.
//!
//! With a nightly toolchain (the default when one is installed) the standard library is rebuilt for size
//! (`-Z build-std` with the `optimize_for_size` feature — smaller sorts and formatting in `core`/`alloc` —,
//! `panic=immediate-abort`, no location details, no `Debug` formatting); `--stable` builds
//! with stable only. Both use the `wasm-release` profile of the root `Cargo.toml`.

use crate::tools;
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Options of `cargo xtask widget`.
#[derive(clap::Args, Default)]
pub struct Args {
    /// Build with the stable toolchain even when nightly is installed (larger bundle).
    #[arg(long)]
    pub stable: bool,
}

/// The size build's flags for nightly (TOOLCHAIN.md: `panic_immediate_abort` is now a panic strategy).
const NIGHTLY_RUSTFLAGS: &str = "-Zlocation-detail=none -Zfmt-debug=none -Zunstable-options -Cpanic=immediate-abort";

/// binaryen ≥ 116 enables these by default; listed so that an older `wasm-opt` accepts Rust's output too.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-reference-types",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-multivalue",
];

/// Gzip sizes of one bundle, in bytes.
pub struct BundleSize {
    /// The wasm module.
    pub wasm: u64,
    /// The JavaScript entry.
    pub js: u64,
    /// The stylesheet (inlined in the wasm, so already counted there; shown for information).
    pub css: u64,
}

impl BundleSize {
    /// What a page transfers: wasm + js (the CSS travels inside the wasm).
    pub fn total(&self) -> u64 {
        self.wasm + self.js
    }
}

/// Lists the bundle's own script tags for the widget (`widget/src/embed.rs`, `SCRIPTS`): the module scripts whose
/// `src` is this module's address. Only they say where the answers go; `document.currentScript` is `null` in a
/// module (also with `async`), and `import.meta.url` is the one thing page markup cannot fake.
const OWN_SCRIPTS: &str = r#"const ownScripts = globalThis[Symbol.for('alumni-consent.scripts')] = [
  ...document.querySelectorAll('script[type=module][src]')].filter((tag) => tag.src.split('#')[0] === import.meta.url.split('#')[0]);"#;

/// Asks for each of the bundle's script tags' widget config as soon as the entry module runs, while the wasm
/// downloads and compiles, and leaves the answer in a registry the widget takes it from (`widget/src/api.rs`,
/// `PREFETCH`; same address rules: `data-config` as written, else `data-endpoint` without trailing `/` +
/// `/v1/sites/{site}/config`). Credentials omitted, like every request of the widget. A failure leaves `null`, and
/// the widget asks again.
const PREFETCH_CONFIG: &str = r#"{
  const registry = globalThis[Symbol.for('alumni-consent.config')] ??= new Map();
  for (const tag of ownScripts) {
    const config = tag.getAttribute('data-config')?.trim();
    const endpoint = tag.getAttribute('data-endpoint')?.trim();
    const site = tag.getAttribute('data-site')?.trim();
    const address = config || (endpoint && site
      ? endpoint.replace(/\/+$/, '') + '/v1/sites/' + encodeURIComponent(site) + '/config' : '');
    if (address && !registry.has(address)) {
      registry.set(address, fetch(address, { credentials: 'omit' })
        .then((r) => r.text().then((text) => [r.status, text])).catch(() => null));
    }
  }
}"#;

/// Builds the bundle and returns `dist/widget`.
pub fn run(args: Args) -> anyhow::Result<PathBuf> {
    let root = tools::workspace_root();
    let nightly = !args.stable && tools::ensure_nightly();
    let toolchain = if nightly { "nightly" } else { "stable" };
    tools::ensure_wasm_target(toolchain)?;
    let wasm_bindgen = tools::ensure_wasm_bindgen()?;
    let node = tools::ensure_node_tools()?;

    println!("==> widget: cargo build ({toolchain}, profile wasm-release)");
    let target_dir = root.join(if nightly { "target/widget-nightly" } else { "target" });
    let mut build = Command::new("rustup");
    build
        .args(["run", toolchain, "cargo", "build", "-p", "widget", "--lib"])
        .args(["--target", "wasm32-unknown-unknown", "--profile", "wasm-release"])
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(&root)
        // The outer `cargo run` may pin its own toolchain; this build picks its own.
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO");
    if nightly {
        build
            .args(["-Z", "build-std=std,panic_abort", "-Z", "build-std-features=optimize_for_size"])
            .env("RUSTFLAGS", NIGHTLY_RUSTFLAGS);
    } else {
        build.env_remove("RUSTFLAGS");
    }
    step(&mut build)?;
    let raw = target_dir.join("wasm32-unknown-unknown/wasm-release/widget.wasm");

    println!("==> widget: wasm-bindgen --target web");
    let bindgen_dir = root.join("target/widget-bindgen");
    let _ = std::fs::remove_dir_all(&bindgen_dir);
    step(
        Command::new(&wasm_bindgen)
            .args(["--target", "web", "--out-name", "alumni-consent", "--no-typescript", "--out-dir"])
            .arg(&bindgen_dir)
            .arg(&raw),
    )?;
    anyhow::ensure!(
        !bindgen_dir.join("snippets").exists(),
        "wasm-bindgen wrote JS snippets: the bundle must stay two files (no inline_js / module imports in the widget)"
    );

    let dist = root.join("dist/widget");
    std::fs::create_dir_all(&dist)?;
    println!("==> widget: wasm-opt -Oz, twice, with short import and export names");
    let renames = step_output(
        Command::new(&node.wasm_opt)
            // Rust's wasm keeps its data above 1 MiB (the stack grows down below it), so the low 1 KiB of memory is
            // never used: binaryen may then fold constant offsets into loads and stores (what Emscripten does by
            // default). A second `-Oz` pipeline after the first gains a further 0.5 %.
            .args(["-Oz", "--low-memory-unused", "-Oz"])
            // wasm-bindgen's names carry a 16-digit hash each (`__wbg_appendChild_dbf7ad2f48413560`) and travel
            // twice, in the wasm and in the glue: renamed to one or two letters (printed as JSON, applied to the
            // glue below).
            .arg("--minify-imports-and-exports-and-modules")
            .args(WASM_FEATURES)
            .args(["--strip-debug", "--strip-producers", "--strip-target-features"])
            .arg(bindgen_dir.join("alumni-consent_bg.wasm"))
            .arg("-o")
            .arg(dist.join("alumni-consent_bg.wasm")),
    )?;

    println!("==> widget: the entry module, minified by terser");
    // `--target web` exports an init function; the entry calls it so that one <script> tag is enough.
    let glue = std::fs::read_to_string(bindgen_dir.join("alumni-consent.js"))?;
    let glue = use_short_names(&glue, &renames)?;
    let entry = bindgen_dir.join("entry.js");
    // The wasm request first (`__wbg_init` sends it before its first `await`), then the config's: both are in
    // flight while the module compiles.
    std::fs::write(
        &entry,
        format!(
            "{glue}\n{OWN_SCRIPTS}\n__wbg_init().catch((e) => console.error('alumni-consent:', e));\n{PREFETCH_CONFIG}\n"
        ),
    )?;
    step(
        Command::new(&node.terser)
            .arg(&entry)
            .args(["--module", "--compress", "passes=2", "--mangle", "--output"])
            .arg(dist.join("alumni-consent.js")),
    )?;

    let size = measure(&dist)?;
    println!(
        "==> widget: dist/widget/ ({toolchain}), gzip -9: wasm {} + js {} = {} total (css {} inside the wasm); target ≤ 40 KB",
        kb(size.wasm),
        kb(size.js),
        kb(size.total()),
        kb(size.css)
    );
    Ok(dist)
}

/// Runs a build step with inherited output.
fn step(cmd: &mut Command) -> anyhow::Result<()> {
    let line = format!("{cmd:?}").replace('"', "");
    println!("    $ {line}");
    let status = cmd.status().with_context(|| format!("could not start `{line}`"))?;
    anyhow::ensure!(status.success(), "`{line}` failed ({status})");
    Ok(())
}

/// Runs a build step and returns what it printed.
fn step_output(cmd: &mut Command) -> anyhow::Result<String> {
    let line = format!("{cmd:?}").replace('"', "");
    println!("    $ {line}");
    let out = cmd.stderr(Stdio::inherit()).output().with_context(|| format!("could not start `{line}`"))?;
    anyhow::ensure!(out.status.success(), "`{line}` failed ({})", out.status);
    Ok(String::from_utf8(out.stdout)?)
}

/// The module the wasm-bindgen glue provides the imports as, which wasm-opt renames to `a`.
const GLUE_MODULE: &str = "./alumni-consent_bg.js";

/// Rewrites wasm-bindgen's glue for the names wasm-opt gave the imports and exports (`renames`, the JSON
/// `{"imports": [[module, old, new]…], "exports": [[old, new]…]}` it prints): the import object's keys and every
/// `wasm.<export>`. Fails if the glue does not have exactly the expected shape, rather than ship a broken bundle.
fn use_short_names(glue: &str, renames: &str) -> anyhow::Result<String> {
    let renames: serde_json::Value = serde_json::from_str(renames).context("reading wasm-opt's renaming")?;
    let pairs = |key: &str, from: usize| -> anyhow::Result<Vec<(String, String)>> {
        let list = renames[key].as_array().with_context(|| format!("no `{key}` in wasm-opt's renaming"))?;
        list.iter()
            .map(|entry| {
                let text = |i: usize| entry[i].as_str().map(str::to_owned).context("a renaming that is not text");
                Ok((text(from)?, text(from + 1)?))
            })
            .collect()
    };
    let module_key = format!("\"{GLUE_MODULE}\": import0");
    anyhow::ensure!(glue.matches(&module_key).count() == 1, "the glue's import object is not `{module_key}`");
    let mut glue = glue.replace(&module_key, "\"a\": import0");
    for (old, new) in pairs("imports", 1)? {
        let key = format!("\n        {old}: function(");
        anyhow::ensure!(glue.matches(&key).count() == 1, "the import `{old}` is not defined once in the glue");
        glue = glue.replace(&key, &format!("\n        {}: function(", serde_json::to_string(&new)?));
    }
    let exports: std::collections::HashMap<String, String> = pairs("exports", 0)?.into_iter().collect();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(glue.len());
    let mut rest = glue.as_str();
    while let Some(at) = rest.find("wasm.") {
        let (before, after) = rest.split_at(at);
        out.push_str(before);
        let name_end = after[5..].find(|c: char| !ident(c)).map_or(after.len(), |n| n + 5);
        let name = &after[5..name_end];
        // Part of a longer name (`…_bg.wasm.x`, `foo_wasm.x`): not the exports object.
        if before.ends_with(|c: char| ident(c) || c == '.') {
            out.push_str(&after[..name_end]);
        } else {
            let short = exports.get(name).with_context(|| format!("the glue reads `wasm.{name}`, not an export"))?;
            out.push_str("wasm[");
            out.push_str(&serde_json::to_string(short)?);
            out.push(']');
        }
        rest = &after[name_end..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The gzip sizes of the bundle in `dist`.
pub fn measure(dist: &Path) -> anyhow::Result<BundleSize> {
    let css = gzip_size(&std::fs::read(tools::workspace_root().join("widget/src/widget.css"))?)?;
    Ok(BundleSize {
        wasm: gzip_size(&std::fs::read(dist.join("alumni-consent_bg.wasm"))?)?,
        js: gzip_size(&std::fs::read(dist.join("alumni-consent.js"))?)?,
        css,
    })
}

/// The size of `bytes` after `gzip -9` (what a server sends with static compression).
pub fn gzip_size(bytes: &[u8]) -> anyhow::Result<u64> {
    let mut child = Command::new("gzip")
        .args(["-9", "-n", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("running gzip")?;
    let mut stdin = child.stdin.take().context("gzip stdin")?;
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output()?;
    writer.join().map_err(|_| anyhow::anyhow!("gzip writer panicked"))??;
    anyhow::ensure!(out.status.success(), "gzip failed");
    Ok(out.stdout.len() as u64)
}

/// Bytes as `12.3 KB` (1 KB = 1000 bytes, as the peers' figures are given).
pub fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}
