//! The harness of the end-to-end tests: real processes on loopback, driven as a user would.
//!
//! - [`Collector`]: the `collector` binary on a free port with its own data folder;
//! - [`SmtpSink`]: a real SMTP server (aiosmtpd) saving each message as a file;
//! - [`Site`]: an example site built by the `site-kit` binary and served by a static file server (with extra
//!   headers such as a strict CSP when a test wants them);
//! - [`Browser`]: headless Debian Chromium through chromedriver (WebDriver), with shadow-DOM helpers,
//!   screenshots under `target/e2e/` and axe-core.
//!
//! The binaries are the workspace's `target/debug/{collector,site-kit}` (built by `cargo xtask test`), or those in
//! `$ALUMNI_BIN_DIR`.

mod browser;
mod collector;
mod site;
mod smtp;
mod workspace;

pub use browser::{Browser, Engine};
pub use collector::Collector;
pub use site::{Site, StaticServer};
pub use smtp::{Email, SmtpSink};
pub use workspace::{bin, free_port, root, wait_until};
