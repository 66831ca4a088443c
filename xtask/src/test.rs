//! `cargo xtask test`: every test of the workspace, with everything it needs installed first.
//!
//! Order: tools → format and lints → widget bundle (the browser and end-to-end tests load it) → native tests
//! (unit, integration, end-to-end in headless Chromium and Firefox ESR) → wasm32 tests (consent in Node.js, widget in
//! Chromium, then in Firefox ESR).

use crate::step::{cargo, run, say};
use crate::{tools, widget};

/// Options of `cargo xtask test`.
#[derive(clap::Args)]
pub struct Args {
    /// Skip `cargo fmt --check` and clippy (quicker local runs; CI never skips them).
    #[arg(long)]
    pub no_lint: bool,
}

pub fn run_all(args: Args) -> anyhow::Result<()> {
    say(
        "Tools: wasm32 target, wasm-bindgen-cli, wasm-opt, terser, axe-core, Chromium, chromedriver, Firefox ESR, geckodriver, aiosmtpd, PostgreSQL",
    );
    let browser = tools::ensure_all_for_tests()?;
    // The embed tests build a real Hugo site with the snippet's partial.
    let hugo = tools::ensure_apt("hugo", "hugo")?;

    if !args.no_lint {
        say("Format and lints");
        run(cargo().args(["fmt", "--all", "--check"]))?;
        run(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
        run(cargo().args([
            "clippy",
            "-p",
            "widget",
            "-p",
            "consent",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))?;
    }

    say("Widget bundle (dist/widget/) for the browser and end-to-end tests");
    widget::run(widget::Args::default())?;

    say("Binaries the end-to-end tests start");
    run(cargo().args(["build", "-p", "collector", "-p", "site-kit"]))?;

    say("The demo's first run (cargo xtask demo): alumni join through the real API into a fresh data folder");
    crate::demo::check_seed()?;

    say(
        "Native tests: unit, integration, end-to-end (real collector on SQLite and PostgreSQL, real SMTP, headless Chromium)",
    );
    run(cargo()
        .args(["test", "--workspace", "--exclude", "widget"])
        .env("CHROMEDRIVER", &browser.chromedriver)
        .env("CHROMIUM", &browser.chromium)
        .env("GECKODRIVER", &browser.geckodriver)
        .env("FIREFOX", &browser.firefox)
        .env("HUGO", &hugo))?;

    say("wasm32 tests: consent in Node.js (same notice version, same signature checks as native)");
    run(cargo().args(["test", "-p", "consent", "--target", "wasm32-unknown-unknown"]))?;

    // wasm-bindgen-test-runner takes the first driver it finds (GECKODRIVER before CHROMEDRIVER, then PATH):
    // each run names its own and hides the other.
    let drivers = [
        ("Chromium", "CHROMEDRIVER", &browser.chromedriver, "GECKODRIVER"),
        ("Firefox ESR (fresh profile)", "GECKODRIVER", &browser.geckodriver, "CHROMEDRIVER"),
    ];
    for (name, var, driver, other) in drivers {
        say(&format!("wasm32 tests: widget in headless {name} (wasm-bindgen-test)"));
        run(cargo()
            .args(["test", "-p", "widget", "--target", "wasm32-unknown-unknown"])
            .current_dir("widget")
            .env_remove(other)
            .env(var, driver))?;
    }

    say("All tests passed");
    Ok(())
}
