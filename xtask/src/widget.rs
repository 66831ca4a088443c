//! `cargo xtask widget`: the widget bundle in `dist/widget/` — `alumni-consent.js` (the ES module a page loads:
//! the hand-written loader of `widget/loader/`, with the stylesheet inside, minified by terser), which draws the
//! CTAs and imports the form on intent: `alumni-consent-form.js` (wasm-bindgen's glue, minified) and
//! `alumni-consent_bg.wasm` (optimised by `wasm-opt -Oz`, twice).
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

/// The module a page includes: the hand-written loader, which draws the CTAs (`widget/loader/`).
pub const LOADER_JS: &str = "alumni-consent.js";
/// The form's module, wasm-bindgen's glue, imported by the loader on intent.
pub const FORM_JS: &str = "alumni-consent-form.js";
/// The form's WebAssembly.
pub const FORM_WASM: &str = "alumni-consent_bg.wasm";
/// Where the loader's source takes the stylesheet.
const CSS_SLOT: &str = "__CSS__";

/// Gzip sizes of one bundle, in bytes.
pub struct BundleSize {
    /// The loader, stylesheet included: what a page loads before its CTA works (with the config).
    pub loader: u64,
    /// The form's glue.
    pub form: u64,
    /// The form's wasm module.
    pub wasm: u64,
}

impl BundleSize {
    /// Everything a page transfers up to a submitted form (the config aside).
    pub fn total(&self) -> u64 {
        self.loader + self.form + self.wasm
    }
}

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
            .arg(dist.join(FORM_WASM)),
    )?;

    println!("==> widget: the form's module (wasm-bindgen's glue) and the loader, minified by terser");
    let glue = std::fs::read_to_string(bindgen_dir.join("alumni-consent.js"))?;
    let glue_file = bindgen_dir.join("form.js");
    std::fs::write(&glue_file, use_short_names(&glue, &renames)?)?;
    minify(&node.terser, &glue_file, &dist.join(FORM_JS))?;
    // The loader is hand-written (widget/loader/); the stylesheet goes into it, as a JS string, because the CTA it
    // draws needs it before the form exists.
    let loader = std::fs::read_to_string(root.join("widget/loader/alumni-consent.js"))?;
    let css = std::fs::read_to_string(root.join("widget/src/widget.css"))?;
    anyhow::ensure!(loader.matches(CSS_SLOT).count() == 1, "the loader must name `{CSS_SLOT}` once");
    let loader_file = bindgen_dir.join("loader.js");
    std::fs::write(&loader_file, loader.replace(CSS_SLOT, &serde_json::to_string(&css)?))?;
    minify(&node.terser, &loader_file, &dist.join(LOADER_JS))?;

    let size = measure(&dist)?;
    println!(
        "==> widget: dist/widget/ ({toolchain}), gzip -9: loader {} (css inside; target ≤ 15 KB with the config), \
         form {} wasm + {} js; {} in all (target ≤ 45 KB)",
        kb(size.loader),
        kb(size.wasm),
        kb(size.form),
        kb(size.total()),
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
    let size = |file: &str| gzip_size(&std::fs::read(dist.join(file))?);
    Ok(BundleSize { loader: size(LOADER_JS)?, form: size(FORM_JS)?, wasm: size(FORM_WASM)? })
}

/// Minifies the ES module `from` into `to`.
fn minify(terser: &Path, from: &Path, to: &Path) -> anyhow::Result<()> {
    step(Command::new(terser).arg(from).args(["--module", "--compress", "passes=2", "--mangle", "--output"]).arg(to))
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
